import { defineErrorCodes } from '@baton/errors';

/**
 * The Platform API's own error codes (beside `@baton/errors`' core ones; docs/ERRORS.md lists
 * them all). The codes are the wire contract: never rename one.
 */
export const PLATFORM_ERRORS = defineErrorCodes(
  {
    PLATFORM_ASSISTANT_NOT_FOUND: { status: 404, meaning: 'No assistant (served graph) with this id or graph id' },
    PLATFORM_REQUEST_INVALID: { status: 422, meaning: 'The request body or query does not have the shape the Platform API route takes' },
    PLATFORM_FIELD_UNSUPPORTED: {
      status: 422,
      meaning: 'The request names a field or value this server refuses or does not implement (webhook, an after_seconds delay, ...)',
    },
    PLATFORM_STREAM_MODE_UNSUPPORTED: { status: 422, meaning: 'A requested stream mode is not one this server streams' },
    PLATFORM_CONTEXT_REFUSED: {
      status: 422,
      meaning: 'The request sends a run context key the server sets itself (caller) or does not accept',
    },
    PLATFORM_THREAD_EXISTS: { status: 409, meaning: 'The thread already exists (create with if_exists raise)' },
    PLATFORM_THREAD_BUSY: { status: 409, meaning: 'The thread already has a run in progress (multitask_strategy reject)' },
  },
  { owner: '@baton/platform-api' },
);

/**
 * The two thread codes the Platform API answers with itself, shared with the workflow server's
 * LangServe thread routes (`@baton/workflow-server` builds on this package and re-exports them in
 * its `WORKFLOW_ERRORS`): declared here, below both, so each surface answers with the same code.
 */
export const WORKFLOW_THREAD_ERRORS = defineErrorCodes(
  {
    WORKFLOW_THREAD_NOT_FOUND: { status: 404, meaning: 'No such thread for this user' },
    WORKFLOW_THREADS_DISABLED: { status: 400, meaning: 'Threads are off (CHECKPOINTER=none)' },
  },
  { owner: '@baton/platform-api' },
);
