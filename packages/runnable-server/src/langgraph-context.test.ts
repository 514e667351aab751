import path from 'node:path';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { Caller } from '@baton/identity';
import { addRoutes } from './index.js';

/**
 * @langchain/langgraph is not (yet) a devDependency of this package; until it is, load the
 * copy installed for @baton/remote (same @langchain/core instance in the pnpm store).
 */
function loadLangGraph(): any {
  try {
    return require('@langchain/langgraph');
  } catch {
    return require(require.resolve('@langchain/langgraph', { paths: [path.join(__dirname, '..', '..', 'remote')] }));
  }
}

const principal = {
  sub: 'alice',
  iss: 'https://issuer',
  aud: ['workflow'],
  scope: ['workflow:invoke'],
  exp: 2e9,
  token_fp: 'fp-alice-0001',
};
const withPrincipal: RequestHandler = (req, _res, next) => {
  (req as unknown as { auth: unknown }).auth = new Caller({
    token: 'header.payload.signature',
    principal: { ...principal, sub: String(req.headers['x-user'] ?? 'alice') },
  });
  next();
};

describe('identity reaches a LangGraph StateGraph through config.context', () => {
  it('gives every node config.context.caller, never configurable or traced metadata', async () => {
    const { StateGraph, START, END } = loadLangGraph();
    const State = z.object({ topic: z.string(), seenBy: z.array(z.string()).default([]) });
    const node = (name: string) => async (state: z.infer<typeof State>, config: any) => {
      await new Promise((r) => setImmediate(r));
      return { seenBy: [...state.seenBy, `${name}:${config.context?.caller?.sub}:${config.configurable?.caller ?? 'none'}`] };
    };
    const graph = new StateGraph(State)
      .addNode('research', node('research'))
      .addNode('write', node('write'))
      .addEdge(START, 'research')
      .addEdge('research', 'write')
      .addEdge('write', END)
      .compile();

    const recorded: unknown[] = [];
    class Recorder extends BaseCallbackHandler {
      name = 'recorder';
      override handleChainStart(...args: unknown[]) {
        recorded.push(args);
      }
      override handleChainEnd(...args: unknown[]) {
        recorded.push(args);
      }
    }
    const app = express();
    addRoutes(app, graph, { path: '/workflow', auth: withPrincipal, config: (_req, c) => ({ ...c, callbacks: [new Recorder()] }) });

    const runs = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((user) =>
        request(app)
          .post('/workflow/invoke')
          .set('x-user', user)
          .send({ input: { topic: 't' } }),
      ),
    );
    runs.forEach((res, i) => {
      const user = ['alice', 'bob', 'carol', 'dave'][i];
      expect(res.status).toBe(200);
      expect(res.body.output.seenBy).toEqual([`research:${user}:none`, `write:${user}:none`]);
    });
    expect(recorded.length).toBeGreaterThan(4);
    const traced = JSON.stringify(recorded.map((args) => (args as unknown[]).slice(2)));
    expect(traced).not.toContain('fp-alice-0001');
    expect(traced).not.toContain('workflow:invoke');
  });

  it('streams a graph (updates mode) over SSE', async () => {
    const { StateGraph, START, END } = loadLangGraph();
    const State = z.object({ n: z.number() });
    const graph = new StateGraph(State)
      .addNode('inc', (s: { n: number }) => ({ n: s.n + 1 }))
      .addEdge(START, 'inc')
      .addEdge('inc', END)
      .compile();
    const app = express();
    addRoutes(app, graph, { path: '/g', auth: withPrincipal });
    const res = await request(app)
      .post('/g/stream')
      .send({ input: { n: 1 } });
    expect(res.text).toMatch(/event: data\r\ndata: \{"inc":\{"n":2\}\}\r\nid: [0-9a-f-]{36}:1\r\n\r\n/);
    expect(res.text).toMatch(/event: end\r\nid: [0-9a-f-]{36}:2\r\n\r\n$/);
  });
});
