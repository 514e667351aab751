import type { AgentTarget } from './config.js';
import { OAuthError } from './oauth-error.js';
import { agentForResource, findAgent, type Policy } from './policy.js';

export type Params = Map<string, string>;

/** A token request's form, parsed. */
export interface TokenForm {
  params: Params;
  /** More than one `audience`/`resource` value was given. */
  multiTarget: boolean;
}

/**
 * Target parameters may legitimately be repeated (RFC 8693 §2.1, RFC 8707 §2: several targets);
 * this issuer issues a token for exactly one, so several are `invalid_target` (RFC 8693 §2.2.2),
 * not `invalid_request`.
 */
const TARGET_PARAMS = new Set(['audience', 'resource']);

/** Only names we know are echoed in descriptions. */
const KNOWN_PARAMS = new Set([
  'grant_type',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'scope',
  'audience',
  'resource',
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
]);
const safeName = (k: string) => (KNOWN_PARAMS.has(k) ? k : '(unknown)');

/**
 * Parse an x-www-form-urlencoded body. A repeated parameter is invalid_request (RFC 6749 §3.1),
 * even when one of its values is empty (no `x=&x=value` smuggling past a proxy that reads the
 * first); a repeated target parameter is recorded in `multiTarget` and refused as invalid_target.
 */
export function parseForm(body: string): TokenForm {
  const params: Params = new Map();
  const seen = new Set<string>();
  let multiTarget = false;
  for (const [k, v] of new URLSearchParams(body)) {
    if (seen.has(k)) {
      if (!TARGET_PARAMS.has(k)) throw new OAuthError('invalid_request', `parameter ${safeName(k)} is repeated`);
      multiTarget = true;
    }
    seen.add(k);
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    if (v !== '') params.set(k, v);
  }
  return { params, multiTarget };
}

/** RFC 6749 §3.3 scope: space-delimited NQCHAR tokens; duplicates dropped. */
export function parseScope(params: Params): string[] | undefined {
  const raw = params.get('scope');
  if (raw === undefined) return undefined;
  if (!/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/.test(raw)) throw new OAuthError('invalid_scope', 'scope is malformed');
  return [...new Set(raw.split(' '))];
}

function targetOfResource(policy: Policy, resource: string): AgentTarget | undefined {
  let u: URL | undefined;
  try {
    u = new URL(resource);
  } catch {
    u = undefined;
  }
  if (!u || resource.includes('#')) throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment');
  return agentForResource(policy, resource);
}

/**
 * Exactly one target, among `allowed`: `audience` (a logical name), `resource` (RFC 8707 absolute
 * URI), or both when they name the same agent (RFC 8693 §2.1 lets a client send both; Baton's
 * EXCHANGE_TARGET=both does). Two different targets are invalid_target.
 */
export function resolveTarget(form: TokenForm, policy: Policy, allowed: string[]): AgentTarget {
  const audience = form.params.get('audience');
  const resource = form.params.get('resource');
  if (form.multiTarget) throw new OAuthError('invalid_target', 'give exactly one target: one audience or one resource');
  if (audience === undefined && resource === undefined)
    throw new OAuthError('invalid_request', 'a target is required: audience or resource');
  const byResource = resource !== undefined ? targetOfResource(policy, resource) : undefined;
  const byAudience = audience !== undefined ? findAgent(policy, audience) : undefined;
  if (audience !== undefined && resource !== undefined && (!byResource || byResource !== byAudience))
    throw new OAuthError('invalid_target', 'audience and resource must name the same target');
  const target = byResource ?? byAudience;
  if (!target) throw new OAuthError('invalid_target', 'unknown target');
  if (!allowed.includes(target.audience)) throw new OAuthError('invalid_target', 'this client may not obtain tokens for that target');
  return target;
}

/** The scope to grant: the requested subset of the target's scope, or all of it. */
export function grantedScope(requested: string[] | undefined, target: AgentTarget): string[] {
  if (requested === undefined) return target.scope;
  const outside = requested.filter((s) => !target.scope.includes(s));
  if (outside.length > 0 || requested.length === 0) throw new OAuthError('invalid_scope', "requested scope exceeds the target's scope");
  return requested;
}
