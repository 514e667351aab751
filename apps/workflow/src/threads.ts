import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MemorySaver, type BaseCheckpointSaver } from '@langchain/langgraph';
import { BatonError } from '@baton/errors';

export type CheckpointerKind = 'auto' | 'sqlite' | 'memory' | 'none';

const THREAD_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The checkpoint key for a caller's thread. Threads are scoped to the identity that made them
 * (`iss` + `sub`), so another user naming the same `thread_id` reaches a different, empty thread:
 * isolation holds by construction, not by a lookup that could be forgotten.
 */
export function scopedThreadId(owner: { iss: string; sub: string }, threadId: unknown): string {
  if (typeof threadId !== 'string' || !THREAD_ID.test(threadId)) {
    throw new BatonError('WORKFLOW_THREAD_ID_INVALID', 'thread_id must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  }
  const ownerKey = createHash('sha256').update(`${owner.iss}\n${owner.sub}`).digest('hex').slice(0, 24);
  return `${ownerKey}/${threadId}`;
}

export interface Checkpointer {
  saver: BaseCheckpointSaver;
  kind: 'sqlite' | 'memory';
  file?: string;
  close(): Promise<void>;
}

/**
 * `sqlite` (file under `dataDir`) needs the optional native better-sqlite3; `auto` uses it when it
 * loads and otherwise falls back to memory, reporting why through `warn`.
 */
export async function createCheckpointer(
  kind: CheckpointerKind,
  dataDir: string,
  warn: (msg: string) => void,
): Promise<Checkpointer | undefined> {
  if (kind === 'none') return undefined;
  if (kind === 'memory') return { saver: new MemorySaver(), kind: 'memory', close: async () => {} };
  try {
    const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'checkpoints.sqlite');
    const saver = SqliteSaver.fromConnString(file);
    return {
      saver,
      kind: 'sqlite',
      file,
      close: async () => {
        (saver as unknown as { db?: { close(): void } }).db?.close();
      },
    };
  } catch (err) {
    if (kind === 'sqlite') {
      throw new BatonError('WORKFLOW_CHECKPOINTER_UNAVAILABLE', 'CHECKPOINTER=sqlite but better-sqlite3 could not be loaded', {
        cause: err,
      });
    }
    warn(
      'better-sqlite3 is not available (native build skipped at install?); threads are kept in memory only. ' +
        'Run `node scripts/setup.mjs` to build it, or set CHECKPOINTER=memory to silence this.',
    );
    return { saver: new MemorySaver(), kind: 'memory', close: async () => {} };
  }
}
