import { TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/*
 * The databases the store's tests run on: SQLite and PostgreSQL, every case on
 * both. PostgreSQL comes from scripts/with-postgres.sh through the connection
 * string variable that TestDatabases reads; Docker is never tried. Without it
 * the PostgreSQL cases fail (TestDatabases would silently leave them out, so
 * the ids are listed here rather than taken from databases.eachSupportedId()).
 */
export const POSTGRES_ENV =
  'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';
export const DATABASE_IDS = ['SQLITE_3', 'POSTGRES_15'] as const;
export type DatabaseId = (typeof DATABASE_IDS)[number];

/** Call once per test file, at its top level (TestDatabases adds hooks). */
export function createTestDatabases() {
  const databases = TestDatabases.create({
    ids: [...DATABASE_IDS],
    disableDocker: true,
  });

  /** A fresh, empty database. */
  async function init(id: DatabaseId): Promise<Knex> {
    if (!databases.supports(id)) {
      throw new Error(
        `${id} is not available: ${POSTGRES_ENV} is not set; run under scripts/with-postgres.sh`,
      );
    }
    return databases.init(id);
  }

  /**
   * Separate connection pools onto one fresh database, the way two backend
   * processes (replicas, or one before and after a restart) see it.
   * In-memory SQLite dies with its connection, so SQLite uses a file here;
   * PostgreSQL connects to a TestDatabases database again.
   */
  async function openPools(id: DatabaseId): Promise<{
    open: () => Knex;
    close: () => Promise<void>;
  }> {
    const opened: Knex[] = [];
    let config: Knex.Config;
    let dir: string | undefined;
    if (id === 'SQLITE_3') {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memleak-store-'));
      config = {
        client: 'better-sqlite3',
        connection: { filename: path.join(dir, 'memleak.sqlite') },
        useNullAsDefault: true,
      };
    } else {
      config = (await init(id)).client.config;
    }
    return {
      open: () => {
        const knex = knexFactory(config);
        opened.push(knex);
        return knex;
      },
      close: async () => {
        for (const knex of opened) await knex.destroy();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  return { init, openPools };
}
