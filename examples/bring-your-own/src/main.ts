// The workflow service: the graph served with Baton's workflow server (verification of every
// caller, the caller carried in the run's context, token exchange per agent, threads, limits).
import { z } from 'zod';
import { serveWorkflow } from '@baton/workflow-server';
import { buildGraph } from './graph.js';
import { SUMMARIZER, WORKFLOW } from './topology.js';

await serveWorkflow({
  ...WORKFLOW,
  agents: [SUMMARIZER],
  graph: buildGraph,
  inputSchema: z.object({ text: z.string().min(1).max(50_000) }),
});
