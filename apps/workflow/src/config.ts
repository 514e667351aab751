import { z } from 'zod';
import { host, int, parseConfig, port, spiffeId, spiffeIdVar, tlsEnvShape, url, type Env } from '@baton/service';

/**
 * The workflow's environment. Every variable is listed in the README's configuration table and
 * checked by the compose test (docker-compose.yml may only set variables declared here).
 */
export const configSchema = z
  .object({
    PORT: port(3000),
    HOST: host(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ISSUER_URL: url('http://127.0.0.1:4000'),
    /** Defaults to `${ISSUER_URL}/.well-known/jwks.json`. */
    JWKS_URI: url().optional(),
    /** Defaults to `${ISSUER_URL}/oauth/token`. */
    TOKEN_ENDPOINT: url().optional(),
    JWKS_COOLDOWN_MS: int(30_000, { min: 1_000 }),
    WORKFLOW_AUDIENCE: z.string().min(1).default('baton-workflow'),
    WORKFLOW_SCOPE: z.string().min(1).default('workflow:invoke'),
    /** `exchange` (RFC 8693, one token per agent) or `passthrough` (forward the caller's token). */
    TOKEN_FORWARDING: z.enum(['exchange', 'passthrough']).default('exchange'),
    WORKFLOW_CLIENT_ID: z.string().min(1).default('workflow'),
    WORKFLOW_CLIENT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    RESEARCH_URL: url('http://127.0.0.1:3001/research'),
    WRITER_URL: url('http://127.0.0.1:3002/writer'),
    REVIEWER_URL: url('http://127.0.0.1:3003/reviewer'),
    RESEARCH_AUDIENCE: z.string().min(1).default('agent-research'),
    WRITER_AUDIENCE: z.string().min(1).default('agent-writer'),
    REVIEWER_AUDIENCE: z.string().min(1).default('agent-reviewer'),
    RESEARCH_SCOPE: z.string().min(1).default('research:invoke'),
    WRITER_SCOPE: z.string().min(1).default('writer:invoke'),
    REVIEWER_SCOPE: z.string().min(1).default('reviewer:invoke'),
    MAX_REVISIONS: int(2, { min: 0, max: 10 }),
    SOURCE_LIMIT: int(5, { min: 1, max: 10 }),
    /** `auto`: SQLite when better-sqlite3 loads, else memory (with a warning). */
    CHECKPOINTER: z.enum(['auto', 'sqlite', 'memory', 'none']).default('auto'),
    WORKFLOW_DATA_DIR: z.string().min(1).default('.data/workflow'),
    REMOTE_CONNECT_TIMEOUT_MS: int(2_000, { min: 1 }),
    REMOTE_FIRST_BYTE_TIMEOUT_MS: int(30_000, { min: 1 }),
    REMOTE_IDLE_TIMEOUT_MS: int(30_000, { min: 1 }),
    SHUTDOWN_TIMEOUT_MS: int(10_000, { min: 0 }),
    /**
     * Mutual TLS: on when all three are set. The workflow then listens HTTPS (no client certificate
     * asked of its users), and presents its certificate to the agents, the issuer and the JWKS.
     */
    ...tlsEnvShape,
    /** Expected SPIFFE ids of the servers it calls over mutual TLS. */
    ISSUER_SPIFFE_ID: spiffeIdVar(spiffeId('issuer')),
    RESEARCH_SPIFFE_ID: spiffeIdVar(spiffeId('agent-research')),
    WRITER_SPIFFE_ID: spiffeIdVar(spiffeId('agent-writer')),
    REVIEWER_SPIFFE_ID: spiffeIdVar(spiffeId('agent-reviewer')),
  })
  .superRefine((c, ctx) => {
    if (c.TOKEN_FORWARDING === 'exchange' && !c.WORKFLOW_CLIENT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['WORKFLOW_CLIENT_SECRET'], message: 'is required when TOKEN_FORWARDING=exchange' });
    }
  });

function resolve(c: z.infer<typeof configSchema>) {
  return Object.freeze({
    ...c,
    JWKS_URI: c.JWKS_URI ?? `${c.ISSUER_URL}/.well-known/jwks.json`,
    TOKEN_ENDPOINT: c.TOKEN_ENDPOINT ?? `${c.ISSUER_URL}/oauth/token`,
  });
}

export type WorkflowConfig = ReturnType<typeof resolve>;

/** Environment -> configuration; throws a CONFIG_INVALID BatonError naming the wrong variables (main.ts: `runService` prints it and exits 1). */
export function parseWorkflowConfig(env: Env): WorkflowConfig {
  return resolve(parseConfig(configSchema, { env, service: 'workflow' }));
}
