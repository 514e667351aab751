// Every service's environment, as zod schemas over `process.env` (strings in, typed values out).
// Apps parse them with `@baton/service`'s `parseConfig`/`loadConfig`; the compose, Dockerfile and
// Kubernetes checks read them from here without importing any app.
import { z } from 'zod';
import {
  BATON_PROFILES,
  databaseUrl,
  deprecatedAlias,
  duration,
  exactUrl,
  host,
  httpServerEnvFields,
  int,
  issuerUrl,
  jwksCooldownMs,
  list,
  llmEnvFields,
  logLevel,
  port,
  profile,
  spiffeIdVar,
  tlsEnvFields,
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
import { isSpiffeId, spiffeId } from './spiffe.js';
import {
  ISSUER,
  RESEARCH,
  REVIEWER,
  TOPOLOGY,
  WORKFLOW,
  WRITER,
  type AgentDefinition,
  type RunnableServiceDefinition,
  type ServiceDefinition,
  type Topology,
} from './topology.js';

export * from './env-fields.js';
export * from './exchange-env.js';
export * from './dev-secrets.js';
export * from './launcher-env.js';
export { SPIFFE_TRUST_DOMAIN, spiffeId, isSpiffeId } from './spiffe.js';

/** A parsed environment: the input side of any of these schemas. */
export type Env = Record<string, string | undefined>;

// ---------------------------------------------------------------------------------------------
// Agents

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The dev issuer's default port: ISSUER_URL's default (`http://127.0.0.1:4000`) when no issuer is named. */
export const DEV_ISSUER_PORT = 4000;

/**
 * Whom an agent's environment defaults name: its issuer (ISSUER_URL `http://127.0.0.1:<port>`,
 * ISSUER_SPIFFE_ID; default the dev issuer's 4000 and `spiffe://baton.local/issuer`) and the
 * workflow that calls it (WORKFLOW_AUDIENCE's default; none without it). A `Topology` has both.
 */
export interface AgentEnvPeers {
  readonly issuer?: Pick<ServiceDefinition, 'port' | 'spiffeId'>;
  readonly workflow?: Pick<RunnableServiceDefinition, 'audience'>;
}

/**
 * The environment every agent reads (extend it with the agent's own variables):
 * PORT, HOST, ISSUER_URL, JWKS_URI, AUTH_MODE, AUTH_AUDIENCE, AUTH_SCOPE, WORKFLOW_AUDIENCE,
 * ALLOWED_ACTORS, LOG_LEVEL, JWKS_COOLDOWN_MS; for mutual TLS TLS_CERT_FILE, TLS_KEY_FILE,
 * TLS_CA_FILE, ALLOWED_PEERS, ISSUER_SPIFFE_ID.
 */
export function agentEnvSchema(agent: Pick<AgentDefinition, 'port'>, peers: AgentEnvPeers = {}) {
  return z.object({
    BATON_PROFILE: profile().describe(
      '`production`: ALLOWED_ACTORS defaults to the workflow (exchange mode), so every token must name it in `act`.',
    ),
    PORT: port(agent.port),
    HOST: host('127.0.0.1'),
    ...httpServerEnvFields,
    ISSUER_URL: issuerUrl(`http://127.0.0.1:${peers.issuer?.port ?? DEV_ISSUER_PORT}`).describe(
      'The issuer identifier, exactly as configured: the expected `iss`; its discovery document names the JWKS.',
    ),
    JWKS_URI: exactUrl().optional().describe('Overrides the discovered `jwks_uri`.'),
    ...tokenProfileEnvFields,
    AUTH_MODE: z
      .enum(['exchange', 'passthrough'])
      .default('exchange')
      .describe(
        "`exchange`: accept only the agent's own audience and scope (exchanged tokens). `passthrough` (explicit opt-in): accept WORKFLOW_AUDIENCE and the workflow's scope instead.",
      ),
    AUTH_AUDIENCE: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe("Overrides the accepted audience (default: the agent's own, or WORKFLOW_AUDIENCE in passthrough)."),
    AUTH_SCOPE: z
      .string()
      .trim()
      .regex(SCOPE_TOKEN, 'must be one scope token')
      .optional()
      .describe("Overrides the required scope (default: the agent's own, or the workflow's scope in passthrough)."),
    WORKFLOW_AUDIENCE: (peers.workflow
      ? z.string().trim().min(1).default(peers.workflow.audience)
      : z.string().trim().min(1).optional()
    ).describe("The audience accepted in passthrough mode (default the calling workflow's, when the agent's peers name it)."),
    ALLOWED_ACTORS: list([]).describe(
      "Comma list of actor `sub`s allowed to call, checked on ACTOR_CLAIM. Unset: the workflow in the production profile (exchange mode), any actor in development. When set: in exchange mode the token must name a listed actor (a token without `act` is refused); in passthrough mode a token without `act` passes, one with `act` must be listed. Refusal: 403 AUTH_ACTOR_NOT_ALLOWED. A listed actor's x-request-id and traceparent are adopted as the request's.",
    ),
    /** The claim ALLOWED_ACTORS is checked on: act.sub (default), azp, client_id. */
    ...agentActorEnvShape,
    LOG_LEVEL: logLevel(),
    JWKS_COOLDOWN_MS: jwksCooldownMs(),
    /** Mutual TLS: on when all three are set (HTTPS only, a client certificate from the CA required). */
    ...tlsEnvFields(
      'All three set, or none: HTTPS only (TLS 1.3) with a client certificate chaining to TLS_CA_FILE required in the handshake; an https JWKS is fetched presenting this certificate, checking ISSUER_SPIFFE_ID.',
    ),
    ALLOWED_PEERS: list([])
      .refine((ids) => ids.every(isSpiffeId), { error: 'must be SPIFFE ids like spiffe://baton.local/workflow' })
      .describe(
        "Comma list of peer SPIFFE ids allowed to call (mutual TLS only; default the workflow's). Checked at the connection (any other verified peer but the agent's own identity is disconnected after the handshake) and again on the routes (403 AUTH_PEER_NOT_ALLOWED); in exchange mode the token's `act.sub` must also name the peer (403 AUTH_ACTOR_PEER_MISMATCH).",
      ),
    ISSUER_SPIFFE_ID: spiffeIdVar(peers.issuer?.spiffeId ?? spiffeId('issuer')).describe(
      "The issuer's SPIFFE id, checked when fetching the JWKS over mutual TLS.",
    ),
  });
}

export type AgentEnvSchema = ReturnType<typeof agentEnvSchema>;
export type AgentEnv = z.infer<AgentEnvSchema>;

/** The research agent: only the shared agent variables. */
export const researchEnvSchema = agentEnvSchema(RESEARCH, TOPOLOGY);

/** The writer: shared agent variables plus its pacing and the optional LLM provider. */
export const writerEnvSchema = agentEnvSchema(WRITER, TOPOLOGY).extend({
  WRITER_CHUNK_DELAY_MS: duration('ms', 15).describe('Pause between streamed chunks of the offline writer (0 = none).'),
  ...llmEnvFields,
});

/** The reviewer: shared agent variables plus the review rules and the optional LLM provider. */
export const reviewerEnvSchema = agentEnvSchema(REVIEWER, TOPOLOGY)
  .extend({
    REVIEW_MIN_CHARS: int(400, { min: 0 }).describe('Shortest acceptable report, characters.'),
    REVIEW_MAX_CHARS: int(6000, { min: 1 }).describe('Longest acceptable report, characters.'),
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
    BATON_PROFILE: z
      .enum(BATON_PROFILES)
      .optional()
      .describe(
        '`production` (the image) or `development`. Production: no /dev routes or dev users, the workflow client may not use client_credentials, ISSUER_URL, ISSUER_DATA_DIR and WORKFLOW_CLIENT_SECRET are required. Unset: ISSUER_MODE (its deprecated alias), else `development`.',
      ),
    PORT: port(ISSUER.port),
    HOST: host(),
    ...httpServerEnvFields,
    ISSUER_URL: url()
      .optional()
      .describe(
        'The `iss` of every token and the base of the metadata URLs (default `http://127.0.0.1:<PORT>`, `https://` with TLS). Required in production.',
      ),
    ISSUER_DATA_DIR: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Signing keys (`keys.json`) and the dev client secret, both 0600 in a 0700 directory (default `.data/issuer` under the working directory). Required in production.',
      ),
    ISSUER_MODE: deprecatedAlias('BATON_PROFILE', z.enum(BATON_PROFILES).optional()),
    WORKFLOW_CLIENT_ID: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, { error: 'must be 1-128 printable ASCII characters' })
      .default('workflow')
      .describe("The workflow's OAuth client id."),
    WORKFLOW_CLIENT_SECRET: z
      .string()
      .optional()
      .describe(
        "The workflow client's secret, at least 32 characters; never logged. Required in production (and not one published in the repository); in development, read from or generated into ISSUER_DATA_DIR when unset.",
      ),
    /** How the workflow client authenticates: WORKFLOW_CLIENT_AUTH_METHODS, WORKFLOW_CLIENT_KEYS_FILE. */
    ...issuerClientAuthEnvShape,
    WORKFLOW_AUDIENCE: z
      .string()
      .min(1)
      .default(WORKFLOW.audience)
      .describe('`aud` of user tokens for the workflow; subject tokens of an exchange must carry it.'),
    WORKFLOW_SCOPE: z
      .string()
      .regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, { error: 'must be one scope token (RFC 6749 §3.3)' })
      .default(WORKFLOW.scope)
      .describe(
        'The scope a user must hold for anything to be done on their behalf: development users hold it, exchanges require it of the subject token.',
      ),
    ACCESS_TOKEN_TTL_SEC: duration('s', 600, { min: 1, max: 86_400 }).describe(
      'Lifetime of dev user tokens (the default of /dev/token) and of client_credentials tokens.',
    ),
    EXCHANGED_TOKEN_TTL_SEC: duration('s', 300, { min: 1, max: 86_400 }).describe(
      "Lifetime of exchanged tokens, further capped at the subject token's `exp`.",
    ),
    DEV_TOKEN_MAX_TTL_SEC: duration('s', 3600, { min: 1, max: 86_400 }).describe('Cap on the `ttl` asked of /dev/token.'),
    AGENT_AUDIENCES: z
      .string()
      .default(agentAudiences())
      .refine((s) => (parsePairs(s)?.length ?? 0) > 0, { error: "must be 'audience=scope[ scope],...'" })
      .describe(
        "The agents: `audience=scope[ scope...]`, comma-separated. An exchanged token carries exactly one agent's audience and (a subset of) its scope.",
      ),
    AGENT_RESOURCES: z
      .string()
      .default(agentResources())
      .refine((s) => parsePairs(s)?.every(([, u]) => isHttpUrl(u)) ?? false, {
        error: "must be 'audience=http(s)://url,...' (no fragment)",
      })
      .describe(
        'RFC 8707 resource URLs naming each agent (`audience=url`, comma-separated): `resource=` maps to that audience (a trailing `/` ignored).',
      ),
    TOKEN_EXCHANGE_RATE_LIMIT: int(600, { min: 0, max: 1_000_000 }).describe(
      'Token exchanges per client per minute (fixed window); 0 disables it.',
    ),
    TOKEN_EXCHANGE_SUBJECT_RATE_LIMIT: int(60, { min: 0, max: 1_000_000 }).describe(
      'Token exchanges per minute per (client, verified subject); 0 disables it.',
    ),
    LOG_LEVEL: logLevel(),
    /** TLS (mutual-TLS mode): HTTPS with this certificate; no client certificate is asked (users call /dev/token). */
    ...tlsEnvFields(
      'All three set, or none (`MTLS=1 pnpm start` sets them): HTTPS only (TLS 1.3); no client certificate is asked (users call /dev/token, the workflow authenticates with its client credentials); ISSUER_URL then defaults to https.',
    ),
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

const agentUrl = (a: Pick<AgentDefinition, 'port' | 'path'>) => url(`http://127.0.0.1:${a.port}${a.path}`);
const nonEmpty = (d: string) => z.string().min(1).default(d);

/**
 * A workflow server's environment without the agents it calls: `workflowServerEnvSchema` adds
 * those and the service's own defaults. Every variable carries its description (docs/CONFIG.md is
 * generated from them) and is checked by the compose test (docker-compose.yml may only set
 * variables declared here).
 */
const workflowServerBaseEnvSchema = z
  .object({
    BATON_PROFILE: profile().describe('`production`: WORKFLOW_CLIENT_SECRET may not be one published in the repository.'),
    PORT: port(WORKFLOW.port),
    HOST: host(),
    ...httpServerEnvFields,
    LOG_LEVEL: logLevel(),
    ISSUER_URL: issuerUrl(`http://127.0.0.1:${ISSUER.port}`).describe(
      'The issuer identifier, exactly as configured: the expected `iss`; its discovery document names the JWKS and token endpoint.',
    ),
    JWKS_URI: exactUrl().optional().describe('Overrides the discovered `jwks_uri`.'),
    TOKEN_ENDPOINT: exactUrl().optional().describe('Overrides the discovered `token_endpoint`.'),
    ...tokenProfileEnvFields,
    JWKS_COOLDOWN_MS: jwksCooldownMs(),
    WORKFLOW_AUDIENCE: nonEmpty(WORKFLOW.audience).describe("The audience callers' tokens must carry."),
    WORKFLOW_SCOPE: nonEmpty(WORKFLOW.scope).describe('The scope every call requires.'),
    TOKEN_FORWARDING: z
      .enum(['exchange', 'passthrough'])
      .default('exchange')
      .describe("`exchange` (RFC 8693, one token per agent) or `passthrough` (forward the caller's token)."),
    WORKFLOW_CLIENT_ID: z.string().min(1).default('workflow').describe("This service's client id at the issuer (it becomes `act.sub`)."),
    WORKFLOW_CLIENT_SECRET: z
      .string()
      .min(32, { error: 'must be at least 32 characters' })
      .optional()
      .describe('Its client secret; required in exchange mode with a secret client authentication (`pnpm start` makes one). Never logged.'),
    /** Exchange request options and client authentication (EXCHANGE_*). */
    ...workflowExchangeEnvShape,
    CHECKPOINTER: z
      .enum(['auto', 'postgres', 'sqlite', 'memory', 'none'])
      .default('auto')
      .describe('`auto`: Postgres when DATABASE_URL is set, else SQLite when better-sqlite3 loads, else memory (with a warning).'),
    WORKFLOW_DATA_DIR: z.string().min(1).default('.data/workflow').describe('Where `checkpoints.sqlite` lives.'),
    DATABASE_URL: databaseUrl()
      .optional()
      .describe('`postgres://` or `postgresql://` (libpq parameters such as `sslmode`, `sslrootcert` pass through to pg).'),
    DATABASE_POOL_MAX: int(10, { min: 2, max: 1_000 }).describe(
      'Most pooled Postgres connections this process opens (at least 2: set-up holds one while the saver migrates on another).',
    ),
    THREAD_QUOTA_PER_USER: int(100, { min: 1, max: 1_000_000 }).describe(
      'Most threads one user may keep (a new thread beyond it is refused with WORKFLOW_THREAD_QUOTA_EXCEEDED).',
    ),
    THREAD_TTL_MS: duration('ms', 30 * 86_400_000, { min: 60_000 }).describe(
      'A thread not run for this long is deleted (checkpoints and index row) by the sweep.',
    ),
    THREAD_TTL: deprecatedAlias('THREAD_TTL_MS'),
    THREAD_SWEEP_INTERVAL_MS: duration('ms', 10 * 60_000, { min: 1_000 }).describe(
      'How often the sweep deletes expired threads (also once at start-up).',
    ),
    THREAD_SWEEP_INTERVAL: deprecatedAlias('THREAD_SWEEP_INTERVAL_MS'),
    THREAD_HISTORY_MAX: int(50, { min: 1, max: 100_000 }).describe(
      'Checkpoints kept per thread: older ones are pruned after each threaded run.',
    ),
    REMOTE_CONNECT_TIMEOUT_MS: duration('ms', 2_000, { min: 1 }).describe('Time to connect to an agent.'),
    REMOTE_FIRST_BYTE_TIMEOUT_MS: duration('ms', 30_000, { min: 1 }).describe("Time to an agent's response headers."),
    REMOTE_IDLE_TIMEOUT_MS: duration('ms', 30_000, { min: 1 }).describe("Longest silence between two chunks of an agent's stream."),
    SHUTDOWN_TIMEOUT_MS: duration('ms', 10_000).describe(
      'Drain deadline on SIGTERM: runs and streams still open then are ended with SERVER_SHUTTING_DOWN.',
    ),
    MAX_RUNS_PER_USER: int(4, { min: 1, max: 10_000 }).describe(
      'Concurrent runs one caller may hold (a batch holds min(items, 4)); past it 429 with Retry-After.',
    ),
    MAX_RUNS_TOTAL: int(64, { min: 1, max: 100_000 }).describe(
      'Concurrent runs this process holds over all callers; past it 429 with Retry-After.',
    ),
    SSE_WRITE_DEADLINE_MS: duration('ms', 30_000, { min: 1 }).describe(
      'How long one SSE write may wait for a reader that stopped reading; then the connection is closed.',
    ),
    STREAM_RESUME_RETENTION_MS: duration('ms', 60_000, { min: 1, max: 3_600_000 }).describe(
      'How long a finished stream stays resumable with Last-Event-ID.',
    ),
    STREAM_RESUME_GRACE_MS: duration('ms', 10_000, { min: 1, max: 600_000 }).describe(
      "How long a spec client's (Accept: text/event-stream) run outlives its connection, waiting for a reconnect.",
    ),
    STREAM_RESUME_MAX_RUNS: int(1_000, { min: 1, max: 1_000_000 }).describe(
      'Most resumable streams kept, live and finished (per process; with REDIS_URL, over all replicas); past it the user holding the most gives up their oldest.',
    ),
    STREAM_RESUME_MAX_RUNS_PER_USER: int(100, { min: 1, max: 1_000_000 }).describe(
      "Most resumable streams one user keeps (at most STREAM_RESUME_MAX_RUNS); past it that user's own oldest goes first.",
    ),
    REDIS_URL: redisUrl()
      .optional()
      .describe(
        'Redis shared by the replicas (`redis://` or `rediss://` for TLS, credentials in the URL): SSE resumption and run limits then hold across replicas. Unset: both are per process.',
      ),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:._-]{0,64}$/, { error: 'must be at most 64 characters of A-Z a-z 0-9 : . _ -' })
      .default('baton:')
      .describe('Prefix of every key and channel the workflow uses in that Redis.'),
    REDIS_RUN_LEASE_MS: duration('ms', 30_000, { min: 30, max: 3_600_000 }).describe(
      'Lease of a run slot held in that Redis, renewed every third of it while the replica lives: the slots of a replica that died without giving them back free themselves after this.',
    ),
    NODE_RETRY_MAX_ATTEMPTS: int(3, { min: 1, max: 10 }).describe(
      "Graph-level retries of the idempotent nodes (research, review) on an agent's 503/502/504, an unreachable agent or a timeout: total attempts per node run, the first included (1 = off).",
    ),
    NODE_RETRY_INITIAL_MS: duration('ms', 500, { min: 1, max: 60_000 }).describe(
      'Wait before the first retry, doubled each time, capped by NODE_RETRY_MAX_MS (plus up to 1 s of jitter).',
    ),
    NODE_RETRY_MAX_MS: duration('ms', 5_000, { min: 1, max: 120_000 }).describe(
      'Longest wait between two attempts of a node, before jitter.',
    ),
    MIN_TOKEN_LIFETIME_SEC: duration('s', 30, { max: 86_400 }).describe(
      "A run is refused (401 AUTH_TOKEN_LIFETIME_TOO_SHORT) when the caller's token expires in less than this: it must outlive the run's token exchanges. 0 = no minimum.",
    ),
    CORS_ALLOWED_ORIGINS: list([])
      .refine((origins) => origins.every(isOrigin), {
        error: 'must be origins like https://app.example.com (scheme, host, optional port; no path)',
      })
      .describe(
        'Browser origins (`scheme://host[:port]`) allowed to call the workflow cross-origin (CORS). Default none: no CORS headers at all, so browsers on other origins are refused.',
      ),
    /**
     * Mutual TLS: on when all three are set. The workflow then listens HTTPS (no client certificate
     * asked of its users), and presents its certificate to the agents, the issuer and the JWKS.
     */
    ...tlsEnvFields(
      "All three set, or none: HTTPS (no client certificate asked of users); the agents, the token endpoint and the JWKS are called presenting this certificate, trusting only TLS_CA_FILE and checking the server's SPIFFE id (agent URLs must then be https).",
    ),
    ISSUER_SPIFFE_ID: spiffeIdVar(ISSUER.spiffeId).describe(
      "Expected SPIFFE id of the issuer over mutual TLS (each agent's is `<PREFIX>_SPIFFE_ID`).",
    ),
  })
  .superRefine((c, ctx) => {
    refineWorkflowExchange(c, ctx);
    const problem = c.WORKFLOW_CLIENT_SECRET === undefined ? undefined : productionSecretProblem(c.WORKFLOW_CLIENT_SECRET);
    if (c.BATON_PROFILE === 'production' && problem) ctx.addIssue({ code: 'custom', path: ['WORKFLOW_CLIENT_SECRET'], message: problem });
    if (c.CHECKPOINTER === 'postgres' && !c.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required when CHECKPOINTER=postgres' });
    }
  });

/** An agent a workflow calls: what its variables are named from (`envPrefix`) and defaulted to. */
export type CalledAgent = Pick<AgentDefinition, 'envPrefix' | 'port' | 'path' | 'audience' | 'scope' | 'spiffeId'>;

/**
 * The variables of each agent a workflow calls, named from its `envPrefix`: `<PREFIX>_URL`
 * (default `http://127.0.0.1:<port><path>`), `<PREFIX>_AUDIENCE`, `<PREFIX>_SCOPE` (default the
 * agent's), `<PREFIX>_RESOURCE` (RFC 8707 resource identifier for EXCHANGE_TARGET resource/both;
 * default `<PREFIX>_URL`) and `<PREFIX>_SPIFFE_ID` (its expected identity over mutual TLS).
 */
export function workflowAgentEnvShape(agents: readonly CalledAgent[]): Record<string, z.ZodType> {
  return Object.fromEntries(
    agents.flatMap((a) => [
      [`${a.envPrefix}_URL`, agentUrl(a)],
      [`${a.envPrefix}_AUDIENCE`, nonEmpty(a.audience)],
      [`${a.envPrefix}_SCOPE`, nonEmpty(a.scope)],
      [`${a.envPrefix}_RESOURCE`, absoluteUri().optional()],
      [`${a.envPrefix}_SPIFFE_ID`, spiffeIdVar(a.spiffeId)],
    ]),
  );
}

/** Where and as whom a workflow calls one agent, read from its parsed `<PREFIX>_*` variables. */
export interface AgentEndpoint {
  readonly url: string;
  readonly audience: string;
  readonly scope: string;
  /** `<PREFIX>_RESOURCE`, else the URL. */
  readonly resource: string;
  readonly spiffeId: string;
}

/** One agent's endpoint from a configuration parsed with `workflowServerEnvSchema` (a TypeError if its variables are missing). */
export function workflowAgentEndpoint(config: object, agent: Pick<CalledAgent, 'envPrefix'>): AgentEndpoint {
  const env = config as Record<string, unknown>;
  const read = (suffix: string): string => {
    const v = env[`${agent.envPrefix}_${suffix}`];
    if (typeof v !== 'string') throw new TypeError(`workflow configuration has no ${agent.envPrefix}_${suffix}`);
    return v;
  };
  const url = read('URL');
  const resource = env[`${agent.envPrefix}_RESOURCE`];
  return Object.freeze({
    url,
    audience: read('AUDIENCE'),
    scope: read('SCOPE'),
    resource: typeof resource === 'string' ? resource : url,
    spiffeId: read('SPIFFE_ID'),
  });
}

/** What a workflow server's environment defaults come from: its issuer, itself, and the agents it calls. */
export interface WorkflowEnvTopology {
  readonly issuer: Pick<ServiceDefinition, 'port' | 'spiffeId'>;
  /** `name`, when given, is WORKFLOW_CLIENT_ID's default (else `workflow`). */
  readonly workflow: Pick<RunnableServiceDefinition, 'port' | 'audience' | 'scope'> & { readonly name?: string };
  readonly agents: readonly CalledAgent[];
}

/**
 * A workflow server's environment: the shared workflow variables with `topology`'s defaults
 * (PORT, ISSUER_URL, WORKFLOW_AUDIENCE, WORKFLOW_SCOPE, WORKFLOW_CLIENT_ID, ISSUER_SPIFFE_ID) and the variables of
 * each agent it calls (`workflowAgentEnvShape`). Extend it with the graph's own variables.
 */
export function workflowServerEnvSchema(topology: WorkflowEnvTopology) {
  const describedAs = (key: keyof typeof workflowServerBaseEnvSchema.shape): string =>
    workflowServerBaseEnvSchema.shape[key].description ?? key;
  return workflowServerBaseEnvSchema.safeExtend({
    // The base fields again with this topology's defaults, keeping each field's description.
    PORT: port(topology.workflow.port).describe(describedAs('PORT')),
    ISSUER_URL: issuerUrl(`http://127.0.0.1:${topology.issuer.port}`).describe(describedAs('ISSUER_URL')),
    WORKFLOW_AUDIENCE: nonEmpty(topology.workflow.audience).describe(describedAs('WORKFLOW_AUDIENCE')),
    WORKFLOW_SCOPE: nonEmpty(topology.workflow.scope).describe(describedAs('WORKFLOW_SCOPE')),
    WORKFLOW_CLIENT_ID: nonEmpty(topology.workflow.name ?? 'workflow').describe(describedAs('WORKFLOW_CLIENT_ID')),
    ISSUER_SPIFFE_ID: spiffeIdVar(topology.issuer.spiffeId).describe(describedAs('ISSUER_SPIFFE_ID')),
    // Typed as no keys: the agents' variables are read with `workflowAgentEndpoint`.
    ...(workflowAgentEnvShape(topology.agents) as Record<never, never>),
  });
}

export type WorkflowServerEnvSchema = ReturnType<typeof workflowServerEnvSchema>;
export type WorkflowServerEnv = z.infer<WorkflowServerEnvSchema>;

/** Baton's demo workflow of `topology`: the server's variables plus its graph's (MAX_REVISIONS, SOURCE_LIMIT). */
export function demoWorkflowEnvSchema(topology: WorkflowEnvTopology) {
  return workflowServerEnvSchema(topology).extend({
    MAX_REVISIONS: int(2, { min: 0, max: 10 }).describe('Rewrites after the first draft.'),
    SOURCE_LIMIT: int(5, { min: 1, max: 10 }).describe('Sources asked of the research agent.'),
  });
}

/** Baton's workflow (`demoWorkflowEnvSchema` of its topology): RESEARCH_URL, WRITER_URL, REVIEWER_URL and the rest per agent. */
export const workflowEnvSchema = demoWorkflowEnvSchema(TOPOLOGY);

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
  if (name === topology.workflow.name && topology !== TOPOLOGY) return demoWorkflowEnvSchema(topology);
  const own = OWN_SCHEMAS[name];
  if (own) return own;
  const agent = topology.agents.find((a) => a.name === name);
  return agent ? agentEnvSchema(agent, topology) : undefined;
}

/** Every service's environment schema, by service name. */
export function envSchemas(topology: Topology = TOPOLOGY): Readonly<Record<string, z.ZodObject>> {
  return Object.freeze(Object.fromEntries(topology.services.map((s) => [s.name, envSchemaOf(s.name, topology)!])));
}

/**
 * The names of the variables a service reads (its schema's keys), for a launcher that passes each
 * child only its own variables; undefined for a service the topology does not have.
 */
export function envKeysOf(name: string, topology: Topology = TOPOLOGY): readonly string[] | undefined {
  const schema = envSchemaOf(name, topology);
  return schema ? Object.freeze(Object.keys(schema.shape)) : undefined;
}
