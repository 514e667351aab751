// docker-compose.production.yml (the production profile as a compose override) and the image's
// default profile, checked against @baton/contract's env schemas: no Docker engine runs here.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { envSchemaOf, TOPOLOGY } from '@baton/contract';
import { appOf, readCompose, type ComposeService } from './compose-checks.js';
import { ROOT } from './stack.js';

/** Compose 2.24's `!reset` and `!override` tags: kept as the value they carry. */
const composeTags = ['!reset', '!override'].flatMap((tag) =>
  (['map', 'seq'] as const).map((collection) => ({ tag, collection, resolve: (v: unknown) => v })),
);

type Service = ComposeService & { profiles?: string[] };
const base = readCompose(path.join(ROOT, 'docker-compose.yml'));
const text = readFileSync(path.join(ROOT, 'docker-compose.production.yml'), 'utf8');
const production = YAML.parse(text, { merge: true, customTags: composeTags }) as { services: Record<string, Service> };
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const agents = TOPOLOGY.agents.map((a) => a.name);
const nameOf = (app: string) => Object.entries(base.services).find(([, s]) => appOf(s) === app)![0];

describe('the image and the try-out', () => {
  it("makes production the image's default profile", () => {
    expect(dockerfile).toMatch(/^ENV .*\bBATON_PROFILE=production\b/m);
  });

  it('runs every service of docker-compose.yml in the development profile, explicitly', () => {
    for (const [name, svc] of Object.entries(base.services)) expect([name, svc.environment?.BATON_PROFILE]).toEqual([name, 'development']);
  });
});

describe('docker-compose.production.yml', () => {
  it('never starts the dev issuer (behind the dev-issuer profile) and nothing waits for it', () => {
    expect(production.services[nameOf('issuer')]!.profiles).toEqual(['dev-issuer']);
    for (const svc of Object.values(production.services)) expect(Object.keys(svc.depends_on ?? {})).not.toContain(nameOf('issuer'));
  });

  it('publishes only the workflow: every agent port is reset', () => {
    for (const app of agents) expect(production.services[nameOf(app)]!.ports).toEqual([]);
    expect(production.services[nameOf('workflow')]!.ports).toEqual(['${BATON_PUBLISH_HOST:-127.0.0.1}:3000:3000']);
  });

  it('requires ISSUER_URL (the external IdP) and WORKFLOW_CLIENT_SECRET with ${VAR:?}', () => {
    const workflow = production.services[nameOf('workflow')]!.environment!;
    expect(workflow.WORKFLOW_CLIENT_SECRET).toMatch(/^\$\{WORKFLOW_CLIENT_SECRET:\?.+\}$/);
    for (const app of [...agents, 'workflow'])
      expect(production.services[nameOf(app)]!.environment!.ISSUER_URL).toMatch(/^\$\{ISSUER_URL:\?.+\}$/);
  });

  it.each([...agents, 'workflow'])('gives %s the production profile, only declared variables and a valid config once set', (app) => {
    const env = production.services[nameOf(app)]!.environment!;
    expect(env.BATON_PROFILE).toBe('production');
    const schema = envSchemaOf(app)!;
    expect(Object.keys(env).filter((k) => !(k in schema.shape))).toEqual([]);
    // As compose would substitute with the required variables set and the optional ones unset.
    const given: Record<string, string> = {
      ISSUER_URL: 'https://idp.example.com/',
      WORKFLOW_CLIENT_SECRET: randomBytes(32).toString('base64url'), // as the operator generates it
    };
    const substituted = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [
        k,
        String(v)
          .replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_m, name: string) => given[name] ?? '')
          .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'),
      ]),
    );
    const nonEmpty = Object.fromEntries(Object.entries(substituted).filter(([, v]) => v !== ''));
    expect(schema.safeParse(nonEmpty).error?.issues ?? []).toEqual([]);
  });
});
