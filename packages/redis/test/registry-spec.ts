// Test-only: the RunRegistry behaviour every implementation shares, run against the in-process
// MemoryRunRegistry and the RedisRunRegistry (as the thread spec is run against every saver).
import type { RunEvent, RunRegistry, RunResume } from '@baton/runnable-server';
import { eventually } from './redis-env.js';

export const RUN = '0b8f0c1e-5d2a-4c1b-9a7e-3f6d2e1c0a9b';
export const OTHER_RUN = '1c9e1d2f-6e3b-4d2c-8b8f-4a7e3f2d1b0c';
export const alice = JSON.stringify(['https://issuer', 'alice']);
export const bob = JSON.stringify(['https://issuer', 'bob']);
export const carol = JSON.stringify(['https://issuer', 'carol']);
export const dave = JSON.stringify(['https://issuer', 'dave']);

/** A run id of the shape the routes make (a v4 UUID), numbered. */
export const runId = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export interface RegistryBounds {
  retentionMs?: number;
  maxRuns?: number;
  maxRunsPerOwner?: number;
  maxEventsPerRun?: number;
  maxBytesPerRun?: number;
}

/** Two handles on one store: `producer` runs the streams, `reader` resumes them (another replica for a shared store). */
export interface RegistryPair {
  producer: RunRegistry;
  reader: RunRegistry;
  /** Resolves once the producer's writes so far are visible to the reader. */
  flush(): Promise<void>;
}

export async function drain(r: RunResume | undefined): Promise<RunEvent[]> {
  if (!r) throw new Error('expected a reader');
  const out: RunEvent[] = [];
  for await (const e of r.events) out.push(e);
  return out;
}

export function fill(reg: RunRegistry, runId: string, n: number, finish = true, owner = alice) {
  const log = reg.start({ runId, owner, route: '/r/stream' });
  for (let seq = 0; seq < n; seq++) log.append({ seq, event: seq === 0 ? 'metadata' : 'data', data: JSON.stringify(`e${seq}`) });
  if (finish) {
    log.append({ seq: n, event: 'end' });
    log.finish();
  }
  return log;
}

const q = (runId: string, after: number, owner = alice, route = '/r/stream') => ({ runId, owner, route, after });

export function runRegistrySpec(make: (bounds?: RegistryBounds) => Promise<RegistryPair>): void {
  it('resumes a finished run with exactly the events after the id, then stops', async () => {
    const { producer, reader, flush } = await make();
    fill(producer, RUN, 5);
    await flush();
    const events = await drain(await reader.resume(q(RUN, 2)));
    expect(events.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(events.at(-1)).toEqual({ seq: 5, event: 'end' });
    expect(events[0]).toEqual({ seq: 3, event: 'data', data: '"e3"' });
  });

  it('refuses another owner, another route, an unknown run, a future id and a finished run with nothing after the id', async () => {
    const { producer, reader, flush } = await make();
    fill(producer, RUN, 3);
    await flush();
    await expect(reader.resume(q(RUN, 0, bob))).resolves.toBeUndefined();
    await expect(reader.resume(q(RUN, 0, alice, '/r/stream_events'))).resolves.toBeUndefined();
    await expect(reader.resume(q(OTHER_RUN, 0))).resolves.toBeUndefined();
    await expect(reader.resume(q(RUN, 4))).resolves.toBeUndefined();
    await expect(reader.resume(q(RUN, 3))).resolves.toBeUndefined();
  });

  it('follows a live run: buffered events first, then each new one once, ending with the run; the producer sees the reader come and go', async () => {
    const { producer, reader, flush } = await make();
    const log = fill(producer, RUN, 3, false);
    await flush();
    const resumed = await reader.resume(q(RUN, 1));
    await eventually(() => log.readers === 1);
    const seen: number[] = [];
    for await (const e of resumed!.events) {
      seen.push(e.seq);
      if (e.seq === 2) {
        log.append({ seq: 3, event: 'data', data: '"e3"' });
        log.append({ seq: 4, event: 'end' });
        log.finish();
      }
    }
    expect(seen).toEqual([2, 3, 4]);
    await eventually(() => log.readers === 0);
  });

  it('tells the producer when readers come and go; close() ends a waiting reader', async () => {
    const { producer, reader, flush } = await make();
    const log = fill(producer, RUN, 2, false);
    const counts: number[] = [];
    log.onReaders((n) => counts.push(n));
    await flush();
    const resumed = await reader.resume(q(RUN, 1));
    await eventually(() => counts.length === 1);
    const done = drain(resumed);
    resumed!.close();
    await expect(done).resolves.toEqual([]);
    await eventually(() => counts.length === 2);
    expect(counts).toEqual([1, 0]);
    log.finish();
  });

  it('bounds events per run: the oldest are dropped, and a resume from a dropped id is refused', async () => {
    const { producer, reader, flush } = await make({ maxEventsPerRun: 3 });
    fill(producer, RUN, 10);
    await flush();
    await expect(reader.resume(q(RUN, 6))).resolves.toBeUndefined();
    const events = await drain(await reader.resume(q(RUN, 7)));
    expect(events.map((e) => e.seq)).toEqual([8, 9, 10]);
  });

  it('bounds characters per run: the oldest events are dropped', async () => {
    const { producer, reader, flush } = await make({ maxBytesPerRun: 1_000 });
    const log = producer.start({ runId: RUN, owner: alice, route: '/r/stream' });
    // Each event counts 4 + 100 + 16 = 120 characters: 8 fit, with the end (19) after them.
    for (let seq = 0; seq < 100; seq++) log.append({ seq, event: 'data', data: 'x'.repeat(100) });
    log.append({ seq: 100, event: 'end' });
    log.finish();
    await flush();
    await expect(reader.resume(q(RUN, 90))).resolves.toBeUndefined();
    const events = await drain(await reader.resume(q(RUN, 91)));
    expect(events.map((e) => e.seq)).toEqual([92, 93, 94, 95, 96, 97, 98, 99, 100]);
  });

  it('bounds runs: the oldest finished run goes first, then the oldest live one', async () => {
    const { producer, reader, flush } = await make({ maxRuns: 2, maxRunsPerOwner: 2 });
    fill(producer, RUN, 2, false); // live
    fill(producer, OTHER_RUN, 2, true); // finished
    fill(producer, '2d0f2e30-7f4c-4e3d-9c90-5b8f4a3e2c1d', 2, false);
    await flush();
    await expect(reader.resume(q(OTHER_RUN, 0))).resolves.toBeUndefined();
    const kept = await reader.resume(q(RUN, 0));
    expect(kept).toBeDefined();
    kept!.close();
    fill(producer, '3e1a3f41-8a5d-4f4e-8da1-6c9a5b4f3d2e', 2, false);
    await flush();
    await expect(reader.resume(q(RUN, 0))).resolves.toBeUndefined();
  });

  /** Whether `owner` can still resume run `id` (from its first event). */
  async function resumable(reader: RunRegistry, id: string, owner = alice): Promise<boolean> {
    const r = await reader.resume(q(id, 0, owner));
    r?.close();
    return r !== undefined;
  }

  it("gives each owner a bounded share: carol's many runs push out only her own oldest, never bob's finished run", async () => {
    const { producer, reader, flush } = await make({ maxRuns: 8, maxRunsPerOwner: 3 });
    fill(producer, RUN, 3, true, bob);
    for (let i = 1; i <= 40; i++) fill(producer, runId(i), 3, true, carol);
    await flush();
    expect(await resumable(reader, RUN, bob)).toBe(true);
    const carols = [];
    for (let i = 1; i <= 40; i++) carols.push(await resumable(reader, runId(i), carol));
    expect(carols.flatMap((kept, i) => (kept ? [i + 1] : []))).toEqual([38, 39, 40]);
  });

  it('when the whole registry is full, takes the oldest run of the owner who holds the most', async () => {
    const { producer, reader, flush } = await make({ maxRuns: 4, maxRunsPerOwner: 3 });
    fill(producer, RUN, 3, true, bob);
    for (let i = 1; i <= 3; i++) fill(producer, runId(i), 3, true, carol);
    fill(producer, OTHER_RUN, 3, true, dave); // full: carol (3) gives up her oldest
    await flush();
    expect(await resumable(reader, RUN, bob)).toBe(true);
    expect(await resumable(reader, OTHER_RUN, dave)).toBe(true);
    expect(await resumable(reader, runId(1), carol)).toBe(false);
    expect(await resumable(reader, runId(2), carol)).toBe(true);
    expect(await resumable(reader, runId(3), carol)).toBe(true);
  });

  it('does not keep a run that ended without a data event (and so does not count it against anyone)', async () => {
    const { producer, reader, flush } = await make({ maxRuns: 2, maxRunsPerOwner: 2 });
    fill(producer, RUN, 3, true, bob);
    for (let i = 1; i <= 10; i++) {
      const log = producer.start({ runId: runId(i), owner: carol, route: '/r/stream' });
      log.append({ seq: 0, event: 'metadata', data: '{}' });
      log.append({ seq: 1, event: 'error', data: '{"status_code":500}' });
      log.finish();
    }
    await flush();
    expect(await resumable(reader, runId(10), carol)).toBe(false);
    expect(await resumable(reader, RUN, bob)).toBe(true);
  });

  it('keeps a finished run for retentionMs, then forgets it', async () => {
    const { producer, reader, flush } = await make({ retentionMs: 300 });
    fill(producer, RUN, 3);
    await flush();
    const early = await reader.resume(q(RUN, 1));
    expect(early).toBeDefined();
    expect((await drain(early)).map((e) => e.seq)).toEqual([2, 3]);
    await eventually(async () => {
      const r = await reader.resume(q(RUN, 1));
      r?.close();
      return r === undefined;
    });
  });
}
