import express, { type Request } from 'express';
import { BatonError } from '@baton/errors';
import { AuthError, type Auditor, type Verifier } from '@baton/auth';
import type { Caller } from '@baton/identity';
import { errorHandler } from '@baton/errors/express';
import { requireAuth } from '@baton/auth/express';
import { addRoutes, type ServerRunConfig } from '@baton/runnable-server';
import { cors, healthRoutes, metrics, requestContext, type Logger } from '@baton/service';
import { workflowRecursionLimit, type WorkflowGraph } from './graph.js';
import type { WorkflowRunnable } from './runnable.js';
import { workflowInputSchema, workflowOutputSchema } from '@baton/contract/wire';
import type { ThreadManager } from './thread-manager.js';
import { threadRoutes } from './thread-routes.js';
import type { WorkflowRunOptions } from './runs.js';
import { platformApi } from '@baton/platform-api';
import { z } from 'zod';
import { ownerKey, scopedThreadId } from './threads.js';

export interface WorkflowAppDeps {
  logger: Logger;
  verifier: Verifier;
  auditor: Auditor;
  workflow: WorkflowRunnable;
  /** The checkpointed graph, when threads are on: serves `GET /workflow/threads/:thread_id`. */
  threadedGraph?: WorkflowGraph;
  /** The graph without a checkpointer: when given, the LangGraph Platform API is served at the root (`@baton/platform-api`). */
  graph?: WorkflowGraph;
  /** Thread limits and index, when threads are on: the quota at a run's start, the thread routes. */
  threads?: ThreadManager;
  /** Scope every workflow call requires (default `workflow:invoke`). */
  scope?: string;
  ready?: () => boolean | Promise<boolean>;
  /**
   * The largest `recursion_limit` a run gets (a caller's larger one is lowered to it): default
   * `workflowRecursionLimit()`, what a run with the default `maxRevisions` needs.
   */
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
async function checkResume(graph: WorkflowGraph | undefined, scoped: string | undefined): Promise<void> {
  if (scoped === undefined) {
    throw new BatonError('RUNNABLE_INPUT_INVALID', 'input may be null only to resume a thread: pass config.configurable.thread_id');
  }
  const snapshot = await graph?.getState({ configurable: { thread_id: scoped } });
  if (!snapshot?.createdAt || Object.keys(snapshot.values ?? {}).length === 0) {
    throw new BatonError('WORKFLOW_THREAD_NOT_FOUND', 'No such thread to resume (input null continues an existing thread)');
  }
}

function callerOf(req: Request): Caller {
  if (!req.auth) throw new BatonError('SERVER_INTERNAL', 'route reached without authentication', { expose: false });
  return req.auth;
}

/**
 * The workflow service: the graph served over the LangServe protocol at `/workflow`, every route
 * behind `requireAuth` with the workflow scope; the caller's identity goes into the run's
 * `context` (by `addRoutes`), and a `thread_id` is scoped to the caller before it reaches the
 * checkpointer.
 */
export function createApp(deps: WorkflowAppDeps): express.Express {
  const { logger, threadedGraph, threads } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestContext({ logger }));
  app.use(metrics());
  // Before any auth: a preflight carries no token.
  app.use(cors({ allowedOrigins: deps.corsAllowedOrigins ?? [] }));
  healthRoutes(app, { ...(deps.ready ? { ready: deps.ready } : {}) });

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
    if (!threadedGraph) throw new BatonError('WORKFLOW_THREADS_DISABLED', 'threads are off (CHECKPOINTER=none)');
    const scoped = scopedThreadId(callerOf(req), threadId);
    if (resumes(req)) await checkResume(threadedGraph, scoped);
    await threads?.begin(scoped);
    return { ...config, configurable: { ...config.configurable, thread_id: scoped } };
  };

  addRoutes(app, deps.workflow, {
    path: '/workflow',
    auth,
    // null: continue the thread from its last checkpoint (see `checkResume`).
    inputSchema: workflowInputSchema.nullable(),
    outputSchema: workflowOutputSchema,
    configurableKeys: threadedGraph ? ['thread_id'] : [],
    config: scopeThread,
    maxRecursionLimit: deps.maxRecursionLimit ?? workflowRecursionLimit(),
    logger,
    ...deps.runs,
  });

  app.use(threadRoutes({ auth, ...(threadedGraph ? { threadedGraph } : {}), ...(threads ? { threads } : {}) }));

  // The LangGraph Platform API (SDK Client, RemoteGraph, useStream) over the same graph, stores,
  // limits and live runs as the LangServe routes.
  if (deps.graph) {
    const schemas = { input: z.toJSONSchema(workflowInputSchema), output: z.toJSONSchema(workflowOutputSchema) };
    const workflowGraph = { graphId: 'workflow', graph: deps.graph, inputSchema: workflowInputSchema, schemas };
    const graphs = [
      {
        ...workflowGraph,
        ...(threadedGraph ? { threadedGraph } : {}),
        maxRecursionLimit: deps.maxRecursionLimit ?? workflowRecursionLimit(),
      },
    ];
    const shared = { ...(deps.runs?.limiter ? { limiter: deps.runs.limiter } : {}), ...(deps.runs?.runs ? { runs: deps.runs.runs } : {}) };
    app.use(
      platformApi({ auth, graphs, ...(threads ? { threads: { manager: threads, ownerKey, scopedThreadId } } : {}), ...shared, logger }),
    );
  }

  app.use((_req, _res, next) => next(new BatonError('REQUEST_NOT_FOUND', 'No such route')));
  app.use(errorHandler({ logger }));
  return app;
}
