// The thread routes, each for the caller's own threads only (another user's thread id is simply
// not found): GET {path}/threads (list, paginated), GET {path}/threads/:thread_id (latest
// state), DELETE {path}/threads/:thread_id.
import express, { type Request, type RequestHandler } from 'express';
import { BatonError } from '@baton/errors';
import { WORKFLOW_ERRORS } from './error-codes.js';
import type { Caller } from '@baton/identity';
import type { ServedGraph } from './graph-runnable.js';
import type { ThreadRecord } from './thread-index.js';
import type { ThreadManager } from './thread-manager.js';
import { ownerKey, scopedThreadId } from './threads.js';

export interface ThreadRoutesDeps {
  auth: RequestHandler;
  /** Mount path of the graph's routes (`/workflow`): the thread routes are under `{path}/threads`. */
  path: string;
  /** Absent when threads are off: every route answers WORKFLOW_THREADS_DISABLED. */
  threadedGraph?: ServedGraph;
  threads?: ThreadManager;
  /** A thread's `values` from its latest checkpointed state (default: the state itself). */
  values?: (state: Record<string, unknown>) => unknown;
}

export const THREAD_LIST_DEFAULT_LIMIT = 20;
export const THREAD_LIST_MAX_LIMIT = 100;

function callerOf(req: Request): Caller {
  if (!req.auth) throw new BatonError('SERVER_INTERNAL', 'route reached without authentication', { expose: false });
  return req.auth;
}

const toWire = (r: ThreadRecord) => ({
  thread_id: r.threadId,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
  checkpoints: r.checkpoints,
  size_bytes: r.sizeBytes,
});

function limitOf(req: Request): number {
  const raw = req.query.limit;
  if (raw === undefined) return THREAD_LIST_DEFAULT_LIMIT;
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= THREAD_LIST_MAX_LIMIT)) {
    throw new BatonError('REQUEST_INVALID', `limit must be an integer 1-${THREAD_LIST_MAX_LIMIT}`, { status: 400 });
  }
  return n;
}

function cursorOf(req: Request): string | undefined {
  const raw = req.query.cursor;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new BatonError(WORKFLOW_ERRORS.WORKFLOW_THREAD_CURSOR_INVALID, 'cursor must be one string');
  return raw;
}

export function threadRoutes(deps: ThreadRoutesDeps): express.Router {
  const { auth, path, threadedGraph, threads } = deps;
  const values = deps.values ?? ((state: Record<string, unknown>) => state);
  const router = express.Router();
  const disabled = () => new BatonError(WORKFLOW_ERRORS.WORKFLOW_THREADS_DISABLED, 'threads are off (CHECKPOINTER=none)');
  const enabled = (): { graph: ServedGraph; manager: ThreadManager } => {
    if (!threadedGraph || !threads) throw disabled();
    return { graph: threadedGraph, manager: threads };
  };

  router.get(`${path}/threads`, auth, async (req, res) => {
    const { manager } = enabled();
    const page = await manager.list(ownerKey(callerOf(req)), limitOf(req), cursorOf(req));
    res.json({ threads: page.threads.map(toWire), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) });
  });

  // A thread's latest state, read from the checkpointer: the same on every replica sharing it.
  router.get(`${path}/threads/:thread_id`, auth, async (req, res) => {
    if (!threadedGraph) throw disabled();
    const threadId = req.params.thread_id as string;
    const caller = callerOf(req);
    const snapshot = await threadedGraph.getState({ configurable: { thread_id: scopedThreadId(caller, threadId) } });
    if (!snapshot.createdAt || Object.keys(snapshot.values ?? {}).length === 0) {
      throw new BatonError(WORKFLOW_ERRORS.WORKFLOW_THREAD_NOT_FOUND, 'No such thread');
    }
    const row = await threads?.get(ownerKey(caller), threadId);
    res.json({
      thread_id: threadId,
      values: values((snapshot.values ?? {}) as Record<string, unknown>),
      next: snapshot.next,
      updated_at: snapshot.createdAt,
      ...(row ? { created_at: row.createdAt.toISOString(), checkpoints: row.checkpoints, size_bytes: row.sizeBytes } : {}),
    });
  });

  router.delete(`${path}/threads/:thread_id`, auth, async (req, res) => {
    const { manager } = enabled();
    const caller = callerOf(req);
    const threadId = req.params.thread_id as string;
    scopedThreadId(caller, threadId); // validates the id
    if (!(await manager.remove(ownerKey(caller), threadId)))
      throw new BatonError(WORKFLOW_ERRORS.WORKFLOW_THREAD_NOT_FOUND, 'No such thread');
    res.status(204).end();
  });

  return router;
}
