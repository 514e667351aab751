import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import request from 'supertest';
import { createAuditor, createJwksKeyStore, createVerifier } from '@baton/auth';
import type {} from '@baton/auth/express'; // req.auth (its Express augmentation)
import { defineErrorCodes } from '@baton/errors';
import { RunContext, callerOf } from '@baton/identity';
import { createLogger } from '@baton/service';
import { captureLines, startTestIssuer, type TestIssuer } from '@baton/testkit';
import { createWorkflowApp } from './app.js';
import { GraphRunnable } from './graph-runnable.js';
import { buildGraphs, type WorkflowGraphLike } from './serve-workflow.js';
import { ThreadManager } from './thread-manager.js';
import { openMemoryThreadStore } from './thread-store-memory.js';

// A team's graph, compiled once (no factory): the server copies it for threads.
const State = Annotation.Root({ text: Annotation<string>(), shout: Annotation<string>(), by: Annotation<string>() });
// The team's own error code: its node throws plain JavaScript carrying it (no BatonError).
const TEAM_ERRORS = defineErrorCodes(
  { TEAMFLOW_TEXT_TOO_LONG: { status: 413, meaning: 'The text is over 20 characters' } },
  { owner: 'team-flow' },
);
const upper = (state: typeof State.State, config: LangGraphRunnableConfig) => {
  if (state.text.length > 20) throw Object.assign(new Error('text is over 20 characters'), { code: 'TEAMFLOW_TEXT_TOO_LONG' });
  return { shout: state.text.toUpperCase(), by: callerOf(config)?.sub ?? 'nobody' };
};
const compiled = new StateGraph(State, RunContext).addNode('upper', upper).addEdge(START, 'upper').addEdge('upper', END).compile();

let issuer: TestIssuer;
let app: ReturnType<typeof createWorkflowApp>;
beforeAll(async () => {
  issuer = await startTestIssuer();
  const logger = createLogger({ service: 'team-flow', level: 'silent', destination: captureLines().stream });
  const keys = createJwksKeyStore({ jwksUri: issuer.jwksUri });
  const store = openMemoryThreadStore();
  const threads = new ThreadManager(store, { quotaPerUser: 10, ttlMs: 3_600_000, historyMax: 4 });
  const graphs = buildGraphs(compiled as unknown as WorkflowGraphLike, {} as never, store.saver);
  app = createWorkflowApp({
    logger,
    verifier: createVerifier({ issuer: issuer.issuer, audience: 'team-flow', keys }),
    auditor: createAuditor({ logger, service: 'team-flow' }),
    workflow: new GraphRunnable({
      graph: graphs.graph,
      threadedGraph: graphs.threadedGraph!,
      afterThreadedRun: (id) => threads.finish(id),
    }),
    path: '/flow',
    scope: 'team-flow:invoke',
    threadedGraph: graphs.threadedGraph!,
    threads,
    mount: (a, { auth }) => a.get('/flow/whoami', auth, (req, res) => void res.json({ sub: req.auth?.sub })),
    errorCodes: [TEAM_ERRORS],
  });
});
afterAll(() => issuer.close());

const token = (sub = 'alice') => issuer.mint({ sub, aud: 'team-flow', scope: 'team-flow:invoke' });

describe('createWorkflowApp with a team graph', () => {
  it('serves the graph at its own path with its own audience and scope; the caller reaches the node through context', async () => {
    const res = await request(app)
      .post('/flow/invoke')
      .set('authorization', `Bearer ${token()}`)
      .send({ input: { text: 'hi' } });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({ text: 'hi', shout: 'HI', by: 'alice' });
    const other = issuer.mint({ aud: 'baton-workflow', scope: 'workflow:invoke' });
    expect(
      (
        await request(app)
          .post('/flow/invoke')
          .set('authorization', `Bearer ${other}`)
          .send({ input: { text: 'x' } })
      ).status,
    ).toBe(401);
  });

  it('keeps threads of a compiled graph (copied with the checkpointer) under {path}/threads, per caller', async () => {
    const config = { configurable: { thread_id: 't1' } };
    const run = await request(app)
      .post('/flow/invoke')
      .set('authorization', `Bearer ${token()}`)
      .send({ input: { text: 'one' }, config });
    expect(run.status).toBe(200);
    const mine = await request(app).get('/flow/threads/t1').set('authorization', `Bearer ${token()}`);
    expect(mine.status).toBe(200);
    expect(mine.body.values).toMatchObject({ text: 'one', shout: 'ONE' });
    expect(
      (
        await request(app)
          .get('/flow/threads/t1')
          .set('authorization', `Bearer ${token('bob')}`)
      ).status,
    ).toBe(404);
    // the compiled graph itself stays without a checkpointer: runs without a thread keep nothing
    expect((compiled as unknown as { checkpointer?: unknown }).checkpointer).toBeUndefined();
  });

  it('mounts more routes behind the same auth, before the JSON 404', async () => {
    expect((await request(app).get('/flow/whoami')).status).toBe(401);
    const me = await request(app)
      .get('/flow/whoami')
      .set('authorization', `Bearer ${token('carol')}`);
    expect(me.body).toEqual({ sub: 'carol' });
    const missing = await request(app).get('/flow/nothing-here').set('authorization', `Bearer ${token()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('REQUEST_NOT_FOUND');
  });

  it("answers a node's error carrying the team's own declared code with that code and status", async () => {
    const res = await request(app)
      .post('/flow/invoke')
      .set('authorization', `Bearer ${token()}`)
      .send({ input: { text: 'x'.repeat(21) } });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: { code: 'TEAMFLOW_TEXT_TOO_LONG', message: 'text is over 20 characters' } });
  });

  it('answers with the workflow codes it declares, at their contract statuses', async () => {
    const resume = await request(app)
      .post('/flow/invoke')
      .set('authorization', `Bearer ${token()}`)
      .send({ input: null, config: { configurable: { thread_id: 'never-ran' } } });
    expect([resume.status, resume.body.error.code]).toEqual([404, 'WORKFLOW_THREAD_NOT_FOUND']);
    const badId = await request(app)
      .post('/flow/invoke')
      .set('authorization', `Bearer ${token()}`)
      .send({ input: { text: 'x' }, config: { configurable: { thread_id: 'no spaces' } } });
    expect([badId.status, badId.body.error.code]).toEqual([422, 'WORKFLOW_THREAD_ID_INVALID']);
  });
});
