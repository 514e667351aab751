import express, { type Request, type RequestHandler } from 'express';
import { BatonError, type ErrorCodeSet } from '@baton/errors';
import { WORKFLOW_ERRORS } from './error-codes.js';
import { AuthError, type Auditor, type Verifier } from '@baton/auth';
import type { Caller } from '@baton/identity';
import { errorHandler } from '@baton/errors/express';
import { requireAuth } from '@baton/auth/express';
import { addRoutes, type AnyRunnable, type ServerRunConfig } from '@baton/runnable-server';
import { cors, healthRoutes, metrics, requestContext, type Logger } from '@baton/service';
import type { ZodType } from 'zod';
import type { ServedGraph } from './graph-runnable.js';
import type { ThreadManager } from './thread-manager.js';
import { threadRoutes } from './thread-routes.js';
import { scopedThreadId } from './threads.js';
import type { WorkflowRunOptions } from './runs.js';

/** LangGraph's default recursion limit: the most a run gets unless `maxRecursionLimit` says otherwise. */
export const DEFAULT_MAX_RECURSION_LIMIT = 25;

export interface WorkflowAppDeps {
  logger: Logger;
  verifier: Verifier;
  auditor: Auditor;
  /** The graph as a Runnable (`GraphRunnable`). */
  workflow: AnyRunnable;
  /** Mount path of the LangServe routes (default `/workflow`); the thread routes are under `{path}/threads`. */
  path?: string;
  /** The run input's schema (a null input, which resumes a thread, is always accepted); default any. */
  inputSchema?: ZodType;
  /** The output's schema (`output_schema`); default any. */
  outputSchema?: ZodType;
  /** A thread's `values` from its checkpointed state (default: the state itself). */
  threadValues?: (state: Record<string, unknown>) => unknown;
  /** The checkpointed graph, when threads are on: serves `GET {path}/threads/:thread_id`. */
  threadedGraph?: ServedGraph;
  /** Thread limits and index, when threads are on: the quota at a run's start, the thread routes. */
  threads?: ThreadManager;
  /** Scope every workflow call requires (default `workflow:invoke`). */
  scope?: string;
  ready?: () => boolean | Promise<boolean>;
  /** Why it is not ready (`reason` in the `/readyz` 503 body). */
  notReadyReason?: () => string | undefined;
  /** The largest `recursion_limit` a run gets (a caller's larger one is lowered to it): default 25, LangGraph's. */
  maxRecursionLimit?: number;
  /**
   * A request that starts a run is refused (401 `AUTH_TOKEN_LIFETIME_TOO_SHORT`) when the caller's
   * token expires in less than this many seconds (default 30; 0 = no minimum).
   */
  minTokenLifetimeSec?: number;
  /** Origins allowed to call cross-origin (CORS); default none. */
  corsAllowedOrigins?: readonly string[];
  /** Clock (tests). Default `Date.now`. */
  now?: () => number;
  /** Run bounds (limits, live runs for cancel and drain, SSE write deadline, resume windows): `createWorkflowRuns`. */
  runs?: WorkflowRunOptions;
  /**
   * More routes on the same app (another API over the same graph and stores), mounted after the
   * LangServe and thread routes and before the JSON 404 and the error handler; `auth` is the
   * workflow's `requireAuth` (its scope, audit and token-lifetime gate).
   */
  mount?: (app: express.Express, context: { auth: RequestHandler }) => void;
  /**
   * The graph's own error codes (sets from `defineErrorCodes`), beside the core ones and
   * `WORKFLOW_ERRORS` (always included): a node's error that is not a BatonError but carries one
   * of them as its `code` answers with it (the error handler, the LangServe routes' runs).
   */
  errorCodes?: readonly ErrorCodeSet[];
}

/**
 * Before a run starts, the caller's token must live long enough for it: every exchange of the run
 * is made with it, and the issuer refuses an expired one mid-run. Runs start on POST without
 * `Last-Event-ID` (a reconnect starts none); reading schemas, threads or a resumed stream needs
 * only a valid token. Checked inside `requireAuth`, so the refusal is audited like any other.
 */
function tokenLifetimeCheck(minSec: number, now: () => number) {
  return (req: Request, caller: Caller): void => {
    if (minSec <= 0 || req.method !== 'POST' || req.headers['last-event-id'] !== undefined) return;
    if (caller.exp * 1000 - now() < minSec * 1000) {
      throw new AuthError(
        'AUTH_TOKEN_LIFETIME_TOO_SHORT',
        `The access token expires in less than ${minSec} s, too soon for a run; use a fresh token`,
      );
    }
  };
}

/** Whether the request asks to resume (a null `input`, or a null among batch `inputs`): LangGraph's "continue from the last checkpoint". */
function resumes(req: Request): boolean {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null) return false;
  const { input, inputs } = body as { input?: unknown; inputs?: unknown };
  return input === null || (Array.isArray(inputs) && inputs.includes(null));
}

/**
 * A resume needs a thread of the caller's with a checkpoint to continue from: without a
 * `thread_id` the input is invalid (422), an unknown thread is 404. A finished thread (no next
 * node) is resumed too: the graph runs no node and the answer is its final state again, so a
 * client that retries a resume after another replica finished the run gets the result.
 */
async function checkResume(graph: ServedGraph | undefined, scoped: string | undefined): Promise<void> {
  if (scoped === undefined) {
    throw new BatonError('RUNNABLE_INPUT_INVALID', 'input may be null only to resume a thread: pass config.configurable.thread_id');
  }
  const snapshot = await graph?.getState({ configurable: { thread_id: scoped } });
  if (!snapshot?.createdAt || Object.keys((snapshot.values as object | undefined) ?? {}).length === 0) {
    throw new BatonError(WORKFLOW_ERRORS.WORKFLOW_THREAD_NOT_FOUND, 'No such thread to resume (input null continues an existing thread)');
  }
}

function callerOf(req: Request): Caller {
  if (!req.auth) throw new BatonError('SERVER_INTERNAL', 'route reached without authentication', { expose: false });
  return req.auth;
}

/**
 * The workflow service: the graph served over the LangServe protocol at `path` (`/workflow`), every
 * route behind `requireAuth` with the workflow scope; the caller's identity goes into the run's
 * `context` (by `addRoutes`), and a `thread_id` is scoped to the caller before it reaches the
 * checkpointer. No listen, no `process.env`.
 */
export function createWorkflowApp(deps: WorkflowAppDeps): express.Express {
  const { logger, threadedGraph, threads } = deps;
  const path = deps.path ?? '/workflow';
  const errorCodes = [WORKFLOW_ERRORS, ...(deps.errorCodes ?? [])];
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestContext({ logger }));
  app.use(metrics());
  // Before any auth: a preflight carries no token.
  app.use(cors({ allowedOrigins: deps.corsAllowedOrigins ?? [] }));
  healthRoutes(app, { ...(deps.ready ? { ready: deps.ready } : {}), ...(deps.notReadyReason ? { reason: deps.notReadyReason } : {}) });

  const auth = requireAuth({
    verifier: deps.verifier,
    scopes: [deps.scope ?? 'workflow:invoke'],
    auditor: deps.auditor,
    onCaller: tokenLifetimeCheck(deps.minTokenLifetimeSec ?? 30, deps.now ?? Date.now),
  });

  const scopeThread = async (req: Request, config: ServerRunConfig): Promise<ServerRunConfig> => {
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined) {
      if (resumes(req)) await checkResume(threadedGraph, undefined);
      return config;
    }
    if (!threadedGraph) throw new BatonError(WORKFLOW_ERRORS.WORKFLOW_THREADS_DISABLED, 'threads are off (CHECKPOINTER=none)');
    const scoped = scopedThreadId(callerOf(req), threadId);
    if (resumes(req)) await checkResume(threadedGraph, scoped);
    await threads?.begin(scoped);
    return { ...config, configurable: { ...config.configurable, thread_id: scoped } };
  };

  addRoutes(app, deps.workflow, {
    path,
    auth,
    // null: continue the thread from its last checkpoint (see `checkResume`).
    ...(deps.inputSchema ? { inputSchema: deps.inputSchema.nullable() } : {}),
    ...(deps.outputSchema ? { outputSchema: deps.outputSchema } : {}),
    configurableKeys: threadedGraph ? ['thread_id'] : [],
    config: scopeThread,
    maxRecursionLimit: deps.maxRecursionLimit ?? DEFAULT_MAX_RECURSION_LIMIT,
    logger,
    errorCodes,
    ...deps.runs,
  });

  app.use(
    threadRoutes({
      auth,
      path,
      ...(threadedGraph ? { threadedGraph } : {}),
      ...(threads ? { threads } : {}),
      ...(deps.threadValues ? { values: deps.threadValues } : {}),
    }),
  );

  deps.mount?.(app, { auth });

  app.use((req, _res, next) => next(new BatonError('REQUEST_NOT_FOUND', `No route for ${req.method} ${req.path}`))); // the agents' text
  app.use(errorHandler({ logger, codes: errorCodes }));
  return app;
}
