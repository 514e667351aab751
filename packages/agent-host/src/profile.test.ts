import { agentEnvSchema, calledByWorkflow, RESEARCH as RESEARCH_ROW, TOPOLOGY } from '@baton/contract';

const RESEARCH = calledByWorkflow(RESEARCH_ROW);
import { agentSettings } from './config.js';

const settingsOf = (env: Record<string, string>) => agentSettings(RESEARCH, agentEnvSchema(RESEARCH, TOPOLOGY).parse(env));

describe('BATON_PROFILE for agents', () => {
  it('requires act naming the workflow in production (exchange mode) and says nothing is relaxed', () => {
    const s = settingsOf({ BATON_PROFILE: 'production' });
    expect(s.allowedActors).toEqual(['workflow']);
    expect(s.relaxed).toEqual([]);
  });

  it('keeps an explicit ALLOWED_ACTORS, and passthrough (tokens without act) unchanged, in production', () => {
    expect(settingsOf({ BATON_PROFILE: 'production', ALLOWED_ACTORS: 'orchestrator' }).allowedActors).toEqual(['orchestrator']);
    expect(settingsOf({ BATON_PROFILE: 'production', AUTH_MODE: 'passthrough' }).allowedActors).toEqual([]);
  });

  it('accepts any actor in development and prints one relaxed line for it', () => {
    const s = settingsOf({});
    expect(s.allowedActors).toEqual([]);
    expect(s.relaxed).toEqual([expect.stringMatching(/^ALLOWED_ACTORS unset/)]);
  });

  it('reads the HTTP limits', () => {
    expect(settingsOf({ HTTP_REQUEST_TIMEOUT_MS: '1500' }).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 1500,
      maxConnections: 1024,
    });
  });
});
