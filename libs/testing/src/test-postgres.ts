import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** The machine's PostgreSQL (loopback, trust auth, database `test`); `TEST_POSTGRES_URL` overrides it. */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of the test's own in the machine's PostgreSQL; `drop()` removes it and what it holds. */
export function testPostgresSchema(url = TEST_POSTGRES_URL): { url: string; schema: string; drop(): Promise<void> } {
  const schema = `test_${randomUUID().replace(/-/g, '')}`;
  return {
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
