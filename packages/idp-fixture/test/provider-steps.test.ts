// docs/IDENTITY-PROVIDERS.md's oidc-provider steps, run as a user runs them: start the local
// provider (provider/start.mjs), start Baton with the exact variables it printed (scripts/start.mjs,
// the dev issuer not started), get alice's token with the exact command it printed (the
// authorization code flow, provider/user-token.mjs), and run the workflow: each agent gets a token
// the provider exchanged for it, acted for by the workflow's client.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '@baton/testkit';
import { RESOURCES } from './fixture.js';
import { ROOT, run, until, type Proc } from './proc.js';

let provider: Proc;
let stack: Proc | undefined;
let ports: Record<string, number>;
let dataDir: string;

beforeAll(async () => {
  const [providerPort, ...rest] = await freePorts(6);
  ports = Object.fromEntries(['WORKFLOW', 'RESEARCH', 'WRITER', 'REVIEWER', 'ISSUER'].map((k, i) => [k, rest[i]!]));
  provider = run([path.join(ROOT, 'packages/idp-fixture/provider/start.mjs')], { PROVIDER_PORT: String(providerPort) });
  await until('the provider printed its steps', () => (provider.lines.some((l) => l.startsWith('Ctrl-C')) ? true : undefined), provider);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-provider-steps-'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await provider?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The printed line that ends with `suffix`, without its indentation. */
const printed = (suffix: string) => provider.lines.find((l) => l.trim().endsWith(suffix))!.trim();

it('the docs name the same steps the provider prints', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/IDENTITY-PROVIDERS.md'), 'utf8');
  expect(doc).toContain('node packages/idp-fixture/provider/start.mjs');
  expect(doc).toContain('TOKEN=$(node packages/idp-fixture/provider/user-token.mjs alice --issuer http://127.0.0.1:4400)');
  // every variable of the printed Baton command is in the docs' command (the secret is made per run)
  const vars = printed('pnpm start')
    .split(' ')
    .filter((w) => w.includes('='))
    .map((w) => w.slice(0, w.indexOf('=') + 1));
  for (const v of vars) expect(doc).toContain(v);
});

it("runs alice's workflow end to end with the printed commands: an exchanged token per agent, acted for by the workflow's client", async () => {
  const env = Object.fromEntries(
    printed('pnpm start')
      .replace(/ pnpm start$/, '')
      .split(' ')
      .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
  );
  expect(env).toMatchObject({ TOKEN_FORWARDING: 'exchange', WORKFLOW_CLIENT_ID: 'baton-workflow-client' });
  stack = run([path.join(ROOT, 'scripts/start.mjs')], {
    ...env,
    BATON_DATA_DIR: dataDir,
    WRITER_CHUNK_DELAY_MS: '1',
    ...Object.fromEntries(Object.entries(ports).map(([k, p]) => [`${k}_PORT`, String(p)])),
  });
  const s = stack;
  await until('Baton up', () => (s.lines.some((l) => l.includes('"all services healthy"')) ? true : undefined), s);

  const tokenCommand = /^TOKEN=\$\((.+)\)$/.exec(printed(')'))![1]!;
  const token = execFileSync('sh', ['-c', tokenCommand], { cwd: ROOT, encoding: 'utf8' }).trim();
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  expect(claims).toMatchObject({ sub: 'alice', aud: RESOURCES.workflow.audience, scope: 'workflow:invoke' });

  const res = await fetch(`http://127.0.0.1:${ports.WORKFLOW}/workflow/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { topic: 'token exchange' } }),
  });
  expect(res.status).toBe(200);
  const exchanges = provider.lines
    .filter((l) => l.includes('"event":"token-exchange"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(new Set(exchanges.map((e) => e.aud))).toEqual(new Set(['agent-research', 'agent-writer', 'agent-reviewer']));
  expect(exchanges.every((e) => e.client_id === 'baton-workflow-client' && e.sub === 'alice')).toBe(true);
  const audits = s.logs().filter((l) => l.audit === true && l.decision === 'allow' && String(l.service).startsWith('agent-'));
  expect(audits.length).toBeGreaterThanOrEqual(3);
  expect(audits.every((a) => a.sub === 'alice' && JSON.stringify(a.act).includes('baton-workflow-client'))).toBe(true);
}, 120_000);
