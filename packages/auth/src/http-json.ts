import http from 'node:http';
import https from 'node:https';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

/** Why a fetch of a JSON document (discovery, JWKS) failed: the URL and the HTTP status or the error. Never holds a token. */
export class FetchFailure extends Error {
  readonly url: string;
  /** The HTTP status answered, when one was. */
  readonly status: number | undefined;
  constructor(url: string, message: string, status?: number) {
    super(message);
    this.name = 'FetchFailure';
    this.url = url;
    this.status = status;
  }
  /** Log fields: `url` and `status` or `error`. */
  toLog(): { url: string; status?: number; error?: string } {
    return this.status !== undefined ? { url: this.url, status: this.status, error: this.message } : { url: this.url, error: this.message };
  }
}

export interface GetJsonOptions {
  timeoutMs: number;
  agent?: HttpAgent | HttpsAgent | undefined;
  headers?: Record<string, string> | undefined;
  /** Largest body read, bytes (default 1 MiB). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1 << 20;

/**
 * GET a JSON object over http(s), with a whole-request timeout and a body bound. Rejects with a
 * `FetchFailure` naming the URL and the status (non-2xx) or the error (network, timeout, body
 * too large, not a JSON object). Redirects are not followed.
 */
export function getJson(url: string, options: GetJsonOptions): Promise<Record<string, unknown>> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new FetchFailure(url, 'not a valid URL'));
      return;
    }
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(
      target,
      {
        method: 'GET',
        headers: { accept: 'application/json', ...options.headers },
        timeout: options.timeoutMs,
        ...(options.agent ? { agent: options.agent } : {}),
      },
      (res) => readJson(url, res, maxBytes).then(resolve, reject),
    );
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new FetchFailure(url, err.code ?? err.message)));
    req.on('close', () => clearTimeout(timer));
    req.end();
  });
}

function readJson(url: string, res: http.IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      res.resume();
      reject(new FetchFailure(url, `HTTP ${status}`, status));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new FetchFailure(url, `body larger than ${maxBytes} bytes`, status));
        return;
      }
      chunks.push(chunk);
    });
    res.on('error', (err) => reject(new FetchFailure(url, err.message, status)));
    res.on('end', () => {
      let value: unknown;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        reject(new FetchFailure(url, 'body is not JSON', status));
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        reject(new FetchFailure(url, 'body is not a JSON object', status));
        return;
      }
      resolve(value as Record<string, unknown>);
    });
  });
}
