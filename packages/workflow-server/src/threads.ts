import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BatonError } from '@baton/errors';
import { WORKFLOW_ERRORS } from './error-codes.js';
import type { ThreadStore } from './thread-index.js';
import { openMemoryThreadStore } from './thread-store-memory.js';
import { openPostgresThreadStore } from './thread-store-postgres.js';
import { openSqliteThreadStore } from './thread-store-sqlite.js';

export type CheckpointerKind = 'auto' | 'postgres' | 'sqlite' | 'memory' | 'none';

export const THREAD_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The checkpoint key for a caller's thread. Threads are scoped to the identity that made them
 * (`iss` + `sub`), so another user naming the same `thread_id` reaches a different, empty thread:
 * isolation holds by construction, not by a lookup that could be forgotten.
 */
export function scopedThreadId(owner: { iss: string; sub: string }, threadId: unknown): string {
  if (typeof threadId !== 'string' || !THREAD_ID.test(threadId)) {
    throw new BatonError(WORKFLOW_ERRORS.WORKFLOW_THREAD_ID_INVALID, 'thread_id must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  }
  return `${ownerKey(owner)}/${threadId}`;
}

/** The owner key of a caller: what the thread index stores instead of their identity. */
export function ownerKey(owner: { iss: string; sub: string }): string {
  return createHash('sha256').update(`${owner.iss}\n${owner.sub}`).digest('hex').slice(0, 24);
}

/** Splits a scoped thread id back into its owner key and the caller's thread id. */
export function splitScopedThreadId(scoped: string): { owner: string; threadId: string } {
  const slash = scoped.indexOf('/');
  return { owner: scoped.slice(0, slash), threadId: scoped.slice(slash + 1) };
}

/** A checkpoint saver with its thread index and history pruning (see thread-index.ts). */
export type Checkpointer = ThreadStore;

export interface CheckpointerOptions {
  /** Where `checkpoints.sqlite` goes. */
  dataDir: string;
  /** Postgres: `auto` selects it when set. */
  databaseUrl?: string;
  poolMax?: number;
  warn: (msg: string) => void;
}

async function openPostgres(options: CheckpointerOptions & { databaseUrl: string }): Promise<ThreadStore> {
  try {
    return await openPostgresThreadStore({
      connectionString: options.databaseUrl,
      poolMax: options.poolMax ?? 10,
      onPoolError: (err) => options.warn(`postgres: an idle pooled connection failed: ${err.message}`),
    });
  } catch (err) {
    // The cause may name the host; the URL (and its password) is never put in the message.
    throw new BatonError(WORKFLOW_ERRORS.WORKFLOW_CHECKPOINTER_UNAVAILABLE, 'Postgres (DATABASE_URL) could not be reached or set up', {
      cause: err,
    });
  }
}

/**
 * `postgres` (or `auto` with a DATABASE_URL) opens PostgresSaver on a pool and sets up its tables;
 * `sqlite` (file under `dataDir`) needs the optional native better-sqlite3; `auto` without a
 * DATABASE_URL uses SQLite when it loads and otherwise falls back to memory, reporting why.
 */
export async function createCheckpointer(kind: CheckpointerKind, options: CheckpointerOptions): Promise<Checkpointer | undefined> {
  const { dataDir, databaseUrl, warn } = options;
  if (kind === 'none') return undefined;
  if (kind === 'memory') return openMemoryThreadStore();
  if (kind === 'postgres' || (kind === 'auto' && databaseUrl)) {
    if (!databaseUrl) throw new BatonError(WORKFLOW_ERRORS.WORKFLOW_CHECKPOINTER_UNAVAILABLE, 'CHECKPOINTER=postgres needs DATABASE_URL');
    return openPostgres({ ...options, databaseUrl });
  }
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    return await openSqliteThreadStore(path.join(dataDir, 'checkpoints.sqlite'));
  } catch (err) {
    if (kind === 'sqlite') {
      throw new BatonError(
        WORKFLOW_ERRORS.WORKFLOW_CHECKPOINTER_UNAVAILABLE,
        'CHECKPOINTER=sqlite but better-sqlite3 could not be loaded',
        {
          cause: err,
        },
      );
    }
    warn(
      'better-sqlite3 is not available (native build skipped at install?); threads are kept in memory only. ' +
        'Run `node scripts/setup.mjs` to build it, or set CHECKPOINTER=memory to silence this.',
    );
    return openMemoryThreadStore();
  }
}
