export { Caller, accessTokenOf, isCaller, tokenDigest, tokenFingerprint, fingerprintOfDigest } from './caller.js';
export type { CallerInit, Principal } from './caller.js';
export { RunContext, callerOf } from './run-context.js';
export { childTraceparent, isValidRequestId, newTraceparent, parseTraceparent, w3cPropagator } from './correlation.js';
export type { Correlation, CorrelationPropagator, IncomingHeaders, Traceparent } from './correlation.js';
export { EXCHANGE_FAILURE_STATUS, classifyIssuerAnswer, isCallerRefusal } from './refusal.js';
export type { ExchangeFailure } from './refusal.js';
export type { ExchangeRequest, ExchangedAccessToken, TokenExchanger } from './exchange.js';
