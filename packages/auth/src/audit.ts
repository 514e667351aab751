import type { Logger } from '@baton/errors';
import type { Principal } from '@baton/identity';

/** One audit line per auth decision. The shape is fixed (documented in the README). */
export interface AuditEvent {
  audit: true;
  event: 'auth.decision';
  service: string;
  decision: 'allow' | 'deny';
  /** `ok` for allow, the error code (AUTH_...) for deny. */
  reason: string;
  sub: string | null;
  act: Record<string, unknown> | null;
  aud: string[] | null;
  scope: string[] | null;
  client_id: string | null;
  /** Fingerprint of the presented token (`tokenFingerprint`), never the token. */
  token_fp: string | null;
  request_id: string | null;
  trace_id: string | null;
  /** The caller's own `x-request-id` when this service made `request_id` (present only then). */
  client_request_id?: string;
  /** ISO 8601. */
  time: string;
}

export interface AuditDecision {
  decision: 'allow' | 'deny';
  reason: string;
  principal?: Principal | undefined;
  token_fp?: string | null | undefined;
  request_id?: string | null | undefined;
  trace_id?: string | null | undefined;
  client_request_id?: string | null | undefined;
}

/** One audit line per token-endpoint answer (an OAuth authorization server: both grants, allow or deny). */
export interface TokenAuditEvent {
  audit: true;
  event: 'token.decision';
  service: string;
  decision: 'allow' | 'deny';
  /** `ok` for allow, the OAuth `error` answered for deny. */
  reason: string;
  /** The HTTP status answered. */
  status: number;
  grant_type: string | null;
  client_id: string | null;
  sub: string | null;
  act: Record<string, unknown> | null;
  /** The one resolved target audience. */
  aud: string | null;
  /** The granted scope, space-delimited. */
  scope: string | null;
  /** Fingerprint of the presented subject token, never the token. */
  token_fp: string | null;
  /** Fingerprint and `jti` of the issued token (allow only). */
  issued_token_fp: string | null;
  jti: string | null;
  request_id: string | null;
  trace_id: string | null;
  /** ISO 8601. */
  time: string;
}

/** What a token endpoint knows when it answers; values must be ones it validated (or null). */
export type TokenAuditDecision = Omit<TokenAuditEvent, 'audit' | 'event' | 'service' | 'time'>;

export interface Auditor {
  /** Write one audit line; returns the event written. */
  record(decision: AuditDecision): AuditEvent;
}

/** The same auditor as a token endpoint uses it (the issuer). */
export interface TokenAuditor {
  /** Write one `token.decision` line (`logger.info(event, 'token.decision')`); returns the event written. */
  recordToken(decision: TokenAuditDecision): TokenAuditEvent;
}

export interface AuditorOptions {
  logger: Pick<Logger, 'info'>;
  /** Name of the service making the decision. */
  service: string;
  /** Clock, ms since the epoch (tests). */
  now?: () => number;
}

const MAX_STRING = 512;
const MAX_DEPTH = 4;

/** Control characters (CR, LF, tabs, C1, line/paragraph separators) replaced by a space; long strings cut. */
function neutralise(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return clean.length > MAX_STRING ? `${clean.slice(0, MAX_STRING)}…` : clean;
}

function neutraliseDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return neutralise(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => neutraliseDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, 50)) out[neutralise(k)] = neutraliseDeep(v, depth + 1);
  return out;
}

const str = (v: string | null | undefined): string | null => (typeof v === 'string' ? neutralise(v) : null);

/** Builds audit events and writes each as one log line (`logger.info(event, 'auth.decision')`). */
export function createAuditor(options: AuditorOptions): Auditor & TokenAuditor {
  if (!options || !options.logger || typeof options.logger.info !== 'function') {
    throw new TypeError('createAuditor: logger with an info(obj, msg) method is required');
  }
  if (typeof options.service !== 'string' || options.service === '') throw new TypeError('createAuditor: service is required');
  const { logger } = options;
  const service = neutralise(options.service);
  const now = options.now ?? Date.now;
  return {
    record(d) {
      const p = d.principal;
      const event: AuditEvent = {
        audit: true,
        event: 'auth.decision',
        service,
        decision: d.decision,
        reason: neutralise(d.reason),
        sub: str(p?.sub),
        act: p?.act ? (neutraliseDeep(p.act, 0) as Record<string, unknown>) : null,
        aud: p ? p.aud.map(neutralise) : null,
        scope: p ? p.scope.map(neutralise) : null,
        client_id: str(p?.client_id),
        token_fp: str(p?.token_fp ?? d.token_fp),
        request_id: str(d.request_id),
        trace_id: str(d.trace_id),
        ...(typeof d.client_request_id === 'string' ? { client_request_id: neutralise(d.client_request_id) } : {}),
        time: new Date(now()).toISOString(),
      };
      logger.info(event, 'auth.decision');
      return event;
    },
    recordToken(d) {
      const event: TokenAuditEvent = {
        audit: true,
        event: 'token.decision',
        service,
        decision: d.decision,
        reason: neutralise(d.reason),
        status: d.status,
        grant_type: str(d.grant_type),
        client_id: str(d.client_id),
        sub: str(d.sub),
        act: d.act ? (neutraliseDeep(d.act, 0) as Record<string, unknown>) : null,
        aud: str(d.aud),
        scope: str(d.scope),
        token_fp: str(d.token_fp),
        issued_token_fp: str(d.issued_token_fp),
        jti: str(d.jti),
        request_id: str(d.request_id),
        trace_id: str(d.trace_id),
        time: new Date(now()).toISOString(),
      };
      logger.info(event, 'token.decision');
      return event;
    },
  };
}
