// The thread routes, each for the caller's own threads only (another user's thread id is simply
// not found): GET /workflow/threads (list, paginated), GET /workflow/threads/:thread_id (latest
// state), DELETE /workflow/threads/:thread_id.
import express, { type Request, type RequestHandler } from 'express';
import { BatonError } from '@baton/errors';
import type { Caller } from '@baton/identity';
import type { WorkflowGraph } from './graph.js';
import type { ThreadRecord } from './thread-index.js';
import type { ThreadManager } from './thread-manager.js';
import { toOutput, type WorkflowStateType } from './state.js';
import { ownerKey, scopedThreadId } from './threads.js';

export interface ThreadRoutesDeps {
  auth: RequestHandler;
  /** Absent when threads are off: every route answers WORKFLOW_THREADS_DISABLED. */
  threadedGraph?: WorkflowGraph;
  threads?: ThreadManager;
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
  if (typeof raw !== 'string') throw new BatonError('WORKFLOW_THREAD_CURSOR_INVALID', 'cursor must be one string');
  return raw;
}

export function threadRoutes(deps: ThreadRoutesDeps): express.Router {
  const { auth, threadedGraph, threads } = deps;
  const router = express.Router();
  const disabled = () => new BatonError('WORKFLOW_THREADS_DISABLED', 'threads are off (CHECKPOINTER=none)');
  const enabled = (): { graph: WorkflowGraph; manager: ThreadManager } => {
    if (!threadedGraph || !threads) throw disabled();
    return { graph: threadedGraph, manager: threads };
  };

  router.get('/workflow/threads', auth, async (req, res) => {
    const { manager } = enabled();
    const page = await manager.list(ownerKey(callerOf(req)), limitOf(req), cursorOf(req));
    res.json({ threads: page.threads.map(toWire), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) });
  });

  // A thread's latest state, read from the checkpointer: the same on every replica sharing it.
  router.get('/workflow/threads/:thread_id', auth, async (req, res) => {
    if (!threadedGraph) throw disabled();
    const threadId = req.params.thread_id as string;
    const caller = callerOf(req);
    const snapshot = await threadedGraph.getState({ configurable: { thread_id: scopedThreadId(caller, threadId) } });
    if (!snapshot.createdAt || Object.keys(snapshot.values ?? {}).length === 0) {
      throw new BatonError('WORKFLOW_THREAD_NOT_FOUND', 'No such thread');
    }
    const row = await threads?.get(ownerKey(caller), threadId);
    res.json({
      thread_id: threadId,
      values: toOutput(snapshot.values as WorkflowStateType),
      next: snapshot.next,
      updated_at: snapshot.createdAt,
      ...(row ? { created_at: row.createdAt.toISOString(), checkpoints: row.checkpoints, size_bytes: row.sizeBytes } : {}),
    });
  });

  router.delete('/workflow/threads/:thread_id', auth, async (req, res) => {
    const { manager } = enabled();
    const caller = callerOf(req);
    const threadId = req.params.thread_id as string;
    scopedThreadId(caller, threadId); // validates the id
    if (!(await manager.remove(ownerKey(caller), threadId))) throw new BatonError('WORKFLOW_THREAD_NOT_FOUND', 'No such thread');
    res.status(204).end();
  });

  return router;
}
