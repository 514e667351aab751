import type { Express } from 'express';
import type { z } from 'zod';
import { createAgentApp, type AgentDeps } from '@baton/agent-host';
import type { configSchema } from './config.js';
import { createResearchRunnable } from './research.js';
import { researchInputSchema, researchOutputSchema } from './schema.js';

export type ResearchDeps = AgentDeps<z.infer<typeof configSchema>>;

/** The research agent's Express app (no listen, no process.env). */
export function createApp(deps: ResearchDeps): Express {
  const { settings } = deps;
  return createAgentApp({
    name: settings.name,
    path: settings.path,
    runnable: createResearchRunnable(),
    inputSchema: researchInputSchema,
    outputSchema: researchOutputSchema,
    verifier: deps.verifier,
    auditor: deps.auditor,
    logger: deps.logger,
    scopes: settings.scopes,
    allowedActors: settings.allowedActors,
    allowedPeers: settings.allowedPeers,
    mode: settings.mode,
  });
}
