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
  /**
   * Counts this request against the client's per-minute limit; throws `429 slow_down` (with
   * `Retry-After`) when the client is over it. A grant marked `rateLimited` calls it once per
   * request, after any narrower limit (the per-subject one) has passed, so a request refused by
   * the narrower limit never spends the client's budget. A no-op for other grants.
   */
  countClient(): void;
}

/** One grant type of the token endpoint (one module each, like oidc-provider's `lib/actions/grants`). */
export interface Grant {
  readonly type: string;
  /** Counted against the client's per-minute limit (the grant calls `ctx.countClient()`). */
  readonly rateLimited: boolean;
  /** The 200 response body, or throws an OAuthError. */
  handle(ctx: TokenContext): Promise<Record<string, unknown>>;
}
