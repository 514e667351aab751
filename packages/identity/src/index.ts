export { Caller, accessTokenOf, isCaller, tokenDigest, tokenFingerprint, fingerprintOfDigest } from './caller.js';
export type { CallerInit, Principal } from './caller.js';
export { CallerSchema, RunContext, callerOf } from './run-context.js';
export {
  REQUEST_ID_HEADER,
  TRACEPARENT_HEADER,
  childTraceparent,
  formatTraceparent,
  isValidRequestId,
  newTraceparent,
  parseTraceparent,
  w3cPropagator,
} from './correlation.js';
export type { Correlation, CorrelationPropagator, IncomingHeaders, Traceparent } from './correlation.js';
export { EXCHANGE_FAILURE_STATUS, classifyIssuerAnswer, isCallerRefusal } from './refusal.js';
export type { ExchangeFailure } from './refusal.js';
export type { ExchangeRequest, ExchangedAccessToken, TokenExchanger } from './exchange.js';
