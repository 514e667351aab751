import type { SourceInput } from '@baton/contract/wire';

/** A source as the writer and the reviewer take it (`@baton/contract`'s `SourceInput`). */
export type SampleSource = SourceInput;

/** Sources as the research agent returns them (test data). */
export const SAMPLE_SOURCES: SampleSource[] = [
  {
    id: 'token-exchange',
    title: 'RFC 8693 token exchange',
    url: 'https://docs.baton.local/oauth/token-exchange',
    excerpt:
      'Token exchange, defined in RFC 8693, lets a service trade the token it received for a new token aimed at another audience. The service sends the subject_token, names the audience it wants and authenticates as itself.',
    score: 1,
  },
  {
    id: 'delegation-vs-impersonation',
    title: 'Delegation versus impersonation',
    url: 'https://docs.baton.local/oauth/delegation-vs-impersonation',
    excerpt:
      "Delegation also allows policy on the actor. An agent can accept exchanged tokens only when the acting service is on an allow-list, which stops an unexpected service from reusing a user's authority.",
    score: 0.62,
  },
  {
    id: 'audience-restriction',
    title: 'Audience restriction',
    url: 'https://docs.baton.local/oauth/audience',
    excerpt:
      'Passing one broad token through every hop is simpler but weaker: any service that sees it can call any other. Exchanging for a per-agent audience confines a leaked token to a single agent.',
    score: 0.5,
  },
];
