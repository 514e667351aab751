import { defineErrorCodes } from '@baton/errors';

/** The writer's own error codes (beside `@baton/errors`' core ones; docs/ERRORS.md lists them all). */
export const WRITER_ERRORS = defineErrorCodes(
  {
    WRITER_INPUT_TOO_LARGE: { status: 413, meaning: 'The writer input is over one of its size limits' },
  },
  { owner: '@baton/agent-writer' },
);
