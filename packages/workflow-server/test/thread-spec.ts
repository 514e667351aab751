// The thread spec: one suite every ThreadStore (memory, SQLite, Postgres) must pass, the way
// langgraphjs runs one conformance suite against each of its checkpointers. It drives a small real
// LangGraph graph on the store's saver through ThreadManager, as the workflow does.
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { isBatonError } from '@baton/errors';
import type { ThreadStore } from '../src/thread-index.js';
import { ThreadManager, type ThreadLimits } from '../src/thread-manager.js';
import { ownerKey, scopedThreadId } from '../src/threads.js';

export interface ThreadStoreHarness {
  /** Opens a store on the same data each time: a new saver instance and connection (memory: the same one). */
  open(): Promise<ThreadStore>;
  /** Whether a newly opened store sees what an earlier one wrote. */
  persistent: boolean;
  /** Closes what `open` opened and removes the data. */
  cleanup(): Promise<void>;
}

const alice = { iss: 'https://issuer.example', sub: 'alice' };
const bob = { iss: 'https://issuer.example', sub: 'bob' };

const State = Annotation.Root({
  runs: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
  log: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
});

/** Two nodes: each run writes four checkpoints (input, start, a, b). */
function counterGraph(store: ThreadStore) {
  return new StateGraph(State)
    .addNode('a', () => ({ log: ['a'] }))
    .addNode('b', () => ({ log: ['b'] }))
    .addEdge(START, 'a')
    .addEdge('a', 'b')
    .addEdge('b', END)
    .compile({ checkpointer: store.saver });
}

type Who = typeof alice;

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function threadStoreSpec(name: string, makeHarness: () => Promise<ThreadStoreHarness | undefined>): void {
  describe(`thread spec: ${name}`, () => {
    let harness: ThreadStoreHarness | undefined;
    let store: ThreadStore;
    let t: number;
    const clock = () => new Date(t);
    const limits: ThreadLimits = { quotaPerUser: 3, ttlMs: 60 * 60_000, historyMax: 5 };
    let manager: ThreadManager;

    beforeAll(async () => {
      harness = await makeHarness();
      if (harness) store = await harness.open();
    });
    afterAll(async () => harness?.cleanup());
    beforeEach(() => {
      t = Date.UTC(2026, 0, 1) + Math.floor(Math.random() * 1e9);
      if (harness) manager = new ThreadManager(store, limits, clock);
    });

    const live = () => harness !== undefined;
    let n = 0;
    const fresh = (label: string) => `${label}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
    // Each test uses its own users, so tests on one shared store never see each other's threads.
    const user = (label: string): Who => ({ iss: 'https://issuer.example', sub: fresh(label) });

    async function run(m: ThreadManager, who: Who, threadId: string, s: ThreadStore = store) {
      const scoped = scopedThreadId(who, threadId);
      await m.begin(scoped);
      try {
        return await counterGraph(s).invoke({ runs: 1 }, { configurable: { thread_id: scoped }, durability: 'sync' });
      } finally {
        await m.finish(scoped);
      }
    }
    const stateOf = async (who: Who, threadId: string, s: ThreadStore = store) =>
      (await counterGraph(s).getState({ configurable: { thread_id: scopedThreadId(who, threadId) } })).values as Partial<
        typeof State.State
      >;
    async function checkpointsOf(who: Who, threadId: string, s: ThreadStore = store): Promise<number> {
      let count = 0;
      for await (const _ of s.saver.list({ configurable: { thread_id: scopedThreadId(who, threadId) } })) count += 1;
      return count;
    }

    it('keeps two users who name the same thread apart, and lists each one only their own', async () => {
      if (!live()) return;
      const [a, b] = [user('alice'), user('bob')];
      await run(manager, a, 'shared');
      await run(manager, a, 'shared');
      await run(manager, b, 'shared');
      expect((await stateOf(a, 'shared')).runs).toBe(2);
      expect((await stateOf(b, 'shared')).runs).toBe(1);
      expect((await manager.list(ownerKey(a), 10)).threads.map((r) => r.threadId)).toEqual(['shared']);
      expect((await manager.list(ownerKey(b), 10)).threads.map((r) => r.owner)).toEqual([ownerKey(b)]);
      expect(await manager.remove(ownerKey(b), 'shared')).toBe(true);
      expect((await stateOf(a, 'shared')).runs).toBe(2);
      expect((await stateOf(b, 'shared')).runs).toBeUndefined();
    });

    it('refuses a thread id that could escape its owner, before touching the store', async () => {
      if (!live()) return;
      for (const bad of ['', 'a/b', '../x', 'x'.repeat(129), 'with space']) {
        expect(() => scopedThreadId(alice, bad)).toThrow(expect.objectContaining({ code: 'WORKFLOW_THREAD_ID_INVALID' }));
      }
      expect(scopedThreadId(alice, 't')).not.toBe(scopedThreadId(bob, 't'));
      expect(await manager.remove(ownerKey(alice), 'never-made')).toBe(false);
    });

    it('lists newest first in pages whose cursors cover every thread once', async () => {
      if (!live()) return;
      const who = user('lister');
      const m = new ThreadManager(store, { ...limits, quotaPerUser: 10 }, clock);
      const ids = ['t1', 't2', 't3', 't4', 't5'];
      for (const id of ids) {
        t += 1_000;
        await run(m, who, id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await m.list(ownerKey(who), 2, cursor);
        expect(page.threads.length).toBeLessThanOrEqual(2);
        seen.push(...page.threads.map((r) => r.threadId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const first = (await m.list(ownerKey(who), 1)).threads[0]!;
      expect(first).toMatchObject({ threadId: 't5', checkpoints: expect.any(Number), sizeBytes: expect.any(Number) });
      expect(first.sizeBytes).toBeGreaterThan(0);
      expect(first.updatedAt.getTime()).toBe(t);
      const err = await caught(m.list(ownerKey(who), 2, 'not-a-cursor'));
      expect(isBatonError(err) && err.code).toBe('WORKFLOW_THREAD_CURSOR_INVALID');
    });

    it('refuses tampered cursors (out-of-range times, ids the service never issues) with WORKFLOW_THREAD_CURSOR_INVALID, never a store error', async () => {
      if (!live()) return;
      const who = user('tamper');
      await run(manager, who, 'c1');
      const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const tampered = [
        cursor([9007199254740991, 'x']),
        cursor([-8640000000000001, 'x']),
        cursor([8640000000000000, 'x']),
        cursor([-1, 'x']),
        cursor([1.5, 'x']),
        cursor([Date.now(), 'x\u0000y']),
        cursor([Date.now(), 'x\ny']),
        cursor([Date.now(), '']),
        cursor([Date.now(), 'x'.repeat(129)]),
        cursor([Date.now(), 'x/y']),
        cursor([Date.now(), 'x', 'extra']),
        cursor({ t: 1, id: 'x' }),
      ];
      for (const c of tampered) {
        const err = await caught(manager.list(ownerKey(who), 2, c));
        expect([c, isBatonError(err) && err.code, (err as { status?: number }).status]).toEqual([c, 'WORKFLOW_THREAD_CURSOR_INVALID', 422]);
      }
      // A well-formed cursor the store has no row after is an empty page, not an error.
      expect((await manager.list(ownerKey(who), 2, cursor([0, 'c1']))).threads).toEqual([]);
      expect((await manager.list(ownerKey(who), 2, cursor([Date.UTC(9999, 11, 31, 23, 59, 59, 999), 'zz']))).threads).toHaveLength(1);
    });

    it('refuses a new thread beyond the quota with 409, still runs existing ones, and frees a slot on delete', async () => {
      if (!live()) return;
      const who = user('quota');
      for (const id of ['q1', 'q2', 'q3']) await run(manager, who, id);
      const err = await caught(run(manager, who, 'q4'));
      expect(err).toMatchObject({ code: 'WORKFLOW_THREAD_QUOTA_EXCEEDED', status: 409 });
      expect(await checkpointsOf(who, 'q4')).toBe(0);
      await run(manager, who, 'q1');
      expect((await stateOf(who, 'q1')).runs).toBe(2);
      await run(manager, user('other'), 'q4');
      await manager.remove(ownerKey(who), 'q2');
      await run(manager, who, 'q4');
      expect(await store.index.count(ownerKey(who))).toBe(3);
    });

    it('lets exactly the quota through when new threads race', async () => {
      if (!live()) return;
      const owner = ownerKey(user('racer'));
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.index.reserve(owner, `r${i}`, 3, clock())));
      expect(results.filter((r) => r === 'created')).toHaveLength(3);
      expect(results.filter((r) => r === 'quota')).toHaveLength(5);
      expect(await store.index.count(owner)).toBe(3);
    });

    it('sweeps threads idle past the TTL (checkpoints and index row), keeping recent ones', async () => {
      if (!live()) return;
      const who = user('ttl');
      await run(manager, who, 'old');
      t += limits.ttlMs / 2;
      await run(manager, who, 'recent');
      t += limits.ttlMs / 2 + 1;
      expect(await manager.sweep()).toBeGreaterThanOrEqual(1);
      expect(await checkpointsOf(who, 'old')).toBe(0);
      expect(await manager.get(ownerKey(who), 'old')).toBeUndefined();
      expect((await stateOf(who, 'recent')).runs).toBe(1);
      expect(await manager.get(ownerKey(who), 'recent')).toBeDefined();
    });

    it('sweeps on its interval, not only at start-up', async () => {
      if (!live()) return;
      const who = user('periodic');
      let expired = false;
      let sweepsSinceExpired = 0;
      let sweptAfterExpiry!: () => void;
      const done = new Promise<void>((resolve) => (sweptAfterExpiry = resolve));
      const errors: unknown[] = [];
      const stop = manager.startSweeper(20, (err) => {
        if (err) errors.push(err);
        // The second report after expiry comes from a sweep that started after it.
        if (expired && ++sweepsSinceExpired === 2) sweptAfterExpiry();
      });
      // Made after the start-up sweep began: only a later, periodic sweep can remove it.
      await run(manager, who, 'late');
      t += limits.ttlMs + 1;
      expired = true;
      await done;
      await stop();
      expect(errors).toEqual([]);
      expect(await checkpointsOf(who, 'late')).toBe(0);
      expect(await manager.get(ownerKey(who), 'late')).toBeUndefined();
    });

    it('caps a thread’s history at the newest checkpoints and keeps its state whole', async () => {
      if (!live()) return;
      const who = user('history');
      for (let i = 0; i < 4; i += 1) await run(manager, who, 'long');
      expect(await checkpointsOf(who, 'long')).toBe(limits.historyMax);
      const state = await stateOf(who, 'long');
      expect(state.runs).toBe(4);
      expect(state.log).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
      const row = await manager.get(ownerKey(who), 'long');
      expect(row).toMatchObject({ checkpoints: limits.historyMax });
      expect(row!.sizeBytes).toBe((await store.history.size(scopedThreadId(who, 'long'))).sizeBytes);
      // A run after pruning still starts from the kept state.
      await run(manager, who, 'long');
      expect((await stateOf(who, 'long')).runs).toBe(5);
    });

    it('keeps threads, state and index across a new store instance (a restart)', async () => {
      if (!live() || !harness!.persistent) return;
      const who = user('durable');
      await run(manager, who, 'kept');
      const again = await harness!.open();
      const m2 = new ThreadManager(again, limits, clock);
      expect((await stateOf(who, 'kept', again)).runs).toBe(1);
      expect((await m2.list(ownerKey(who), 10)).threads.map((r) => r.threadId)).toEqual(['kept']);
      await run(m2, who, 'kept', again);
      expect((await stateOf(who, 'kept')).runs).toBe(2);
    });
  });
}
