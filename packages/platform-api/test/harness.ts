// A real Express server on 127.0.0.1 serving the Platform API router over a small LangGraph graph,
// behind the real `requireAuth` (tokens minted by a test issuer with a real JWKS endpoint).
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Annotation, END, interrupt, MemorySaver, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { createAuditor, createJwksKeyStore, createVerifier } from '@baton/auth';
import { requireAuth } from '@baton/auth/express';
import { BatonError, defineErrorCodes } from '@baton/errors';
import { errorHandler } from '@baton/errors/express';
import { callerOf, RunContext } from '@baton/identity';
import { ActiveRuns, MemoryRunLimiter } from '@baton/runnable-server';
import { startTestIssuer, type TestIssuer } from '@baton/testkit';
import { z } from 'zod';
import { platformApi, type PlatformThreadManager, type PlatformThreadRecord } from '../src/index.js';

export const AUD = 'baton-workflow';
export const SCOPE = 'workflow:invoke';

const State = Annotation.Root({
  topic: Annotation<string>(),
  report: Annotation<string>({ reducer: (_a: string, b: string) => b, default: () => '' }),
  by: Annotation<string>({ reducer: (_a: string, b: string) => b, default: () => '' }),
});

export interface Seen {
  /** The `sub` each research node run saw in its context. */
  subs: string[];
  /** Runs that saw their abort signal fire. */
  aborted: number;
  /** Runs whose topic is `hold:<name>` wait in research until `release(name)` (or their abort). */
  holds: Map<string, () => void>;
}

/** Lets the run with topic `hold:<name>` go on. */
export function release(seen: Seen, name: string): void {
  seen.holds.get(name)?.();
}

function waitOrAbort(seen: Seen, signal: AbortSignal | undefined, register: (resume: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    register(done);
    signal?.addEventListener('abort', () => {
      seen.aborted += 1;
      done();
    });
  });
}

/**
 * The graph's and thread manager's own codes. This harness stands in for `@baton/workflow-server`
 * (which builds on this package, so its tests cannot load it): the same strings and statuses as
 * its `WORKFLOW_ERRORS`, declared here as a team's graph would declare its own.
 */
const GRAPH_ERRORS = defineErrorCodes(
  {
    WORKFLOW_NODE_FAILED: { status: 502, meaning: 'A workflow node failed', variable: true },
    WORKFLOW_THREAD_QUOTA_EXCEEDED: { status: 409, meaning: 'A new thread would exceed the user’s thread quota' },
    WORKFLOW_THREAD_ID_INVALID: { status: 422, meaning: 'The thread id is not valid' },
  },
  { owner: 'platform-api test harness' },
);

/** research (records the caller; `slow` waits for its abort) → write (streams its text as `{delta}` chunks). */
export function buildGraph(seen: Seen, checkpointer?: MemorySaver) {
  const research = async (state: typeof State.State, config: LangGraphRunnableConfig) => {
    const caller = callerOf(config);
    seen.subs.push(caller?.sub ?? 'nobody');
    if (state.topic === 'slow' || state.topic.startsWith('hold:')) {
      const name = state.topic.slice('hold:'.length);
      await waitOrAbort(seen, config.signal, (resume) => void (state.topic === 'slow' || seen.holds.set(name, resume)));
      config.signal?.throwIfAborted();
    }
    return { by: caller?.sub ?? 'nobody' };
  };
  const write = async (state: typeof State.State, config: LangGraphRunnableConfig) => {
    if (state.topic === 'fail')
      throw new BatonError(GRAPH_ERRORS.WORKFLOW_NODE_FAILED, 'workflow node "write" failed: REMOTE_UNAVAILABLE', {
        status: 502,
        expose: true,
      });
    // `ask:` topics stop for the user's answer (LangGraph interrupt(), resumed with a command).
    const answer = state.topic.startsWith('ask:') ? String(interrupt({ question: `approve ${state.topic}?` })) : '';
    const parts = ['Report on ', state.topic, '.', ...(answer ? [` (${answer})`] : [])];
    for (const delta of parts) config.writer?.({ node: 'write', revision: 0, delta });
    return { report: parts.join('') };
  };
  return new StateGraph(State, RunContext)
    .addNode('research', research)
    .addNode('write', write)
    .addEdge(START, 'research')
    .addEdge('research', 'write')
    .addEdge('write', END)
    .compile(checkpointer ? { checkpointer } : {});
}

/** An outer graph whose one node is a compiled subgraph (for `stream_subgraphs`). */
export function buildNested() {
  const Inner = Annotation.Root({
    topic: Annotation<string>(),
    report: Annotation<string>({ reducer: (_a: string, b: string) => b, default: () => '' }),
  });
  const inner = new StateGraph(Inner)
    .addNode('step', async (state: typeof Inner.State, config: LangGraphRunnableConfig) => {
      config.writer?.({ node: 'step', revision: 0, delta: `inner ${state.topic}` });
      return { report: `inner ${state.topic}` };
    })
    .addEdge(START, 'step')
    .addEdge('step', END)
    .compile();
  return new StateGraph(Inner).addNode('inner', inner).addEdge(START, 'inner').addEdge('inner', END).compile();
}

/** A thread index in memory, with a quota (what the workflow server's `ThreadManager` does over its stores). */
class MemoryThreads implements PlatformThreadManager {
  readonly rows = new Map<string, PlatformThreadRecord & { owner: string }>();
  finished: string[] = [];
  constructor(
    private readonly saver: MemorySaver,
    private readonly quota: number,
  ) {}
  async begin(scoped: string) {
    const [owner, threadId] = scoped.split('/') as [string, string];
    if (this.rows.has(scoped)) return;
    if ([...this.rows.values()].filter((r) => r.owner === owner).length >= this.quota) {
      throw new BatonError(GRAPH_ERRORS.WORKFLOW_THREAD_QUOTA_EXCEEDED, 'thread quota reached');
    }
    this.rows.set(scoped, { owner, threadId, createdAt: new Date(), updatedAt: new Date() });
  }
  async finish(scoped: string) {
    this.finished.push(scoped);
    const row = this.rows.get(scoped);
    if (row) row.updatedAt = new Date();
  }
  async get(owner: string, threadId: string) {
    return this.rows.get(`${owner}/${threadId}`);
  }
  async list(owner: string, limit: number) {
    const threads = [...this.rows.values()]
      .filter((r) => r.owner === owner)
      .reverse()
      .slice(0, limit);
    return { threads };
  }
  async remove(owner: string, threadId: string) {
    await this.saver.deleteThread(`${owner}/${threadId}`);
    return this.rows.delete(`${owner}/${threadId}`);
  }
}

const ownerKey = (o: { iss: string; sub: string }) => createHash('sha256').update(`${o.iss}\n${o.sub}`).digest('hex').slice(0, 24);
const THREAD_ID = /^[A-Za-z0-9._:-]{1,128}$/;
function scopedThreadId(o: { iss: string; sub: string }, threadId: unknown): string {
  if (typeof threadId !== 'string' || !THREAD_ID.test(threadId))
    throw new BatonError(GRAPH_ERRORS.WORKFLOW_THREAD_ID_INVALID, 'bad thread id');
  return `${ownerKey(o)}/${threadId}`;
}

export interface Harness {
  url: string;
  issuer: TestIssuer;
  seen: Seen;
  threads: MemoryThreads;
  audit: Array<Record<string, unknown>>;
  token(sub: string, scope?: string): string;
  ownerKey: typeof ownerKey;
  close(): Promise<void>;
}

export async function startHarness(options: { quota?: number } = {}): Promise<Harness> {
  const issuer = await startTestIssuer();
  const audit: Array<Record<string, unknown>> = [];
  const logger = {
    info: (o: object) => void audit.push(o as Record<string, unknown>),
    warn: () => {},
    error: () => {},
    child: () => logger,
  };
  const verifier = createVerifier({ issuer: issuer.issuer, audience: AUD, keys: createJwksKeyStore({ jwksUri: issuer.jwksUri }) });
  const auth = requireAuth({ verifier, scopes: [SCOPE], auditor: createAuditor({ logger, service: 'workflow' }) });
  const seen: Seen = { subs: [], aborted: 0, holds: new Map() };
  const saver = new MemorySaver();
  const threads = new MemoryThreads(saver, options.quota ?? 50);
  const app = express();
  app.use(
    platformApi({
      auth,
      graphs: [
        {
          graphId: 'workflow',
          description: 'research then write',
          graph: buildGraph(seen) as never,
          threadedGraph: buildGraph(seen, saver) as never,
          inputSchema: z.object({ topic: z.string().min(1).max(200) }).strict(),
          schemas: { input: { type: 'object', properties: { topic: { type: 'string' } } } },
        },
        { graphId: 'nested', graph: buildNested() as never },
      ],
      threads: { manager: threads, ownerKey, scopedThreadId },
      limiter: new MemoryRunLimiter({ maxPerUser: 4, maxTotal: 16 }),
      runs: new ActiveRuns(),
    }),
  );
  app.use((_req, _res, next) => next(new BatonError('REQUEST_NOT_FOUND', 'No such route')));
  app.use(errorHandler());
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    issuer,
    seen,
    threads,
    audit,
    ownerKey,
    token: (sub, scope = SCOPE) => issuer.mint({ sub, aud: AUD, scope }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await issuer.close();
    },
  };
}
