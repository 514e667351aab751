// The caller's own threads: create, get, search, patch metadata, delete, state, history. Another
// user's thread id is simply not found (the thread key is scoped to its owner).
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { BatonError } from '@baton/errors';
import { PLATFORM_ERRORS, WORKFLOW_THREAD_ERRORS } from './error-codes.js';
import type { PlatformGraphRunnable, PlatformThreadRecord, ResolvedPlatformOptions } from './options.js';
import { callerOf, threadRef, type BusyThreads, type ThreadRef } from './run-plan.js';
import { threadShape, threadState } from './thread-shape.js';
import type { ThreadMetadata } from './thread-metadata.js';
import { toJson } from './stream-events.js';

/** Bytes of JSON one thread's metadata may take. */
export const MAX_METADATA_BYTES = 16 * 1024;
/** Most threads `POST /threads/search` looks through (`offset + limit`). */
export const MAX_SEARCH_WINDOW = 1000;

interface ThreadsContext {
  opts: ResolvedPlatformOptions;
  busy: BusyThreads;
}

const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine(
    (m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES,
    `metadata may take at most ${MAX_METADATA_BYTES} bytes of JSON`,
  );

const createBody = z.object({
  thread_id: z.string().optional(),
  metadata: metadataSchema.nullish(),
  if_exists: z.enum(['raise', 'do_nothing']).nullish(),
  supersteps: z.array(z.unknown()).nullish(),
  ttl: z.unknown().optional(),
});

const searchBody = z.object({
  metadata: z.record(z.string(), z.unknown()).nullish(),
  ids: z.array(z.string()).max(100).nullish(),
  limit: z.number().int().min(1).max(100).nullish(),
  offset: z.number().int().min(0).nullish(),
  status: z.unknown().optional(),
  sort_by: z.enum(['thread_id', 'status', 'created_at', 'updated_at', 'state_updated_at']).nullish(),
  sort_order: z.enum(['asc', 'desc']).nullish(),
  select: z.unknown().optional(),
  values: z.unknown().optional(),
  extract: z.unknown().optional(),
});

const checkpointSchema = z
  .object({ checkpoint_id: z.string().max(200).nullish(), checkpoint_ns: z.string().max(200).nullish() })
  .passthrough()
  .nullish();

const updateBody = z.object({
  values: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()).max(100)]).nullish(),
  as_node: z.string().max(200).nullish(),
  checkpoint: checkpointSchema,
  checkpoint_id: z.string().max(200).nullish(),
});

/** Most states one history page answers (a larger `limit` is lowered to it). */
export const MAX_HISTORY_PAGE = 100;

const historyBody = z.object({
  limit: z.number().int().min(1).nullish(),
  // A checkpoint id, a checkpoint (RemoteGraph: `{thread_id, checkpoint_id, ...}`) or a config (the SDK's `{configurable}`).
  before: z
    .union([
      z.string().max(200),
      z
        .object({
          checkpoint_id: z.string().max(200).optional(),
          configurable: z
            .object({ checkpoint_id: z.string().max(200).optional() })
            .passthrough()
            .optional(),
        })
        .passthrough(),
    ])
    .nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  checkpoint: checkpointSchema,
  select: z.unknown().optional(),
});

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const detail = r.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new BatonError(PLATFORM_ERRORS.PLATFORM_REQUEST_INVALID, 'The request does not have the Platform API shape', { detail });
  }
  return r.data;
}

const notFound = () => new BatonError(WORKFLOW_THREAD_ERRORS.WORKFLOW_THREAD_NOT_FOUND, 'No such thread');

function send(res: Response, value: unknown, hide?: string): void {
  res.status(200).type('application/json').send(toJson(value, hide));
}

class ThreadHandlers {
  constructor(private readonly ctx: ThreadsContext) {}

  private get threads() {
    if (!this.ctx.opts.threads)
      throw new BatonError(WORKFLOW_THREAD_ERRORS.WORKFLOW_THREADS_DISABLED, 'threads are off (CHECKPOINTER=none)');
    return this.ctx.opts.threads;
  }

  /** The graph whose checkpointer holds the threads (the first served graph with one). */
  private get graph(): PlatformGraphRunnable {
    for (const g of this.ctx.opts.graphs.values()) if (g.threadedGraph) return g.threadedGraph;
    throw new BatonError(WORKFLOW_THREAD_ERRORS.WORKFLOW_THREADS_DISABLED, 'threads are off (no graph has a checkpointer)');
  }

  private ref(req: Request, threadId = String(req.params.thread_id)): ThreadRef {
    return threadRef(this.ctx.opts, callerOf(req), threadId);
  }

  private async row(ref: ThreadRef): Promise<PlatformThreadRecord> {
    const row = await this.threads.manager.get(ref.owner, ref.threadId);
    if (!row) throw notFound();
    return row;
  }

  private async thread(ref: ThreadRef, row: PlatformThreadRecord) {
    const snapshot = await this.graph.getState({ configurable: { thread_id: ref.scoped } });
    return threadShape(ref, row, snapshot, await this.ctx.opts.metadata.get(ref.scoped), this.ctx.busy.has(ref.scoped));
  }

  create: RequestHandler = async (req, res) => {
    const body = parse(createBody, req.body);
    if (body.supersteps?.length) throw new BatonError(PLATFORM_ERRORS.PLATFORM_FIELD_UNSUPPORTED, 'supersteps: not supported yet');
    const ref = this.ref(req, body.thread_id ?? randomUUID());
    const existing = await this.threads.manager.get(ref.owner, ref.threadId);
    if (existing) {
      if (body.if_exists !== 'do_nothing') throw new BatonError(PLATFORM_ERRORS.PLATFORM_THREAD_EXISTS, 'The thread already exists');
      return send(res, await this.thread(ref, existing), ref.hide);
    }
    await this.threads.manager.begin(ref.scoped);
    if (body.metadata) await this.ctx.opts.metadata.set(ref.scoped, body.metadata);
    send(res, await this.thread(ref, await this.row(ref)), ref.hide);
  };

  get: RequestHandler = async (req, res) => {
    const ref = this.ref(req);
    send(res, await this.thread(ref, await this.row(ref)), ref.hide);
  };

  patch: RequestHandler = async (req, res) => {
    const body = parse(z.object({ metadata: metadataSchema.nullish(), ttl: z.unknown().optional() }), req.body);
    const ref = this.ref(req);
    const row = await this.row(ref);
    if (body.metadata) {
      const merged: ThreadMetadata = { ...((await this.ctx.opts.metadata.get(ref.scoped)) ?? {}), ...body.metadata };
      parse(metadataSchema, merged);
      await this.ctx.opts.metadata.set(ref.scoped, merged);
    }
    send(res, await this.thread(ref, row), ref.hide);
  };

  remove: RequestHandler = async (req, res) => {
    const ref = this.ref(req);
    if (this.ctx.busy.has(ref.scoped))
      throw new BatonError(PLATFORM_ERRORS.PLATFORM_THREAD_BUSY, 'The thread has a run in progress: cancel it first');
    if (!(await this.threads.manager.remove(ref.owner, ref.threadId))) throw notFound();
    await this.ctx.opts.metadata.delete(ref.scoped);
    res.status(204).end();
  };

  search: RequestHandler = async (req, res) => {
    const body = parse(searchBody, req.body);
    for (const field of ['status', 'values', 'extract'] as const) {
      if (body[field] !== undefined && body[field] !== null) {
        throw new BatonError(PLATFORM_ERRORS.PLATFORM_FIELD_UNSUPPORTED, `${field}: searching threads by ${field} is not supported yet`);
      }
    }
    const limit = body.limit ?? 10;
    const offset = body.offset ?? 0;
    if (offset + limit > MAX_SEARCH_WINDOW)
      throw new BatonError(PLATFORM_ERRORS.PLATFORM_REQUEST_INVALID, `offset + limit may be at most ${MAX_SEARCH_WINDOW}`);
    const caller = callerOf(req);
    const rows = await this.matching(this.threads.ownerKey(caller), caller, body, offset + limit);
    if (body.sort_order === 'asc') rows.reverse();
    const page = rows.slice(offset, offset + limit);
    const out = [];
    for (const row of page) out.push(await this.thread(this.ref(req, row.threadId), row));
    send(res, out, page[0] ? this.ref(req, page[0].threadId).hide : undefined);
  };

  /** The owner's threads (newest first) that pass the `ids` and `metadata` filters, at most `want`. */
  private async matching(owner: string, caller: { iss: string; sub: string }, body: z.infer<typeof searchBody>, want: number) {
    const out: PlatformThreadRecord[] = [];
    let cursor: string | undefined;
    let seen = 0;
    do {
      const page = await this.threads.manager.list(owner, 100, cursor);
      for (const row of page.threads) {
        if (body.ids && !body.ids.includes(row.threadId)) continue;
        if (body.metadata && !(await this.metadataMatches(this.threads.scopedThreadId(caller, row.threadId), body.metadata))) continue;
        out.push(row);
      }
      seen += page.threads.length;
      cursor = page.nextCursor;
    } while (cursor && out.length < want && seen < MAX_SEARCH_WINDOW * 10);
    return out;
  }

  private async metadataMatches(scoped: string, filter: Record<string, unknown>): Promise<boolean> {
    const metadata = (await this.ctx.opts.metadata.get(scoped)) ?? {};
    return Object.entries(filter).every(([k, v]) => JSON.stringify(metadata[k]) === JSON.stringify(v));
  }

  /**
   * `GET /threads/{id}/state[/{checkpoint_id}]` and `POST /threads/{id}/state/checkpoint`
   * (`{checkpoint: {checkpoint_id?, checkpoint_ns?}}`, what RemoteGraph.getState sends): always the
   * path's thread of the caller; a `thread_id` inside the body's checkpoint is ignored.
   */
  state: RequestHandler = async (req, res) => {
    const ref = this.ref(req);
    await this.row(ref);
    const fromBody =
      req.method === 'POST' ? parse(z.object({ checkpoint: checkpointSchema }).passthrough(), req.body).checkpoint : undefined;
    const checkpointId = req.params.checkpoint_id === undefined ? fromBody?.checkpoint_id : String(req.params.checkpoint_id);
    const configurable = {
      thread_id: ref.scoped,
      ...(checkpointId ? { checkpoint_id: checkpointId } : {}),
      ...(fromBody?.checkpoint_ns ? { checkpoint_ns: fromBody.checkpoint_ns } : {}),
    };
    const snapshot = await this.graph.getState({ configurable });
    if (checkpointId && !snapshot.createdAt)
      throw new BatonError(WORKFLOW_THREAD_ERRORS.WORKFLOW_THREAD_NOT_FOUND, 'No such checkpoint on this thread');
    send(res, threadState(ref.threadId, snapshot), ref.hide);
  };

  /**
   * `threads.updateState`: the caller's own thread only, at its latest checkpoint (or one of its
   * own, by id); refused while a run is in progress on it. As LangGraph's `updateState`, it can
   * change anything in the state: the owner's own gate, not a security control.
   */
  updateState: RequestHandler = async (req, res) => {
    const body = parse(updateBody, req.body);
    const ref = this.ref(req);
    await this.row(ref);
    if (this.ctx.busy.has(ref.scoped)) throw new BatonError(PLATFORM_ERRORS.PLATFORM_THREAD_BUSY, 'The thread has a run in progress');
    const checkpointId = body.checkpoint_id ?? body.checkpoint?.checkpoint_id ?? undefined;
    const configurable = { thread_id: ref.scoped, ...(checkpointId ? { checkpoint_id: checkpointId } : {}) };
    if (checkpointId && !(await this.graph.getState({ configurable })).createdAt) {
      throw new BatonError(WORKFLOW_THREAD_ERRORS.WORKFLOW_THREAD_NOT_FOUND, 'No such checkpoint on this thread');
    }
    const next = await this.graph.updateState({ configurable }, body.values ?? null, body.as_node ?? undefined);
    await this.threads.manager.finish(ref.scoped);
    const c = next.configurable ?? {};
    const checkpoint = {
      thread_id: ref.threadId,
      checkpoint_ns: String(c.checkpoint_ns ?? ''),
      checkpoint_id: c.checkpoint_id ?? null,
      checkpoint_map: null,
    };
    // `checkpoint` is what RemoteGraph reads; the SDK's type names the new config's `configurable`.
    const { checkpoint_map: _map, ...nextConfigurable } = checkpoint;
    send(res, { checkpoint, configurable: nextConfigurable }, ref.hide);
  };

  history: RequestHandler = async (req, res) => {
    const body = parse(historyBody, req.body);
    const ref = this.ref(req);
    await this.row(ref);
    const configurable = {
      thread_id: ref.scoped,
      ...(typeof body.checkpoint?.checkpoint_ns === 'string' ? { checkpoint_ns: body.checkpoint.checkpoint_ns } : {}),
      ...(body.checkpoint?.checkpoint_id ? { checkpoint_id: body.checkpoint.checkpoint_id } : {}),
    };
    const beforeId =
      typeof body.before === 'string' ? body.before : (body.before?.checkpoint_id ?? body.before?.configurable?.checkpoint_id);
    const options = {
      limit: Math.min(body.limit ?? 10, MAX_HISTORY_PAGE),
      ...(beforeId ? { before: { configurable: { thread_id: ref.scoped, checkpoint_id: beforeId } } } : {}),
      ...(body.metadata ? { filter: body.metadata } : {}),
    };
    const out = [];
    for await (const s of this.graph.getStateHistory({ configurable }, options)) out.push(threadState(ref.threadId, s));
    send(res, out, ref.hide);
  };
}

export function threadsRoutes(router: Router, ctx: ThreadsContext, pre: RequestHandler[]): void {
  const h = new ThreadHandlers(ctx);
  router.post('/threads', ...pre, h.create);
  router.post('/threads/search', ...pre, h.search);
  router.get('/threads/:thread_id', ...pre, h.get);
  router.patch('/threads/:thread_id', ...pre, h.patch);
  router.delete('/threads/:thread_id', ...pre, h.remove);
  router.get('/threads/:thread_id/state', ...pre, h.state);
  router.get('/threads/:thread_id/state/:checkpoint_id', ...pre, h.state);
  router.post('/threads/:thread_id/history', ...pre, h.history);
  router.post('/threads/:thread_id/state/checkpoint', ...pre, h.state);
  router.post('/threads/:thread_id/state', ...pre, h.updateState);
}
