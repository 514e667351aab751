// A browser page reading /workflow/stream the way a web app must: EventSource cannot POST or send
// Authorization, so the page uses fetch + ReadableStream with `Accept: text/event-stream` and a
// bearer token, parses the events itself, aborts mid-run, reconnects with `Last-Event-ID` and gets
// exactly the rest. Headless Chromium (playwright-core, Debian's /usr/bin/chromium), the page
// served from its own origin, the workflow allowing that origin (CORS_ALLOWED_ORIGINS).
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStack, type Stack } from './stack.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

/** The page's own reader: fetch + ReadableStream, an incremental SSE parser (CRLF, LF, CR). */
const PAGE_SCRIPT = String.raw`
window.readStream = async function readStream(url, token, body, options) {
  const controller = new AbortController();
  const headers = { accept: 'text/event-stream', authorization: 'Bearer ' + token, 'content-type': 'application/json' };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal });
  const events = [];
  if (!res.body) return { status: res.status, events, aborted: false };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let ev = { id: undefined, event: 'message', data: [] };
  const dispatch = () => {
    if (ev.data.length > 0) events.push({ id: ev.id, event: ev.event, data: ev.data.join('\n') });
    ev = { id: undefined, event: 'message', data: [] };
  };
  const line = (l) => {
    if (l === '') return dispatch();
    if (l.startsWith(':')) return;
    const i = l.indexOf(':');
    const field = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? '' : l.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') ev.id = value;
    else if (field === 'event') ev.event = value;
    else if (field === 'data') ev.data.push(value);
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let m;
      // complete lines only; a CR at the very end may be the first half of a CRLF
      while ((m = /\r\n|\r(?=[^\n])|\n/.exec(buf)) !== null) {
        line(buf.slice(0, m.index));
        buf = buf.slice(m.index + m[0].length);
        const last = events[events.length - 1];
        if (options.abortAfterDelta && last && last.event === 'data' && last.data.includes('"delta"')) {
          controller.abort();
          return { status: res.status, events, aborted: true };
        }
      }
    }
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  }
  return { status: res.status, events, aborted: false };
};
`;

async function servePage(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>baton</title><script>${PAGE_SCRIPT}</script></head><body>reader</body></html>`);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface PageEvent {
  id?: string;
  event: string;
  data: string;
}
interface ReadResult {
  status: number;
  events: PageEvent[];
  aborted: boolean;
}

if (!hasChromium) {
  if (process.env.CI === 'true') {
    it('needs Chromium at /usr/bin/chromium under CI (.ci/run installs it)', () => {
      throw new Error(`${CHROMIUM} is missing`);
    });
  } else {
    console.log(`browser-sse.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
    it.skip('a browser page reads /workflow/stream with fetch, aborts and resumes with Last-Event-ID', () => undefined);
  }
} else {
  describe('a fetch-based SSE reader in headless Chromium', () => {
    let page: { origin: string; close: () => Promise<void> };
    let other: { origin: string; close: () => Promise<void> };
    let stack: Stack;
    let browser: Browser;

    beforeAll(async () => {
      page = await servePage();
      other = await servePage();
      // slow enough that the page aborts while the writer is still writing
      stack = await startStack({ CORS_ALLOWED_ORIGINS: page.origin, WRITER_CHUNK_DELAY_MS: '40' });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await stack?.stop();
      await page?.close();
      await other?.close();
    });

    async function open(origin: string): Promise<Page> {
      const p = await browser.newPage();
      await p.goto(`${origin}/`);
      return p;
    }

    function read(p: Page, token: string, options: { lastEventId?: string; abortAfterDelta?: boolean }): Promise<ReadResult> {
      const args: [string, string, typeof options] = [`${stack.urls.workflow}/workflow/stream`, token, options];
      return p.evaluate(
        ([url, t, o]: [string, string, typeof options]) =>
          (globalThis as unknown as { readStream: (...a: unknown[]) => Promise<ReadResult> }).readStream(
            url,
            t,
            { input: { topic: 'streaming agents' } },
            o,
          ),
        args,
      );
    }

    const seqOf = (e: PageEvent) => Number(e.id!.slice(e.id!.lastIndexOf(':') + 1));

    it('aborts mid-run, reconnects with Last-Event-ID and receives exactly the rest, ending with end and data', async () => {
      const token = await stack.token('alice');
      const p = await open(page.origin);
      const first = await read(p, token, { abortAfterDelta: true });
      expect(first.status).toBe(200);
      expect(first.aborted).toBe(true);
      expect(first.events[0]!.event).toBe('metadata');
      const runId = (JSON.parse(first.events[0]!.data) as { run_id: string }).run_id;
      const lastId = first.events[first.events.length - 1]!.id!;
      expect(lastId.startsWith(`${runId}:`)).toBe(true);
      expect(first.events.some((e) => e.event === 'end')).toBe(false);

      const rest = await read(p, token, { lastEventId: lastId });
      expect(rest.status).toBe(200);
      expect(rest.events.length).toBeGreaterThan(0);
      // the same run, starting right after the last id seen, no event twice, nothing missing
      const all = [...first.events, ...rest.events];
      expect(all.every((e) => e.id!.startsWith(`${runId}:`))).toBe(true);
      expect(all.map(seqOf)).toEqual(all.map((_, i) => i));
      expect(rest.events.filter((e) => e.event === 'metadata')).toEqual([]);
      const end = rest.events[rest.events.length - 1]!;
      expect(end.event).toBe('end');
      expect(end.data).not.toBe('');
      const output = rest.events.filter((e) => e.event === 'data' && e.data.includes('"output"'));
      expect(output).toHaveLength(1);
      await p.close();
    });

    it('is refused by the browser from an origin the workflow does not allow (CORS closed by default)', async () => {
      const token = await stack.token('alice');
      const p = await open(other.origin);
      await expect(read(p, token, {})).rejects.toThrow(/Failed to fetch/);
      await p.close();
    });
  });
}
