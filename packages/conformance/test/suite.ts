import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { RunnableLambda } from '@langchain/core/runnables';
import { Document } from '@langchain/core/documents';
import { AIMessage } from '@langchain/core/messages';
import { errorHandler } from '@baton/errors/express';
import { addRoutes } from '@baton/runnable-server';
import { AUDIENCE, foreignKey, makeAuth, startTestIssuer, type TestIssuer } from './auth-fixture.js';

/** What the suite needs from a client: one instance per (base URL, bearer token). */
export interface ConformanceClient {
  invoke(input: unknown, config?: Record<string, unknown>): Promise<unknown>;
  batch(inputs: unknown[]): Promise<unknown[]>;
  stream(input: unknown): AsyncIterable<unknown>;
  streamEvents?(input: unknown): AsyncIterable<{ event: string; name?: string; data?: Record<string, unknown> }>;
}

export interface ConformanceClientFactory {
  (target: { url: string; token?: string }): ConformanceClient;
}

export interface ConformanceCapabilities {
  /** The client turns `{page_content, metadata}` into Document and message JSON into messages. */
  revivesLangChainObjects?: boolean;
}

/** The HTTP status an error from a client carries, wherever that client keeps it. */
export function statusOf(err: unknown): number | undefined {
  const e = err as { remoteStatus?: unknown; status?: unknown; statusCode?: unknown; response?: { status?: unknown }; message?: unknown };
  // @baton/remote: `remoteStatus` is what the server said (`status` is what the error maps to when re-served).
  for (const v of [e?.remoteStatus, e?.response?.status, e?.statusCode, e?.status]) if (typeof v === 'number') return v;
  const m = /(?:^|\D)([45]\d\d)(?:\D|$)/.exec(String(e?.message ?? ''));
  return m ? Number(m[1]) : undefined;
}

async function rejection(p: Promise<unknown>, what = 'the call'): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error(`expected ${what} to fail`);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const SCOPE = 'conformance:invoke';
const ADMIN_SCOPE = 'conformance:admin';

/**
 * The LangServe wire-protocol conformance suite: a real Express server with `addRoutes`,
 * protected by `requireAuth` over a real JWKS endpoint, exercised through `makeClient`.
 */
export function describeConformance(clientName: string, makeClient: ConformanceClientFactory, caps: ConformanceCapabilities = {}): void {
  describe(`LangServe wire protocol with ${clientName}`, () => {
    let issuer: TestIssuer;
    let server: http.Server;
    let base: string;
    let token: string;
    const gates: Array<ReturnType<typeof deferred>> = [];

    beforeAll(async () => {
      issuer = await startTestIssuer();
      const { auth } = makeAuth(issuer, [SCOPE]);
      const admin = makeAuth(issuer, [ADMIN_SCOPE]).auth;
      const app = express();

      addRoutes(
        app,
        RunnableLambda.from(async (input: unknown) => ({ echoed: input })),
        { path: '/echo', auth },
      );
      addRoutes(
        app,
        RunnableLambda.from(async function* (n: number) {
          for (let i = 0; i < n; i++) {
            yield `chunk-${i}`;
            if (i === 0 && gates.length > 0) await gates.shift()!.promise;
          }
        }),
        { path: '/count', auth },
      );
      addRoutes(
        app,
        RunnableLambda.from(async function* () {
          yield 'partial';
          throw new Error('boom: internal detail');
        }),
        { path: '/fail', auth },
      );
      addRoutes(
        app,
        RunnableLambda.from(async () => 'admin-only'),
        { path: '/admin', auth: admin },
      );
      addRoutes(
        app,
        RunnableLambda.from(async (_input: unknown, config: any) => ({
          principalSub: config.context?.caller?.sub ?? null,
          tags: config.tags ?? [],
          metadata: config.metadata ?? {},
          configurable: config.configurable ?? {},
        })),
        { path: '/config-view', auth, configurableKeys: ['thread_id'] },
      );
      addRoutes(
        app,
        RunnableLambda.from(async () => [new Document({ pageContent: 'p', metadata: { source: 's' } }), new AIMessage('hello')]),
        { path: '/objects', auth },
      );
      app.use(errorHandler());
      server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      token = issuer.mint({ sub: 'alice', aud: AUDIENCE, scope: SCOPE });
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await issuer.close();
    });

    const client = (path: string, t: string | null = token) => makeClient({ url: `${base}${path}`, token: t ?? undefined });

    it('invokes with the bearer token accepted', async () => {
      await expect(client('/echo').invoke({ topic: 'tides' })).resolves.toEqual({ echoed: { topic: 'tides' } });
    });

    it('batches two inputs keeping their order', async () => {
      await expect(client('/echo').batch(['first', 'second'])).resolves.toEqual([{ echoed: 'first' }, { echoed: 'second' }]);
    });

    it('streams N chunks in order', async () => {
      await expect(collect(client('/count').stream(4))).resolves.toEqual(['chunk-0', 'chunk-1', 'chunk-2', 'chunk-3']);
    });

    it('streams chunks incrementally: the first arrives before the second is produced', async () => {
      const gate = deferred();
      gates.push(gate);
      const it = client('/count').stream(3)[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.value).toBe('chunk-0');
      gate.resolve();
      const rest: unknown[] = [];
      for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
      expect(rest).toEqual(['chunk-1', 'chunk-2']);
    });

    it('streams LangChain events (v2) when the client supports it', async () => {
      const c = client('/echo');
      if (!c.streamEvents) return;
      const events = await collect(c.streamEvents('hi'));
      expect(events.map((e) => e.event)).toEqual(['on_chain_start', 'on_chain_stream', 'on_chain_end']);
      expect(events[2]?.data?.output).toEqual({ echoed: 'hi' });
    });

    it('surfaces 401 when the token is missing', async () => {
      const c = client('/echo', null);
      expect(statusOf(await rejection(c.invoke('x'), 'invoke'))).toBe(401);
      expect(statusOf(await rejection(collect(c.stream('x')), 'stream'))).toBe(401);
    });

    it('surfaces 401 when the token is invalid (signed by an unknown key, or expired)', async () => {
      const foreign = issuer.mint({ sub: 'alice', aud: AUDIENCE, scope: SCOPE, key: foreignKey() });
      expect(statusOf(await rejection(client('/echo', foreign).invoke('x')))).toBe(401);
      const expired = issuer.mint({ sub: 'alice', aud: AUDIENCE, scope: SCOPE, expiresInSec: -120 });
      expect(statusOf(await rejection(client('/echo', expired).batch(['x'])))).toBe(401);
    });

    it('surfaces 403 when the token lacks the route scope', async () => {
      expect(statusOf(await rejection(client('/admin').invoke('x')))).toBe(403);
      const adminToken = issuer.mint({ sub: 'root', aud: AUDIENCE, scope: `${SCOPE} ${ADMIN_SCOPE}` });
      await expect(client('/admin', adminToken).invoke('x')).resolves.toBe('admin-only');
    });

    it('surfaces a runnable failure as an error, without internal details', async () => {
      const viaInvoke = await rejection(client('/fail').invoke(1));
      expect(statusOf(viaInvoke)).toBe(500);
      const viaStream = (await rejection(collect(client('/fail').stream(1)))) as Error;
      expect(String(viaStream.message)).toMatch(/RUNNABLE_FAILED|runnable failed|500/i);
      for (const err of [viaInvoke as Error, viaStream]) expect(String(err.message)).not.toContain('boom');
    });

    it('drops client config the server does not allow; identity comes from the token only', async () => {
      const leaked = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2lnbmF0dXJl';
      const out = (await client('/config-view').invoke('x', {
        tags: ['t1'],
        metadata: { leaked },
        configurable: { thread_id: 'th-1', token: leaked },
        context: { caller: { sub: 'mallory' } },
      })) as { principalSub: string; configurable: Record<string, unknown>; metadata: Record<string, unknown> };
      expect(out.principalSub).toBe('alice');
      expect(out.configurable).not.toHaveProperty('token');
      expect(Object.keys(out.configurable).every((k) => k === 'thread_id')).toBe(true);
      expect(out.metadata).not.toHaveProperty('leaked');
      expect(JSON.stringify(out)).not.toContain(leaked);
    });

    it('sends documents and messages in a shape the client understands', async () => {
      const out = (await client('/objects').invoke(null)) as unknown[];
      if (caps.revivesLangChainObjects) {
        expect(out[0]).toMatchObject({ pageContent: 'p', metadata: { source: 's' } });
        expect(out[1]).toMatchObject({ content: 'hello' });
        expect((out[1] as { getType?: () => string }).getType?.() ?? (out[1] as { _getType: () => string })._getType()).toBe('ai');
      } else {
        expect(out[0]).toMatchObject({ page_content: 'p', metadata: { source: 's' }, type: 'Document' });
        expect(out[1]).toMatchObject({ content: 'hello', type: 'ai' });
      }
    });
  });
}
