import { defineErrorCodes } from '@baton/errors';

/**
 * The dev issuer's own error codes, for its own routes (beside `@baton/errors`' core ones;
 * docs/ERRORS.md lists them all). Its token endpoint answers with RFC 6749 OAuth errors instead.
 */
export const ISSUER_ERRORS = defineErrorCodes(
  {
    ISSUER_DEV_INVALID_REQUEST: { status: 400, meaning: 'The /dev/token body is not {user, audience?, scope?, ttl?}' },
    ISSUER_UNKNOWN_USER: { status: 400, meaning: 'No such development user' },
    ISSUER_UNKNOWN_AUDIENCE: { status: 400, meaning: 'No such audience' },
    ISSUER_SCOPE_NOT_ALLOWED: { status: 403, meaning: 'The scope is not granted to this user for this audience' },
    ISSUER_DEV_LOOPBACK_ONLY: { status: 403, meaning: '/dev/rotate-keys is accepted from loopback only' },
    ISSUER_ROTATION_REFUSED: { status: 409, meaning: 'A key rotation would drop a key whose tokens may still be valid' },
  },
  { owner: '@baton/issuer' },
);
