// Who is who: the agent the graph calls, and the workflow that calls it. Both processes import
// this file; the identity provider is told the same names (see README.md).
import { defineAgent } from '@baton/contract/topology';

/** The team's agent: its variables in the workflow are SUMMARIZER_URL, _AUDIENCE, _SCOPE, ... */
export const SUMMARIZER = defineAgent({
  key: 'summarizer',
  name: 'agent-summarizer',
  path: '/summarizer',
  port: 3004,
  audience: 'agent-summarizer',
  scope: 'summarizer:invoke',
});

/** The workflow: `name` is its OAuth client id (WORKFLOW_CLIENT_ID), the `act.sub` the agent trusts. */
export const WORKFLOW = {
  name: 'notes',
  path: '/notes',
  port: 3000,
  audience: 'notes-workflow',
  scope: 'notes:invoke',
} as const;
