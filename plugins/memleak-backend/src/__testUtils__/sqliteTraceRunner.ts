import { mockServices } from '@backstage/backend-test-utils';
import knexFactory from 'knex';
import type { TraceSettings } from '../config';
import { DatabaseMemleakStore } from '../store/DatabaseMemleakStore';
import { TraceRunner } from '../trace/TraceRunner';

/**
 * The real store (the plugin's migrations) in SQLite and a TraceRunner
 * writing to it, for scripts that write traces the way the backend does
 * (scripts/ui-fixtures.ts, the fleet benchmark's seed). `filename` is a file,
 * or `:memory:`.
 */
export async function sqliteTraceRunner(options: {
  filename: string;
  settings: TraceSettings;
  ownerId: string;
}) {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: options.filename },
    useNullAsDefault: true,
  });
  const store = await DatabaseMemleakStore.create({
    database: { getClient: async () => knex },
  });
  const runner = new TraceRunner({
    store,
    logger: mockServices.rootLogger({ level: 'warn' }),
    settings: options.settings,
    ownerId: options.ownerId,
  });
  return { knex, store, runner };
}
