import { Caller, tokenFingerprint } from '@baton/auth';
import { RemoteRunnable } from '@baton/remote';
import { describeConformance, type ConformanceClient } from './suite.js';

/** @baton/remote's client: the caller's token travels in the run's context, forwarded as-is (passthrough). */
describeConformance('@baton/remote RemoteRunnable', ({ url, token }): ConformanceClient => {
  const remote = new RemoteRunnable({
    url,
    credentials: token ? { strategy: 'passthrough' } : { strategy: 'none' },
    retry: { attempts: 1 },
  });
  const context = token
    ? {
        caller: new Caller({
          token,
          principal: {
            sub: 'caller',
            iss: 'test',
            aud: [],
            scope: [],
            exp: Math.floor(Date.now() / 1000) + 300,
            token_fp: tokenFingerprint(token),
          },
        }),
      }
    : {};
  return {
    invoke: (input, config) => remote.invoke(input, { ...(config as object), context }),
    batch: (inputs) => remote.batch(inputs, { context }),
    stream: (input) => ({
      [Symbol.asyncIterator]: async function* () {
        yield* await remote.stream(input, { context });
      },
    }),
  };
});
