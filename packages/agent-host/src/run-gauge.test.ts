import { RunnableLambda } from '@langchain/core/runnables';
import { countRuns } from './run-gauge.js';

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

describe('countRuns', () => {
  it('counts an invoke until it settles, also when it throws', async () => {
    const g = gate();
    const { runnable, gauge } = countRuns(
      RunnableLambda.from(async (x: { fail?: boolean }) => {
        await g.opened;
        if (x.fail) throw new Error('boom');
        return 1;
      }),
    );
    const ok = runnable.invoke({});
    const bad = runnable.invoke({ fail: true }).catch((e: Error) => e.message);
    await new Promise((r) => setImmediate(r));
    expect(gauge).toEqual({ active: 2, started: 2 });
    g.open();
    await expect(ok).resolves.toBe(1);
    await expect(bad).resolves.toBe('boom');
    expect(gauge.active).toBe(0);
  });

  it('counts a stream until its consumer stops early (the routes return the iterator when the client leaves)', async () => {
    const { runnable, gauge } = countRuns(
      RunnableLambda.from(async function* () {
        for (let i = 0; ; i++) yield i;
      }),
    );
    const it = (await runnable.stream({}))[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(0);
    expect(gauge.active).toBe(1);
    await it.return?.();
    expect(gauge).toEqual({ active: 0, started: 1 });
  });

  it('counts streamEvents until the iterator ends', async () => {
    const { runnable, gauge } = countRuns(RunnableLambda.from((x: number) => x + 1));
    const seen: string[] = [];
    for await (const ev of runnable.streamEvents(1, { version: 'v2' })) {
      seen.push((ev as { event: string }).event);
      expect(gauge.active).toBe(1);
    }
    expect(seen).toContain('on_chain_end');
    expect(gauge).toEqual({ active: 0, started: 1 });
  });

  it('leaves every other member of the runnable as it was', () => {
    const inner = RunnableLambda.from((x: number) => x);
    const { runnable } = countRuns(inner);
    expect(runnable).toBeInstanceOf(RunnableLambda);
    expect(runnable.lc_namespace).toEqual(inner.lc_namespace);
  });
});
