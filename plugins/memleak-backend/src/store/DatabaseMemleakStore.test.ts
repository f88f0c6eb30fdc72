import { mockServices } from '@backstage/backend-test-utils';
import type {
  HeapSnapshot,
  Notice,
  StackSummary,
} from '@internal/plugin-memleak-common';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  createTestDatabases,
  DATABASE_IDS,
  DatabaseId,
} from '../__testUtils__/databases';
import { DatabaseMemleakStore, staleMessage } from './DatabaseMemleakStore';
import type { NewTrace } from './types';

jest.setTimeout(60_000);

const { init: initDatabase, openPools } = createTestDatabases();

async function setUp(id: DatabaseId) {
  const knex = await initDatabase(id);
  const store = await DatabaseMemleakStore.create({
    database: mockServices.database({ knex }),
  });
  return { knex, store };
}

const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');
const MIGRATIONS = [
  '20261124000000_traces.js',
  '20261210000000_trace_owner.js',
];

const GIB = 2 ** 30;
const REPLICA_A = 'backstage-0:7007';
const REPLICA_B = 'backstage-1:7007';
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
    ownerId: REPLICA_A,
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
    'lists running traces and interrupts only those of one owner on %s',
    async id => {
      const { store } = await setUp(id);
      const later = await store.createTrace(newTrace({ startedAt: at(20) }));
      const earlier = await store.createTrace(
        newTrace({ entityRef: 'component:default/other', startedAt: at(10) }),
      );
      const otherReplica = await store.createTrace(
        newTrace({ ownerId: REPLICA_B, startedAt: at(15) }),
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
        otherReplica.id,
        later.id,
      ]);

      const now = at(1000);
      await expect(store.interruptRunning(now, REPLICA_A)).resolves.toBe(2);

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
      // Finished traces, and the other replica's running one, are left alone.
      expect(await store.getTrace(done.id)).toMatchObject({
        status: 'completed',
        endedAt: at(60).toISOString(),
        notices: [],
      });
      expect(await store.getTrace(failed.id)).toMatchObject({
        status: 'failed',
        notices: [],
      });
      expect(await store.getTrace(otherReplica.id)).toMatchObject({
        status: 'running',
        notices: [],
      });
      expect(await store.getTrace(otherReplica.id)).not.toHaveProperty(
        'endedAt',
      );

      expect((await store.listRunning()).map(t => t.id)).toEqual([
        otherReplica.id,
      ]);
      await expect(store.interruptRunning(at(2000), REPLICA_A)).resolves.toBe(
        0,
      );
      expect((await store.getTrace(later.id))!.notices).toHaveLength(1);
    },
  );

  it.each(DATABASE_IDS)(
    'heartbeats the running traces of one owner on %s',
    async id => {
      const { knex, store } = await setUp(id);
      const mine = await store.createTrace(newTrace());
      const mineDone = await store.createTrace(newTrace());
      await store.updateTrace(mineDone.id, {
        status: 'completed',
        endedAt: at(5),
      });
      const theirs = await store.createTrace(newTrace({ ownerId: REPLICA_B }));
      const beats = () =>
        Promise.all([mine, mineDone, theirs].map(t => heartbeatOf(knex, t.id)));

      // The first heartbeat is the start.
      expect(await beats()).toEqual([at(0), at(0), at(0)]);
      await expect(store.heartbeat(REPLICA_A, at(10))).resolves.toBe(1);
      expect(await beats()).toEqual([at(10), at(0), at(0)]);
      await expect(store.heartbeat(REPLICA_A, at(20.5))).resolves.toBe(1);
      expect(await beats()).toEqual([at(20.5), at(0), at(0)]);
      await expect(store.heartbeat(REPLICA_B, at(21))).resolves.toBe(1);
      expect(await beats()).toEqual([at(20.5), at(0), at(21)]);
      await expect(store.heartbeat('nobody:7007', at(30))).resolves.toBe(0);
      expect(await beats()).toEqual([at(20.5), at(0), at(21)]);
    },
  );

  it.each(DATABASE_IDS)(
    'sweeps running traces whose owner stopped heartbeating on %s',
    async id => {
      const { knex, store } = await setUp(id);
      const live = await store.createTrace(newTrace());
      const dead = await store.createTrace(newTrace({ ownerId: REPLICA_B }));
      const finished = await store.createTrace(
        newTrace({ ownerId: REPLICA_B }),
      );
      await store.updateTrace(finished.id, {
        status: 'completed',
        endedAt: at(40),
      });
      await store.heartbeat(REPLICA_B, at(80));
      await store.heartbeat(REPLICA_A, at(100));
      const staleAfterMs = 30_000;

      // Exactly at the bound is not past it.
      await expect(store.sweepStale(at(110), staleAfterMs)).resolves.toBe(0);
      const now = new Date(at(110).getTime() + 1);
      await expect(store.sweepStale(now, staleAfterMs)).resolves.toBe(1);

      const swept = await store.getTrace(dead.id);
      expect(swept).toMatchObject({
        status: 'interrupted',
        endedAt: now.toISOString(),
      });
      expect(swept!.notices).toEqual([
        {
          level: 'warning',
          code: 'interrupted',
          message: staleMessage(staleAfterMs),
          at: now.toISOString(),
        },
      ]);
      expect(staleMessage(staleAfterMs)).toBe(
        'The backend replica running this trace stopped answering (no heartbeat for 30 s); data up to then is kept.',
      );
      expect(await store.getTrace(live.id)).toMatchObject({
        status: 'running',
        notices: [],
      });
      expect(await store.getTrace(finished.id)).toMatchObject({
        status: 'completed',
        endedAt: at(40).toISOString(),
        notices: [],
      });
      // Ended once: a later sweep neither ends it again nor adds a notice.
      await expect(store.sweepStale(at(120), staleAfterMs)).resolves.toBe(0);
      expect((await store.getTrace(dead.id))!.notices).toHaveLength(1);
      // A heartbeat does not bring it back.
      await expect(store.heartbeat(REPLICA_B, at(121))).resolves.toBe(0);
      expect(await heartbeatOf(knex, dead.id)).toEqual(at(80));

      // A running row from before owners existed never heartbeats: stale.
      const legacy = await store.createTrace(newTrace({ startedAt: at(119) }));
      await knex('memleak_traces')
        .where({ id: legacy.id })
        .update({ owner_id: null, heartbeat_at: null });
      await expect(store.sweepStale(at(120), staleAfterMs)).resolves.toBe(1);
      expect(await store.getTrace(legacy.id)).toMatchObject({
        status: 'interrupted',
      });
      expect(await store.getTrace(live.id)).toMatchObject({
        status: 'running',
      });
    },
  );

  it.each(DATABASE_IDS)(
    'ends each stale trace once when replicas sweep at the same time on %s',
    async id => {
      // PostgreSQL: two replicas, two connection pools. SQLite serves one
      // backend process; there the sweeps share its store.
      const pools = id === 'SQLITE_3' ? undefined : await openPools(id);
      try {
        const first = pools
          ? await DatabaseMemleakStore.create({
              database: mockServices.database({ knex: pools.open() }),
            })
          : (await setUp(id)).store;
        const second = pools
          ? await DatabaseMemleakStore.create({
              database: mockServices.database({ knex: pools.open() }),
            })
          : first;
        const traces = await Promise.all(
          [1, 2, 3, 4, 5].map(() =>
            first.createTrace(newTrace({ ownerId: REPLICA_B })),
          ),
        );

        const counts = await Promise.all([
          first.sweepStale(at(100), 30_000),
          second.sweepStale(at(100), 30_000),
          first.sweepStale(at(100), 30_000),
          second.sweepStale(at(100), 30_000),
        ]);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(traces.length);
        for (const trace of traces) {
          const swept = await first.getTrace(trace.id);
          expect(swept!.status).toBe('interrupted');
          expect(swept!.notices).toHaveLength(1);
        }
      } finally {
        await pools?.close();
      }
    },
  );

  it.each(DATABASE_IDS)('lists the traces of a group on %s', async id => {
    const { store } = await setUp(id);
    const second = await store.createTrace(
      newTrace({ groupId: 'group-1', startedAt: at(10) }),
    );
    const first = await store.createTrace(
      newTrace({ groupId: 'group-1', startedAt: at(5) }),
    );
    const other = await store.createTrace(newTrace({ groupId: 'group-2' }));
    const alone = await store.createTrace(newTrace());

    const group = await store.listGroup('group-1');
    expect(group.map(t => t.id)).toEqual([first.id, second.id]);
    expect(group.map(t => t.groupId)).toEqual(['group-1', 'group-1']);
    expect(second).toMatchObject({ groupId: 'group-1' });
    expect((await store.listGroup('group-2')).map(t => t.id)).toEqual([
      other.id,
    ]);
    await expect(store.listGroup('group-3')).resolves.toEqual([]);
    expect(alone).not.toHaveProperty('groupId');
    expect(await store.getTrace(alone.id)).not.toHaveProperty('groupId');
    expect(await store.getTrace(second.id)).toMatchObject({
      groupId: 'group-1',
    });
  });

  it.each(DATABASE_IDS)(
    'keeps its data across a backend restart on %s',
    async id => {
      const pools = await openPools(id);
      try {
        const first = pools.open();
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
          database: mockServices.database({ knex: pools.open() }),
        });
        expect(await after.getTrace(traceId)).toEqual(written);
        expect(await after.interruptRunning(at(99), REPLICA_A)).toBe(1);
        expect(await after.getTrace(traceId)).toMatchObject({
          status: 'interrupted',
          snapshots: written!.snapshots,
          stacks: written!.stacks,
        });
      } finally {
        await pools.close();
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
      expect(applied.map(row => row.name)).toEqual(MIGRATIONS);

      // Every migration can be rolled back, and applied again.
      await knex.migrate.rollback({ directory: MIGRATIONS_DIR }, true);
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
    'migrates up from the previous schema with its rows, and back, on %s',
    async id => {
      const knex = await initDatabase(id);
      await knex.migrate.up({ directory: MIGRATIONS_DIR, name: MIGRATIONS[0] });
      expect(await knex.schema.hasColumn('memleak_traces', 'owner_id')).toBe(
        false,
      );
      // What a backend of the previous version left: a trace it was running
      // (with a snapshot, a stack and a notice) and a finished one.
      const running = randomUUID();
      const finished = randomUUID();
      const legacyRow = (traceId: string, status: string, sec: number) => ({
        id: traceId,
        entity_ref: 'component:default/leaker',
        target: JSON.stringify({ kind: 'local', label: 'pid 7 (leaker)' }),
        status,
        started_at: at(sec),
        ended_at: status === 'running' ? null : at(sec + 60),
        duration_sec: 60,
        elapsed_sec: 12,
        verdict: 'growing',
        reason: 'aged bytes grow',
        growth_bytes_per_sec: 512,
        outstanding_bytes: 3 * GIB,
        top_frame: 'leak_a',
        created_by: null,
      });
      await knex('memleak_traces').insert([
        legacyRow(finished, 'completed', 0),
        legacyRow(running, 'running', 100),
      ]);
      await knex('memleak_snapshots').insert({
        trace_id: running,
        t: 2,
        at: at(102),
        outstanding_bytes: 3 * GIB,
        outstanding_count: 3,
        aged_bytes: GIB,
        mmap_bytes: 0,
        allocs: 5,
        frees: 2,
        lost_events: 0,
        rss_bytes: null,
        reported_bytes: null,
      });
      await knex('memleak_stacks').insert({
        trace_id: running,
        rank: 0,
        stack_id: 'a',
        frames: JSON.stringify(stack('a').frames),
        outstanding_bytes: 4096,
        outstanding_count: 4,
        aged_bytes: 2048,
        aged_count: 2,
        allocs: 10,
        frees: 6,
        growth_bytes_per_sec: 128.5,
        verdict: 'growing',
        reason: 'stack a grows',
      });
      await knex('memleak_notices').insert({
        trace_id: running,
        at: at(101),
        level: 'warning',
        code: 'lost_events',
        message: 'lost events at 101s',
      });

      const store = await DatabaseMemleakStore.create({
        database: mockServices.database({ knex }),
      });
      const applied = await knex('knex_migrations').select('name');
      expect(applied.map(row => row.name)).toEqual(MIGRATIONS);

      const legacy = await store.getTrace(running);
      expect(legacy).toEqual({
        id: running,
        entityRef: 'component:default/leaker',
        target: { kind: 'local', label: 'pid 7 (leaker)' },
        status: 'running',
        startedAt: at(100).toISOString(),
        durationSec: 60,
        elapsedSec: 12,
        verdict: 'growing',
        reason: 'aged bytes grow',
        growthBytesPerSec: 512,
        outstandingBytes: 3 * GIB,
        topFrame: 'leak_a',
        snapshots: [
          snapshot(2, {
            at: at(102).toISOString(),
            outstandingBytes: 3 * GIB,
            outstandingCount: 3,
            agedBytes: GIB,
            allocs: 5,
            frees: 2,
          }),
        ],
        stacks: [stack('a', { reason: 'stack a grows' })],
        notices: [notice(101)],
      });
      expect(await store.getTrace(finished)).toMatchObject({
        status: 'completed',
        endedAt: at(60).toISOString(),
      });

      // The old running trace has no owner: whichever replica starts first
      // ends it, and leaves a trace of another replica alone.
      const current = await store.createTrace(
        newTrace({
          ownerId: REPLICA_B,
          groupId: 'group-1',
          startedAt: at(150),
        }),
      );
      await expect(store.interruptRunning(at(160), REPLICA_A)).resolves.toBe(1);
      expect(await store.getTrace(running)).toMatchObject({
        status: 'interrupted',
        endedAt: at(160).toISOString(),
        notices: [
          notice(101),
          expect.objectContaining({ code: 'interrupted' }),
        ],
      });
      expect(await store.getTrace(current.id)).toMatchObject({
        status: 'running',
      });

      // Back to the previous schema: the new columns go, every row stays.
      await knex.migrate.down({ directory: MIGRATIONS_DIR });
      for (const column of ['owner_id', 'heartbeat_at', 'group_id']) {
        expect(await knex.schema.hasColumn('memleak_traces', column)).toBe(
          false,
        );
      }
      const count = async (table: string) =>
        Number((await knex(table).count({ n: '*' }))[0].n);
      expect(await count('memleak_traces')).toBe(3);
      expect(await count('memleak_snapshots')).toBe(1);
      expect(await count('memleak_stacks')).toBe(1);
      expect(await count('memleak_notices')).toBe(2);

      // And up again: the data reads as before, without the owner columns.
      const reopened = await DatabaseMemleakStore.create({
        database: mockServices.database({ knex }),
      });
      expect(await reopened.getTrace(running)).toMatchObject({
        status: 'interrupted',
        snapshots: legacy!.snapshots,
        stacks: legacy!.stacks,
      });
      expect(await reopened.getTrace(current.id)).not.toHaveProperty('groupId');
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

/** A trace's heartbeat column, read as the row holds it. */
async function heartbeatOf(knex: Knex, traceId: string): Promise<Date> {
  const row = await knex('memleak_traces')
    .where({ id: traceId })
    .first('heartbeat_at');
  return new Date(row.heartbeat_at);
}
