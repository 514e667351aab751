// A caller's runs after they started: get, list, join, joinStream (with `Last-Event-ID`), cancel,
// delete. A run is found only by its owner and on its own thread: anything else is the same 404.
import type { Request, RequestHandler, Response, Router } from 'express';
import { BatonError } from '@baton/errors';
import { PLATFORM_ERRORS, WORKFLOW_THREAD_ERRORS } from './error-codes.js';
import { runOwnerKey } from '@baton/runnable-server';
import { callerOf, threadRef } from './run-plan.js';
import type { RunRecord, RunStatus } from './run-store.js';
import { outcome, runShape, streamRecord, type RunsContext } from './runs-routes.js';
import { toJson } from './stream-events.js';

const noSuchRun = () => new BatonError('RUNNABLE_RUN_NOT_FOUND', 'No such run');

const STATUSES: readonly RunStatus[] = ['pending', 'running', 'error', 'success', 'timeout', 'interrupted'];

/** `Last-Event-ID`: `-1` (from the start), `<run_id>:<seq>` or `<seq>`; absent: only what comes next. */
export function afterSeqOf(header: string | undefined, live: number): number {
  if (header === undefined || header === '') return live;
  const text = header.slice(header.lastIndexOf(':') + 1);
  if (!/^-?\d{1,15}$/.test(text))
    throw new BatonError(PLATFORM_ERRORS.PLATFORM_REQUEST_INVALID, 'Last-Event-ID is not an event id of this run');
  return Math.max(-1, Number(text));
}

function flag(value: unknown): boolean {
  return value === '1' || value === 'true';
}

function intParam(value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= max)) throw new BatonError(PLATFORM_ERRORS.PLATFORM_REQUEST_INVALID, `limit and offset must be integers 0-${max}`);
  return n;
}

class RunRecordHandlers {
  constructor(private readonly ctx: RunsContext) {}

  /** The caller's run `run_id` on the path's thread (or a stateless run when the path has none). */
  private record(req: Request): RunRecord {
    const caller = callerOf(req);
    const record = this.ctx.store.get(String(req.params.run_id), runOwnerKey(caller));
    const scoped = req.params.thread_id === undefined ? undefined : threadRef(this.ctx.opts, caller, String(req.params.thread_id)).scoped;
    if (!record || record.scoped !== scoped) throw noSuchRun();
    return record;
  }

  /** The client that joined asked for the run to stop when it leaves (`cancel_on_disconnect=1`). */
  private cancelOnClose(req: Request, res: Response, record: RunRecord): void {
    if (!flag(req.query.cancel_on_disconnect)) return;
    res.on('close', () => {
      if (!res.writableFinished) this.ctx.opts.runs.cancel(record.runId, record.owner);
    });
  }

  get: RequestHandler = (req, res) => void res.json(runShape(this.record(req)));

  list: RequestHandler = async (req, res) => {
    const caller = callerOf(req);
    const ref = threadRef(this.ctx.opts, caller, String(req.params.thread_id));
    if (!(await this.ctx.opts.threads!.manager.get(ref.owner, ref.threadId)))
      throw new BatonError(WORKFLOW_THREAD_ERRORS.WORKFLOW_THREAD_NOT_FOUND, 'No such thread');
    const status = req.query.status;
    if (status !== undefined && !STATUSES.includes(status as RunStatus))
      throw new BatonError(PLATFORM_ERRORS.PLATFORM_REQUEST_INVALID, 'unknown run status');
    const options = { limit: intParam(req.query.limit, 10, 100), offset: intParam(req.query.offset, 0, 10_000) };
    const runs = this.ctx.store.list(runOwnerKey(caller), ref.scoped, { ...options, ...(status ? { status: status as string } : {}) });
    res.json(runs.map(runShape));
  };

  join: RequestHandler = async (req, res) => {
    const record = this.record(req);
    this.cancelOnClose(req, res, record);
    await record.done;
    if (res.destroyed || res.writableEnded) return;
    const hide = record.scoped === undefined ? undefined : record.scoped.slice(0, record.scoped.length - record.threadId!.length);
    res
      .status(200)
      .type('application/json')
      .send(toJson(outcome(record), hide));
  };

  joinStream: RequestHandler = async (req, res) => {
    const record = this.record(req);
    const after = afterSeqOf(req.get('last-event-id'), this.ctx.store.position(record));
    this.cancelOnClose(req, res, record);
    const location =
      record.threadId === undefined ? `/runs/${record.runId}` : `/threads/${encodeURIComponent(record.threadId)}/runs/${record.runId}`;
    await streamRecord(this.ctx, res, record, after, { 'content-location': location });
  };

  /**
   * The caller's own live run on that thread, aborted with every agent call it has open: 202, or
   * 204 once it stopped (`wait=1`). An unknown, finished, foreign or other-thread run is the same 404.
   */
  cancel: RequestHandler = async (req, res) => {
    if (req.query.action !== undefined && req.query.action !== 'interrupt') {
      throw new BatonError(PLATFORM_ERRORS.PLATFORM_FIELD_UNSUPPORTED, 'action: only interrupt is supported (rollback is not yet)');
    }
    const record = this.record(req);
    if (!this.ctx.opts.runs.cancel(record.runId, record.owner)) throw noSuchRun();
    if (flag(req.query.wait)) {
      await record.done;
      res.status(204).end();
      return;
    }
    res.status(202).json({ run_id: record.runId, status: 'cancelling' });
  };

  remove: RequestHandler = (req, res) => {
    const record = this.record(req);
    if (record.status === 'pending' || record.status === 'running') {
      throw new BatonError(PLATFORM_ERRORS.PLATFORM_THREAD_BUSY, 'The run is in progress: cancel it first');
    }
    this.ctx.store.delete(record.runId, record.owner);
    res.status(204).end();
  };
}

export function runRecordsRoutes(router: Router, ctx: RunsContext, pre: RequestHandler[]): void {
  const h = new RunRecordHandlers(ctx);
  router.get('/threads/:thread_id/runs', ...pre, h.list);
  router.get('/threads/:thread_id/runs/:run_id', ...pre, h.get);
  router.delete('/threads/:thread_id/runs/:run_id', ...pre, h.remove);
  router.get('/threads/:thread_id/runs/:run_id/join', ...pre, h.join);
  router.get('/threads/:thread_id/runs/:run_id/stream', ...pre, h.joinStream);
  router.get('/runs/:run_id/stream', ...pre, h.joinStream);
  router.post('/threads/:thread_id/runs/:run_id/cancel', ...pre, h.cancel);
}
