// The whole stack (scripts/start.mjs: issuer, three agents, workflow) with the exchange options a
// non-default provider needs: the workflow authenticates with private_key_jwt (RFC 7523; its key
// from a PEM file, the issuer holding only the public JWKS), sends both `audience` and an RFC 8707
// `resource` that is not the agent's URL, and every agent requires the workflow as actor.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack, type Stack } from './stack.js';

const RESOURCES = {
  research: 'https://research.agents.example/research',
  writer: 'https://writer.agents.example/writer',
  reviewer: 'https://reviewer.agents.example/reviewer',
};

let stack: Stack;
let keysDir: string;

beforeAll(async () => {
  keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-pkjwt-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyFile = path.join(keysDir, 'workflow.key.pem');
  const jwksFile = path.join(keysDir, 'workflow.jwks.json');
  fs.writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'wf-e2e' }] }));
  stack = await startStack({
    // issuer: the workflow client is registered with its public key only (private_key_jwt alone)
    WORKFLOW_CLIENT_KEYS_FILE: jwksFile,
    AGENT_RESOURCES: `agent-research=${RESOURCES.research},agent-writer=${RESOURCES.writer},agent-reviewer=${RESOURCES.reviewer}`,
    // workflow
    EXCHANGE_CLIENT_AUTH: 'private_key_jwt',
    EXCHANGE_CLIENT_KEY_FILE: keyFile,
    EXCHANGE_CLIENT_KEY_ID: 'wf-e2e',
    EXCHANGE_TARGET: 'both',
    RESEARCH_RESOURCE: RESOURCES.research,
    WRITER_RESOURCE: RESOURCES.writer,
    REVIEWER_RESOURCE: RESOURCES.reviewer,
    // agents
    ALLOWED_ACTORS: 'workflow',
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  fs.rmSync(keysDir, { recursive: true, force: true });
});

describe('exchange with private_key_jwt and audience + resource, actors required', () => {
  it("runs alice's workflow end to end: each agent sees her, acted for by the workflow", async () => {
    const alice = await stack.token('alice');
    const res = await fetch(`${stack.urls.workflow}/workflow/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { topic: 'client assertions' } }),
    });
    expect(res.status).toBe(200);
    const audits = stack.logs().filter((l) => l.audit === true);
    for (const agent of ['agent-research', 'agent-writer', 'agent-reviewer']) {
      const exchanges = audits.filter((a) => a.service === 'issuer' && a.event === 'token.decision' && a.aud === agent);
      expect(exchanges.length).toBeGreaterThan(0);
      expect(exchanges.every((e) => e.decision === 'allow' && e.client_id === 'workflow')).toBe(true);
      const allows = audits.filter((a) => a.service === agent && a.decision === 'allow' && a.sub === 'alice');
      expect(allows.length).toBeGreaterThan(0);
      for (const a of allows) expect(a.act).toEqual({ sub: 'workflow' });
    }
  });

  it('the workflow says how it exchanges at start-up, naming no key', () => {
    const listening = stack.logs().find((l) => l.service === 'workflow' && l.exchange !== undefined);
    expect(listening?.exchange).toEqual({ flow: 'rfc8693', target: 'both', client_auth: 'private_key_jwt', scope: 'agent' });
    expect(stack.lines.join('\n')).not.toMatch(/PRIVATE KEY|client_assertion"?\s*[:=]\s*"?eyJ/);
  });
});
