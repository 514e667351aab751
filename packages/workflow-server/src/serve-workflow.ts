// The workflow service's main in one call: config → logger → long-lived clients (JWKS key store,
// verifier, auditor, exchange client, agent clients, checkpointer, graphs, run limits) → app →
// listen → graceful shutdown. A team passes its graph and the agents it calls.
import path from 'node:path';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { z } from 'zod';
import { platformApi, type PlatformGraph, type PlatformGraphRunnable } from '@baton/platform-api';
import { createAuditor, createTokenExchangeClient, createVerifier, relaxations } from '@baton/auth';
import { parseConfig, type Env, type LogDestination, type Logger, type RunningService } from '@baton/service';
import { runService, httpLimits } from '@baton/service';
import { DEV_ISSUER_PORT, spiffeId, workflowServerEnvSchema, type WorkflowServerEnvSchema } from '@baton/contract/env';
import { clientHttpsAgent, clientTlsOptions, tlsDispatcher, type TlsMaterial } from '@baton/mtls';
import type { ZodType } from 'zod';
import { createAgentClients, type AgentClients } from './agents.js';
import { createWorkflowApp, DEFAULT_MAX_RECURSION_LIMIT, type WorkflowAppDeps } from './app.js';
import { WORKFLOW_ERRORS } from './error-codes.js';
import { resolveWorkflowConfig, type WorkflowAgentDefinition, type WorkflowServerConfig } from './config.js';
import { exchangeClientOptions, exchangeSummary } from './exchange.js';
import { GraphRunnable, type GraphMapping, type ServedGraph } from './graph-runnable.js';
import { lazyExchangeClient, workflowIssuer } from './issuer.js';
import type { NodeRetryOptions } from './node.js';
import { createWorkflowRuns } from './runs.js';
import { createSharedStores } from './shared-stores.js';
import { ThreadManager } from './thread-manager.js';
import { createCheckpointer, ownerKey, scopedThreadId } from './threads.js';
import type { RemoteRetry } from '@baton/remote';
import type { AnyRunnable } from '@baton/runnable-server';

/** An agent the workflow calls, with how its client retries (default never: the graph's node retry policy does). */
export type WorkflowAgent = WorkflowAgentDefinition & {
  /** The remote client's own retries (`@baton/remote`'s `retry`); default `{ attempts: 1 }`. */
  readonly clientRetry?: RemoteRetry;
};

/** What a graph factory receives: the config, one client per agent (by key), the retry options for `nodeRetryPolicy`, and the checkpointer (threaded graph) or none. */
export interface GraphDeps<C> {
  readonly config: WorkflowServerConfig & C;
  readonly agents: AgentClients;
  /** `NODE_RETRY_*` with a log line per retry: pass to `nodeRetryPolicy(node, retry)`. */
  readonly retry: NodeRetryOptions;
  readonly checkpointer?: BaseCheckpointSaver;
  readonly logger: Logger;
}

/** A compiled graph the server runs (a `CompiledStateGraph`). */
export type WorkflowGraphLike = ServedGraph & { checkpointer?: unknown; withConfig(config: object): unknown };

export interface ServeWorkflowOptions<
  S extends WorkflowServerEnvSchema = WorkflowServerEnvSchema,
  I = unknown,
  O = unknown,
> extends GraphMapping<I, O> {
  /** The audience the workflow's callers' tokens carry (WORKFLOW_AUDIENCE's default), e.g. `my-workflow`. */
  audience: string;
  /** The scope every call needs (WORKFLOW_SCOPE's default), e.g. `my-workflow:invoke`. */
  scope: string;
  /** The agents the workflow calls (`defineAgent` rows): their variables are `<PREFIX>_URL`, ...; their clients are built in one loop and given to `graph` by `key`. */
  agents: readonly WorkflowAgent[];
  /**
   * The graph: a factory called once without a checkpointer and, when threads are on, once with
   * it; or one compiled graph (the server then gives a copy of it the checkpointer).
   */
  graph: WorkflowGraphLike | ((deps: GraphDeps<z.infer<S>>) => WorkflowGraphLike);
  /** Service name: `service` in log and audit lines, and WORKFLOW_CLIENT_ID's default (the `act.sub` agents see); default `workflow`. */
  name?: string;
  /** Mount path of the LangServe routes (default `/workflow`); the thread routes are under `{path}/threads`. */
  path?: string;
  /** PORT's default (default 3000). */
  port?: number;
  /** The issuer's defaults: ISSUER_URL `http://127.0.0.1:<port>` (default 4000, the dev issuer's) and ISSUER_SPIFFE_ID (default `spiffe://baton.local/issuer`). */
  issuer?: { port?: number; spiffeId?: string };
  /**
   * The environment schema, when the graph has variables of its own: `workflowServerSchema(options)`
   * `.extend`ed (default: `workflowServerSchema(options)`).
   */
  schema?: S;
  /** The run input's schema (JSON Schema at `input_schema`, 422 on a mismatch); default any. */
  inputSchema?: ZodType;
  outputSchema?: ZodType;
  /** More routes on the same app (`createWorkflowApp`'s `mount`): another API over the same graph and stores. */
  mount?: WorkflowAppDeps['mount'];
  /** The graph's own error codes (`createWorkflowApp`'s `errorCodes`), for both the LangServe routes and the Platform API. */
  errorCodes?: WorkflowAppDeps['errorCodes'];
  /** The largest `recursion_limit` a run gets (default 25), or a function of the config. */
  maxRecursionLimit?: number | ((config: WorkflowServerConfig & z.infer<S>) => number);
  /** Default `process.env`. */
  env?: Env;
  /** Where log lines go (default stdout); tests pass a capture stream. */
  logDestination?: LogDestination;
  /** Signals that start the graceful shutdown (default SIGTERM, SIGINT); tests pass `[]`. */
  signals?: NodeJS.Signals[];
  /** What `shutdown()`, a bad configuration and a failed start end with (default `process.exit`). */
  exit?: (code: number) => void;
}

/**
 * The environment schema of a workflow server with these options: `@baton/contract`'s
 * `workflowServerEnvSchema` with the service's defaults and one set of variables per agent.
 * `.extend` it with the graph's own variables and pass it back as `schema`.
 */
export function workflowServerSchema(
  options: Pick<ServeWorkflowOptions, 'audience' | 'scope' | 'agents' | 'port' | 'issuer' | 'name'>,
): WorkflowServerEnvSchema {
  return workflowServerEnvSchema({
    issuer: { port: options.issuer?.port ?? DEV_ISSUER_PORT, spiffeId: options.issuer?.spiffeId ?? spiffeId('issuer') },
    workflow: { name: options.name ?? 'workflow', port: options.port ?? 3000, audience: options.audience, scope: options.scope },
    agents: options.agents,
  });
}

type Config = WorkflowServerConfig;

/** The verifier, auditor and key store, on one issuer discovery (over mutual TLS when the issuer is https). */
function createAuth(config: Config, logger: Logger, tls: TlsMaterial | undefined, name: string) {
  const overMtls = (u: string) => tls !== undefined && u.startsWith('https:');
  const issuer = workflowIssuer(
    config,
    logger,
    tls && overMtls(config.JWKS_URI ?? config.ISSUER_URL) ? clientHttpsAgent(tls, config.ISSUER_SPIFFE_ID) : undefined,
  );
  const keys = issuer.keys;
  const verifier = createVerifier({ issuer: config.ISSUER_URL, audience: config.WORKFLOW_AUDIENCE, keys, profile: config.tokenProfile });
  for (const line of relaxations(config.tokenProfile)) logger.warn({ token_profile: config.tokenProfile.name }, line);
  keys.ready(); // start discovery and the first JWKS fetch now: a failure is logged before any request
  const auditor = createAuditor({ logger, service: name });
  const exchanger =
    config.TOKEN_FORWARDING === 'exchange'
      ? lazyExchangeClient(issuer.tokenEndpoint, (tokenEndpoint) =>
          createTokenExchangeClient({
            ...exchangeClientOptions(config, tokenEndpoint),
            ...(tls && overMtls(tokenEndpoint)
              ? {
                  dispatcher: tlsDispatcher(clientTlsOptions(tls, config.ISSUER_SPIFFE_ID), {
                    connectMs: config.REMOTE_CONNECT_TIMEOUT_MS,
                  }),
                }
              : {}),
          }),
        )
      : undefined;
  if (config.TOKEN_FORWARDING === 'passthrough') {
    logger.warn(
      { token_forwarding: 'passthrough' },
      "passthrough mode: agents receive the caller's own token (no per-agent audience, no act claim)",
    );
  }
  return { keys, verifier, auditor, exchanger };
}

/**
 * The agent clients; under mutual TLS (TLS_CERT_FILE + TLS_KEY_FILE + TLS_CA_FILE) each presents the
 * workflow's certificate and checks its own agent's SPIFFE id (`<PREFIX>_SPIFFE_ID`).
 */
function agentClients(
  config: Config,
  agents: readonly WorkflowAgent[],
  exchanger: ReturnType<typeof createAuth>['exchanger'],
  tls: TlsMaterial | undefined,
) {
  const connectMs = config.REMOTE_CONNECT_TIMEOUT_MS;
  return createAgentClients(
    config,
    agents,
    exchanger,
    tls
      ? (agent) => {
          const endpoint = config.agents[agent.key]!;
          if (!endpoint.url.startsWith('https:'))
            throw new Error(`workflow: mutual TLS is on but the ${agent.key} agent's URL is not https`);
          return tlsDispatcher(clientTlsOptions(tls, endpoint.spiffeId), { connectMs });
        }
      : undefined,
  );
}

/** The checkpointer (Postgres, SQLite or memory), its thread limits, and the retention sweep on its interval. */
async function createThreads(config: Config, logger: Logger) {
  const checkpointer = await createCheckpointer(config.CHECKPOINTER, {
    dataDir: path.resolve(config.WORKFLOW_DATA_DIR),
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    poolMax: config.DATABASE_POOL_MAX,
    warn: (msg) => logger.warn({}, msg),
  });
  if (!checkpointer) return { checkpointer, threads: undefined, stopSweeper: async () => {} };
  const threads = new ThreadManager(checkpointer, {
    quotaPerUser: config.THREAD_QUOTA_PER_USER,
    ttlMs: config.THREAD_TTL_MS,
    historyMax: config.THREAD_HISTORY_MAX,
  });
  const stopSweeper = threads.startSweeper(config.THREAD_SWEEP_INTERVAL_MS, (err, deleted) => {
    if (err) logger.warn({ err_message: err instanceof Error ? err.message : String(err) }, 'thread retention sweep failed');
    else if (deleted > 0) logger.info({ deleted }, 'thread retention sweep deleted expired threads');
  });
  return { checkpointer, threads, stopSweeper };
}

/** The retry options every `nodeRetryPolicy` of the graph gets: NODE_RETRY_* and a warn line per retry. */
export function nodeRetryOptions(config: Config, logger: Pick<Logger, 'warn'>): NodeRetryOptions {
  return {
    maxAttempts: config.NODE_RETRY_MAX_ATTEMPTS,
    initialIntervalMs: config.NODE_RETRY_INITIAL_MS,
    maxIntervalMs: config.NODE_RETRY_MAX_MS,
    onRetry: (e) => logger.warn({ node: e.node, cause: e.cause, remote_status: e.remoteStatus ?? null }, 'retrying workflow node'),
  };
}

/** The graph for runs without a thread, and the one with the checkpointer (threads on). */
export function buildGraphs<C>(
  graph: WorkflowGraphLike | ((deps: GraphDeps<C>) => WorkflowGraphLike),
  deps: Omit<GraphDeps<C>, 'checkpointer'>,
  checkpointer: BaseCheckpointSaver | undefined,
): { graph: WorkflowGraphLike; threadedGraph: WorkflowGraphLike | undefined } {
  if (typeof graph === 'function') {
    return { graph: graph(deps), threadedGraph: checkpointer ? graph({ ...deps, checkpointer }) : undefined };
  }
  if (!checkpointer) return { graph, threadedGraph: undefined };
  // A compiled graph: a copy (same nodes and edges) that saves its checkpoints in the server's store.
  const threaded = graph.withConfig({}) as WorkflowGraphLike;
  threaded.checkpointer = checkpointer;
  return { graph, threadedGraph: threaded };
}

async function createDeps<S extends WorkflowServerEnvSchema, I, O>(
  options: ServeWorkflowOptions<S, I, O>,
  { config, logger, tls }: { config: Config & z.infer<S>; logger: Logger; tls: TlsMaterial | undefined },
) {
  const auth = createAuth(config, logger, tls, options.name ?? 'workflow');
  const agents = agentClients(config, options.agents, auth.exchanger, tls);
  const { checkpointer, threads, stopSweeper } = await createThreads(config, logger);
  const retry = nodeRetryOptions(config, logger);
  const graphs = buildGraphs(options.graph, { config, agents, retry, logger }, checkpointer?.saver);
  const workflow: AnyRunnable = new GraphRunnable<I, O>({
    ...mappingOf(options),
    graph: graphs.graph,
    ...(options.name ? { name: options.name } : {}),
    ...(graphs.threadedGraph && threads
      ? { threadedGraph: graphs.threadedGraph, afterThreadedRun: (id: string) => threads.finish(id) }
      : {}),
  });
  // REDIS_URL: SSE resumption and run limits shared by the replicas; otherwise both are per process.
  const shared = createSharedStores(config, logger);
  const runs = createWorkflowRuns(config, {
    ...(shared
      ? {
          limiter: shared.limiter({ maxRunsPerUser: config.MAX_RUNS_PER_USER, maxRunsTotal: config.MAX_RUNS_TOTAL }),
          registry: shared.registry,
        }
      : {}),
  });
  return { ...auth, checkpointer, workflow, graph: graphs.graph, threadedGraph: graphs.threadedGraph, threads, stopSweeper, shared, runs };
}

function mappingOf<I, O>(m: GraphMapping<I, O>): GraphMapping<I, O> {
  return {
    ...(m.input ? { input: m.input } : {}),
    ...(m.output ? { output: m.output } : {}),
    ...(m.update ? { update: m.update } : {}),
    ...(m.custom ? { custom: m.custom } : {}),
  };
}

type Deps = Awaited<ReturnType<typeof createDeps>>;

/** `@baton/platform-api` for the served graph: its assistant id is the service's name (`workflow`). */
function platformMount<S extends WorkflowServerEnvSchema, I, O>(
  options: ServeWorkflowOptions<S, I, O>,
  deps: Deps,
  maxRecursionLimit: number,
  logger: Logger,
): NonNullable<WorkflowAppDeps['mount']> {
  const { graph, threadedGraph, threads, runs } = deps;
  const schemas = {
    ...(options.inputSchema ? { input: z.toJSONSchema(options.inputSchema) } : {}),
    ...(options.outputSchema ? { output: z.toJSONSchema(options.outputSchema) } : {}),
  };
  const served: PlatformGraph = {
    graphId: options.name ?? 'workflow',
    graph: graph as unknown as PlatformGraphRunnable,
    ...(threadedGraph ? { threadedGraph: threadedGraph as unknown as PlatformGraphRunnable } : {}),
    ...(options.inputSchema ? { inputSchema: options.inputSchema } : {}),
    schemas,
    maxRecursionLimit,
  };
  return (app, { auth }) =>
    app.use(
      platformApi({
        auth,
        graphs: [served],
        ...(threads ? { threads: { manager: threads, ownerKey, scopedThreadId } } : {}),
        limiter: runs.limiter,
        runs: runs.runs,
        writeDeadlineMs: runs.routeOptions.writeDeadlineMs ?? 30_000,
        logger,
        errorCodes: [WORKFLOW_ERRORS, ...(options.errorCodes ?? [])],
      }),
    );
}

function createApp<S extends WorkflowServerEnvSchema, I, O>(
  options: ServeWorkflowOptions<S, I, O>,
  deps: Deps,
  config: Config & z.infer<S>,
  logger: Logger,
) {
  const { verifier, auditor, workflow, threadedGraph, threads, runs, shared, keys } = deps;
  const limit = options.maxRecursionLimit;
  const maxRecursionLimit = typeof limit === 'function' ? limit(config) : (limit ?? DEFAULT_MAX_RECURSION_LIMIT);
  // The LangGraph Platform API at the root, over the same graphs, stores, limits and live runs.
  const platform = platformMount(options, deps, maxRecursionLimit, logger);
  return createWorkflowApp({
    logger,
    // /readyz: false while shutting down, until the workflow holds keys it can verify with, and while Redis (if any) is unreachable
    ready: () => runs.ready() && (shared?.ready() ?? true) && keys.ready(),
    notReadyReason: () =>
      runs.ready()
        ? (keys.notReadyReason() ?? (shared?.ready() === false ? 'Redis (REDIS_URL) is unreachable' : undefined))
        : 'shutting down',
    runs: runs.routeOptions,
    verifier,
    auditor,
    workflow,
    ...(options.path ? { path: options.path } : {}),
    ...(options.inputSchema ? { inputSchema: options.inputSchema } : {}),
    ...(options.outputSchema ? { outputSchema: options.outputSchema } : {}),
    ...(options.errorCodes ? { errorCodes: options.errorCodes } : {}),
    mount: (app, context) => {
      platform(app, context);
      options.mount?.(app, context);
    },
    ...(options.output ? { threadValues: options.output as (s: Record<string, unknown>) => unknown } : {}),
    scope: config.WORKFLOW_SCOPE,
    minTokenLifetimeSec: config.MIN_TOKEN_LIFETIME_SEC,
    corsAllowedOrigins: config.CORS_ALLOWED_ORIGINS,
    maxRecursionLimit,
    ...(threadedGraph ? { threadedGraph } : {}),
    ...(threads ? { threads } : {}),
  });
}

/**
 * Serves a graph as Baton's workflow service does: parses the environment with `schema` (a bad
 * one prints the variables and exits 1), starts the clients, serves the LangServe routes at
 * `path` with threads, limits, resume and cancel, and shuts down gracefully on SIGTERM/SIGINT
 * (stop accepting, drain runs with a deadline, close the clients). Resolves the running service:
 * `{ server, url, shutdown, close }`.
 */
export function serveWorkflow<S extends WorkflowServerEnvSchema = WorkflowServerEnvSchema, I = unknown, O = unknown>(
  options: ServeWorkflowOptions<S, I, O>,
): Promise<RunningService> {
  const name = options.name ?? 'workflow';
  const schema = options.schema ?? workflowServerSchema(options);
  return runService({
    name,
    loadConfig: (env) => resolveWorkflowConfig(parseConfig(schema, { env, service: name }), options.agents) as Config & z.infer<S>,
    settings: (config) => ({
      port: config.PORT,
      host: config.HOST,
      logLevel: config.LOG_LEVEL,
      tls: config,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      http: httpLimits(config),
      relaxed:
        // (no secret at all, e.g. passthrough: nothing to check, nothing to say)
        config.BATON_PROFILE === 'production' || config.WORKFLOW_CLIENT_SECRET === undefined
          ? []
          : ['WORKFLOW_CLIENT_SECRET is not checked against the secrets published in the repository (production: refused)'],
    }),
    createDeps: (context) => createDeps(options, context),
    drain: ({ runs }) => runs.drain,
    closeDeps: async ({ exchanger, checkpointer, runs, shared, stopSweeper }) => {
      await runs.limiter.close();
      await exchanger?.close();
      await stopSweeper();
      await checkpointer?.close();
      await shared?.close();
    },
    createApp: (deps, { config, logger }) => createApp(options, deps, config, logger),
    // Users call the workflow: HTTPS without asking for a client certificate.
    serverTls: () => ({ requireClientCert: false }),
    listening: {
      fields: ({ context: { config, tls }, deps: { checkpointer, shared } }) => ({
        port: config.PORT,
        host: config.HOST,
        token_forwarding: config.TOKEN_FORWARDING,
        exchange: exchangeSummary(config) ?? false,
        issuer: config.ISSUER_URL,
        jwks_uri: config.JWKS_URI ?? 'discovery',
        token_endpoint: config.TOKEN_FORWARDING === 'exchange' ? (config.TOKEN_ENDPOINT ?? 'discovery') : null,
        token_profile: config.tokenProfile.name,
        checkpointer: checkpointer?.kind ?? 'none',
        shared_store: shared ? 'redis' : 'none',
        mtls: tls ? { id: tls.id ?? null } : false,
      }),
    },
    ...(options.env ? { env: options.env } : {}),
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.exit ? { exit: options.exit } : {}),
  });
}
