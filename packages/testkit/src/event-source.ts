import { EventSource } from 'eventsource';

/** One event a spec EventSource client delivered. */
export interface SeenEvent {
  event: string;
  data: string;
  id: string;
}

/** One HTTP connection the client opened: the `Last-Event-ID` it sent, the status it got, and a way to cut it. */
export interface EventSourceConnection {
  cut: AbortController;
  lastEventId: string | null;
  status?: number;
}

/**
 * A spec EventSource client (`eventsource` on npm) that POSTs `body` as JSON with
 * `Authorization: Bearer <bearer>` through the client's custom fetch (a browser EventSource can
 * do neither). Each connection can be cut as a network failure would (`connections[i].cut.abort()`):
 * the client then reconnects with `Last-Event-ID`, as a browser does. `until(pred)` resolves with
 * the first event (seen or to come) matching `pred`.
 */
export function openPostEventSource(url: string, bearer: string, body: unknown) {
  const connections: EventSourceConnection[] = [];
  const es = new EventSource(url, {
    fetch: async (input, init) => {
      const cut = new AbortController();
      init.signal?.addEventListener('abort', () => cut.abort());
      const headers = new Headers(init.headers as Record<string, string>);
      const conn: EventSourceConnection = { cut, lastEventId: headers.get('last-event-id') };
      connections.push(conn);
      headers.set('authorization', `Bearer ${bearer}`);
      headers.set('content-type', 'application/json');
      const res = await fetch(input, { ...init, method: 'POST', body: JSON.stringify(body), headers, signal: cut.signal });
      conn.status = res.status;
      return res.body ? new Response(cuttable(res.body), { status: res.status, headers: res.headers }) : res;
    },
  });
  const seen: SeenEvent[] = [];
  const listeners: Array<(e: SeenEvent) => void> = [];
  for (const name of ['metadata', 'data', 'end', 'error']) {
    es.addEventListener(name, (ev) => {
      const m = ev as unknown as { data: unknown; lastEventId: string };
      if (typeof m.data !== 'string') return; // a connection error, not an `error` event from the server
      const e = { event: name, data: m.data, id: m.lastEventId };
      seen.push(e);
      for (const l of listeners) l(e);
    });
  }
  const until = (pred: (e: SeenEvent) => boolean) =>
    new Promise<SeenEvent>((resolve) => {
      const hit = seen.find(pred);
      if (hit) return resolve(hit);
      listeners.push((e) => pred(e) && resolve(e));
    });
  return { es, seen, connections, until };
}

/** A cut is a network failure to the client (it ignores AbortErrors: those are its own close()). */
function cuttable(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const upstream = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await upstream.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.error(new TypeError('connection cut'));
      }
    },
    cancel: (reason) => upstream.cancel(reason),
  });
}
