import { RemoteRunnable } from 'langchain-core-legacy/runnables/remote';
import { describeConformance, type ConformanceClient } from './suite.js';

/** The official LangServe JS client, @langchain/core@0.3.80 (the last release that has it). */
describeConformance(
  'the official @langchain/core@0.3.80 RemoteRunnable',
  ({ url, token }): ConformanceClient => {
    const remote = new RemoteRunnable({ url, options: { timeout: 10_000, headers: token ? { Authorization: `Bearer ${token}` } : {} } });
    return {
      invoke: (input, config) => remote.invoke(input, config as never),
      batch: (inputs) => remote.batch(inputs),
      stream: (input) => ({ [Symbol.asyncIterator]: () => remoteStream(remote, input) }),
      streamEvents: (input) => ({
        [Symbol.asyncIterator]: async function* () {
          yield* (await remote.streamEvents(input, { version: 'v2' })) as AsyncIterable<any>;
        },
      }),
    };
  },
  { revivesLangChainObjects: true },
);

async function* remoteStream(remote: RemoteRunnable<unknown, unknown, any>, input: unknown): AsyncGenerator<unknown> {
  yield* await remote.stream(input);
}
