// The workflow's EXCHANGE_* settings, from the environment to the request on the wire: each
// configuration is parsed, turned into the exchange client the workflow builds (main.ts), and sent
// to a real HTTP server on 127.0.0.1. For EXCHANGE_FLOW=entra-obo that server is a STAND-IN for
// Microsoft Entra ID's v2.0 token endpoint (Entra cannot run here): it checks the on-behalf-of form
// as Entra documents it and answers in Entra's shapes (success without issued_token_type; 400
// invalid_grant with AADSTS codes; interaction_required). It proves Baton sends that form and reads
// those answers; it does not prove Entra accepts it.
import { generateKeyPairSync, verify as verifySignature, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTokenExchangeClient } from '@baton/auth';
import { configIssuesOf } from '@baton/errors';
import { Caller, tokenFingerprint } from '@baton/identity';
import { parseWorkflowConfig } from '../test/config.js';
import { exchangeClientOptions } from './exchange.js';

const SECRET = 'a-client-secret-of-at-least-32-characters';
let server: http.Server;
let base: string;
let seen: Array<{ authorization: string | undefined; form: URLSearchParams }> = [];
/** What the stand-in answers next: Entra's success, or one of its refusals. */
let answer: 'ok' | 'consent' | 'interaction' = 'ok';

/** Entra's v2.0 on-behalf-of rules, as documented (learn.microsoft.com, "OAuth 2.0 On-Behalf-Of flow"). */
function entraOboProblem(form: URLSearchParams): string | undefined {
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return 'grant_type';
  if (form.get('requested_token_use') !== 'on_behalf_of') return 'requested_token_use';
  if (!form.get('assertion')) return 'assertion';
  if (!/^\S+\/\.default$/.test(form.get('scope') ?? '')) return 'scope';
  if (!form.get('client_id')) return 'client_id';
  if (!form.get('client_secret') && form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    return 'client credentials';
  for (const k of ['subject_token', 'audience', 'resource']) if (form.has(k)) return k;
  return undefined;
}

function entraAnswer(res: http.ServerResponse, form: URLSearchParams): void {
  res.setHeader('content-type', 'application/json; charset=utf-8');
  const problem = entraOboProblem(form);
  if (problem) {
    res.writeHead(400).end(JSON.stringify({ error: 'invalid_request', error_description: `AADSTS900144: bad ${problem}` }));
  } else if (answer === 'consent') {
    res
      .writeHead(400)
      .end(JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS65001: consent required', error_codes: [65001] }));
  } else if (answer === 'interaction') {
    res.writeHead(400).end(JSON.stringify({ error: 'interaction_required', error_description: 'AADSTS50076: MFA', error_codes: [50076] }));
  } else {
    const at = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ aud: 'api://agent-research', sub: 'alice' })}.c2ln`;
    res.end(
      JSON.stringify({
        token_type: 'Bearer',
        scope: form.get('scope'),
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: at,
        refresh_token: 'r',
      }),
    );
  }
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push({ authorization: req.headers.authorization, form });
      if (req.url === '/entra/oauth2/v2.0/token') return entraAnswer(res, form);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'a.b.c', token_type: 'Bearer', expires_in: 60 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  answer = 'ok';
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An RS256 JWT's header and payload once its signature checks out against `key`. */
function verifiedJwt(token: string, key: KeyObject): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p, sig] = token.split('.') as [string, string, string];
  if (!verifySignature('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(sig, 'base64url'))) throw new Error('bad signature');
  const parse = (seg: string) => JSON.parse(Buffer.from(seg, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: parse(h), payload: parse(p) };
}

function aliceCaller(): Caller {
  const token = `${b64({ alg: 'RS256' })}.${b64({ sub: 'alice', aud: 'api://baton-workflow' })}.c2ln`;
  const principal = {
    sub: `alice-${Math.random()}`,
    iss: 'https://login.example',
    aud: ['w'],
    scope: [],
    exp: Math.floor(Date.now() / 1000) + 600,
  };
  return new Caller({ token, principal: { ...principal, token_fp: tokenFingerprint(token) } });
}

const client = (env: Record<string, string>) => {
  const config = parseWorkflowConfig(env);
  return createTokenExchangeClient(exchangeClientOptions(config, config.TOKEN_ENDPOINT ?? `${config.ISSUER_URL}/oauth/token`));
};

describe('EXCHANGE_FLOW=entra-obo against a stand-in for Entra ID', () => {
  const env = () => ({
    TOKEN_ENDPOINT: `${base}/entra/oauth2/v2.0/token`,
    EXCHANGE_FLOW: 'entra-obo',
    EXCHANGE_CLIENT_AUTH: 'client_secret_post',
    WORKFLOW_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
    WORKFLOW_CLIENT_SECRET: SECRET,
    RESEARCH_SCOPE: 'api://agent-research/.default',
  });

  it('sends the on-behalf-of form the stand-in accepts, and reads its answer (no issued_token_type)', async () => {
    const c = client(env());
    const out = await c.exchangeFor(aliceCaller(), { audience: 'agent-research', scope: 'api://agent-research/.default' });
    expect(out).toMatchObject({ accessToken: expect.any(String), scope: 'api://agent-research/.default' });
    expect(seen[0]!.authorization).toBeUndefined();
    expect(seen[0]!.form.get('requested_token_use')).toBe('on_behalf_of');
    await c.close();
  });

  it("reports Entra's refusals (consent missing, interaction required) as the caller's refusal, 403", async () => {
    const c = client(env());
    for (const a of ['consent', 'interaction'] as const) {
      answer = a;
      await expect(
        c.exchangeFor(aliceCaller(), { audience: 'agent-research', scope: 'api://agent-research/.default' }),
      ).rejects.toMatchObject({
        code: 'AUTH_EXCHANGE_DENIED',
        status: 403,
      });
    }
    await c.close();
  });

  it('refuses at start-up a configuration Entra cannot serve (EXCHANGE_SCOPE=omit, a target)', () => {
    for (const bad of [{ EXCHANGE_SCOPE: 'omit' }, { EXCHANGE_TARGET: 'resource' }]) {
      let issues: unknown;
      try {
        parseWorkflowConfig({ ...env(), ...bad });
      } catch (err) {
        issues = configIssuesOf(err)?.map((i) => i.variable);
      }
      expect(issues).toEqual(Object.keys(bad));
    }
  });
});

describe('EXCHANGE_CLIENT_AUTH=private_key_jwt from the environment', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-wf-key-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const keyFile = path.join(dir, 'workflow.key.pem');
  fs.writeFileSync(keyFile, pem, { mode: 0o600 });

  it('signs assertions with the key from EXCHANGE_CLIENT_KEY_FILE or EXCHANGE_CLIENT_KEY, with the configured kid and audience', async () => {
    const keyVars: Array<Record<string, string>> = [{ EXCHANGE_CLIENT_KEY_FILE: keyFile }, { EXCHANGE_CLIENT_KEY: pem }];
    for (const keyVar of keyVars) {
      seen = [];
      const c = client({
        TOKEN_ENDPOINT: `${base}/token`,
        EXCHANGE_CLIENT_AUTH: 'private_key_jwt',
        EXCHANGE_CLIENT_KEY_ID: 'wf-2026',
        EXCHANGE_CLIENT_ASSERTION_AUDIENCE: 'https://idp.example/realms/baton',
        EXCHANGE_TARGET: 'both',
        EXCHANGE_SCOPE: 'omit',
        ...keyVar,
      });
      await c.exchangeFor(aliceCaller(), { audience: 'agent-research', resource: 'http://127.0.0.1:3001/research' });
      const f = seen[0]!.form;
      const decoded = verifiedJwt(f.get('client_assertion')!, publicKey);
      expect(decoded.header.kid).toBe('wf-2026');
      expect(decoded.payload.aud).toBe('https://idp.example/realms/baton');
      expect(f.get('audience')).toBe('agent-research');
      expect(f.get('resource')).toBe('http://127.0.0.1:3001/research');
      expect(f.get('scope')).toBeNull();
      await c.close();
    }
  });

  it('needs exactly one key source, and no client secret', () => {
    const issuesOf = (env: Record<string, string>) => {
      try {
        parseWorkflowConfig(env);
        return [];
      } catch (err) {
        return configIssuesOf(err)?.map((i) => i.variable);
      }
    };
    expect(issuesOf({ EXCHANGE_CLIENT_AUTH: 'private_key_jwt' })).toEqual(['EXCHANGE_CLIENT_KEY_FILE']);
    expect(issuesOf({ EXCHANGE_CLIENT_AUTH: 'private_key_jwt', EXCHANGE_CLIENT_KEY_FILE: keyFile, EXCHANGE_CLIENT_KEY: pem })).toEqual([
      'EXCHANGE_CLIENT_KEY_FILE',
    ]);
    expect(issuesOf({ EXCHANGE_CLIENT_AUTH: 'private_key_jwt', EXCHANGE_CLIENT_KEY_FILE: keyFile })).toEqual([]);
    expect(issuesOf({ EXCHANGE_CLIENT_AUTH: 'client_secret_post' })).toEqual(['WORKFLOW_CLIENT_SECRET']);
  });

  it('refuses a key that is not a PEM private key without printing it', () => {
    const notKey = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-not-a-key';
    let caught: unknown;
    try {
      exchangeClientOptions(
        parseWorkflowConfig({ EXCHANGE_CLIENT_AUTH: 'private_key_jwt', EXCHANGE_CLIENT_KEY: notKey }),
        'https://idp.example/token',
      );
    } catch (err) {
      caught = err;
    }
    expect(configIssuesOf(caught)?.map((i) => i.variable)).toEqual(['EXCHANGE_CLIENT_KEY']);
    expect(JSON.stringify(configIssuesOf(caught)) + String((caught as Error).message)).not.toContain('MIIE');
  });
});
