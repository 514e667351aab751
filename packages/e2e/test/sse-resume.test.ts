// A spec EventSource client (`eventsource` on npm) against the real workflow: ids on every event,
// an `end` it can see, and a reconnect with Last-Event-ID that resumes the same run, never a new one.
import { openPostEventSource } from '@baton/testkit';
import { startStack, type Stack } from './stack.js';

let stack: Stack;
let alice: string;
let bob: string;

beforeAll(async () => {
  // Slow the writer down so the run is still streaming when the client comes back (~3 s).
  stack = await startStack({ WRITER_CHUNK_DELAY_MS: '25' });
  alice = await stack.token('alice');
  bob = await stack.token('bob');
}, 90_000);

afterAll(async () => {
  const code = await stack?.stop();
  expect(code).toBe(0);
});

/** Research agent calls allowed for `sub` so far: one per workflow run. */
const researchCalls = (sub: string) =>
  stack.logs().filter((l) => l.audit === true && l.service === 'agent-research' && l.decision === 'allow' && l.sub === sub).length;

/** Waits for the services' log lines to catch up (they arrive through the launcher's pipe). */
async function logsReach(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

const openEventSource = (token: string, body: unknown) => openPostEventSource(`${stack.urls.workflow}/workflow/stream`, token, body);

describe('SSE resume against the running workflow', () => {
  it('cut during the writer deltas, the eventsource client reconnects and gets exactly the rest of the same run', async () => {
    const before = researchCalls('alice');
    const client = openEventSource(alice, { input: { topic: 'resumable streams' } });
    try {
      await client.until((e) => e.event === 'data' && JSON.parse(e.data).event === 'delta');
      client.connections[0]!.cut.abort();
      // bob replays alice's last id while her run is live: 204, and no run of his starts.
      const lastId = client.seen.at(-1)!.id;
      const foreign = await fetch(`${stack.urls.workflow}/workflow/stream`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${bob}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'last-event-id': lastId,
        },
        body: JSON.stringify({ input: { topic: 'resumable streams' } }),
      });
      expect(foreign.status).toBe(204);
      expect(await foreign.text()).toBe('');

      await client.until((e) => e.event === 'end');
      const runId = JSON.parse(client.seen[0]!.data).run_id as string;
      expect(client.connections.map((c) => [c.lastEventId, c.status])).toEqual([
        [null, 200],
        [lastId, 200],
      ]);
      // Every event once, in order, ids <run_id>:0..n; one metadata (one run); end with a data line.
      expect(client.seen.map((e) => e.id)).toEqual(client.seen.map((_, i) => `${runId}:${i}`));
      expect(client.seen.filter((e) => e.event === 'metadata')).toHaveLength(1);
      expect(client.seen.at(-1)).toMatchObject({ event: 'end', data: '{}' });
      const data = client.seen.filter((e) => e.event === 'data').map((e) => JSON.parse(e.data));
      const deltas = data.filter((d) => d.event === 'delta');
      const lastRevision = Math.max(...deltas.map((d) => d.revision));
      const output = data.find((d) => d.event === 'output');
      expect(
        deltas
          .filter((d) => d.revision === lastRevision)
          .map((d) => d.delta)
          .join(''),
      ).toBe(output.output.report);
      // One research call for alice (one run), none for bob.
      await logsReach(() => researchCalls('alice') >= before + 1);
      expect(researchCalls('alice')).toBe(before + 1);
      expect(researchCalls('bob')).toBe(0);
    } finally {
      client.es.close();
    }
  }, 60_000);

  it('answers 204 to a malformed Last-Event-ID and starts no run', async () => {
    const before = researchCalls('alice');
    const res = await fetch(`${stack.urls.workflow}/workflow/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json', 'last-event-id': 'garbage' },
      body: JSON.stringify({ input: { topic: 'resumable streams' } }),
    });
    expect(res.status).toBe(204);
    // A run would have called research before the response; a fresh invoke shows the log is current.
    const invoke = await fetch(`${stack.urls.workflow}/workflow/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { topic: 'one more' } }),
    });
    expect(invoke.status).toBe(200);
    await logsReach(() => researchCalls('alice') >= before + 1);
    expect(researchCalls('alice')).toBe(before + 1);
  }, 60_000);
});
