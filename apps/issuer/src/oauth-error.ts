/** RFC 6749 §5.2 / RFC 8693 §2.2.2 token endpoint error codes. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'slow_down';

/** A token-endpoint error, written as `{error, error_description}`. Descriptions never echo input. */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

export const invalidClient = (description = 'client authentication failed') =>
  new OAuthError('invalid_client', description, 401, { 'WWW-Authenticate': 'Basic realm="baton-issuer", charset="UTF-8"' });
