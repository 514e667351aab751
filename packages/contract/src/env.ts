// Every service's environment, as zod schemas over `process.env` (strings in, typed values out).
// Apps parse them with `@baton/service`'s `parseConfig`/`loadConfig`; the compose, Dockerfile and
// Kubernetes checks read them from here without importing any app.
import { z } from 'zod';
import {
  BATON_PROFILES,
  databaseUrl,
  durationMs,
  exactUrl,
  host,
  httpServerEnvFields,
  int,
  issuerUrl,
  list,
  llmEnvFields,
  logLevel,
  port,
  profile,
  spiffeIdVar,
  tlsEnvShape,
  tokenProfileEnvFields,
  url,
} from './env-fields.js';
import { productionSecretProblem } from './dev-secrets.js';
import {
  absoluteUri,
  agentActorEnvShape,
  issuerClientAuthEnvShape,
  refineIssuerClientAuth,
  refineWorkflowExchange,
  workflowExchangeEnvShape,
} from './exchange-env.js';
import { isSpiffeId } from './spiffe.js';
import { ISSUER, RESEARCH, REVIEWER, TOPOLOGY, WORKFLOW, WRITER, type AgentDefinition, type Topology } from './topology.js';

export * from './env-fields.js';
export * from './exchange-env.js';
export * from './dev-secrets.js';
export { SPIFFE_TRUST_DOMAIN, spiffeId, isSpiffeId } from './spiffe.js';

/** A parsed environment: the input side of any of these schemas. */
export type Env = Record<string, string | undefined>;

// ---------------------------------------------------------------------------------------------
// Agents

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The environment every agent reads (extend it with the agent's own variables):
 * PORT, HOST, ISSUER_URL, JWKS_URI, AUTH_MODE, AUTH_AUDIENCE, AUTH_SCOPE, WORKFLOW_AUDIENCE,
 * ALLOWED_ACTORS, LOG_LEVEL, JWKS_COOLDOWN_MS; for mutual TLS TLS_CERT_FILE, TLS_KEY_FILE,
 * TLS_CA_FILE, ALLOWED_PEERS, ISSUER_SPIFFE_ID.
 */
export function agentEnvSchema(agent: Pick<AgentDefinition, 'port'>, topology: Topology = TOPOLOGY) {
  return z.object({
    /** `production`: ALLOWED_ACTORS defaults to the workflow (exchange mode), so every token must name it in `act`. */
    BATON_PROFILE: profile(),
    PORT: port(agent.port),
    HOST: host('127.0.0.1'),
    ...httpServerEnvFields,
    /** The issuer identifier, exactly as configured: the expected `iss`; its discovery document names the JWKS. */
    ISSUER_URL: issuerUrl(`http://127.0.0.1:${topology.issuer.port}`),
    /** Overrides the discovered `jwks_uri`. */
    JWKS_URI: exactUrl().optional(),
    ...tokenProfileEnvFields,
    AUTH_MODE: z.enum(['exchange', 'passthrough']).default('exchange'),
    /** Overrides the accepted audience (default: the agent's own, or WORKFLOW_AUDIENCE in passthrough). */
    AUTH_AUDIENCE: z.string().trim().min(1).optional(),
    /** Overrides the required scope (default: the agent's own, or the workflow's scope in passthrough). */
    AUTH_SCOPE: z.string().trim().regex(SCOPE_TOKEN, 'must be one scope token').optional(),
    WORKFLOW_AUDIENCE: z.string().trim().min(1).default(topology.workflow.audience),
    /**
     * Comma list of actor `sub`s allowed to call (checked on `act.sub`). Unset: the workflow in the
     * production profile (exchange mode), any actor in development.
     */
    ALLOWED_ACTORS: list([]),
    /** The claim ALLOWED_ACTORS is checked on: act.sub (default), azp, client_id. */
    ...agentActorEnvShape,
    LOG_LEVEL: logLevel(),
    /** Minimum time between two JWKS refetches caused by an unknown `kid`. */
    JWKS_COOLDOWN_MS: durationMs(30_000),
    /** Mutual TLS: on when all three are set (HTTPS only, a client certificate from the CA required). */
    ...tlsEnvShape,
    /** Comma list of peer SPIFFE ids allowed to call (mutual TLS only); default the workflow's. */
    ALLOWED_PEERS: list([]).refine((ids) => ids.every(isSpiffeId), { error: 'must be SPIFFE ids like spiffe://baton.local/workflow' }),
    /** The issuer's SPIFFE id, checked when fetching the JWKS over mutual TLS. */
    ISSUER_SPIFFE_ID: spiffeIdVar(topology.issuer.spiffeId),
  });
}

export type AgentEnvSchema = ReturnType<typeof agentEnvSchema>;
export type AgentEnv = z.infer<AgentEnvSchema>;

/** The research agent: only the shared agent variables. */
export const researchEnvSchema = agentEnvSchema(RESEARCH);

/** The writer: shared agent variables plus its pacing and the optional LLM provider. */
export const writerEnvSchema = agentEnvSchema(WRITER).extend({
  /** Pause between streamed chunks of the offline writer. */
  WRITER_CHUNK_DELAY_MS: durationMs(15),
  ...llmEnvFields,
});

/** The reviewer: shared agent variables plus the review rules and the optional LLM provider. */
export const reviewerEnvSchema = agentEnvSchema(REVIEWER)
  .extend({
    /** Shortest acceptable report, characters. */
    REVIEW_MIN_CHARS: int(400, { min: 0 }),
    /** Longest acceptable report, characters. */
    REVIEW_MAX_CHARS: int(6000, { min: 1 }),
    ...llmEnvFields,
  })
  .refine((c) => c.REVIEW_MAX_CHARS >= c.REVIEW_MIN_CHARS, { path: ['REVIEW_MAX_CHARS'], error: 'must be >= REVIEW_MIN_CHARS' });

// ---------------------------------------------------------------------------------------------
// Issuer

/** `aud=value` items separated by commas (AGENT_AUDIENCES, AGENT_RESOURCES); undefined when malformed. */
export function parsePairs(text: string): Array<[string, string]> | undefined {
  const out: Array<[string, string]> = [];
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) return undefined;
    out.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
  }
  return out;
}

/** `scheme://host[:port]` exactly, as a browser sends it in `Origin`. */
export function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
  } catch {
    return false;
  }
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hash === '';
  } catch {
    return false;
  }
}

/** `agent-research=research:invoke,...`: every agent's audience and scope (the issuer's default AGENT_AUDIENCES). */
export function agentAudiences(topology: Topology = TOPOLOGY): string {
  return topology.agents.map((a) => `${a.audience}=${a.scope}`).join(',');
}

/** `agent-research=http://127.0.0.1:3001/research,...` (the issuer's default AGENT_RESOURCES). */
export function agentResources(topology: Topology = TOPOLOGY): string {
  return topology.agents.map((a) => `${a.audience}=http://127.0.0.1:${a.port}${a.path}`).join(',');
}

export const issuerEnvSchema = z
  .object({
    /** Unset: ISSUER_MODE (deprecated alias), else `development`. */
    BATON_PROFILE: z.enum(BATON_PROFILES).optional(),
    PORT: port(ISSUER.port),
    HOST: host(),
    ...httpServerEnvFields,
    ISSUER_URL: url().optional(),
    ISSUER_DATA_DIR: z.string().min(1).optional(),
    /** Deprecated alias of BATON_PROFILE (the issuer's former switch); both set must agree. */
    ISSUER_MODE: z.enum(BATON_PROFILES).optional(),
    WORKFLOW_CLIENT_ID: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, { error: 'must be 1-128 printable ASCII characters' })
      .default('workflow'),
    WORKFLOW_CLIENT_SECRET: z.string().optional(),
    /** How the workflow client authenticates: WORKFLOW_CLIENT_AUTH_METHODS, WORKFLOW_CLIENT_KEYS_FILE. */
    ...issuerClientAuthEnvShape,
    WORKFLOW_AUDIENCE: z.string().min(1).default(WORKFLOW.audience),
    ACCESS_TOKEN_TTL_SEC: int(600, { min: 1, max: 86_400 }),
    EXCHANGED_TOKEN_TTL_SEC: int(300, { min: 1, max: 86_400 }),
    DEV_TOKEN_MAX_TTL_SEC: int(3600, { min: 1, max: 86_400 }),
    AGENT_AUDIENCES: z
      .string()
      .default(agentAudiences())
      .refine((s) => (parsePairs(s)?.length ?? 0) > 0, { error: "must be 'audience=scope[ scope],...'" }),
    AGENT_RESOURCES: z
      .string()
      .default(agentResources())
      .refine((s) => parsePairs(s)?.every(([, u]) => isHttpUrl(u)) ?? false, {
        error: "must be 'audience=http(s)://url,...' (no fragment)",
      }),
    TOKEN_EXCHANGE_RATE_LIMIT: int(600, { min: 0, max: 1_000_000 }),
    /** Token exchanges per minute per (client, verified subject); 0 disables it. */
    TOKEN_EXCHANGE_SUBJECT_RATE_LIMIT: int(60, { min: 0, max: 1_000_000 }),
    LOG_LEVEL: logLevel(),
    /** TLS (mutual-TLS mode): HTTPS with this certificate; no client certificate is asked (users call /dev/token). */
    ...tlsEnvShape,
  })
  .superRefine((env, ctx) => {
    if (env.BATON_PROFILE !== undefined && env.ISSUER_MODE !== undefined && env.BATON_PROFILE !== env.ISSUER_MODE)
      ctx.addIssue({
        code: 'custom',
        path: ['ISSUER_MODE'],
        message: 'is a deprecated alias of BATON_PROFILE and disagrees with it: unset it',
      });
    if (issuerProfile(env) === 'production') {
      if (!env.WORKFLOW_CLIENT_SECRET)
        ctx.addIssue({ code: 'custom', path: ['WORKFLOW_CLIENT_SECRET'], message: 'is required in the production profile' });
      if (!env.ISSUER_URL) ctx.addIssue({ code: 'custom', path: ['ISSUER_URL'], message: 'is required in the production profile' });
      if (!env.ISSUER_DATA_DIR)
        ctx.addIssue({ code: 'custom', path: ['ISSUER_DATA_DIR'], message: 'is required in the production profile' });
      const problem = env.WORKFLOW_CLIENT_SECRET === undefined ? undefined : productionSecretProblem(env.WORKFLOW_CLIENT_SECRET);
      if (problem) ctx.addIssue({ code: 'custom', path: ['WORKFLOW_CLIENT_SECRET'], message: problem });
    } else if (env.WORKFLOW_CLIENT_SECRET !== undefined && env.WORKFLOW_CLIENT_SECRET.length < 32) {
      ctx.addIssue({ code: 'custom', path: ['WORKFLOW_CLIENT_SECRET'], message: 'must be at least 32 characters' });
    }
    refineIssuerClientAuth(env, ctx);
    const agents = parsePairs(env.AGENT_AUDIENCES) ?? [];
    if (agents.some(([aud]) => aud === env.WORKFLOW_AUDIENCE)) {
      ctx.addIssue({ code: 'custom', path: ['AGENT_AUDIENCES'], message: 'must not contain WORKFLOW_AUDIENCE' });
    }
    const known = new Set(agents.map(([a]) => a));
    if (known.size !== agents.length) ctx.addIssue({ code: 'custom', path: ['AGENT_AUDIENCES'], message: 'lists an audience twice' });
    if ((parsePairs(env.AGENT_RESOURCES) ?? []).some(([a]) => !known.has(a))) {
      ctx.addIssue({ code: 'custom', path: ['AGENT_RESOURCES'], message: 'names an audience not in AGENT_AUDIENCES' });
    }
  });

export type IssuerEnv = z.infer<typeof issuerEnvSchema>;

/** The issuer's profile: BATON_PROFILE, else the deprecated ISSUER_MODE, else development. */
export function issuerProfile(env: Pick<IssuerEnv, 'BATON_PROFILE' | 'ISSUER_MODE'>): (typeof BATON_PROFILES)[number] {
  return env.BATON_PROFILE ?? env.ISSUER_MODE ?? 'development';
}

// ---------------------------------------------------------------------------------------------
// Workflow

/** A `redis://` or `rediss://` URL (its credentials are never printed: config errors name variables only). */
const redisUrl = () =>
  z.string().refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: 'must be a redis:// or rediss:// URL' },
  );

const agentUrl = (a: AgentDefinition) => url(`http://127.0.0.1:${a.port}${a.path}`);
const nonEmpty = (d: string) => z.string().min(1).default(d);

/**
 * The workflow's environment. Every variable is listed in its README's configuration table and
 * checked by the compose test (docker-compose.yml may only set variables declared here). An agent
 * it calls has `<KEY>_URL`, `<KEY>_AUDIENCE`, `<KEY>_SCOPE` and `<KEY>_SPIFFE_ID`.
 */
export const workflowEnvSchema = z
  .object({
    /** `production`: WORKFLOW_CLIENT_SECRET may not be one published in the repository. */
    BATON_PROFILE: profile(),
    PORT: port(WORKFLOW.port),
    HOST: host(),
    ...httpServerEnvFields,
    LOG_LEVEL: logLevel(),
    /** The issuer identifier, exactly as configured: the expected `iss`; its discovery document names the JWKS and token endpoint. */
    ISSUER_URL: issuerUrl(`http://127.0.0.1:${ISSUER.port}`),
    /** Overrides the discovered `jwks_uri`. */
    JWKS_URI: exactUrl().optional(),
    /** Overrides the discovered `token_endpoint`. */
    TOKEN_ENDPOINT: exactUrl().optional(),
    ...tokenProfileEnvFields,
    JWKS_COOLDOWN_MS: int(30_000, { min: 1_000 }),
    WORKFLOW_AUDIENCE: nonEmpty(WORKFLOW.audience),
    WORKFLOW_SCOPE: nonEmpty(WORKFLOW.scope),
    /** `exchange` (RFC 8693, one token per agent) or `passthrough` (forward the caller's token). */
    TOKEN_FORWARDING: z.enum(['exchange', 'passthrough']).default('exchange'),
    WORKFLOW_CLIENT_ID: z.string().min(1).default('workflow'),
    WORKFLOW_CLIENT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    RESEARCH_URL: agentUrl(RESEARCH),
    WRITER_URL: agentUrl(WRITER),
    REVIEWER_URL: agentUrl(REVIEWER),
    RESEARCH_AUDIENCE: nonEmpty(RESEARCH.audience),
    WRITER_AUDIENCE: nonEmpty(WRITER.audience),
    REVIEWER_AUDIENCE: nonEmpty(REVIEWER.audience),
    RESEARCH_SCOPE: nonEmpty(RESEARCH.scope),
    WRITER_SCOPE: nonEmpty(WRITER.scope),
    REVIEWER_SCOPE: nonEmpty(REVIEWER.scope),
    /** RFC 8707 resource identifiers of the agents (EXCHANGE_TARGET resource/both); default `<KEY>_URL`. */
    RESEARCH_RESOURCE: absoluteUri().optional(),
    WRITER_RESOURCE: absoluteUri().optional(),
    REVIEWER_RESOURCE: absoluteUri().optional(),
    /** Exchange request options and client authentication (EXCHANGE_*). */
    ...workflowExchangeEnvShape,
    MAX_REVISIONS: int(2, { min: 0, max: 10 }),
    SOURCE_LIMIT: int(5, { min: 1, max: 10 }),
    /** `auto`: Postgres when DATABASE_URL is set, else SQLite when better-sqlite3 loads, else memory (with a warning). */
    CHECKPOINTER: z.enum(['auto', 'postgres', 'sqlite', 'memory', 'none']).default('auto'),
    WORKFLOW_DATA_DIR: z.string().min(1).default('.data/workflow'),
    /** `postgres://` or `postgresql://` (libpq parameters such as `sslmode`, `sslrootcert` pass through to pg). */
    DATABASE_URL: databaseUrl().optional(),
    /** Most pooled Postgres connections this process opens (at least 2: set-up holds one while the saver migrates on another). */
    DATABASE_POOL_MAX: int(10, { min: 2, max: 1_000 }),
    /** Most threads one user may keep (a new thread beyond it is refused with WORKFLOW_THREAD_QUOTA_EXCEEDED). */
    THREAD_QUOTA_PER_USER: int(100, { min: 1, max: 1_000_000 }),
    /** A thread not run for this long is deleted (checkpoints and index row) by the sweep. */
    THREAD_TTL: durationMs(30 * 86_400_000),
    /** How often the sweep deletes expired threads (also once at start-up). */
    THREAD_SWEEP_INTERVAL: durationMs(10 * 60_000),
    /** Checkpoints kept per thread: older ones are pruned after each threaded run. */
    THREAD_HISTORY_MAX: int(50, { min: 1, max: 100_000 }),
    REMOTE_CONNECT_TIMEOUT_MS: int(2_000, { min: 1 }),
    REMOTE_FIRST_BYTE_TIMEOUT_MS: int(30_000, { min: 1 }),
    REMOTE_IDLE_TIMEOUT_MS: int(30_000, { min: 1 }),
    SHUTDOWN_TIMEOUT_MS: int(10_000, { min: 0 }),
    /** Concurrent runs one caller may hold (a batch holds min(items, 4)); past it 429 with Retry-After. */
    MAX_RUNS_PER_USER: int(4, { min: 1, max: 10_000 }),
    /** Concurrent runs this process holds over all callers; past it 429 with Retry-After. */
    MAX_RUNS_TOTAL: int(64, { min: 1, max: 100_000 }),
    /** How long one SSE write may wait for a reader that stopped reading; then the connection is closed. */
    SSE_WRITE_DEADLINE_MS: int(30_000, { min: 1 }),
    /** How long a finished stream stays resumable with Last-Event-ID. */
    STREAM_RESUME_RETENTION_MS: int(60_000, { min: 1, max: 3_600_000 }),
    /** How long a spec client's (Accept: text/event-stream) run outlives its connection, waiting for a reconnect. */
    STREAM_RESUME_GRACE_MS: int(10_000, { min: 1, max: 600_000 }),
    /**
     * Redis shared by the replicas (`redis://` or `rediss://` for TLS, credentials in the URL):
     * SSE resumption and run limits then hold across replicas. Unset: both are per process.
     */
    REDIS_URL: redisUrl().optional(),
    /** Prefix of every key and channel the workflow uses in that Redis. */
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:._-]{0,64}$/, { error: 'must be at most 64 characters of A-Z a-z 0-9 : . _ -' })
      .default('baton:'),
    /**
     * Lease of a run slot held in that Redis, renewed every third of it while the replica lives:
     * the slots of a replica that died without giving them back free themselves after this.
     */
    REDIS_RUN_LEASE_MS: int(30_000, { min: 30, max: 3_600_000 }),
    /**
     * Graph-level retries of the idempotent nodes (research, review) on an agent's 503/502/504,
     * an unreachable agent or a timeout: total attempts per node run, the first included (1 = off).
     */
    NODE_RETRY_MAX_ATTEMPTS: int(3, { min: 1, max: 10 }),
    /** Wait before the first retry, doubled each time, capped by NODE_RETRY_MAX_MS (plus up to 1 s of jitter). */
    NODE_RETRY_INITIAL_MS: int(500, { min: 1, max: 60_000 }),
    NODE_RETRY_MAX_MS: int(5_000, { min: 1, max: 120_000 }),
    /**
     * A run is refused (401 AUTH_TOKEN_LIFETIME_TOO_SHORT) when the caller's token expires in less
     * than this: it must outlive the run's token exchanges. 0 = no minimum.
     */
    MIN_TOKEN_LIFETIME_SEC: int(30, { min: 0, max: 86_400 }),
    /**
     * Browser origins (`scheme://host[:port]`) allowed to call the workflow cross-origin (CORS).
     * Default none: no CORS headers at all, so browsers on other origins are refused.
     */
    CORS_ALLOWED_ORIGINS: list([]).refine((origins) => origins.every(isOrigin), {
      error: 'must be origins like https://app.example.com (scheme, host, optional port; no path)',
    }),
    /**
     * Mutual TLS: on when all three are set. The workflow then listens HTTPS (no client certificate
     * asked of its users), and presents its certificate to the agents, the issuer and the JWKS.
     */
    ...tlsEnvShape,
    /** Expected SPIFFE ids of the servers it calls over mutual TLS. */
    ISSUER_SPIFFE_ID: spiffeIdVar(ISSUER.spiffeId),
    RESEARCH_SPIFFE_ID: spiffeIdVar(RESEARCH.spiffeId),
    WRITER_SPIFFE_ID: spiffeIdVar(WRITER.spiffeId),
    REVIEWER_SPIFFE_ID: spiffeIdVar(REVIEWER.spiffeId),
  })
  .superRefine((c, ctx) => {
    refineWorkflowExchange(c, ctx);
    const problem = c.WORKFLOW_CLIENT_SECRET === undefined ? undefined : productionSecretProblem(c.WORKFLOW_CLIENT_SECRET);
    if (c.BATON_PROFILE === 'production' && problem) ctx.addIssue({ code: 'custom', path: ['WORKFLOW_CLIENT_SECRET'], message: problem });
    if (c.CHECKPOINTER === 'postgres' && !c.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required when CHECKPOINTER=postgres' });
    }
    if (c.THREAD_TTL < 60_000) ctx.addIssue({ code: 'custom', path: ['THREAD_TTL'], message: 'must be at least 1m' });
    if (c.THREAD_SWEEP_INTERVAL < 1_000) ctx.addIssue({ code: 'custom', path: ['THREAD_SWEEP_INTERVAL'], message: 'must be at least 1s' });
  });

export type WorkflowEnv = z.infer<typeof workflowEnvSchema>;

// ---------------------------------------------------------------------------------------------
// By service name

/** Services whose environment has variables of its own; every other agent reads `agentEnvSchema`. */
const OWN_SCHEMAS: Readonly<Record<string, z.ZodObject>> = Object.freeze({
  [ISSUER.name]: issuerEnvSchema,
  [WORKFLOW.name]: workflowEnvSchema,
  [RESEARCH.name]: researchEnvSchema,
  [WRITER.name]: writerEnvSchema,
  [REVIEWER.name]: reviewerEnvSchema,
});

/**
 * The environment schema of a service of `topology`, by name: its own when it has one, else (an
 * agent with no variables of its own) `agentEnvSchema(agent, topology)`. Undefined for a name the
 * topology does not have.
 */
export function envSchemaOf(name: string, topology: Topology = TOPOLOGY): z.ZodObject | undefined {
  if (!topology.services.some((s) => s.name === name)) return undefined;
  const own = OWN_SCHEMAS[name];
  if (own) return own;
  const agent = topology.agents.find((a) => a.name === name);
  return agent ? agentEnvSchema(agent, topology) : undefined;
}

/** Every service's environment schema, by service name. */
export function envSchemas(topology: Topology = TOPOLOGY): Readonly<Record<string, z.ZodObject>> {
  return Object.freeze(Object.fromEntries(topology.services.map((s) => [s.name, envSchemaOf(s.name, topology)!])));
}
