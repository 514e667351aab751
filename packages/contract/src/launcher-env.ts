// The local launcher's own environment (`pnpm start`, scripts/start.mjs; `pnpm run token`,
// scripts/token.mjs): what it reads before it starts the services. Every other variable set when
// `pnpm start` runs passes through to every service (each reads its own, see docs/CONFIG.md).
import { z } from 'zod';
import { duration, host, int, issuerUrl, logLevel, port, url } from './env-fields.js';
import { CLIENT_AUTH_METHOD_NAMES } from './exchange-env.js';
import { TOPOLOGY, type Topology } from './topology.js';

const ON = ['1', 'true', 'yes', 'on'];
const OFF = ['0', 'false', 'no', 'off'];

/** A switch: 1/true/yes/on or 0/false/no/off (any case); anything else is refused. */
function onOff(defaultValue: boolean) {
  return z
    .string()
    .transform((s, ctx) => {
      const v = s.trim().toLowerCase();
      if (ON.includes(v)) return true;
      if (OFF.includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: "must be one of '1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'" });
      return z.NEVER;
    })
    .optional()
    .transform((v) => v ?? defaultValue);
}

/** The launcher's environment for `topology` (an agent's port and URL are `<PREFIX>_PORT`, `<PREFIX>_URL`). */
export function launcherEnvSchemaFor(topology: Topology = TOPOLOGY) {
  const perAgent = Object.fromEntries(
    topology.agents.flatMap((a) => [
      [`${a.envPrefix}_PORT`, port(a.port).describe(`Port of ${a.name}.`)],
      [
        `${a.envPrefix}_URL`,
        url().optional().describe(`The URL the workflow calls ${a.name} at (default its own address; e.g. a recording proxy in tests).`),
      ],
    ]),
  );
  return z.object({
    BATON_HOST: host('127.0.0.1').describe('Interface every service binds, and the host of the URLs they call each other at.'),
    BATON_DATA_DIR: z
      .string()
      .min(1)
      .optional()
      .describe('Issuer keys, the dev client secret and workflow checkpoints (default `./.data`, git-ignored).'),
    ISSUER_PORT: port(topology.issuer.port).describe('Port of the dev issuer (also read by `pnpm run token`).'),
    WORKFLOW_PORT: port(topology.workflow.port).describe('Port of the workflow.'),
    ...(perAgent as Record<string, z.ZodType>),
    ISSUER_URL: issuerUrl()
      .optional()
      .describe(
        "The issuer every service trusts. Unset: the dev issuer's own address. Any other value is an external identity provider: the dev issuer is then not started.",
      ),
    TOKEN_FORWARDING: z
      .enum(['exchange', 'passthrough'])
      .default('exchange')
      .describe("The workflow's TOKEN_FORWARDING; the agents' AUTH_MODE follows it unless AGENT_AUTH_MODE is set."),
    AGENT_AUTH_MODE: z
      .enum(['exchange', 'passthrough'])
      .optional()
      .describe(
        "Every agent's AUTH_MODE (default: `passthrough` when TOKEN_FORWARDING=passthrough, else `exchange`); a mismatch is how the tests show an agent refusing the other mode's tokens.",
      ),
    EXCHANGE_CLIENT_AUTH: z
      .enum(CLIENT_AUTH_METHOD_NAMES)
      .default('client_secret_basic')
      .describe("The workflow's EXCHANGE_CLIENT_AUTH: with `private_key_jwt` no client secret is needed for an external issuer."),
    WORKFLOW_CLIENT_SECRET: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The workflow's client secret, handed to the issuer and the workflow. Unset: made once into BATON_DATA_DIR (dev issuer); required for an external issuer in exchange mode with a secret.",
      ),
    LOG_LEVEL: logLevel().describe("Every service's LOG_LEVEL."),
    MTLS: onOff(false).describe(
      '`1`: mutual TLS between the services (dev certificates made in BATON_CERTS_DIR when missing; docs/SECURITY.md).',
    ),
    BATON_CERTS_DIR: z
      .string()
      .min(1)
      .optional()
      .describe('Where the dev CA and certificates for MTLS=1 are (default `./certs`, git-ignored).'),
    BATON_CA_FILE: z
      .string()
      .min(1)
      .optional()
      .describe('`pnpm run token` with MTLS=1: the CA bundle it trusts (default `<BATON_CERTS_DIR>/ca.pem`).'),
    BATON_RESTART_BACKOFF_MS: duration('ms', 500, { min: 1 }).describe(
      'A service that dies after start-up is restarted after this delay, doubled per crash within the window.',
    ),
    BATON_RESTART_BACKOFF_MAX_MS: duration('ms', 10_000, { min: 1 }).describe('Longest delay before a restart.'),
    BATON_RESTART_MAX_CRASHES: int(5, { min: 1, max: 1_000 }).describe(
      'Crashes of one service within BATON_RESTART_WINDOW_MS that stop everything (exit 1).',
    ),
    BATON_RESTART_WINDOW_MS: duration('ms', 60_000, { min: 1 }).describe('The window BATON_RESTART_MAX_CRASHES is counted in.'),
  });
}

/** The launcher's environment for Baton's own topology. */
export const launcherEnvSchema = launcherEnvSchemaFor();

export type LauncherEnv = z.infer<typeof launcherEnvSchema>;
