// The one duration rule, checked over every service's schema and the launcher's: every time
// setting carries its unit in its name, and the same input parses the same way everywhere.
import type { z } from 'zod';
import { durationMetaOf, envSchemas, launcherEnvSchema, type DurationMeta } from './env.js';

const BASE: Record<string, Record<string, string>> = { workflow: { TOKEN_FORWARDING: 'passthrough' } };
const SCHEMAS: Record<string, z.ZodObject> = { ...envSchemas(), launcher: launcherEnvSchema };
const fieldsOf = (schema: z.ZodObject) => Object.entries(schema.shape as Record<string, z.ZodType>);

/** The rule, written out again here (not by calling the helper): what a value must parse to. */
function expected(input: string, meta: DurationMeta): number | 'refused' {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(input.trim());
  if (!m) return 'refused';
  const perUnit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const ms = Number(m[1]) * perUnit[(m[2] ?? meta.unit) as keyof typeof perUnit];
  const v = ms / perUnit[meta.unit];
  return Number.isSafeInteger(v) && v >= meta.min && v <= meta.max ? v : 'refused';
}

function parseOne(service: string, variable: string, value: string) {
  const r = SCHEMAS[service]!.safeParse({ ...BASE[service], [variable]: value });
  if (r.success) return { value: (r.data as Record<string, unknown>)[variable] };
  const issues = r.error.issues.filter((i) => i.path[0] === variable);
  return issues.length > 0 ? { refused: issues.map((i) => i.message) } : { otherIssue: r.error.issues.map((i) => i.path.join('.')) };
}

const INPUTS = [
  '1',
  '10',
  '1500',
  '250ms',
  '1.5s',
  '30s',
  '10m',
  '1h',
  '2d',
  '30d',
  '0',
  '0.5',
  '1500ms',
  ' 45s ',
  'soon',
  '-5',
  '10M',
  '1e3',
  '5 min',
];
const durationFields = Object.entries(SCHEMAS).flatMap(([service, schema]) =>
  fieldsOf(schema)
    .filter(([, f]) => durationMetaOf(f) !== undefined)
    .map(([variable, f]) => ({ service, variable, meta: durationMetaOf(f)! })),
);

describe('every time setting', () => {
  it.each(Object.keys(SCHEMAS))('of %s carries its unit in its name and is parsed by the one duration rule', (service) => {
    const wrong: string[] = [];
    for (const [name, field] of fieldsOf(SCHEMAS[service]!)) {
      const meta = durationMetaOf(field);
      const aliasOf = (field.meta() as { aliasOf?: string } | undefined)?.aliasOf;
      const timeLike = /(?:_MS|_SEC|TTL|INTERVAL|TIMEOUT|DEADLINE|DELAY|COOLDOWN|GRACE|RETENTION|BACKOFF|WINDOW)$/.test(name);
      if (aliasOf !== undefined) continue; // a deprecated old name: read as its new one
      if (name.endsWith('_MS') && meta?.unit !== 'ms') wrong.push(`${name}: not a duration in ms`);
      else if (name.endsWith('_SEC') && meta?.unit !== 's') wrong.push(`${name}: not a duration in s`);
      else if (timeLike && !/_(?:MS|SEC)$/.test(name)) wrong.push(`${name}: a time setting without _MS or _SEC`);
      else if (meta && !/_(?:MS|SEC)$/.test(name)) wrong.push(`${name}: a duration without _MS or _SEC`);
    }
    expect(wrong).toEqual([]);
  });

  it.each(durationFields.map((d) => [d.service, d.variable, d] as const))(
    '%s %s parses every input by the rule',
    (service, variable, d) => {
      for (const input of INPUTS) {
        const want = expected(input, d.meta);
        const got = parseOne(service, variable, input);
        expect({ input, got: 'value' in got ? got.value : 'refused' }).toEqual({ input, got: want });
      }
    },
  );
});

describe('the same name parses the same way in every service', () => {
  const byName = new Map<string, string[]>();
  for (const d of durationFields) byName.set(d.variable, [...(byName.get(d.variable) ?? []), d.service]);
  const shared = [...byName].filter(([, services]) => services.length > 1);

  it('has shared duration names to compare (JWKS_COOLDOWN_MS, HTTP_*_TIMEOUT_MS)', () => {
    expect(shared.map(([n]) => n)).toEqual(
      expect.arrayContaining(['JWKS_COOLDOWN_MS', 'HTTP_HEADERS_TIMEOUT_MS', 'HTTP_REQUEST_TIMEOUT_MS']),
    );
  });

  it.each(shared)('%s: identical values and identical error text in %j', (variable, services) => {
    for (const input of INPUTS) {
      const results = services.map((s) => parseOne(s, variable, input));
      for (const r of results) expect({ input, r }).toEqual({ input, r: results[0] });
    }
  });

  it('JWKS_COOLDOWN_MS=30s is 30 s and JWKS_COOLDOWN_MS=10 is refused (under 1s), by the workflow and every agent alike', () => {
    for (const service of ['workflow', 'agent-research', 'agent-writer', 'agent-reviewer']) {
      expect(parseOne(service, 'JWKS_COOLDOWN_MS', '30s')).toEqual({ value: 30_000 });
      expect(parseOne(service, 'JWKS_COOLDOWN_MS', '1500')).toEqual({ value: 1_500 });
      expect(parseOne(service, 'JWKS_COOLDOWN_MS', '10')).toEqual({
        refused: ['must be a duration: a whole number of ms, or a number with a unit (250ms, 30s, 10m, 1h, 30d), at least 1s'],
      });
    }
  });

  it('takes a unit on _SEC variables too, and refuses what is not a whole second', () => {
    expect(parseOne('issuer', 'ACCESS_TOKEN_TTL_SEC', '10m')).toEqual({ value: 600 });
    expect(parseOne('issuer', 'ACCESS_TOKEN_TTL_SEC', '600')).toEqual({ value: 600 });
    expect(parseOne('issuer', 'ACCESS_TOKEN_TTL_SEC', '1500ms')).toEqual({
      refused: ['must be a duration: a whole number of seconds, or a number with a unit (250ms, 30s, 10m, 1h, 30d), from 1s to 1d'],
    });
    expect(parseOne('workflow', 'MIN_TOKEN_LIFETIME_SEC', '1m')).toEqual({ value: 60 });
    expect(parseOne('workflow', 'THREAD_TTL_MS', '30d')).toEqual({ value: 30 * 86_400_000 });
    expect(parseOne('launcher', 'BATON_RESTART_WINDOW_MS', '2m')).toEqual({ value: 120_000 });
  });
});
