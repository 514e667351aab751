// Adding an agent the workflow calls touches four places (README "Adding an agent"): its row in
// @baton/contract's topology (plus its wire shapes), its app under apps/, the graph node that
// calls it, and its entries in docker-compose.yml and docker-compose.mtls.yml (the workflow's
// SUMMARIZER_URL among them). This test declares a fourth agent the way the first place would,
// adds the compose entries the last would, and shows that its environment schema, the workflow's
// SUMMARIZER_* variables, its dev certificate and the compose checks follow with no other edit;
// then it serves such an agent (agent-host's serveAgent) and a graph whose node calls it
// (workflow-server's serveWorkflow + agentNode) against the REAL dev issuer (dist/main.js), and
// reads the agent's audit line: sub = the user, act = the workflow. Build first.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { RunnableLambda } from '@langchain/core/runnables';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { z } from 'zod';
import { serveAgent } from '@baton/agent-host';
import { AGENT_SPECS, agentAudiences, certificateNames, defineTopology, envSchemaOf, TOPOLOGY, type AgentSpec } from '@baton/contract';
import { RunContext } from '@baton/identity';
import { writeDevCerts } from '@baton/mtls/dev-certs';
import { captureLines, spawnService, type SpawnedService } from '@baton/testkit';
import { devIssuerToken } from '@baton/testkit/oauth';
import { agentNode, nodeRetryPolicy, serveWorkflow } from '@baton/workflow-server';
import { mtlsIssues, readCompose, serviceIssues, workflowIssues, type ComposeFile } from './compose-checks.js';
import { ROOT } from './stack.js';

const SUMMARIZER: AgentSpec = {
  key: 'summarizer',
  name: 'agent-summarizer',
  path: '/summarizer',
  port: 3004,
  audience: 'agent-summarizer',
  scope: 'summarizer:invoke',
};
// place 1: one more row in the topology table
const topology = defineTopology({ issuer: TOPOLOGY.issuer, workflow: TOPOLOGY.workflow, agents: [...AGENT_SPECS, SUMMARIZER] });

// place 3: the compose entries, written as a developer would add them to the two files
const composeEntry = (port: number) => `
  summarizer:
    <<: *service
    build: { context: ., dockerfile: Dockerfile, args: { APP: agent-summarizer } }
    environment: { <<: *agent-env, PORT: "${port}" }
    ports: ["\${BATON_PUBLISH_HOST:-127.0.0.1}:${port}:${port}"]
    depends_on: { issuer: { condition: service_healthy } }
    healthcheck:
      <<: *healthcheck
      test: ["CMD", "node", "-e", "fetch('http://127.0.0.1:${port}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
`;
const mtlsEntry = `
  summarizer:
    <<: *certs
    environment:
      <<: *agent-tls-env
      TLS_CERT_FILE: /certs/agent-summarizer.pem
      TLS_KEY_FILE: /certs/agent-summarizer-key.pem
      TLS_CA_FILE: /certs/ca.pem
    healthcheck:
      test: ["CMD", "node", "-e", "const f=require('fs');require('https').get({host:'127.0.0.1',port:3004,path:'/healthz',ca:f.readFileSync('/certs/ca.pem'),cert:f.readFileSync('/certs/agent-summarizer.pem'),key:f.readFileSync('/certs/agent-summarizer-key.pem')},(r)=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
`;
// ... and the workflow's: the URL of the agent it now calls, and waiting for it healthy
const workflowEntry = (text: string, scheme: string) =>
  text.replace(
    `      REVIEWER_URL: ${scheme}://reviewer:3003/reviewer\n`,
    `      REVIEWER_URL: ${scheme}://reviewer:3003/reviewer\n      SUMMARIZER_URL: ${scheme}://summarizer:3004/summarizer\n`,
  );
const baseText = workflowEntry(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), 'http').replace(
  '      reviewer: { condition: service_healthy }\n',
  '      reviewer: { condition: service_healthy }\n      summarizer: { condition: service_healthy }\n',
);
const withEntry = (entry: string): ComposeFile =>
  YAML.parse(baseText.replace(/\nvolumes:\n/, `${entry}\nvolumes:\n`), { merge: true }) as ComposeFile;
const compose = withEntry(composeEntry(3004));
const override = YAML.parse(`${workflowEntry(readFileSync(path.join(ROOT, 'docker-compose.mtls.yml'), 'utf8'), 'https')}${mtlsEntry}`, {
  merge: true,
}) as ComposeFile;

describe('a fourth agent declared in the contract', () => {
  it("gets the shared agent environment schema with its own default port, and a place in the issuer's default audiences", () => {
    const schema = envSchemaOf('agent-summarizer', topology)!;
    expect(schema).toBeDefined();
    expect(schema.parse({})).toMatchObject({
      PORT: 3004,
      HOST: '127.0.0.1',
      ISSUER_URL: 'http://127.0.0.1:4000',
      AUTH_MODE: 'exchange',
      WORKFLOW_AUDIENCE: 'baton-workflow',
      ISSUER_SPIFFE_ID: 'spiffe://baton.local/issuer',
    });
    expect(envSchemaOf('agent-summarizer')).toBeUndefined(); // the real topology does not have it
    expect(agentAudiences(topology).split(',')).toContain('agent-summarizer=summarizer:invoke');
  });

  it("gives the workflow SUMMARIZER_URL, _AUDIENCE, _SCOPE, _RESOURCE and _SPIFFE_ID, derived from the row's key", () => {
    const workflow = envSchemaOf('workflow', topology)!;
    for (const suffix of ['URL', 'AUDIENCE', 'SCOPE', 'RESOURCE', 'SPIFFE_ID'])
      expect(Object.keys(workflow.shape)).toContain(`SUMMARIZER_${suffix}`);
    expect(workflow.parse({ TOKEN_FORWARDING: 'passthrough' })).toMatchObject({
      SUMMARIZER_URL: 'http://127.0.0.1:3004/summarizer',
      SUMMARIZER_AUDIENCE: 'agent-summarizer',
      SUMMARIZER_SCOPE: 'summarizer:invoke',
      SUMMARIZER_SPIFFE_ID: 'spiffe://baton.local/agent-summarizer',
      RESEARCH_URL: 'http://127.0.0.1:3001/research', // the others' names are unchanged
    });
  });

  it('gets a dev certificate whose one URI SAN is its SPIFFE id, with its compose name as DNS SAN', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-fourth-agent-'));
    try {
      await writeDevCerts({ dir, services: certificateNames(topology) });
      const san = new X509Certificate(readFileSync(path.join(dir, 'agent-summarizer.pem'))).subjectAltName!.split(', ');
      expect(san.filter((e) => e.startsWith('URI:'))).toEqual(['URI:spiffe://baton.local/agent-summarizer']);
      expect(san).toContain('DNS:summarizer');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes the compose and mutual-TLS compose checks once its entries are in the two files, and the others still pass', () => {
    for (const s of topology.services) {
      expect(serviceIssues(compose, topology, s.name)).toEqual([]);
      expect(mtlsIssues(compose, override, topology, s.name)).toEqual([]);
    }
    expect(workflowIssues(compose, topology)).toEqual([]);
  });

  it('fails the compose checks without its entry, or with an entry on another port', () => {
    const without = readCompose(path.join(ROOT, 'docker-compose.yml'));
    expect(serviceIssues(without, topology, 'agent-summarizer')).toEqual(['no compose service runs agent-summarizer']);
    const wrongPort = serviceIssues(withEntry(composeEntry(3005)), topology, 'agent-summarizer');
    expect(wrongPort).toEqual(expect.arrayContaining([expect.stringContaining('PORT is "3005", expected "3004"')]));
  });
});

// runs.test.ts's client secret (listed in @baton/contract's dev secrets)
const SECRET = 'e2e-runs-client-secret-0123456789abcdef';
const SUMMARIZER_AGENT = topology.agents.find((a) => a.key === 'summarizer')!;

describe('a fourth agent called by a graph node through the workflow server', () => {
  let dataDir: string;
  let issuer: SpawnedService;
  const stops: Array<() => Promise<void>> = [];
  const agentLog = captureLines();
  let workflowUrl: string;
  let agentUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-fourth-agent-'));
    const issuerDir = path.join(ROOT, 'apps/issuer');
    // the issuer's default audiences come from the topology: one more row, one more audience
    issuer = await spawnService(
      path.join(issuerDir, 'dist/main.js'),
      { WORKFLOW_CLIENT_SECRET: SECRET, ISSUER_DATA_DIR: dataDir, AGENT_AUDIENCES: agentAudiences(topology) },
      issuerDir,
    );
    // place 2: the agent's app (its own Runnable, served in one call)
    const agent = await serveAgent({
      ...SUMMARIZER_AGENT,
      trustedActors: [TOPOLOGY.workflow.name],
      runnable: RunnableLambda.from((input: { text: string }) => `summary: ${input.text.split(' ').slice(0, 3).join(' ')}`),
      inputSchema: z.object({ text: z.string() }),
      env: { PORT: '0', ISSUER_URL: issuer.base, ALLOWED_ACTORS: TOPOLOGY.workflow.name },
      logDestination: agentLog.stream,
      signals: [],
      exit: () => {},
    });
    stops.push(() => agent.close());
    agentUrl = agent.url;
    // place 3: a graph node that calls it (after a local node)
    const State = Annotation.Root({ text: Annotation<string>(), summary: Annotation<string>() });
    const workflow = await serveWorkflow({
      ...TOPOLOGY.workflow,
      agents: [SUMMARIZER_AGENT],
      graph: ({ agents, retry, checkpointer }) =>
        new StateGraph(State, RunContext)
          .addNode('prepare', (state: typeof State.State) => ({ text: state.text.trim() }))
          .addNode(
            'summarize',
            agentNode({
              node: 'summarize',
              agent: agents.summarizer!,
              input: (state: typeof State.State) => ({ text: state.text }),
              output: (summary) => ({ summary: String(summary) }),
            }),
            { retryPolicy: nodeRetryPolicy('summarize', retry) },
          )
          .addEdge(START, 'prepare')
          .addEdge('prepare', 'summarize')
          .addEdge('summarize', END)
          .compile(checkpointer ? { checkpointer } : {}),
      env: {
        PORT: '0',
        ISSUER_URL: issuer.base,
        WORKFLOW_CLIENT_SECRET: SECRET,
        SUMMARIZER_URL: `${agent.url}/summarizer`,
        CHECKPOINTER: 'none',
        LOG_LEVEL: 'warn',
      },
      logDestination: captureLines().stream,
      signals: [],
      exit: () => {},
    });
    stops.push(() => workflow.close());
    workflowUrl = workflow.url;
  }, 90_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await issuer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the graph for alice; the agent audits sub=alice, act=workflow on a token minted for it alone', async () => {
    const alice = await devIssuerToken(issuer.base, { user: 'alice' });
    const res = await fetch(`${workflowUrl}/workflow/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { text: '  tokens travel with the user  ' } }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown }).output).toEqual({
      text: 'tokens travel with the user',
      summary: 'summary: tokens travel with',
    });
    const audits = agentLog.lines().filter((l) => l.audit === true && l.event === 'auth.decision');
    expect(audits).toEqual([
      expect.objectContaining({
        service: 'agent-summarizer',
        decision: 'allow',
        sub: 'alice',
        act: { sub: TOPOLOGY.workflow.name },
        aud: ['agent-summarizer'],
        scope: ['summarizer:invoke'],
      }),
    ]);
    // alice's own token (the workflow's audience) is no key to the agent
    const direct = await fetch(`${agentUrl}/summarizer/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { text: 'x' } }),
    });
    expect(direct.status).toBe(401);
  });
});
