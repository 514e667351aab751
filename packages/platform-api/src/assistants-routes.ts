// The served graphs as assistants: one per graph, its `assistant_id` the graph id. They are
// configured by the server, not created over the API.
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import { BatonError } from '@baton/errors';
import { PLATFORM_ERRORS } from './error-codes.js';
import type { PlatformGraph, ResolvedPlatformOptions } from './options.js';
import { graphOf } from './run-plan.js';

const searchBody = z
  .object({
    graph_id: z.string().max(200).nullish(),
    name: z.string().max(200).nullish(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
    limit: z.number().int().min(1).max(1000).nullish(),
    offset: z.number().int().min(0).nullish(),
  })
  .passthrough();

function assistantShape(g: PlatformGraph, startedAt: string) {
  return {
    assistant_id: g.graphId,
    graph_id: g.graphId,
    config: {},
    context: {},
    created_at: startedAt,
    updated_at: startedAt,
    metadata: { created_by: 'system' },
    version: 1,
    name: g.name ?? g.graphId,
    ...(g.description ? { description: g.description } : {}),
  };
}

function matches(g: PlatformGraph, q: z.infer<typeof searchBody>): boolean {
  if (q.graph_id && q.graph_id !== g.graphId) return false;
  if (q.name && !(g.name ?? g.graphId).includes(q.name)) return false;
  const metadata: Record<string, unknown> = { created_by: 'system' };
  return Object.entries(q.metadata ?? {}).every(([k, v]) => metadata[k] === v);
}

function parseSearch(raw: unknown) {
  const r = searchBody.safeParse(raw ?? {});
  if (!r.success)
    throw new BatonError(PLATFORM_ERRORS.PLATFORM_REQUEST_INVALID, 'The assistant search does not have the Platform API shape');
  return r.data;
}

export function assistantsRoutes(router: Router, opts: ResolvedPlatformOptions, pre: RequestHandler[]): void {
  const startedAt = opts.now().toISOString();
  const all = () => [...opts.graphs.values()];
  router.post('/assistants/search', ...pre, (req, res) => {
    const q = parseSearch(req.body);
    const found = all().filter((g) => matches(g, q));
    const offset = q.offset ?? 0;
    res.json(found.slice(offset, offset + (q.limit ?? 10)).map((g) => assistantShape(g, startedAt)));
  });
  router.post('/assistants/count', ...pre, (req, res) => {
    const q = parseSearch(req.body);
    res.json(all().filter((g) => matches(g, q)).length);
  });
  router.get('/assistants/:assistant_id', ...pre, (req, res) => {
    res.json(assistantShape(graphOf(opts, String(req.params.assistant_id)), startedAt));
  });
  router.get('/assistants/:assistant_id/graph', ...pre, async (req, res) => {
    const g = graphOf(opts, String(req.params.assistant_id));
    const drawable = await g.graph.getGraphAsync();
    res.json(drawable.toJSON());
  });
  router.get('/assistants/:assistant_id/schemas', ...pre, (req, res) => {
    const g = graphOf(opts, String(req.params.assistant_id));
    const s = g.schemas ?? {};
    res.json({
      graph_id: g.graphId,
      input_schema: s.input ?? null,
      output_schema: s.output ?? null,
      state_schema: s.state ?? null,
      config_schema: s.config ?? null,
      context_schema: s.context ?? null,
    });
  });
  router.get(['/assistants/:assistant_id/subgraphs', '/assistants/:assistant_id/subgraphs/:namespace'], ...pre, (req, res) => {
    graphOf(opts, String(req.params.assistant_id));
    res.json({});
  });
  const configured: RequestHandler = () => {
    throw new BatonError(
      PLATFORM_ERRORS.PLATFORM_FIELD_UNSUPPORTED,
      'assistants are the graphs this server serves; they are not created, changed or deleted over the API',
    );
  };
  router.post('/assistants', ...pre, configured);
  router.patch('/assistants/:assistant_id', ...pre, configured);
  router.delete('/assistants/:assistant_id', ...pre, configured);
  router.post(['/assistants/:assistant_id/versions', '/assistants/:assistant_id/latest'], ...pre, configured);
}
