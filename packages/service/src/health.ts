import type { IRouter, Request, Response } from 'express';

export interface HealthOptions {
  /** Readiness check; `false` or a throw gives 503. Default: always ready. */
  ready?: () => boolean | Promise<boolean>;
  /**
   * Why the service is not ready, written as `reason` in the 503 body (the issuer URL and the
   * discovery or JWKS error, say) so an operator or a supervisor can tell. Never a secret.
   */
  reason?: () => string | undefined;
}

/** `GET /healthz` (liveness: 200 `{status:'ok'}`) and `GET /readyz` (200 ready / 503 not_ready, with `reason` when known). */
export function healthRoutes(app: IRouter, options: HealthOptions = {}): void {
  app.get('/healthz', (_req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-store');
    res.status(200).json({ status: 'ok' });
  });
  app.get('/readyz', async (_req: Request, res: Response) => {
    let ok: boolean;
    try {
      ok = options.ready ? (await options.ready()) === true : true;
    } catch {
      ok = false;
    }
    res.setHeader('cache-control', 'no-store');
    if (ok) {
      res.status(200).json({ status: 'ready' });
      return;
    }
    let reason: string | undefined;
    try {
      reason = options.reason?.();
    } catch {
      reason = undefined;
    }
    res.status(503).json({ status: 'not_ready', ...(reason ? { reason: reason.slice(0, 1000) } : {}) });
  });
}
