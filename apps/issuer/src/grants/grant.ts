import type { Logger } from '@baton/service';
import type { ClientPolicy } from '../policy.js';
import type { TokenAudit } from '../token-audit.js';
import type { TokenForm } from '../token-request.js';

/** A token request that passed the shared steps: parsed, client authenticated, grant allowed. */
export interface TokenContext {
  form: TokenForm;
  client: ClientPolicy;
  /** Filled in by the grant with the values it validated; written as the request's audit line. */
  audit: TokenAudit;
  log: Logger;
  nowSec: number;
}

/** One grant type of the token endpoint (one module each, like oidc-provider's `lib/actions/grants`). */
export interface Grant {
  readonly type: string;
  /** Counted against the client's per-minute limit before the grant runs. */
  readonly rateLimited: boolean;
  /** The 200 response body, or throws an OAuthError. */
  handle(ctx: TokenContext): Promise<Record<string, unknown>>;
}
