import type { IRouter, Request, Response } from 'express';

export interface HealthOptions {
  /** Readiness check; `false` or a throw gives 503. Default: always ready. */
  ready?: () => boolean | Promise<boolean>;
}

/** `GET /healthz` (liveness: 200 `{status:'ok'}`) and `GET /readyz` (200 ready / 503 not_ready). */
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
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready' });
  });
}
