// A throw-away Postgres database per suite: created on the server named by
// BATON_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), dropped after.
// When the server is unreachable the suite is skipped with a printed reason, except under CI=true,
// where that is a failure.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Drops the database (closing whatever connections are left on it). */
  drop(): Promise<void>;
}

function adminUrl(): string {
  return process.env.BATON_TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates `<prefix>_<random>` and returns it, or undefined (after printing why) when the server
 * cannot be reached and CI is not `true`.
 */
export async function createTestDatabase(prefix = 'baton_test'): Promise<TestDatabase | undefined> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TypeError(`createTestDatabase: bad prefix ${prefix}`);
  try {
    await admin((c) => c.query(`CREATE DATABASE ${name}`));
  } catch (err) {
    const reason = `Postgres at BATON_TEST_DATABASE_URL is unreachable (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}: required under CI=true`, { cause: err });
    console.warn(`skipping Postgres tests: ${reason}`);
    return undefined;
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
