import type { Express } from 'express';
import type { z } from 'zod';
import { createAgentApp, fromDeps, type AgentDeps } from '@baton/agent-host';
import type { configSchema } from './config.js';
import { createResearchRunnable } from './research.js';
import { researchInputSchema, researchOutputSchema } from '@baton/contract/wire';

export type ResearchDeps = AgentDeps<z.infer<typeof configSchema>>;

/** The research agent's Express app (no listen, no process.env). */
export function createApp(deps: ResearchDeps): Express {
  return createAgentApp({
    ...fromDeps(deps),
    runnable: createResearchRunnable(),
    inputSchema: researchInputSchema,
    outputSchema: researchOutputSchema,
  });
}
