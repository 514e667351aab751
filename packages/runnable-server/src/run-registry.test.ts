import { eventId, MemoryRunRegistry, ownerKey, parseEventId, type RunEvent, type RunResume } from './run-registry.js';
import { acceptsEventStream, SseWriter } from './sse.js';

const RUN = '0b8f0c1e-5d2a-4c1b-9a7e-3f6d2e1c0a9b';
const OTHER_RUN = '1c9e1d2f-6e3b-4d2c-8b8f-4a7e3f2d1b0c';
const alice = ownerKey({ iss: 'https://issuer', sub: 'alice' });
const bob = ownerKey({ iss: 'https://issuer', sub: 'bob' });

async function drain(r: RunResume | undefined): Promise<RunEvent[]> {
  if (!r) throw new Error('expected a reader');
  const out: RunEvent[] = [];
  for await (const e of r.events) out.push(e);
  return out;
}

function fill(reg: MemoryRunRegistry, runId: string, n: number, finish = true, owner = alice) {
  const log = reg.start({ runId, owner, route: '/r/stream' });
  for (let seq = 0; seq < n; seq++) log.append({ seq, event: seq === 0 ? 'metadata' : 'data', data: JSON.stringify(`e${seq}`) });
  if (finish) {
    log.append({ seq: n, event: 'end' });
    log.finish();
  }
  return log;
}

describe('event ids', () => {
  it('round-trips <run_id>:<seq>', () => {
    expect(parseEventId(eventId(RUN, 42))).toEqual({ runId: RUN, seq: 42 });
  });

  it.each([
    '',
    'x',
    RUN,
    `${RUN}:`,
    `${RUN}:-1`,
    `${RUN}:01`,
    `${RUN}:1.5`,
    `${RUN}:1e3`,
    `${RUN.toUpperCase()}:1`,
    `a:${RUN}:1`,
    `${RUN}:9999999999999999`,
  ])('refuses the malformed id %j', (id) => {
    expect(parseEventId(id)).toBeUndefined();
  });

  it('keys owners by issuer and subject', () => {
    expect(ownerKey({ iss: 'a', sub: 'b' })).not.toBe(ownerKey({ iss: 'a:b', sub: '' }));
    expect(alice).not.toBe(bob);
  });
});

describe('MemoryRunRegistry', () => {
  it('resumes a finished run with exactly the events after the id, then stops', async () => {
    const reg = new MemoryRunRegistry();
    fill(reg, RUN, 5);
    const events = await drain(await reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 2 }));
    expect(events.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(events.at(-1)).toEqual({ seq: 5, event: 'end' });
  });

  it('refuses another owner, another route, an unknown run, a future id and a finished run with nothing after the id', async () => {
    const reg = new MemoryRunRegistry();
    fill(reg, RUN, 3);
    await expect(reg.resume({ runId: RUN, owner: bob, route: '/r/stream', after: 0 })).resolves.toBeUndefined();
    await expect(reg.resume({ runId: RUN, owner: alice, route: '/r/stream_events', after: 0 })).resolves.toBeUndefined();
    await expect(reg.resume({ runId: OTHER_RUN, owner: alice, route: '/r/stream', after: 0 })).resolves.toBeUndefined();
    await expect(reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 4 })).resolves.toBeUndefined();
    await expect(reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 3 })).resolves.toBeUndefined();
  });

  it('follows a live run: buffered events first, then each new one, ending with the run', async () => {
    const reg = new MemoryRunRegistry();
    const log = fill(reg, RUN, 3, false);
    const reader = await reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 1 });
    expect(log.readers).toBe(1);
    const seen: number[] = [];
    const done = (async () => {
      for await (const e of reader!.events) {
        seen.push(e.seq);
        if (e.seq === 2) {
          log.append({ seq: 3, event: 'data', data: '"e3"' });
          log.append({ seq: 4, event: 'end' });
          log.finish();
        }
      }
    })();
    await done;
    expect(seen).toEqual([2, 3, 4]);
    expect(log.readers).toBe(0);
  });

  it('tells the producer when readers come and go; close() ends a waiting reader', async () => {
    const reg = new MemoryRunRegistry();
    const log = fill(reg, RUN, 2, false);
    const counts: number[] = [];
    log.onReaders((n) => counts.push(n));
    const reader = await reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 1 });
    const done = drain(reader);
    reader!.close();
    await expect(done).resolves.toEqual([]);
    expect(counts).toEqual([1, 0]);
  });

  it('bounds events per run: the oldest are dropped, and a resume from a dropped id is refused', async () => {
    const reg = new MemoryRunRegistry({ maxEventsPerRun: 3 });
    fill(reg, RUN, 10);
    await expect(reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 6 })).resolves.toBeUndefined();
    const events = await drain(await reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 7 }));
    expect(events.map((e) => e.seq)).toEqual([8, 9, 10]);
  });

  it('bounds characters per run and in total', async () => {
    const reg = new MemoryRunRegistry({ maxBytesPerRun: 1_000, maxBytesTotal: 2_500 });
    const log = reg.start({ runId: RUN, owner: alice, route: '/r/stream' });
    for (let seq = 0; seq < 100; seq++) log.append({ seq, event: 'data', data: 'x'.repeat(100) });
    expect(reg.bytes).toBeLessThanOrEqual(1_000);
    for (let i = 0; i < 10; i++) fill(reg, `${RUN.slice(0, -2)}${String(i).padStart(2, '0')}`, 8);
    expect(reg.bytes).toBeLessThanOrEqual(2_500);
  });

  it('bounds runs: the oldest finished run goes first, then the oldest live one', async () => {
    const reg = new MemoryRunRegistry({ maxRuns: 2, maxRunsPerOwner: 2 });
    fill(reg, RUN, 2, false); // live
    fill(reg, OTHER_RUN, 2, true); // finished
    const third = '2d0f2e30-7f4c-4e3d-9c90-5b8f4a3e2c1d';
    fill(reg, third, 2, false);
    expect(reg.size).toBe(2);
    await expect(reg.resume({ runId: OTHER_RUN, owner: alice, route: '/r/stream', after: 0 })).resolves.toBeUndefined();
    await expect(reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 0 })).resolves.toBeDefined();
    fill(reg, '3e1a3f41-8a5d-4f4e-8da1-6c9a5b4f3d2e', 2, false);
    await expect(reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 0 })).resolves.toBeUndefined();
  });

  it('keeps a run that ended without data while a reader is attached, so that reader still gets its last event', async () => {
    const reg = new MemoryRunRegistry();
    const log = reg.start({ runId: RUN, owner: alice, route: '/r/stream' });
    log.append({ seq: 0, event: 'metadata', data: '{}' });
    const reader = await reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 0 });
    log.append({ seq: 1, event: 'error', data: '{"status_code":500}' });
    log.finish();
    const seen: string[] = [];
    for await (const e of reader!.events) seen.push(e.event);
    expect(seen).toEqual(['error']);
  });

  it('takes room for one owner’s flood of data from that owner first (maxBytesTotal)', async () => {
    const reg = new MemoryRunRegistry({ maxBytesPerRun: 1_000, maxBytesTotal: 2_000 });
    const bobs = reg.start({ runId: RUN, owner: bob, route: '/r/stream' });
    bobs.append({ seq: 0, event: 'data', data: 'x'.repeat(500) });
    bobs.append({ seq: 1, event: 'end' });
    bobs.finish();
    for (let i = 0; i < 10; i++) {
      const log = reg.start({ runId: `00000000-0000-4000-8000-00000000000${i}`, owner: alice, route: '/r/stream' });
      log.append({ seq: 0, event: 'data', data: 'y'.repeat(900) });
      log.append({ seq: 1, event: 'end' });
      log.finish();
    }
    await expect(reg.resume({ runId: RUN, owner: bob, route: '/r/stream', after: 0 })).resolves.toBeDefined();
    expect(reg.bytes).toBeLessThanOrEqual(2_000);
  });

  it('keeps a finished run for retentionMs, then forgets it', async () => {
    jest.useFakeTimers();
    try {
      const reg = new MemoryRunRegistry({ retentionMs: 30_000 });
      fill(reg, RUN, 3);
      jest.advanceTimersByTime(29_999);
      expect(reg.size).toBe(1);
      await expect(reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 1 })).resolves.toBeDefined();
      jest.advanceTimersByTime(1);
      expect(reg.size).toBe(0);
      expect(reg.bytes).toBe(0);
      await expect(reg.resume({ runId: RUN, owner: alice, route: '/r/stream', after: 1 })).resolves.toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses bad bounds', () => {
    expect(() => new MemoryRunRegistry({ maxRuns: 0 })).toThrow(TypeError);
    expect(() => new MemoryRunRegistry({ maxBytesPerRun: 10, maxBytesTotal: 5 })).toThrow(TypeError);
    expect(() => new MemoryRunRegistry({ maxRuns: 5, maxRunsPerOwner: 6 })).toThrow(TypeError);
    expect(new MemoryRunRegistry({ maxRuns: 1_000 }).maxRunsPerOwner).toBe(100);
    expect(new MemoryRunRegistry({ maxRuns: 5 }).maxRunsPerOwner).toBe(1);
  });
});

describe('SseWriter framing', () => {
  function writer(specClient: boolean, retryMs?: number) {
    const res = {
      status: () => res,
      setHeader: () => res,
      flushHeaders: () => undefined,
      on: () => res,
      end: () => undefined,
    };
    const w = new SseWriter(res as never, { pingIntervalMs: 60_000, specClient, ...(retryMs ? { retryMs } : {}) });
    w.end(); // stops the ping timer; frame() still works
    return w;
  }

  it('gives end a data line only for a spec client', () => {
    expect(writer(false).frame('end', undefined, `${RUN}:3`)).toBe(`event: end\r\nid: ${RUN}:3\r\n\r\n`);
    expect(writer(true).frame('end', undefined, `${RUN}:3`)).toBe(`event: end\r\ndata: {}\r\nid: ${RUN}:3\r\n\r\n`);
    expect(writer(true).frame('data', '"x"', `${RUN}:1`)).toBe(`event: data\r\ndata: "x"\r\nid: ${RUN}:1\r\n\r\n`);
  });

  it('sends retry once, to a spec client only', () => {
    const w = writer(true, 250);
    expect(w.frame('metadata', '{}', `${RUN}:0`)).toBe(`retry: 250\r\nevent: metadata\r\ndata: {}\r\nid: ${RUN}:0\r\n\r\n`);
    expect(w.frame('data', '1', `${RUN}:1`)).toBe(`event: data\r\ndata: 1\r\nid: ${RUN}:1\r\n\r\n`);
    expect(writer(false, 250).frame('metadata', '{}')).toBe('event: metadata\r\ndata: {}\r\n\r\n');
  });

  it.each([
    ['text/event-stream', true],
    ['application/json, Text/Event-Stream;q=0.9', true],
    ['*/*', false],
    ['application/json', false],
    [undefined, false],
  ])('Accept %j → spec client %s', (accept, expected) => {
    expect(acceptsEventStream(accept)).toBe(expected);
  });
});
