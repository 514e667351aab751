// docs/CONFIG.md, rendered from the schemas themselves: each field's zod description, its default
// (the field parsed with nothing set), its duration rule and bounds, its enum values, and its
// deprecated aliases. `pnpm run config-docs` writes it; config-reference.test.ts fails when the
// checked-in file differs.
import type { z } from 'zod';
import { aliasOf, durationMetaOf, formatDuration } from './env-fields.js';
import { issuerEnvSchema, researchEnvSchema, reviewerEnvSchema, workflowEnvSchema, writerEnvSchema } from './env.js';
import { launcherEnvSchema } from './launcher-env.js';
import { TOPOLOGY, type Topology } from './topology.js';

/** One field's row: what the reference says about it. */
export interface VariableDoc {
  name: string;
  /** The default, as text (`—` when unset by default). */
  default: string;
  /** Accepted values: a duration's rule and bounds, an enum's values; empty otherwise. */
  accepts: string;
  description: string;
  /** The current name, for a deprecated alias. */
  aliasOf?: string;
}

type Def = { type?: string; innerType?: z.ZodType; entries?: Record<string, string> };
const defOf = (field: z.ZodType) => (field as unknown as { _zod: { def: Def } })._zod.def;

/** An enum's values (through default/optional wrappers), or undefined. */
function enumValues(field: z.ZodType): string[] | undefined {
  let f: z.ZodType | undefined = field;
  for (let depth = 0; f && depth < 5; depth++) {
    const def = defOf(f);
    if (def.type === 'enum' && def.entries) return Object.values(def.entries);
    f = def.innerType;
  }
  return undefined;
}

function defaultText(field: z.ZodType): string {
  const meta = durationMetaOf(field);
  if (meta) return `\`${formatDuration(meta.default, meta.unit)}\``;
  const parsed = field.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '—';
  const v: unknown = parsed.data;
  if (Array.isArray(v)) return v.length === 0 ? 'empty' : `\`${v.join(',')}\``;
  return `\`${String(v)}\``;
}

function acceptsText(field: z.ZodType): string {
  const meta = durationMetaOf(field);
  if (meta) {
    const unit = meta.unit === 'ms' ? 'ms' : 's';
    const bounds =
      meta.max < Number.MAX_SAFE_INTEGER
        ? `, ${formatDuration(meta.min, meta.unit)}–${formatDuration(meta.max, meta.unit)}`
        : meta.min > 0
          ? `, ≥ ${formatDuration(meta.min, meta.unit)}`
          : '';
    return `duration (bare number = ${unit})${bounds}`;
  }
  const values = enumValues(field);
  return values ? values.map((v) => `\`${v}\``).join(', ') : '';
}

/** Descriptions of the variables derived per agent (`<PREFIX>_URL`, ...) when the field carries none. */
function perAgentDescription(name: string, topology: Topology): string | undefined {
  for (const a of topology.agents) {
    const suffix = name.startsWith(`${a.envPrefix}_`) ? name.slice(a.envPrefix.length + 1) : undefined;
    switch (suffix) {
      case 'URL':
        return `Base URL of ${a.name} (its LangServe path).`;
      case 'AUDIENCE':
        return `Audience of the tokens exchanged for ${a.name}.`;
      case 'SCOPE':
        return `Scope asked for ${a.name} (with EXCHANGE_FLOW=entra-obo: \`api://<app>/.default\`).`;
      case 'RESOURCE':
        return `RFC 8707 resource identifier of ${a.name}, sent when EXCHANGE_TARGET is \`resource\` or \`both\` (default ${a.envPrefix}_URL).`;
      case 'SPIFFE_ID':
        return `Expected SPIFFE id of ${a.name} over mutual TLS.`;
      default:
        break;
    }
  }
  return undefined;
}

/** Every variable of a schema, in schema order. A field without a description is an error. */
export function describeVariables(schema: z.ZodObject, topology: Topology = TOPOLOGY): VariableDoc[] {
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const description = field.description ?? perAgentDescription(name, topology);
    if (description === undefined) throw new TypeError(`${name} has no description: add .describe('...') to its schema field`);
    const alias = aliasOf(field);
    return {
      name,
      default: alias ? '—' : defaultText(field),
      accepts: alias ? '' : acceptsText(field),
      description,
      ...(alias ? { aliasOf: alias } : {}),
    };
  });
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(rows: ReadonlyArray<{ name: string; default: string; accepts: string; description: string }>): string[] {
  return [
    '| variable | default | accepts | meaning |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| \`${r.name}\` | ${cell(r.default)} | ${cell(r.accepts)} | ${cell(r.description)} |`),
  ];
}

/** A group of services read alike (the agents): the variables all share, then each one's own. */
function groupSection(services: ReadonlyArray<{ name: string; schema: z.ZodObject }>): string[] {
  const docs = services.map((s) => ({ name: s.name, vars: describeVariables(s.schema) }));
  const shared = docs[0]!.vars.filter((v) => docs.every((d) => d.vars.some((x) => x.name === v.name)));
  const rows = shared.map((v) => {
    const defaults = docs.map((d) => d.vars.find((x) => x.name === v.name)!.default);
    const same = defaults.every((x) => x === defaults[0]);
    return { ...v, default: same ? v.default : docs.map((d, i) => `${d.name}: ${defaults[i]}`).join(', ') };
  });
  const out = [`Read by every agent (${services.map((s) => `\`${s.name}\``).join(', ')}):`, '', ...table(rows), ''];
  for (const d of docs) {
    const own = d.vars.filter((v) => !shared.some((x) => x.name === v.name));
    if (own.length > 0) out.push(`Read by \`${d.name}\` only:`, '', ...table(own), '');
  }
  return out;
}

const INTRO = `<!-- Generated by \`pnpm run config-docs\` from the zod schemas of @baton/contract (src/env.ts, src/env-fields.ts, src/exchange-env.ts, src/launcher-env.ts). Do not edit by hand: change a field's description and run it again. packages/contract/src/config-reference.test.ts fails when this file differs. -->

# Configuration reference

Every Baton service reads its configuration from environment variables, validated once at
start-up against its schema in \`@baton/contract\`: a wrong value stops the service with exit 1
and one line per wrong variable (its name and why, never its value). An empty value counts as
unset. Secrets (client secrets, keys, database and Redis URLs) stay in the environment and are
never logged.

## Durations: one rule everywhere

Every time setting's name carries its unit, \`_MS\` (milliseconds) or \`_SEC\` (seconds), and every
service parses it the same way:

- a bare number is in the unit the name carries: \`JWKS_COOLDOWN_MS=1500\` is 1.5 s,
  \`ACCESS_TOKEN_TTL_SEC=600\` is 10 minutes;
- a number with a unit is accepted everywhere: \`250ms\`, \`30s\`, \`10m\`, \`1h\`, \`30d\`
  (\`THREAD_TTL_MS=30d\`, \`ACCESS_TOKEN_TTL_SEC=10m\`);
- the value must be a whole number of the name's unit (\`_SEC\` refuses \`1500ms\`) within the
  variable's bounds; anything else is refused with the same text in every service:
  \`must be a duration: a whole number of ms, or a number with a unit (250ms, 30s, 10m, 1h, 30d)\`
  followed by the bounds.

## Deprecated names

A renamed variable keeps its old name as a deprecated alias, so compose files, manifests and
existing environments keep working: the old name set alone is read as the new one, and the
service writes one \`warn\` line at start-up (\`deprecated variable: OLD is now NEW\`). Both names
set to the same value is accepted (with the warning); set to different values, the service refuses
to start naming the old one.
`;

function aliasesSection(services: ReadonlyArray<{ name: string; schema: z.ZodObject }>): string[] {
  const rows = new Map<string, { to: string; services: string[] }>();
  for (const s of services)
    for (const v of describeVariables(s.schema))
      if (v.aliasOf) {
        const row = rows.get(v.name) ?? { to: v.aliasOf, services: [] };
        row.services.push(s.name);
        rows.set(v.name, row);
      }
  return [
    '| old name | use | read by |',
    '| --- | --- | --- |',
    ...[...rows].map(([from, r]) => `| \`${from}\` | \`${r.to}\` | ${r.services.map((n) => `\`${n}\``).join(', ')} |`),
    '',
  ];
}

/** The whole of docs/CONFIG.md for Baton's own services and launcher. */
export function renderConfigReference(): string {
  const services = [
    { name: 'issuer', schema: issuerEnvSchema },
    { name: 'workflow', schema: workflowEnvSchema },
    { name: 'agent-research', schema: researchEnvSchema },
    { name: 'agent-writer', schema: writerEnvSchema },
    { name: 'agent-reviewer', schema: reviewerEnvSchema },
    { name: 'launcher', schema: launcherEnvSchema },
  ];
  const out = [INTRO, ...aliasesSection(services)];
  out.push(
    '## Launcher (`pnpm start`, `pnpm run token`)',
    '',
    'Read by `scripts/start.mjs` (and, for the issuer address and certificates, `scripts/token.mjs`) before it starts the services; every other variable set passes through to every service.',
    '',
    ...table(describeVariables(launcherEnvSchema)),
    '',
  );
  out.push('## Issuer (`apps/issuer`)', '', ...table(describeVariables(issuerEnvSchema)), '');
  out.push('## Workflow (`apps/workflow`)', '', ...table(describeVariables(workflowEnvSchema)), '');
  out.push(
    '## Agents (`apps/agent-*`)',
    '',
    ...groupSection([
      { name: 'agent-research', schema: researchEnvSchema },
      { name: 'agent-writer', schema: writerEnvSchema },
      { name: 'agent-reviewer', schema: reviewerEnvSchema },
    ]),
  );
  return `${out.join('\n').trimEnd()}\n`;
}
