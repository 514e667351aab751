import { randomBytes } from 'node:crypto';
import { parseIssuerConfig } from './config.js';

describe('issuer config', () => {
  it('has development defaults', () => {
    const c = parseIssuerConfig({}, '/srv');
    expect(c).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      issuer: 'http://127.0.0.1:4000',
      dataDir: '/srv/.data/issuer',
      mode: 'development',
      workflowClientId: 'workflow',
      workflowAudience: 'baton-workflow',
      accessTokenTtlSec: 600,
      exchangedTokenTtlSec: 300,
      tokenExchangeRateLimit: 600,
    });
    expect(c.workflowClientSecret).toBeUndefined();
    expect(c.agents).toEqual([
      { audience: 'agent-research', scope: ['research:invoke'], resources: ['http://127.0.0.1:3001/research'] },
      { audience: 'agent-writer', scope: ['writer:invoke'], resources: ['http://127.0.0.1:3002/writer'] },
      { audience: 'agent-reviewer', scope: ['reviewer:invoke'], resources: ['http://127.0.0.1:3003/reviewer'] },
    ]);
  });

  it('derives ISSUER_URL from PORT', () => {
    expect(parseIssuerConfig({ PORT: '4100' }).issuer).toBe('http://127.0.0.1:4100');
  });

  it('requires the client secret, issuer URL and data dir in production, naming them', () => {
    expect(() => parseIssuerConfig({ ISSUER_MODE: 'production' })).toThrow(
      /WORKFLOW_CLIENT_SECRET.*ISSUER_URL.*ISSUER_DATA_DIR|ISSUER_URL/,
    );
    expect(() =>
      parseIssuerConfig({
        ISSUER_MODE: 'production',
        ISSUER_URL: 'https://id.example',
        ISSUER_DATA_DIR: '/keys',
        WORKFLOW_CLIENT_SECRET: 'short',
      }),
    ).toThrow(/WORKFLOW_CLIENT_SECRET/);
    const c = parseIssuerConfig({
      ISSUER_MODE: 'production',
      ISSUER_URL: 'https://id.example',
      ISSUER_DATA_DIR: '/keys',
      WORKFLOW_CLIENT_SECRET: randomBytes(32).toString('base64url'), // production refuses a predictable one
    });
    expect(c.mode).toBe('production');
  });

  it('rejects malformed agent audiences and resources', () => {
    expect(() => parseIssuerConfig({ AGENT_AUDIENCES: 'agent-x' })).toThrow(/AGENT_AUDIENCES/);
    expect(() => parseIssuerConfig({ AGENT_AUDIENCES: 'baton-workflow=x:y' })).toThrow(/AGENT_AUDIENCES/);
    expect(() => parseIssuerConfig({ AGENT_RESOURCES: 'agent-research=not a url' })).toThrow(/AGENT_RESOURCES/);
  });
});
