import pino from 'pino';
import type { Level, Logger as PinoLogger } from 'pino';

/** The one logger type (`@baton/errors`); `createLogger` returns a pino logger, which is one. */
export type { Logger } from '@baton/errors';

/** Where log lines go: anything with `write(line)` (a pino destination). */
export interface LogDestination {
  write(msg: string): void;
}

export type LogLevel = Level | 'silent';

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go (default stdout). Tests pass a stream to capture output. */
  destination?: LogDestination;
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

const REDACT_PATHS: readonly string[] = [
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
export function createLogger(options: LoggerOptions): PinoLogger {
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
