import type { ExchangeRequest } from '@baton/identity';

export const GRANT_TYPE_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 7523 §2.1, the grant Microsoft Entra ID's on-behalf-of flow uses. */
export const GRANT_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';

/** `rfc8693`: RFC 8693 token exchange. `entra-obo`: Microsoft Entra ID's on-behalf-of request. */
export type ExchangeFlow = 'rfc8693' | 'entra-obo';
/** Which RFC 8693 target parameters a request carries. */
export type ExchangeTarget = 'audience' | 'resource' | 'both';

const FLOWS: readonly ExchangeFlow[] = ['rfc8693', 'entra-obo'];
const TARGETS: readonly ExchangeTarget[] = ['audience', 'resource', 'both'];
const REQUESTED_TOKEN_TYPES = [TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT];

export interface FlowSettings {
  flow: ExchangeFlow;
  target: ExchangeTarget;
  requestedTokenType: string;
}

/** The flow options with their defaults; a TypeError names the bad one. */
export function checkedFlowOptions(o: { flow?: unknown; target?: unknown; requestedTokenType?: unknown }): FlowSettings {
  const flow = (o.flow ?? 'rfc8693') as ExchangeFlow;
  if (!FLOWS.includes(flow)) throw new TypeError(`createTokenExchangeClient: flow must be one of ${FLOWS.join(', ')}`);
  const target = (o.target ?? 'audience') as ExchangeTarget;
  if (!TARGETS.includes(target)) throw new TypeError(`createTokenExchangeClient: target must be one of ${TARGETS.join(', ')}`);
  const requestedTokenType = (o.requestedTokenType ?? TOKEN_TYPE_ACCESS_TOKEN) as string;
  if (!REQUESTED_TOKEN_TYPES.includes(requestedTokenType))
    throw new TypeError(`createTokenExchangeClient: requestedTokenType must be one of ${REQUESTED_TOKEN_TYPES.join(', ')}`);
  if (flow === 'entra-obo' && o.target !== undefined && target !== 'audience')
    throw new TypeError('createTokenExchangeClient: target does not apply to the entra-obo flow (it names its target in scope)');
  return { flow, target, requestedTokenType };
}

/** The request's own checks against the flow: what it must carry. A TypeError is a wiring bug. */
export function checkRequest(settings: FlowSettings, req: ExchangeRequest): void {
  if (!req || typeof req.audience !== 'string' || req.audience === '') throw new TypeError('exchangeFor: audience is required');
  if (req.scope !== undefined && typeof req.scope !== 'string') throw new TypeError('exchangeFor: scope must be a string');
  if (req.resource !== undefined && (typeof req.resource !== 'string' || req.resource === ''))
    throw new TypeError('exchangeFor: resource must be a non-empty string');
  if (req.traceparent !== undefined && typeof req.traceparent !== 'string')
    throw new TypeError('exchangeFor: traceparent must be a string');
  if (settings.flow === 'entra-obo') {
    if (!req.scope) throw new TypeError('exchangeFor: the entra-obo flow needs scope (e.g. api://agent/.default)');
  } else if (settings.target !== 'audience' && req.resource === undefined) {
    throw new TypeError(`exchangeFor: target ${settings.target} needs the request's resource`);
  }
}

/**
 * The form of one exchange (client authentication is added by the caller):
 * - rfc8693: grant_type, subject_token (+ type), `audience` and/or `resource`,
 *   `requested_token_type`, `scope` when asked;
 * - entra-obo: grant_type jwt-bearer, `assertion` = the caller's token, `scope`,
 *   `requested_token_use=on_behalf_of`.
 */
export function exchangeForm(settings: FlowSettings, subjectToken: string, req: ExchangeRequest): URLSearchParams {
  if (settings.flow === 'entra-obo') {
    return new URLSearchParams({
      grant_type: GRANT_TYPE_JWT_BEARER,
      assertion: subjectToken,
      scope: req.scope!,
      requested_token_use: 'on_behalf_of',
    });
  }
  const form = new URLSearchParams({
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPE_ACCESS_TOKEN,
  });
  if (settings.target !== 'resource') form.set('audience', req.audience);
  if (settings.target !== 'audience') form.set('resource', req.resource!);
  form.set('requested_token_type', settings.requestedTokenType);
  if (req.scope) form.set('scope', req.scope);
  return form;
}
