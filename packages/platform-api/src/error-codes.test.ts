import { BatonError, ERROR_CODES, isCoreErrorCode } from '@baton/errors';
import { PLATFORM_ERRORS, WORKFLOW_THREAD_ERRORS } from './error-codes.js';

// The wire contract: these strings and statuses were the core registry's before this package
// declared them itself; they may never change.
const statuses = (set: Record<string, string>) =>
  Object.fromEntries(Object.values(set).map((c) => [c, new BatonError(c as never, 'm').status]));

describe("the Platform API's error codes", () => {
  it('holds every PLATFORM_* code with its status, declared outside the core registry', () => {
    expect(statuses(PLATFORM_ERRORS)).toEqual({
      PLATFORM_ASSISTANT_NOT_FOUND: 404,
      PLATFORM_REQUEST_INVALID: 422,
      PLATFORM_FIELD_UNSUPPORTED: 422,
      PLATFORM_STREAM_MODE_UNSUPPORTED: 422,
      PLATFORM_CONTEXT_REFUSED: 422,
      PLATFORM_THREAD_EXISTS: 409,
      PLATFORM_THREAD_BUSY: 409,
    });
    for (const code of Object.values(PLATFORM_ERRORS)) expect(isCoreErrorCode(code)).toBe(false);
    expect(Object.keys(ERROR_CODES).filter((c) => c.startsWith('PLATFORM_'))).toEqual([]);
  });

  it('declares the two thread codes it answers with itself, shared with the workflow server', () => {
    expect(statuses(WORKFLOW_THREAD_ERRORS)).toEqual({ WORKFLOW_THREAD_NOT_FOUND: 404, WORKFLOW_THREADS_DISABLED: 400 });
  });
});
