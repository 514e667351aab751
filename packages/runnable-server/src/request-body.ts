import { BatonError, scrubSecrets } from '@baton/errors';
import type { ZodType } from 'zod';

export interface InvokeBody {
  input: unknown;
  config?: unknown;
  kwargs?: unknown;
}

export interface BatchBody {
  inputs: unknown[];
  config?: unknown;
  kwargs?: unknown;
}

function requestInvalid(message: string, path: (string | number)[]): BatonError {
  return new BatonError('RUNNABLE_REQUEST_INVALID', message, { detail: [{ path, message }] });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{input, config?, kwargs?}`; 422 `RUNNABLE_REQUEST_INVALID` otherwise (never echoing the body). */
export function parseInvokeBody(body: unknown): InvokeBody {
  if (!isPlainObject(body)) throw requestInvalid('Request body must be a JSON object (Content-Type: application/json)', []);
  if (!Object.prototype.hasOwnProperty.call(body, 'input')) throw requestInvalid('Request body must have an "input" field', ['input']);
  return { input: body.input, config: body.config, kwargs: body.kwargs };
}

/** `{inputs: [...], config?: object | object[], kwargs?}`; at most `maxBatchSize` inputs. */
export function parseBatchBody(body: unknown, maxBatchSize: number): BatchBody {
  if (!isPlainObject(body)) throw requestInvalid('Request body must be a JSON object (Content-Type: application/json)', []);
  const { inputs, config } = body;
  if (!Array.isArray(inputs)) throw requestInvalid('Request body must have an "inputs" array', ['inputs']);
  if (inputs.length > maxBatchSize) {
    throw new BatonError('RUNNABLE_BATCH_TOO_LARGE', `A batch may hold at most ${maxBatchSize} inputs`, {
      detail: [{ path: ['inputs'], message: `At most ${maxBatchSize} inputs` }],
    });
  }
  if (Array.isArray(config) && config.length !== inputs.length) {
    throw requestInvalid(`Number of configs (${config.length}) must match number of inputs (${inputs.length})`, ['config']);
  }
  if (config !== undefined && config !== null && !isPlainObject(config) && !Array.isArray(config)) {
    throw requestInvalid('config must be an object or an array of objects', ['config']);
  }
  return { inputs, config, kwargs: body.kwargs };
}

/** Validates an input against the route's zod schema; 422 `RUNNABLE_INPUT_INVALID` with issues, never values. */
export function validateInput(schema: ZodType | undefined, input: unknown, pathPrefix: (string | number)[] = ['input']): unknown {
  if (!schema) return input;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues.map((issue) => ({
    path: [...pathPrefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : typeof p === 'string' ? scrubSecrets(p) : p))],
    code: issue.code,
    message: scrubSecrets(issue.message),
  }));
  throw new BatonError('RUNNABLE_INPUT_INVALID', 'Input does not match the input schema', { detail });
}
