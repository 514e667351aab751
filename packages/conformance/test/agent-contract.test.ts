// The agent contract suite (agent-contract.ts, docs/AGENT-CONTRACT.md), run against:
// - by default, the real research agent (apps/agent-research/dist/main.js, built first) started
//   here as its own process, trusting the suite's issuer, with ALLOWED_ACTORS=workflow;
// - with AGENT_URL set, any agent already running, in any language. The suite then serves its
//   issuer on 127.0.0.1:$CONFORMANCE_ISSUER_PORT (default 4100): start the agent with that as its
//   issuer (ISSUER_URL=http://127.0.0.1:4100; discovery at /.well-known/openid-configuration,
//   keys at /.well-known/jwks.json). AGENT_AUDIENCE, AGENT_SCOPE, AGENT_INPUT (JSON),
//   AGENT_ACTOR (default workflow), AGENT_REQUIRES_ACTOR (default 1), AGENT_LOG_FILE (its JSON
//   log lines, for the audit checks; unset: those checks are skipped).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnService, startTestIssuer } from '@baton/testkit';
import { describeAgentContract, type AgentTarget } from './agent-contract.js';

const ROOT = path.resolve(__dirname, '../../..');

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`AGENT_URL is set: ${name} is required too (see docs/AGENT-CONTRACT.md)`);
  return v;
}

async function externalAgent(url: string): Promise<AgentTarget> {
  const issuer = await startTestIssuer({ port: Number(process.env.CONFORMANCE_ISSUER_PORT ?? 4100) });
  const logFile = process.env.AGENT_LOG_FILE;
  return {
    url: url.replace(/(?<!\/)\/+$/, ''),
    audience: required('AGENT_AUDIENCE'),
    scope: required('AGENT_SCOPE'),
    input: JSON.parse(required('AGENT_INPUT')) as unknown,
    actor: process.env.AGENT_ACTOR ?? 'workflow',
    requiresActor: !/^(0|false|no)$/i.test(process.env.AGENT_REQUIRES_ACTOR ?? '1'),
    issuer,
    ...(logFile ? { logLines: () => readFileSync(logFile, 'utf8').split('\n').filter(Boolean) } : {}),
    close: () => issuer.close(),
  };
}

async function researchAgent(): Promise<AgentTarget> {
  const issuer = await startTestIssuer();
  const agent = await spawnService(
    path.join(ROOT, 'apps/agent-research/dist/main.js'),
    { ISSUER_URL: issuer.issuer, BATON_PROFILE: 'development', ALLOWED_ACTORS: 'workflow' },
    ROOT,
  );
  return {
    url: `${agent.base}/research`,
    audience: 'agent-research',
    scope: 'research:invoke',
    input: { topic: 'token exchange' },
    actor: 'workflow',
    requiresActor: true,
    issuer,
    logLines: () => agent.output().split('\n').filter(Boolean),
    close: async () => {
      await agent.stop();
      await issuer.close();
    },
  };
}

const external = process.env.AGENT_URL;
describeAgentContract(external ?? 'the research agent (apps/agent-research)', () => (external ? externalAgent(external) : researchAgent()));
