// The workflow service process: the only file with side effects.
import path from 'node:path';
import { createAuditor, createJwksKeyStore, createTokenExchangeClient, createVerifier } from '@baton/auth';
import { createLogger, installShutdown, listen } from '@baton/service';
import { createAgentClients } from './agents.js';
import { createApp } from './app.js';
import { loadWorkflowConfig } from './config.js';
import { createWorkflowGraph } from './graph.js';
import { WorkflowRunnable } from './runnable.js';
import { createCheckpointer } from './threads.js';

const config = loadWorkflowConfig();
const logger = createLogger({ service: 'workflow', level: config.LOG_LEVEL });

const keys = createJwksKeyStore({ jwksUri: config.JWKS_URI, cooldownMs: config.JWKS_COOLDOWN_MS });
const verifier = createVerifier({ issuer: config.ISSUER_URL, audience: config.WORKFLOW_AUDIENCE, keys });
const auditor = createAuditor({ logger, service: 'workflow' });
const exchanger =
  config.TOKEN_FORWARDING === 'exchange'
    ? createTokenExchangeClient({
        tokenEndpoint: config.TOKEN_ENDPOINT,
        clientId: config.WORKFLOW_CLIENT_ID,
        clientSecret: config.WORKFLOW_CLIENT_SECRET ?? '',
      })
    : undefined;
if (config.TOKEN_FORWARDING === 'passthrough') {
  logger.warn({ token_forwarding: 'passthrough' }, 'passthrough mode: agents receive the caller\'s own token (no per-agent audience, no act claim)');
}

const agents = createAgentClients(config, exchanger);
const checkpointer = await createCheckpointer(config.CHECKPOINTER, path.resolve(config.WORKFLOW_DATA_DIR), (msg) => logger.warn(msg));
const options = { agents, maxRevisions: config.MAX_REVISIONS, sourceLimit: config.SOURCE_LIMIT };
const graph = createWorkflowGraph(options);
const threadedGraph = checkpointer ? createWorkflowGraph({ ...options, checkpointer: checkpointer.saver }) : undefined;
const workflow = new WorkflowRunnable({ graph, ...(threadedGraph ? { threadedGraph } : {}) });

const app = createApp({ logger, verifier, auditor, workflow, scope: config.WORKFLOW_SCOPE, ...(threadedGraph ? { threadedGraph } : {}) });
const server = await listen(app, { port: config.PORT, host: config.HOST });
installShutdown(server, { logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS, onClose: async () => checkpointer?.close() });
logger.info(
  { port: config.PORT, host: config.HOST, token_forwarding: config.TOKEN_FORWARDING, checkpointer: checkpointer?.kind ?? 'none' },
  'workflow listening',
);
