import { BatonError, ERROR_CODES, errorCodeEntry, isCoreErrorCode } from '@baton/errors';
import { WORKFLOW_ERRORS } from './error-codes.js';

// The wire contract: these strings and statuses were the core registry's before the workflow
// server declared them itself; they may never change.
const CONTRACT = {
  WORKFLOW_THREAD_NOT_FOUND: 404,
  WORKFLOW_THREADS_DISABLED: 400,
  WORKFLOW_THREAD_ID_INVALID: 422,
  WORKFLOW_THREAD_QUOTA_EXCEEDED: 409,
  WORKFLOW_THREAD_CURSOR_INVALID: 422,
  WORKFLOW_CHECKPOINTER_UNAVAILABLE: 500,
  WORKFLOW_NODE_FAILED: 502,
};

describe('WORKFLOW_ERRORS', () => {
  it('holds every WORKFLOW_* code with its status, declared outside the core registry', () => {
    expect(Object.fromEntries(Object.values(WORKFLOW_ERRORS).map((c) => [c, new BatonError(c, 'm').status]))).toEqual(CONTRACT);
    for (const code of Object.keys(CONTRACT)) expect(isCoreErrorCode(code)).toBe(false);
    expect(Object.keys(ERROR_CODES).filter((c) => c.startsWith('WORKFLOW_'))).toEqual([]);
  });

  it('is owned by the package that declares each code; only WORKFLOW_NODE_FAILED has a status that varies', () => {
    const owners = Object.fromEntries(Object.values(WORKFLOW_ERRORS).map((c) => [c, errorCodeEntry(c)?.owner]));
    expect(owners).toMatchObject({ WORKFLOW_THREAD_NOT_FOUND: '@baton/platform-api', WORKFLOW_NODE_FAILED: '@baton/workflow-server' });
    expect(Object.values(WORKFLOW_ERRORS).filter((c) => errorCodeEntry(c)?.variable)).toEqual(['WORKFLOW_NODE_FAILED']);
  });
});
