import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type {
  HeapSnapshot,
  Notice,
  StackSummary,
} from '@internal/plugin-memleak-common';
import knexFactory, { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseMemleakStore } from './DatabaseMemleakStore';
import type { NewTrace } from './types';

jest.setTimeout(60_000);

/*
 * Every case runs on SQLite and on PostgreSQL. PostgreSQL comes from
 * scripts/with-postgres.sh through the connection string variable that
 * TestDatabases reads; Docker is never tried. Without it the PostgreSQL cases
 * fail (TestDatabases would silently leave them out, so the ids are listed here
 * rather than taken from databases.eachSupportedId()).
 */
const POSTGRES = 'POSTGRES_15';
const POSTGRES_ENV = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';
const DATABASE_IDS = ['SQLITE_3', POSTGRES] as const;
type DatabaseId = (typeof DATABASE_IDS)[number];

const databases = TestDatabases.create({
  ids: [...DATABASE_IDS],
  disableDocker: true,
});

async function initDatabase(id: DatabaseId): Promise<Knex> {
  if (!databases.supports(id)) {
    throw new Error(
      `${id} is not available: ${POSTGRES_ENV} is not set; run under scripts/with-postgres.sh`,
    );
  }
  return databases.init(id);
}

async function setUp(id: DatabaseId) {
  const knex = await initDatabase(id);
  const store = await DatabaseMemleakStore.create({
    database: mockServices.database({ knex }),
  });
  return { knex, store };
}

const GIB = 2 ** 30;
const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (sec: number) => new Date(T0.getTime() + sec * 1000);

function newTrace(overrides: Partial<NewTrace> = {}): NewTrace {
  return {
    id: randomUUID(),
    entityRef: 'component:default/leaker',
    target: { kind: 'local', label: 'pid 4242 (leaker)', pid: 4242 },
    durationSec: 60,
    startedAt: T0,
    createdBy: 'user:default/guest',
    ...overrides,
  };
}

function snapshot(t: number, overrides: Partial<HeapSnapshot> = {}) {
  return {
    t,
    at: at(t).toISOString(),
    outstandingBytes: 1000 * t,
    outstandingCount: 10 * t,
    agedBytes: 500 * t,
    mmapBytes: 0,
    allocs: 20 * t,
    frees: 10 * t,
    lostEvents: 0,
    ...overrides,
  };
}

function stack(
  id: string,
  overrides: Partial<StackSummary> = {},
): StackSummary {
  return {
    id,
    frames: [
      {
        address: '0x401136',
        symbol: `leak_${id}`,
        offset: 22,
        module: 'leaker',
      },
      { address: '0x7f3a2b1c0d0e', module: 'libc.so.6' },
    ],
    outstandingBytes: 4096,
    outstandingCount: 4,
    agedBytes: 2048,
    agedCount: 2,
    allocs: 10,
    frees: 6,
    growthBytesPerSec: 128.5,
    verdict: 'growing',
    reason: `stack ${id} grows`,
    ...overrides,
  };
}

function notice(sec: number, overrides: Partial<Notice> = {}): Notice {
  return {
    level: 'warning',
    code: 'lost_events',
    message: `lost events at ${sec}s`,
    at: at(sec).toISOString(),
    ...overrides,
  };
}

describe('DatabaseMemleakStore', () => {
  it.each(DATABASE_IDS)(
    'creates, updates and reads a trace on %s',
    async id => {
      const { store } = await setUp(id);
      const input = newTrace();

      const created = await store.createTrace(input);
      expect(created).toEqual({
        id: input.id,
        entityRef: 'component:default/leaker',
        target: { kind: 'local', label: 'pid 4242 (leaker)', pid: 4242 },
        status: 'running',
        startedAt: '2026-03-01T10:00:00.000Z',
        durationSec: 60,
        elapsedSec: 0,
        verdict: 'inconclusive',
        reason: expect.any(String),
        growthBytesPerSec: 0,
        outstandingBytes: 0,
        createdBy: 'user:default/guest',
      });
      await expect(store.getTrace(input.id)).resolves.toEqual({
        ...created,
        snapshots: [],
        stacks: [],
        notices: [],
      });

      await store.updateTrace(input.id, {
        status: 'completed',
        endedAt: at(61.5),
        elapsedSec: 61.5,
        verdict: 'leak',
        reason: 'aged bytes grow 4 KiB/s',
        growthBytesPerSec: 4096.25,
        outstandingBytes: 3 * GIB,
        topFrame: 'leak_a',
      });
      const completed = await store.getTrace(input.id);
      expect(completed).toMatchObject({
        status: 'completed',
        endedAt: '2026-03-01T10:01:01.500Z',
        elapsedSec: 61.5,
        verdict: 'leak',
        reason: 'aged bytes grow 4 KiB/s',
        growthBytesPerSec: 4096.25,
        outstandingBytes: 3 * GIB,
        topFrame: 'leak_a',
      });

      // Unset fields stay as they are; null clears the top frame.
      await store.updateTrace(input.id, { topFrame: null });
      const cleared = await store.getTrace(input.id);
      expect(cleared).not.toHaveProperty('topFrame');
      expect(cleared).toMatchObject({
        verdict: 'leak',
        outstandingBytes: 3 * GIB,
      });

      const { snapshots, stacks, notices, ...summary } = cleared!;
      await expect(store.listTraces(input.entityRef, 10)).resolves.toEqual([
        summary,
      ]);
    },
  );

  it.each(DATABASE_IDS)('reports unknown traces on %s', async id => {
    const { store } = await setUp(id);
    const missing = randomUUID();

    await expect(store.getTrace(missing)).resolves.toBeUndefined();
    const notFound = { name: 'NotFoundError' };
    await expect(
      store.updateTrace(missing, { elapsedSec: 1 }),
    ).rejects.toMatchObject(notFound);
    await expect(store.updateTrace(missing, {})).rejects.toMatchObject(
      notFound,
    );
    await expect(
      store.appendSnapshot(missing, snapshot(0)),
    ).rejects.toMatchObject(notFound);
    await expect(
      store.replaceStacks(missing, [stack('a')]),
    ).rejects.toMatchObject(notFound);
    await expect(store.addNotice(missing, notice(0))).rejects.toMatchObject(
      notFound,
    );
  });

  it.each(DATABASE_IDS)(
    'keeps snapshots in time order with values beyond 32 bits on %s',
    async id => {
      const { store } = await setUp(id);
      const { id: traceId } = await store.createTrace(newTrace());
      const big = 5 * 2 ** 32 + 7; // > 2^32, still an exact double

      // Out of order on purpose: the store orders by t, not by insertion.
      await store.appendSnapshot(
        traceId,
        snapshot(4, { outstandingBytes: big }),
      );
      await store.appendSnapshot(traceId, snapshot(0));
      await store.appendSnapshot(
        traceId,
        snapshot(2, {
          allocs: big + 2,
          frees: big,
          lostEvents: 3,
          mmapBytes: 2 * big,
          rssBytes: 7 * GIB,
          reportedBytes: 123456.75,
        }),
      );

      const trace = await store.getTrace(traceId);
      expect(trace!.snapshots).toEqual([
        snapshot(0),
        snapshot(2, {
          allocs: big + 2,
          frees: big,
          lostEvents: 3,
          mmapBytes: 2 * big,
          rssBytes: 7 * GIB,
          reportedBytes: 123456.75,
        }),
        snapshot(4, { outstandingBytes: big }),
      ]);
      // Numbers, not the strings PostgreSQL hands back for bigint.
      const types = trace!.snapshots.flatMap(({ at: _at, ...numbers }) =>
        Object.values(numbers).map(value => typeof value),
      );
      expect(new Set(types)).toEqual(new Set(['number']));
      // Optional values absent when not given.
      expect(trace!.snapshots[0]).not.toHaveProperty('rssBytes');
      expect(trace!.snapshots[0]).not.toHaveProperty('reportedBytes');
    },
  );

  it.each(DATABASE_IDS)('validates numbers and times on %s', async id => {
    const { store } = await setUp(id);
    const { id: traceId } = await store.createTrace(newTrace());
    const inputError = { name: 'InputError' };

    await expect(
      store.appendSnapshot(traceId, snapshot(1, { at: 'yesterday' })),
    ).rejects.toMatchObject(inputError);
    await expect(
      store.appendSnapshot(traceId, snapshot(1, { agedBytes: NaN })),
    ).rejects.toMatchObject(inputError);
    await expect(
      store.updateTrace(traceId, { growthBytesPerSec: Infinity }),
    ).rejects.toMatchObject(inputError);
    await expect(
      store.addNotice(traceId, notice(1, { at: '' })),
    ).rejects.toMatchObject(inputError);

    // A fractional byte count is rounded rather than failing a bigint insert.
    await store.appendSnapshot(
      traceId,
      snapshot(1, { outstandingBytes: 1000.6 }),
    );
    const trace = await store.getTrace(traceId);
    expect(trace!.snapshots.map(s => s.outstandingBytes)).toEqual([1001]);
  });

  it.each(DATABASE_IDS)('replaces the stacks of a trace on %s', async id => {
    const { store } = await setUp(id);
    const { id: traceId } = await store.createTrace(newTrace());
    const { id: otherId } = await store.createTrace(newTrace());
    await store.replaceStacks(otherId, [stack('other')]);

    await store.replaceStacks(traceId, [stack('a'), stack('b'), stack('c')]);
    expect((await store.getTrace(traceId))!.stacks.map(s => s.id)).toEqual([
      'a',
      'b',
      'c',
    ]);

    const newer = [
      stack('c', {
        verdict: 'leak',
        agedBytes: 3 * GIB,
        growthBytesPerSec: 9e6,
      }),
      stack('d', { frames: [{ address: '0x1' }] }),
    ];
    await store.replaceStacks(traceId, newer);
    expect((await store.getTrace(traceId))!.stacks).toEqual(newer);

    // A failing replacement leaves the previous list whole (one transaction):
    // the second row violates NOT NULL after the old rows were deleted.
    const broken = [stack('e'), stack(null as unknown as string)];
    // Matched by message, not toThrow(): once another test file in the same
    // Jest worker has loaded better-sqlite3, its native code throws errors
    // from that file's realm, which toThrow() does not recognise as errors.
    await expect(store.replaceStacks(traceId, broken)).rejects.toHaveProperty(
      'message',
      expect.stringMatching(/not[- ]null/i),
    );
    expect((await store.getTrace(traceId))!.stacks).toEqual(newer);

    await store.replaceStacks(traceId, []);
    expect((await store.getTrace(traceId))!.stacks).toEqual([]);
    // Other traces' stacks are untouched.
    expect((await store.getTrace(otherId))!.stacks).toEqual([stack('other')]);
  });

  it.each(DATABASE_IDS)('keeps notices in time order on %s', async id => {
    const { store } = await setUp(id);
    const { id: traceId } = await store.createTrace(newTrace());

    const late = notice(30, {
      level: 'error',
      code: 'target_exited',
      message: 'gone',
    });
    const early = notice(5);
    const sameTimeFirst = notice(10, {
      level: 'info',
      code: 'source_error',
      message: 'one',
    });
    const sameTimeSecond = notice(10, {
      level: 'info',
      code: 'source_error',
      message: 'two',
    });
    await store.addNotice(traceId, late);
    await store.addNotice(traceId, early);
    await store.addNotice(traceId, sameTimeFirst);
    await store.addNotice(traceId, sameTimeSecond);

    expect((await store.getTrace(traceId))!.notices).toEqual([
      early,
      sameTimeFirst,
      sameTimeSecond,
      late,
    ]);
  });

  it.each(DATABASE_IDS)(
    'lists traces and the latest one per entity on %s',
    async id => {
      const { store } = await setUp(id);
      const a = 'component:default/a';
      const b = 'component:default/b';
      const a1 = await store.createTrace(
        newTrace({ entityRef: a, startedAt: at(0) }),
      );
      const a3 = await store.createTrace(
        newTrace({ entityRef: a, startedAt: at(300) }),
      );
      const a2 = await store.createTrace(
        newTrace({ entityRef: a, startedAt: at(100) }),
      );
      const b1 = await store.createTrace(
        newTrace({ entityRef: b, startedAt: at(500) }),
      );
      await store.appendSnapshot(a3.id, snapshot(2));
      await store.addNotice(a3.id, notice(2));

      const ids = (traces: { id: string }[]) => traces.map(t => t.id);
      expect(ids(await store.listTraces(a, 10))).toEqual([a3.id, a2.id, a1.id]);
      expect(ids(await store.listTraces(a, 2))).toEqual([a3.id, a2.id]);
      expect(ids(await store.listTraces(b, 10))).toEqual([b1.id]);
      expect(await store.listTraces('component:default/none', 10)).toEqual([]);

      const latest = await store.latestTrace(a);
      expect(latest).toMatchObject({
        id: a3.id,
        startedAt: at(300).toISOString(),
      });
      expect(latest!.snapshots).toEqual([snapshot(2)]);
      expect(latest!.notices).toEqual([notice(2)]);
      expect((await store.latestTrace(b))!.id).toBe(b1.id);
      await expect(
        store.latestTrace('component:default/none'),
      ).resolves.toBeUndefined();
    },
  );

  it.each(DATABASE_IDS)(
    'lists running traces and interrupts only those on %s',
    async id => {
      const { store } = await setUp(id);
      const later = await store.createTrace(newTrace({ startedAt: at(20) }));
      const earlier = await store.createTrace(
        newTrace({ entityRef: 'component:default/other', startedAt: at(10) }),
      );
      const done = await store.createTrace(newTrace({ startedAt: at(0) }));
      await store.updateTrace(done.id, {
        status: 'completed',
        endedAt: at(60),
      });
      const failed = await store.createTrace(newTrace({ startedAt: at(5) }));
      await store.updateTrace(failed.id, { status: 'failed', endedAt: at(6) });
      await store.updateTrace(later.id, {
        elapsedSec: 14,
        outstandingBytes: 5 * GIB,
      });

      expect((await store.listRunning()).map(t => t.id)).toEqual([
        earlier.id,
        later.id,
      ]);

      const now = at(1000);
      await expect(store.interruptRunning(now)).resolves.toBe(2);

      for (const traceId of [earlier.id, later.id]) {
        const trace = await store.getTrace(traceId);
        expect(trace).toMatchObject({
          status: 'interrupted',
          endedAt: now.toISOString(),
        });
        expect(trace!.notices).toEqual([
          {
            level: 'warning',
            code: 'interrupted',
            message:
              'The backend stopped while this trace ran; data up to then is kept.',
            at: now.toISOString(),
          },
        ]);
      }
      // What the trace had collected stays.
      expect(await store.getTrace(later.id)).toMatchObject({
        elapsedSec: 14,
        outstandingBytes: 5 * GIB,
      });
      // Finished traces are left alone.
      expect(await store.getTrace(done.id)).toMatchObject({
        status: 'completed',
        endedAt: at(60).toISOString(),
        notices: [],
      });
      expect(await store.getTrace(failed.id)).toMatchObject({
        status: 'failed',
        notices: [],
      });

      expect(await store.listRunning()).toEqual([]);
      await expect(store.interruptRunning(at(2000))).resolves.toBe(0);
      expect((await store.getTrace(later.id))!.notices).toHaveLength(1);
    },
  );

  it.each(DATABASE_IDS)(
    'keeps its data across a backend restart on %s',
    async id => {
      const { first, second, close } = await openTwice(id);
      try {
        const before = await DatabaseMemleakStore.create({
          database: mockServices.database({ knex: first }),
        });
        const { id: traceId } = await before.createTrace(newTrace());
        await before.appendSnapshot(traceId, snapshot(0));
        await before.appendSnapshot(
          traceId,
          snapshot(2, { outstandingBytes: 9 * GIB }),
        );
        await before.replaceStacks(traceId, [stack('a')]);
        await before.addNotice(traceId, notice(1));
        const written = await before.getTrace(traceId);
        await first.destroy();

        const after = await DatabaseMemleakStore.create({
          database: mockServices.database({ knex: await second() }),
        });
        expect(await after.getTrace(traceId)).toEqual(written);
        expect(await after.interruptRunning(at(99))).toBe(1);
        expect(await after.getTrace(traceId)).toMatchObject({
          status: 'interrupted',
          snapshots: written!.snapshots,
          stacks: written!.stacks,
        });
      } finally {
        await close();
      }
    },
  );

  it.each(DATABASE_IDS)(
    'migrates idempotently and reversibly on %s',
    async id => {
      const knex = await initDatabase(id);
      const database = mockServices.database({ knex });
      const store = await DatabaseMemleakStore.create({ database });
      const { id: traceId } = await store.createTrace(newTrace());

      // A second start finds nothing to do and keeps the data.
      const again = await DatabaseMemleakStore.create({ database });
      await expect(again.getTrace(traceId)).resolves.toMatchObject({
        id: traceId,
      });
      const applied = await knex('knex_migrations').select('name');
      expect(applied.map(row => row.name)).toEqual([
        '20261124000000_traces.js',
      ]);

      // Every migration can be rolled back, and applied again.
      const directory = path.resolve(__dirname, '../../migrations');
      await knex.migrate.rollback({ directory }, true);
      for (const table of [
        'memleak_traces',
        'memleak_snapshots',
        'memleak_stacks',
        'memleak_notices',
      ]) {
        expect(await knex.schema.hasTable(table)).toBe(false);
      }
      const fresh = await DatabaseMemleakStore.create({ database });
      await expect(fresh.getTrace(traceId)).resolves.toBeUndefined();
      await fresh.createTrace(newTrace({ id: traceId }));
      await expect(fresh.getTrace(traceId)).resolves.toMatchObject({
        id: traceId,
      });
    },
  );

  it.each(DATABASE_IDS)(
    'leaves the schema alone when migrations are skipped on %s',
    async id => {
      const knex = await initDatabase(id);
      await DatabaseMemleakStore.create({
        database: mockServices.database({ knex, migrations: { skip: true } }),
      });
      await DatabaseMemleakStore.create({
        database: mockServices.database({ knex }),
        skipMigrations: true,
      });
      expect(await knex.schema.hasTable('memleak_traces')).toBe(false);
    },
  );
});

/**
 * Two separate connection pools onto one database, the way a backend before
 * and after a restart sees it. In-memory SQLite dies with its connection, so
 * SQLite uses a file here; PostgreSQL reconnects to the TestDatabases database.
 */
async function openTwice(id: DatabaseId): Promise<{
  first: Knex;
  second: () => Promise<Knex>;
  close: () => Promise<void>;
}> {
  const opened: Knex[] = [];
  const open = (config: Knex.Config) => {
    const knex = knexFactory(config);
    opened.push(knex);
    return knex;
  };
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
    const testKnex = await initDatabase(id);
    config = testKnex.client.config;
  }
  return {
    first: open(config),
    second: async () => open(config),
    close: async () => {
      for (const knex of opened) await knex.destroy();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
