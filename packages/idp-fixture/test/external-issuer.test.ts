// Baton against a real third-party IdP (oidc-provider 9, its own process), everything across
// process boundaries: `pnpm start` (scripts/start.mjs) in passthrough mode with ONLY ISSUER_URL
// set runs the workflow and the three agents and no dev issuer; `pnpm run token` refuses to talk
// to a foreign IdP; discovery failures keep /readyz false and log the URL with the status or error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, freePorts } from '@baton/testkit';
import { RESOURCES, startFixture, type Fixture } from './fixture.js';
import { ROOT, run, until, type Proc } from './proc.js';
const WF = RESOURCES.workflow;
let idp: Fixture;

beforeAll(async () => {
  idp = await startFixture({ extraClients: [WF.audience] });
}, 60_000);
afterAll(() => idp?.stop());

describe('pnpm start with ONLY ISSUER_URL naming an external IdP (passthrough)', () => {
  let stack: Proc;
  const ports: Record<string, number> = {};
  beforeAll(async () => {
    for (const k of ['WORKFLOW', 'RESEARCH', 'WRITER', 'REVIEWER', 'ISSUER']) ports[k] = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-idp-'));
    stack = run([path.join(ROOT, 'scripts/start.mjs')], {
      ISSUER_URL: idp.issuer,
      TOKEN_FORWARDING: 'passthrough',
      BATON_DATA_DIR: dataDir,
      WRITER_CHUNK_DELAY_MS: '1',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`${k}_PORT`, String(v)])),
    });
    await until('stack healthy', () => (stack.lines.some((l) => l.includes('"all services healthy"')) ? true : undefined), stack);
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);
  afterAll(() => stack?.stop());

  it('starts no dev issuer and says what it trusts', async () => {
    const healthy = stack.logs().find((l) => l.msg === 'all services healthy')!;
    expect(healthy.services).toEqual(['agent-research', 'agent-writer', 'agent-reviewer', 'workflow']);
    expect(healthy.trust).toMatchObject({ issuer: idp.issuer, jwks_uri: 'from the discovery document', token_profile: 'strict' });
    expect(stack.logs().some((l) => l.service === 'issuer')).toBe(false);
    await expect(fetch(`http://127.0.0.1:${ports.ISSUER}/healthz`)).rejects.toThrow();
    // every service found the IdP's JWKS (at /jwks, not Baton's path) through discovery
    const discovered = stack.logs().filter((l) => l.msg === 'issuer discovered');
    expect(new Set(discovered.map((l) => l.service))).toEqual(new Set(['agent-research', 'agent-writer', 'agent-reviewer', 'workflow']));
    expect(discovered.every((l) => l.jwks_uri === `${idp.issuer}/jwks`)).toBe(true);
  });

  it("runs alice's workflow end to end with her access token from the IdP's authorization code flow", async () => {
    const { access_token } = await idp.userTokens('rfc9068', 'alice', WF.uri, WF.scope);
    const res = await fetch(`http://127.0.0.1:${ports.WORKFLOW}/workflow/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { topic: 'identity providers' } }),
    });
    expect(res.status).toBe(200);
    const audits = stack.logs().filter((l) => l.audit === true && l.decision === 'allow' && l.sub === 'alice');
    expect(new Set(audits.map((a) => a.service))).toEqual(new Set(['workflow', 'agent-research', 'agent-writer', 'agent-reviewer']));
    expect(stack.lines.join('\n')).not.toContain(access_token);
  });

  it("refuses alice's ID token (issued to a client named like the workflow's audience) and a token for an agent", async () => {
    const { id_token } = await idp.userTokens(WF.audience, 'alice', WF.uri, WF.scope);
    const agentToken = await idp.clientCredentials('rfc9068', RESOURCES.research.uri, RESOURCES.research.scope);
    for (const [token, code] of [
      [id_token, 'AUTH_TYP_INVALID'],
      [agentToken, 'AUTH_AUDIENCE_MISMATCH'],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${ports.WORKFLOW}/workflow/invoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input: { topic: 'x' } }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it('pnpm run token refuses an ISSUER_URL that is not the dev issuer, and says so', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/token.mjs'), 'alice'], {
      cwd: ROOT,
      env: { ...process.env, ISSUER_URL: idp.issuer },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/works only against Baton's dev issuer/);
  });
});

describe("pnpm start with an ISSUER_URL one slash off the IdP's issuer", () => {
  it('never says it is up, and prints for each service that it is not ready: the issuer mismatch naming both identifiers', async () => {
    const ports = await freePorts(5);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-idp-slash-'));
    const stack = run([path.join(ROOT, 'scripts/start.mjs')], {
      ISSUER_URL: `${idp.issuer}/`,
      TOKEN_FORWARDING: 'passthrough',
      BATON_DATA_DIR: dataDir,
      ...Object.fromEntries(['WORKFLOW', 'RESEARCH', 'WRITER', 'REVIEWER', 'ISSUER'].map((k, i) => [`${k}_PORT`, String(ports[i])])),
    });
    try {
      const notReady = (service: string) => stack.lines.find((l) => l.startsWith(`${service} is not ready: `));
      const line = await until(
        'the agents and the workflow reported not ready',
        () => (['agent-research', 'agent-writer', 'agent-reviewer', 'workflow'].every(notReady) ? notReady('workflow') : undefined),
        stack,
      );
      expect(line).toContain(`${idp.issuer}/.well-known/openid-configuration: issuer mismatch`);
      expect(line).toContain(JSON.stringify(idp.issuer));
      expect(line).toContain(JSON.stringify(`${idp.issuer}/`));
      expect(stack.lines.join('\n')).not.toContain('Baton is up');
      expect(stack.lines.join('\n')).not.toContain('all services healthy');
    } finally {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('discovery failures are diagnosed: /readyz false and a log line naming the URL', () => {
  async function agent(env: Record<string, string>) {
    const port = await freePort();
    const p = run([path.join(ROOT, 'apps/agent-research/dist/main.js')], { PORT: String(port), ...env });
    await until('agent listening', () => (p.lines.some((l) => l.includes('agent listening')) ? true : undefined), p);
    const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
    /** The 503 body's `reason`: what /readyz says is wrong. */
    const reason = async () => ((await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { reason?: string }).reason;
    return { p, readyz, reason };
  }
  const warning = (p: Proc, msg: string) => until(msg, () => p.logs().find((l) => l.msg === msg && l.level === 'warn'), p);

  it('an unreachable issuer: connection refused at its discovery URL', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { p, readyz } = await agent({ ISSUER_URL: dead });
    try {
      const line = await warning(p, 'issuer discovery failed');
      expect(line).toMatchObject({ url: `${dead}/.well-known/openid-configuration`, error: 'ECONNREFUSED' });
      expect(await readyz()).toBe(503);
    } finally {
      await p.stop();
    }
  });

  it('a JWKS that answers 404', async () => {
    const { p, readyz } = await agent({ ISSUER_URL: idp.issuer, JWKS_URI: `${idp.origin}/no-such-jwks` });
    try {
      const line = await warning(p, 'JWKS fetch failed');
      expect(line).toMatchObject({ url: `${idp.origin}/no-such-jwks`, status: 404 });
      expect(await readyz()).toBe(503);
    } finally {
      await p.stop();
    }
  });

  it("an issuer mismatch: the configured identifier has a trailing slash the IdP's does not", async () => {
    const { p, readyz, reason } = await agent({ ISSUER_URL: `${idp.issuer}/` });
    try {
      const line = await warning(p, 'issuer discovery failed');
      expect(line.url).toBe(`${idp.issuer}/.well-known/openid-configuration`);
      expect(String(line.error)).toMatch(/issuer mismatch/);
      expect(await readyz()).toBe(503);
      // /readyz says so too, naming both identifiers (pnpm start prints it until the agent is ready)
      const why = await reason();
      expect(why).toContain(`${idp.issuer}/.well-known/openid-configuration: issuer mismatch`);
      expect(why).toContain(JSON.stringify(idp.issuer));
      expect(why).toContain(JSON.stringify(`${idp.issuer}/`));
    } finally {
      await p.stop();
    }
  });

  it('the right issuer: ready once the discovered keys are fetched', async () => {
    const { p, readyz } = await agent({ ISSUER_URL: idp.issuer });
    try {
      expect(await until('ready', async () => ((await readyz()) === 200 ? true : undefined), p)).toBe(true);
      // no discovery or key warning (the development profile's "relaxed setting" lines are expected)
      const warnings = p.logs().filter((l) => l.level === 'warn' && l.msg !== 'relaxed setting (BATON_PROFILE is not production)');
      expect(warnings).toEqual([]);
    } finally {
      await p.stop();
    }
  });
});
