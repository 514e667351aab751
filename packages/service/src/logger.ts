import pino from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level?: Level | 'silent';
  /** Where lines go (default stdout). Tests pass a stream to capture output. */
  destination?: DestinationStream;
}

/** Keys whose values are never logged, at the top level or one level down. */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'subject_token',
  'actor_token',
  'client_secret',
  'password',
];

export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
];

/** pino JSON logger: every line carries `service`; secrets are replaced by '[redacted]'. */
export function createLogger(options: LoggerOptions): Logger {
  const opts: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid },
    // ISO `time` through a mixin rather than `timestamp`: a line that brings its own `time` (an
    // audit event) then overrides it instead of writing the key twice.
    timestamp: false,
    mixin: () => ({ time: new Date().toISOString() }),
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
