import { z, type ZodType } from 'zod';
import type { ConfigKey } from './options.js';

export type JsonSchema = Record<string, unknown>;

/** zod 4 -> JSON Schema (draft 2020-12); throws a TypeError at start-up if it cannot be represented. */
export function jsonSchemaOf(schema: ZodType, io: 'input' | 'output'): JsonSchema {
  try {
    return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  } catch (err) {
    throw new TypeError(`addRoutes: schema cannot be converted to JSON Schema (${(err as Error).message})`, { cause: err });
  }
}

const CONFIG_KEY_SCHEMAS: Record<ConfigKey, JsonSchema> = {
  tags: { type: 'array', items: { type: 'string' } },
  run_name: { type: 'string' },
  recursion_limit: { type: 'integer', minimum: 1 },
  max_concurrency: { type: 'integer', minimum: 1 },
  metadata: { type: 'object' },
};

/** The default `/config_schema`: the config keys and `configurable` keys the server accepts. */
export function defaultConfigSchema(title: string, configKeys: ReadonlySet<ConfigKey>, configurableKeys: ReadonlySet<string>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const key of configKeys) properties[key] = CONFIG_KEY_SCHEMAS[key];
  if (configurableKeys.size > 0) {
    properties.configurable = {
      type: 'object',
      properties: Object.fromEntries([...configurableKeys].map((k) => [k, {}])),
      additionalProperties: false,
    };
  }
  return { title, type: 'object', properties };
}
