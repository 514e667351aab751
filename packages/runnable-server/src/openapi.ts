import { codesOf, errorCodeEntry, type ErrorCode, type ErrorDomain } from '@baton/errors';
import type { JsonSchema } from './schemas.js';

/** What a route takes and answers, as the route table of `addRoutes` declares it. */
export type RouteBody = 'invoke' | 'batch' | 'stream_log' | 'stream_events';
export type RouteReply = 'invoke' | 'batch' | 'sse' | 'cancel' | 'input_schema' | 'output_schema' | 'config_schema' | 'openapi';

export interface RouteSpec {
  readonly method: 'get' | 'post';
  /** Express path under the mount path, e.g. `/invoke`, `/runs/:run_id/cancel`. */
  readonly route: string;
  readonly summary: string;
  readonly body?: RouteBody;
  readonly reply: RouteReply;
}

export interface OpenApiInput {
  /** The mount path (`/research`). */
  readonly path: string;
  readonly title: string;
  readonly schemas: { input: JsonSchema; output: JsonSchema; config: JsonSchema };
  readonly routes: readonly RouteSpec[];
  /** The routes run `auth` middleware: document the bearer scheme and its 401/403. */
  readonly bearer: boolean;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const FILTERS = ['include_names', 'include_types', 'include_tags', 'exclude_names', 'exclude_types', 'exclude_tags'];
const stringArray = { type: 'array', items: { type: 'string' } };

function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

function requestSchemas(): Record<string, JsonSchema> {
  const common = { config: ref('Config'), kwargs: { type: 'object' } };
  const streamExtras = {
    ...Object.fromEntries(FILTERS.map((f) => [f, stringArray])),
    metadata_event: { type: 'boolean', description: 'Send a leading `metadata` event `{run_id}` (default false)' },
  };
  return {
    InvokeRequest: { type: 'object', required: ['input'], properties: { input: ref('Input'), ...common } },
    BatchRequest: {
      type: 'object',
      required: ['inputs'],
      properties: {
        inputs: { type: 'array', items: ref('Input') },
        config: { oneOf: [ref('Config'), { type: 'array', items: ref('Config') }] },
        kwargs: { type: 'object' },
      },
    },
    StreamLogRequest: {
      type: 'object',
      required: ['input'],
      properties: { input: ref('Input'), ...common, ...streamExtras, diff: { type: 'boolean', description: 'Ignored: always diffs' } },
    },
    StreamEventsRequest: {
      type: 'object',
      required: ['input'],
      properties: { input: ref('Input'), ...common, ...streamExtras, version: { enum: ['v1', 'v2'], default: 'v2' } },
    },
  };
}

function replySchemas(): Record<string, JsonSchema> {
  const runMeta = { run_id: { type: 'string', format: 'uuid' }, feedback_tokens: { type: 'array', maxItems: 0 } };
  return {
    InvokeResponse: { type: 'object', properties: { output: ref('Output'), metadata: { type: 'object', properties: runMeta } } },
    BatchResponse: {
      type: 'object',
      properties: {
        output: { type: 'array', items: ref('Output') },
        metadata: {
          type: 'object',
          properties: {
            run_ids: { type: 'array', items: runMeta.run_id },
            responses: { type: 'array', items: { type: 'object', properties: runMeta } },
          },
        },
      },
    },
    CancelResponse: { type: 'object', properties: { run_id: { type: 'string' }, status: { const: 'cancelling' } } },
  };
}

/** The error codes a route can answer with, by HTTP status (from `@baton/errors`' registry). */
function errorCodesByStatus(domains: readonly ErrorDomain[]): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of domains.flatMap((d) => codesOf(d))) {
    const entry = errorCodeEntry(code);
    if (!entry) continue;
    byStatus.set(entry.status, [...(byStatus.get(entry.status) ?? []), code]);
  }
  return byStatus;
}

function errorResponses(byStatus: Map<number, ErrorCode[]>): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[`E${status}`] = {
      description: codes.map((c) => `\`${c}\`: ${errorCodeEntry(c)?.meaning ?? ''}`).join('; '),
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['error'],
            properties: {
              error: {
                type: 'object',
                required: ['code', 'message'],
                properties: { code: { enum: codes }, message: { type: 'string' }, detail: {} },
              },
            },
          },
        },
      },
    };
  }
  return out;
}

const SSE = {
  description:
    'Server-Sent Events: `data` events (JSON), then `end`, or `error` `{status_code, message, code}`; every event has `id: <run_id>:<seq>`',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

function okResponse(reply: RouteReply): JsonSchema {
  const json = (schema: JsonSchema, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
  switch (reply) {
    case 'invoke':
      return json(ref('InvokeResponse'));
    case 'batch':
      return json(ref('BatchResponse'));
    case 'sse':
      return SSE;
    case 'cancel':
      return json(ref('CancelResponse'), 'Accepted: the run is being cancelled');
    case 'input_schema':
      return json(ref('Input'), 'The input JSON Schema');
    case 'output_schema':
      return json(ref('Output'), 'The output JSON Schema');
    case 'config_schema':
      return json(ref('Config'), 'The config JSON Schema');
    case 'openapi':
      return json({ type: 'object' }, 'This document');
  }
}

const BODY_SCHEMA: Record<RouteBody, string> = {
  invoke: 'InvokeRequest',
  batch: 'BatchRequest',
  stream_log: 'StreamLogRequest',
  stream_events: 'StreamEventsRequest',
};

function operation(spec: RouteSpec, errorStatuses: number[], bearer: boolean): JsonSchema {
  const responses: Record<string, unknown> = { [spec.reply === 'cancel' ? '202' : '200']: okResponse(spec.reply) };
  for (const status of errorStatuses) responses[String(status)] = { $ref: `#/components/responses/E${status}` };
  responses['405'] = {
    description: 'Another method on this route: `Allow` names the one it takes',
    headers: { Allow: { schema: { type: 'string' } } },
  };
  const op: JsonSchema = { summary: spec.summary, operationId: spec.route.replace(/^\//, '').replace(/\/:?/g, '_'), responses };
  if (spec.body) op.requestBody = { required: true, content: { 'application/json': { schema: ref(BODY_SCHEMA[spec.body]) } } };
  if (spec.route.includes(':run_id')) op.parameters = [{ name: 'run_id', in: 'path', required: true, schema: { type: 'string' } }];
  if (!bearer) op.security = [];
  return op;
}

/**
 * The OpenAPI 3.1 document of one `addRoutes` mount, generated from its route table, its input,
 * output and config JSON Schemas and `@baton/errors`' code registry: every route, its request
 * and response shapes, the error codes by status and (with `auth`) the bearer scheme.
 */
export function openApiDocument(input: OpenApiInput): JsonSchema {
  const runDomains: ErrorDomain[] = input.bearer ? ['RUNNABLE', 'REQUEST', 'SERVER', 'AUTH'] : ['RUNNABLE', 'REQUEST', 'SERVER'];
  const runErrors = errorCodesByStatus(runDomains);
  const readErrors = errorCodesByStatus(input.bearer ? ['AUTH'] : []);
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of input.routes) {
    const key = `${input.path}${spec.route.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
    const statuses = [...(spec.method === 'post' ? runErrors : readErrors).keys()].sort((a, b) => a - b);
    (paths[key] ??= {})[spec.method] = operation(spec, statuses, input.bearer);
  }
  return {
    openapi: '3.1.0',
    info: { title: input.title, version: '1', description: 'The LangServe wire protocol, served by @baton/runnable-server' },
    paths,
    components: {
      schemas: {
        Input: withoutDialect(input.schemas.input),
        Output: withoutDialect(input.schemas.output),
        Config: withoutDialect(input.schemas.config),
        ...requestSchemas(),
        ...replySchemas(),
      },
      responses: errorResponses(runErrors),
      ...(input.bearer ? { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } } : {}),
    },
    ...(input.bearer ? { security: [{ bearerAuth: [] }] } : {}),
  };
}
