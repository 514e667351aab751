// The workflow service process: the only file with side effects.
import path from 'node:path';
import { createAuditor, createTokenExchangeClient, createVerifier, relaxations } from '@baton/auth';
import { clientHttpsAgent, clientTlsOptions, tlsDispatcher, type TlsMaterial } from '@baton/mtls';
import { httpLimits, runService, type Logger } from '@baton/service';
import { createAgentClients } from './agents.js';
import { createApp } from './app.js';
import { exchangeClientOptions, exchangeSummary } from './exchange.js';
import { parseWorkflowConfig, type WorkflowConfig } from './config.js';
import { createWorkflowGraph, workflowRecursionLimit } from './graph.js';
import { WorkflowRunnable } from './runnable.js';
import { createSharedStores } from './shared-stores.js';
import { ThreadManager } from './thread-manager.js';
import { createCheckpointer } from './threads.js';
import { createWorkflowRuns } from './runs.js';
import { lazyExchangeClient, workflowIssuer } from './issuer.js';

/** The workflow's long-lived clients: JWKS key store, verifier, auditor, exchange client, agent clients, checkpointer, graphs. */
async function createDeps({ config, logger, tls }: { config: WorkflowConfig; logger: Logger; tls: TlsMaterial | undefined }) {
  // Mutual TLS (TLS_CERT_FILE + TLS_KEY_FILE + TLS_CA_FILE): every outbound connection to an https
  // peer presents the workflow's certificate and checks that peer's SPIFFE id.
  const overMtls = (u: string) => tls !== undefined && u.startsWith('https:');
  const connectMs = config.REMOTE_CONNECT_TIMEOUT_MS;
  const issuer = workflowIssuer(
    config,
    logger,
    tls && overMtls(config.JWKS_URI ?? config.ISSUER_URL) ? clientHttpsAgent(tls, config.ISSUER_SPIFFE_ID) : undefined,
  );
  const keys = issuer.keys;
  const verifier = createVerifier({ issuer: config.ISSUER_URL, audience: config.WORKFLOW_AUDIENCE, keys, profile: config.tokenProfile });
  for (const line of relaxations(config.tokenProfile)) logger.warn({ token_profile: config.tokenProfile.name }, line);
  keys.ready(); // start discovery and the first JWKS fetch now: a failure is logged before any request
  const auditor = createAuditor({ logger, service: 'workflow' });
  const exchanger =
    config.TOKEN_FORWARDING === 'exchange'
      ? lazyExchangeClient(issuer.tokenEndpoint, (tokenEndpoint) =>
          createTokenExchangeClient({
            ...exchangeClientOptions(config, tokenEndpoint),
            ...(tls && overMtls(tokenEndpoint)
              ? { dispatcher: tlsDispatcher(clientTlsOptions(tls, config.ISSUER_SPIFFE_ID), { connectMs }) }
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
  const agentTls = {
    research: [config.RESEARCH_URL, config.RESEARCH_SPIFFE_ID],
    writer: [config.WRITER_URL, config.WRITER_SPIFFE_ID],
    reviewer: [config.REVIEWER_URL, config.REVIEWER_SPIFFE_ID],
  } as const;
  const agents = createAgentClients(
    config,
    exchanger,
    tls
      ? (agent) => {
          const [agentUrl, id] = agentTls[agent];
          if (!overMtls(agentUrl)) throw new Error(`workflow: mutual TLS is on but the ${agent} agent's URL is not https`);
          return tlsDispatcher(clientTlsOptions(tls, id), { connectMs });
        }
      : undefined,
  );
  const { checkpointer, threads, stopSweeper } = await createThreads(config, logger);
  const retry = {
    maxAttempts: config.NODE_RETRY_MAX_ATTEMPTS,
    initialIntervalMs: config.NODE_RETRY_INITIAL_MS,
    maxIntervalMs: config.NODE_RETRY_MAX_MS,
    onRetry: (e: { node: string; cause: string; remoteStatus?: number }) =>
      logger.warn({ node: e.node, cause: e.cause, remote_status: e.remoteStatus ?? null }, 'retrying workflow node'),
  };
  const options = { agents, maxRevisions: config.MAX_REVISIONS, sourceLimit: config.SOURCE_LIMIT, retry };
  const graph = createWorkflowGraph(options);
  const threadedGraph = checkpointer ? createWorkflowGraph({ ...options, checkpointer: checkpointer.saver }) : undefined;
  const workflow = new WorkflowRunnable({
    graph,
    ...(threadedGraph && threads ? { threadedGraph, afterThreadedRun: (id: string) => threads.finish(id) } : {}),
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
  return { verifier, auditor, exchanger, checkpointer, workflow, graph, threadedGraph, threads, stopSweeper, shared, runs, keys };
}

/** The checkpointer (Postgres, SQLite or memory), its thread limits, and the retention sweep on its interval. */
async function createThreads(config: WorkflowConfig, logger: Logger) {
  const checkpointer = await createCheckpointer(config.CHECKPOINTER, {
    dataDir: path.resolve(config.WORKFLOW_DATA_DIR),
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    poolMax: config.DATABASE_POOL_MAX,
    warn: (msg) => logger.warn({}, msg),
  });
  if (!checkpointer) return { checkpointer, threads: undefined, stopSweeper: async () => {} };
  const threads = new ThreadManager(checkpointer, {
    quotaPerUser: config.THREAD_QUOTA_PER_USER,
    ttlMs: config.THREAD_TTL,
    historyMax: config.THREAD_HISTORY_MAX,
  });
  const stopSweeper = threads.startSweeper(config.THREAD_SWEEP_INTERVAL, (err, deleted) => {
    if (err) logger.warn({ err_message: err instanceof Error ? err.message : String(err) }, 'thread retention sweep failed');
    else if (deleted > 0) logger.info({ deleted }, 'thread retention sweep deleted expired threads');
  });
  return { checkpointer, threads, stopSweeper };
}

await runService({
  name: 'workflow',
  loadConfig: parseWorkflowConfig,
  settings: (config) => ({
    port: config.PORT,
    host: config.HOST,
    logLevel: config.LOG_LEVEL,
    tls: config,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    http: httpLimits(config),
    relaxed:
      config.BATON_PROFILE === 'production'
        ? []
        : ['WORKFLOW_CLIENT_SECRET is not checked against the secrets published in the repository (production: refused)'],
  }),
  createDeps,
  drain: ({ runs }) => runs.drain,
  closeDeps: async ({ exchanger, checkpointer, runs, shared, stopSweeper }) => {
    await runs.limiter.close();
    await exchanger?.close();
    await stopSweeper();
    await checkpointer?.close();
    await shared?.close();
  },
  createApp: ({ verifier, auditor, workflow, graph, threadedGraph, threads, runs, shared, keys }, { config, logger }) =>
    createApp({
      logger,
      // /readyz: false while shutting down, until the workflow holds keys it can verify with, and while Redis (if any) is unreachable
      ready: () => runs.ready() && (shared?.ready() ?? true) && keys.ready(),
      runs: runs.routeOptions,
      verifier,
      auditor,
      workflow,
      graph,
      scope: config.WORKFLOW_SCOPE,
      minTokenLifetimeSec: config.MIN_TOKEN_LIFETIME_SEC,
      corsAllowedOrigins: config.CORS_ALLOWED_ORIGINS,
      maxRecursionLimit: workflowRecursionLimit(config.MAX_REVISIONS),
      ...(threadedGraph ? { threadedGraph } : {}),
      ...(threads ? { threads } : {}),
    }),
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
});
