import { defineErrorCodes } from '@baton/errors';
import { WORKFLOW_THREAD_ERRORS } from '@baton/platform-api';

/**
 * The workflow server's own error codes (beside `@baton/errors`' core ones; docs/ERRORS.md lists
 * them all): threads, the checkpointer and failed nodes. The codes are the wire contract: never
 * rename one.
 */
const OWN = defineErrorCodes(
  {
    WORKFLOW_THREAD_ID_INVALID: { status: 422, meaning: 'The thread id is not 1-128 characters of A-Z a-z 0-9 . _ : -' },
    WORKFLOW_THREAD_QUOTA_EXCEEDED: {
      status: 409,
      meaning: 'A new thread would exceed the user’s thread quota (THREAD_QUOTA_PER_USER): delete a thread or let one expire',
    },
    WORKFLOW_THREAD_CURSOR_INVALID: { status: 422, meaning: 'The thread list cursor is not one this service issued' },
    WORKFLOW_CHECKPOINTER_UNAVAILABLE: {
      status: 500,
      meaning: 'The configured checkpointer could not be opened at start-up (better-sqlite3 not loadable, Postgres unreachable)',
    },
    WORKFLOW_NODE_FAILED: {
      status: 502,
      meaning: 'A workflow node failed; detail names the node and the cause’s code (504 on a timeout, 403 on a refused caller)',
      variable: true,
    },
  },
  { owner: '@baton/workflow-server' },
);

/**
 * Every `WORKFLOW_*` code: the workflow server's own, and the two thread codes it shares with the
 * Platform API (`WORKFLOW_THREAD_NOT_FOUND`, `WORKFLOW_THREADS_DISABLED`, declared by
 * `@baton/platform-api`, which this package builds on).
 */
export const WORKFLOW_ERRORS = Object.freeze({ ...WORKFLOW_THREAD_ERRORS, ...OWN });
