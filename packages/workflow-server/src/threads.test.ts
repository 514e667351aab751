import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isBatonError } from '@baton/errors';
import { createCheckpointer, scopedThreadId } from './threads.js';

const alice = { iss: 'https://issuer.example', sub: 'alice' };
const bob = { iss: 'https://issuer.example', sub: 'bob' };

describe('scopedThreadId', () => {
  it('gives two users who name the same thread two different checkpoint keys', () => {
    expect(scopedThreadId(alice, 't-1')).not.toBe(scopedThreadId(bob, 't-1'));
    expect(scopedThreadId(alice, 't-1')).toBe(scopedThreadId(alice, 't-1'));
  });

  it('scopes by issuer as well as subject', () => {
    expect(scopedThreadId(alice, 't-1')).not.toBe(scopedThreadId({ iss: 'https://other.example', sub: 'alice' }, 't-1'));
  });

  it('keeps the caller-chosen id readable after the owner key', () => {
    expect(scopedThreadId(alice, 'my-thread')).toMatch(/^[0-9a-f]{24}\/my-thread$/);
  });

  it.each([
    ['empty', ''],
    ['a slash', 'a/b'],
    ['129 characters', 'x'.repeat(129)],
    ['a space', 'white space'],
    ['a number', 42],
    ['null', null],
    ['missing', undefined],
  ])('refuses a thread_id that is %s with 422 WORKFLOW_THREAD_ID_INVALID', (_label, threadId) => {
    let caught: unknown;
    try {
      scopedThreadId(alice, threadId);
    } catch (err) {
      caught = err;
    }
    expect(isBatonError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'WORKFLOW_THREAD_ID_INVALID', status: 422 });
  });
});

describe('createCheckpointer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'baton-threads-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is off for CHECKPOINTER=none', async () => {
    expect(await createCheckpointer('none', { dataDir: dir, warn: () => {} })).toBeUndefined();
  });

  it('keeps threads in memory for CHECKPOINTER=memory without touching the data dir', async () => {
    const cp = await createCheckpointer('memory', { dataDir: path.join(dir, 'never'), warn: () => {} });
    expect(cp?.kind).toBe('memory');
    expect(() => statSync(path.join(dir, 'never'))).toThrow();
    await cp?.close();
  });

  it('opens a SQLite file in a private data dir for CHECKPOINTER=sqlite', async () => {
    const data = path.join(dir, 'data');
    const warnings: string[] = [];
    const cp = await createCheckpointer('sqlite', { dataDir: data, warn: (m) => warnings.push(m) });
    try {
      expect(cp).toMatchObject({ kind: 'sqlite', file: path.join(data, 'checkpoints.sqlite') });
      expect(statSync(data).mode & 0o777).toBe(0o700);
      const config = { configurable: { thread_id: scopedThreadId(alice, 't'), checkpoint_ns: '' } };
      expect(await cp!.saver.getTuple(config)).toBeUndefined();
      expect(warnings).toEqual([]);
    } finally {
      await cp?.close();
    }
  });

  it('creates the SQLite checkpoint file and its WAL files owner-only (0600) under a permissive umask', async () => {
    const data = path.join(dir, 'data');
    const umask = process.umask(0o022);
    let cp: Awaited<ReturnType<typeof createCheckpointer>>;
    try {
      cp = await createCheckpointer('sqlite', { dataDir: data, warn: () => {} });
    } finally {
      process.umask(umask);
    }
    try {
      const config = { configurable: { thread_id: scopedThreadId(alice, 't'), checkpoint_ns: '' } };
      await cp!.saver.put(
        config,
        { v: 4, id: 'c1', ts: new Date(0).toISOString(), channel_values: {}, channel_versions: {}, versions_seen: {} },
        { source: 'input', step: -1, parents: {} },
        {},
      );
      const files = readdirSync(data);
      expect(files).toEqual(expect.arrayContaining(['checkpoints.sqlite', 'checkpoints.sqlite-wal']));
      for (const f of files) expect([f, statSync(path.join(data, f)).mode & 0o777]).toEqual([f, 0o600]);
    } finally {
      await cp?.close();
    }
  });

  it('makes an existing world-readable checkpoint file owner-only', async () => {
    const data = path.join(dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    writeFileSync(path.join(data, 'checkpoints.sqlite'), '', { mode: 0o644 });
    const cp = await createCheckpointer('sqlite', { dataDir: data, warn: () => {} });
    try {
      expect(statSync(path.join(data, 'checkpoints.sqlite')).mode & 0o777).toBe(0o600);
    } finally {
      await cp?.close();
    }
  });
});
