import express from 'express';
import { errorHandler } from '@baton/errors/express';
import { resolvePlatformOptions, type PlatformApiOptions } from './options.js';
import { assistantsRoutes } from './assistants-routes.js';
import { threadsRoutes } from './threads-routes.js';
import { runsRoutes } from './runs-routes.js';
import { runRecordsRoutes } from './run-records-routes.js';
import { BusyThreads } from './run-plan.js';
import { PlatformRunStore } from './run-store.js';

/**
 * The LangGraph Platform API (assistants, threads, runs: what `@langchain/langgraph-sdk`'s
 * `Client`, `RemoteGraph` and `useStream` call) as an Express router, mounted at the service root
 * beside the LangServe routes. Every route runs `options.auth` first (verification, scope,
 * audit), then the JSON body parser. The verified caller reaches the graph only through the run's
 * `context`, set here; a thread is the caller's own (its checkpoint key is scoped to them) and is
 * named in responses by the caller's own id only. Options are checked now (TypeError).
 */
export function platformApi(options: PlatformApiOptions): express.Router {
  const opts = resolvePlatformOptions(options);
  const router = express.Router();
  const pre = [...opts.auth, express.json({ limit: opts.bodyLimit })];
  const busy = new BusyThreads();
  const store = new PlatformRunStore(opts.runRecords);
  assistantsRoutes(router, opts, pre);
  threadsRoutes(router, { opts, busy }, pre);
  runsRoutes(router, { opts, busy, store }, pre);
  runRecordsRoutes(router, { opts, busy, store }, pre);
  router.use(errorHandler({ ...(opts.logger ? { logger: opts.logger } : {}), codes: opts.errorCodes }));
  return router;
}
