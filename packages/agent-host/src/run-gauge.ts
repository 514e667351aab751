import type { AnyRunnable } from '@baton/runnable-server';

/** How many runs of an agent's runnable are being served right now, and how many ever started. */
export interface RunGauge {
  readonly active: number;
  readonly started: number;
}

/**
 * The same runnable, counting its runs: `invoke` until it settles, `stream` and `streamEvents`
 * until their iterator ends, throws or is returned (the routes return it when the client leaves).
 * The gauge is what `/metrics` reports as `baton_runs_active`: a run still counted long after its
 * caller left is an orphan.
 */
export function countRuns(runnable: AnyRunnable): { runnable: AnyRunnable; gauge: RunGauge } {
  const gauge = { active: 0, started: 0 };
  const begin = () => {
    gauge.active += 1;
    gauge.started += 1;
    let ended = false;
    return () => {
      if (!ended) gauge.active -= 1;
      ended = true;
    };
  };
  async function* counted(source: Promise<AsyncIterable<unknown>> | AsyncIterable<unknown>): AsyncGenerator<unknown> {
    const end = begin();
    try {
      yield* await source;
    } finally {
      end();
    }
  }
  const counting: ProxyHandler<AnyRunnable> = {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      if (key === 'invoke') {
        return async (...args: unknown[]) => {
          const end = begin();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            end();
          }
        };
      }
      if (key === 'stream')
        return (...args: unknown[]) => counted((value as (...a: unknown[]) => Promise<AsyncIterable<unknown>>).apply(target, args));
      if (key === 'streamEvents')
        return (...args: unknown[]) => counted((value as (...a: unknown[]) => AsyncIterable<unknown>).apply(target, args));
      return value;
    },
  };
  return { runnable: new Proxy(runnable, counting), gauge };
}
