import type { TokenAuditDecision, TokenAuditor } from '@baton/auth';
import type { Request, Response } from 'express';

/** What is known about a token request so far, filled in as it is checked (only validated values). */
export type TokenAudit = Omit<TokenAuditDecision, 'decision' | 'reason' | 'status' | 'request_id' | 'trace_id'>;

/** The request's audit record (in `res.locals`), made empty on first use. */
export function auditOf(res: Response): TokenAudit {
  const locals = res.locals as { tokenAudit?: TokenAudit };
  locals.tokenAudit ??= {
    grant_type: null,
    client_id: null,
    sub: null,
    act: null,
    aud: null,
    scope: null,
    token_fp: null,
    issued_token_fp: null,
    jti: null,
  };
  return locals.tokenAudit;
}

/** One `token.decision` line through the shared auditor, allow or deny. */
export function writeTokenAudit(
  auditor: TokenAuditor,
  req: Request,
  res: Response,
  decision: 'allow' | 'deny',
  reason: string,
  status: number,
): void {
  auditor.recordToken({
    decision,
    reason,
    status,
    ...auditOf(res),
    request_id: typeof req.requestId === 'string' ? req.requestId : null,
    trace_id: typeof req.traceId === 'string' ? req.traceId : null,
  });
}
