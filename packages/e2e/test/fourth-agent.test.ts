// Adding an agent touches about three places (README "Adding an agent"): its row in
// @baton/contract's topology (plus its wire shapes), its app under apps/, and its entries in
// docker-compose.yml and docker-compose.mtls.yml. This test declares a stub fourth agent the way
// the first place would, adds the compose entries the third would, and shows that its environment
// schema, its dev certificate and the compose checks follow with no other edit.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { AGENT_SPECS, agentAudiences, certificateNames, defineTopology, envSchemaOf, TOPOLOGY, type AgentSpec } from '@baton/contract';
import { writeDevCerts } from '@baton/mtls/dev-certs';
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
const baseText = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const withEntry = (entry: string): ComposeFile =>
  YAML.parse(baseText.replace(/\nvolumes:\n/, `${entry}\nvolumes:\n`), { merge: true }) as ComposeFile;
const compose = withEntry(composeEntry(3004));
const override = YAML.parse(`${readFileSync(path.join(ROOT, 'docker-compose.mtls.yml'), 'utf8')}${mtlsEntry}`, {
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
