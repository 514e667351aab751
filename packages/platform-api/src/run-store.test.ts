import { PlatformRunStore, type RunRecord } from './run-store.js';

const make = (store: PlatformRunStore, runId: string, owner = 'o1') =>
  store.create({ runId, threadId: 't', scoped: `${owner}/t`, owner, assistantId: 'g' });

async function all(store: PlatformRunStore, r: RunRecord, after = -1): Promise<number[]> {
  const out: number[] = [];
  for await (const e of store.follow(r, after)) out.push(e.seq);
  return out;
}

describe('PlatformRunStore', () => {
  it('keeps at most maxRunsPerOwner records per owner, dropping the oldest finished first', () => {
    const store = new PlatformRunStore({ maxRunsPerOwner: 2 });
    const a = make(store, 'a');
    store.finish(a, 'success');
    const b = make(store, 'b');
    make(store, 'c');
    expect(store.get('a', 'o1')).toBeUndefined();
    expect(store.get('b', 'o1')).toBe(b);
    make(store, 'd', 'o2');
    expect(store.get('d', 'o2')).toBeDefined();
    expect(store.get('d', 'o1')).toBeUndefined();
  });

  it('drops the oldest events past maxBytesPerRun; a follower starts at the oldest kept', async () => {
    const store = new PlatformRunStore({ maxBytesPerRun: 40 });
    const r = make(store, 'r');
    for (let i = 0; i < 5; i++) store.append(r, 'values', '"0123456789"');
    store.finish(r, 'success');
    expect(await all(store, r)).toEqual([3, 4]);
  });

  it('forgets a finished run’s events after eventRetentionMs and its record after retentionMs (injected clock)', async () => {
    let now = 0;
    const store = new PlatformRunStore({ eventRetentionMs: 100, retentionMs: 1000, now: () => now });
    const r = make(store, 'r');
    store.append(r, 'values', '1');
    store.finish(r, 'success');
    now = 50;
    expect(await all(store, store.get('r', 'o1')!)).toEqual([0]);
    now = 200;
    expect(await all(store, store.get('r', 'o1')!)).toEqual([]);
    expect(store.get('r', 'o1')?.status).toBe('success');
    now = 2000;
    expect(store.get('r', 'o1')).toBeUndefined();
  });

  it('follows a live run: replays after the given seq, then waits for new events until it finishes', async () => {
    const store = new PlatformRunStore();
    const r = make(store, 'r');
    store.append(r, 'a', '1');
    store.append(r, 'b', '2');
    const seen = all(store, r, 0);
    store.append(r, 'c', '3');
    store.finish(r, 'success');
    expect(await seen).toEqual([1, 2]);
    expect(store.position(r)).toBe(2);
  });
});
