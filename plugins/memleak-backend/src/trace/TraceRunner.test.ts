import { mockServices } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { setTimeout as delay } from 'node:timers/promises';
import {
  createTestDatabases,
  DATABASE_IDS,
  DatabaseId,
} from '../__testUtils__/databases';
import { DEFAULT_TRACE_SETTINGS, TraceSettings } from '../config';
import {
  DatabaseMemleakStore,
  INTERRUPTED_MESSAGE,
  staleMessage,
} from '../store/DatabaseMemleakStore';
import { SimulatedSource } from './testing/SimulatedSource';
import { StartTraceOptions, TraceRunner } from './TraceRunner';

jest.setTimeout(60_000);

const { openPools } = createTestDatabases();

/*
 * Backend replicas sharing one database: each is a TraceRunner with its own
 * store on its own connection pool, as separate processes have. A replica
 * "dies" by being left alone: it never heartbeats, recovers or shuts down
 * again until the test cleans up.
 *
 * Traces run on simulated sources whose first snapshot is an hour away, so
 * they stay `running` until ended; the heartbeat timer is as far away, and
 * the tests call heartbeat, recover and sweep with the times they want. Times
 * are an hour apart where the real clock also plays a part (a trace's start
 * is its first heartbeat), so a slow machine cannot change an outcome.
 */

const REPLICA_A = 'backstage-0:7007';
const REPLICA_B = 'backstage-1:7007';
const HOUR = 3_600_000;
const SETTINGS: TraceSettings = {
  ...DEFAULT_TRACE_SETTINGS,
  snapshotIntervalSec: 3600,
  heartbeatIntervalSec: 3600,
  staleAfterSec: 30,
};

function traceOf(
  name: string,
  extra: Partial<StartTraceOptions> = {},
): StartTraceOptions {
  const source = new SimulatedSource({ stepSec: 2 });
  return {
    entityRef: `component:default/${name}`,
    target: source.target,
    source,
    durationSec: 3600,
    ...extra,
  };
}

/** Replicas on one fresh database; `close` shuts down every runner, then the pools. */
async function replicasOn(id: DatabaseId) {
  const pools = await openPools(id);
  const runners: TraceRunner[] = [];
  return {
    async start(
      ownerId: string,
      settings: TraceSettings = SETTINGS,
      stopGraceMs?: number,
    ) {
      const knex = pools.open();
      const store = await DatabaseMemleakStore.create({
        database: mockServices.database({ knex }),
      });
      const logger = mockServices.logger.mock();
      const runner = new TraceRunner({
        store,
        logger,
        settings,
        ownerId,
        stopGraceMs,
      });
      runners.push(runner);
      return { knex, store, logger, runner };
    },
    async close() {
      for (const runner of runners) await runner.shutdown();
      await pools.close();
    },
  };
}

async function heartbeatOf(knex: Knex, traceId: string): Promise<number> {
  const row = await knex('memleak_traces')
    .where({ id: traceId })
    .first('heartbeat_at');
  return new Date(row.heartbeat_at).getTime();
}

describe('TraceRunner.stop', () => {
  it.each(DATABASE_IDS)(
    'records a trace whose source does not let go as interrupted, never running, on %s',
    async id => {
      const replicas = await replicasOn(id);
      try {
        const a = await replicas.start(REPLICA_A, SETTINGS, 50);
        const options = traceOf('stuck');
        const source = options.source as SimulatedSource;
        let release = () => {};
        source.stopGate = new Promise(r => (release = r));
        const trace = await a.runner.start(options);

        await a.runner.stop(trace.id);
        expect(await a.store.getTrace(trace.id)).toMatchObject({
          status: 'interrupted',
          notices: [
            expect.objectContaining({
              code: 'interrupted',
              message: expect.stringContaining('did not end within 0.05 s'),
            }),
          ],
        });
        expect(a.runner.runningFor('component:default/stuck')).toBeUndefined();
        release();
      } finally {
        await replicas.close();
      }
    },
  );
});

describe('TraceRunner with several replicas', () => {
  it.each(DATABASE_IDS)(
    'a restart of one replica interrupts only its own traces on %s',
    async id => {
      const replicas = await replicasOn(id);
      try {
        const a = await replicas.start(REPLICA_A);
        const b = await replicas.start(REPLICA_B);
        const a1 = await a.runner.start(traceOf('a1'));
        const a2 = await a.runner.start(traceOf('a2'));
        const b1 = await b.runner.start(traceOf('b1'));

        // A's process dies, and A starts again under the same id.
        const restarted = await replicas.start(REPLICA_A);
        const now = new Date();
        await restarted.runner.recover(now);

        for (const traceId of [a1.id, a2.id]) {
          expect(await restarted.store.getTrace(traceId)).toMatchObject({
            status: 'interrupted',
            endedAt: now.toISOString(),
            notices: [
              {
                level: 'warning',
                code: 'interrupted',
                message: INTERRUPTED_MESSAGE,
                at: now.toISOString(),
              },
            ],
          });
        }
        expect(restarted.logger.warn).toHaveBeenCalledWith(
          'Marked 2 trace(s) interrupted by a previous shutdown',
        );
        // B's trace runs on, in B and in the database.
        expect(await restarted.store.getTrace(b1.id)).toMatchObject({
          status: 'running',
          notices: [],
        });
        expect(b.runner.runningFor('component:default/b1')).toBe(b1.id);
        await expect(b.store.listRunning()).resolves.toEqual([
          expect.objectContaining({ id: b1.id }),
        ]);

        // A restart of B, in turn, ends B's trace and nothing else.
        const bAgain = await replicas.start(REPLICA_B);
        await bAgain.runner.recover();
        expect(await bAgain.store.getTrace(b1.id)).toMatchObject({
          status: 'interrupted',
        });
        expect((await bAgain.store.getTrace(a1.id))!.notices).toHaveLength(1);
      } finally {
        await replicas.close();
      }
    },
  );

  it.each(DATABASE_IDS)(
    "a sweep ends a dead replica's trace after the bound and leaves the live one's running on %s",
    async id => {
      const replicas = await replicasOn(id);
      try {
        const t0 = Date.now();
        const live = await replicas.start(REPLICA_A);
        const dead = await replicas.start(REPLICA_B);
        const liveTrace = await live.runner.start(traceOf('live'));
        const deadTrace = await dead.runner.start(traceOf('dead'));
        // From here on B sends no heartbeat: its process stopped answering.

        // Within the bound nothing ends: every heartbeat so far is after t0.
        await expect(live.runner.sweep(new Date(t0 + 20_000))).resolves.toBe(0);
        // An hour on, A has kept heartbeating and B has not.
        await live.runner.heartbeat(new Date(t0 + HOUR));
        const now = new Date(t0 + HOUR + 10_000);
        await expect(live.runner.sweep(now)).resolves.toBe(1);

        expect(await live.store.getTrace(deadTrace.id)).toMatchObject({
          status: 'interrupted',
          endedAt: now.toISOString(),
          notices: [
            {
              level: 'warning',
              code: 'interrupted',
              message: staleMessage(30_000),
              at: now.toISOString(),
            },
          ],
        });
        expect(live.logger.warn).toHaveBeenCalledWith(
          'Marked 1 trace(s) interrupted: the replica running them sent no heartbeat for 30 s',
        );
        expect(await live.store.getTrace(liveTrace.id)).toMatchObject({
          status: 'running',
          notices: [],
        });
        // A's last heartbeat is exactly the bound old: still alive.
        await expect(
          dead.runner.sweep(new Date(t0 + HOUR + 30_000)),
        ).resolves.toBe(0);
        expect(await live.store.getTrace(liveTrace.id)).toMatchObject({
          status: 'running',
        });
      } finally {
        await replicas.close();
      }
    },
  );

  it.each(DATABASE_IDS)(
    'heartbeats its own running traces only on %s',
    async id => {
      const replicas = await replicasOn(id);
      try {
        const t0 = Date.now();
        const a = await replicas.start(REPLICA_A);
        const b = await replicas.start(REPLICA_B);
        const mine = await a.runner.start(traceOf('mine'));
        const theirs = await b.runner.start(traceOf('theirs'));
        const started = Date.parse(theirs.startedAt);
        // The start is the first heartbeat.
        expect(await heartbeatOf(a.knex, theirs.id)).toBe(started);

        await a.runner.heartbeat(new Date(t0 + HOUR));
        expect(await heartbeatOf(a.knex, mine.id)).toBe(t0 + HOUR);
        await a.runner.heartbeat(new Date(t0 + 2 * HOUR));
        expect(await heartbeatOf(a.knex, mine.id)).toBe(t0 + 2 * HOUR);
        expect(await heartbeatOf(a.knex, theirs.id)).toBe(started);

        // Once the trace has ended, heartbeats leave it alone.
        await a.runner.stop(mine.id);
        await a.runner.heartbeat(new Date(t0 + 3 * HOUR));
        expect(await heartbeatOf(a.knex, mine.id)).toBe(t0 + 2 * HOUR);
      } finally {
        await replicas.close();
      }
    },
  );

  it.each(DATABASE_IDS)(
    'heartbeats on its timer while a trace runs on %s',
    async id => {
      const replicas = await replicasOn(id);
      try {
        const { knex, runner } = await replicas.start(REPLICA_A, {
          ...SETTINGS,
          heartbeatIntervalSec: 0.01,
        });
        const trace = await runner.start(traceOf('timed'));
        // Three distinct heartbeats after the start, however long they take.
        const beats = [Date.parse(trace.startedAt)];
        while (beats.length < 4) {
          const beat = await heartbeatOf(knex, trace.id);
          if (beat !== beats[beats.length - 1]) beats.push(beat);
          await delay(5);
        }
        // Each one later than the one before.
        expect(beats).toEqual([...beats].sort((x, y) => x - y));
        expect(new Set(beats).size).toBe(4);
      } finally {
        await replicas.close();
      }
    },
  );

  it.each(DATABASE_IDS)(
    'records the group a trace was started in on %s',
    async id => {
      const replicas = await replicasOn(id);
      try {
        const { store, runner } = await replicas.start(REPLICA_A);
        const grouped = await runner.start(
          traceOf('grouped', { groupId: 'group-1' }),
        );
        const alone = await runner.start(traceOf('alone'));

        expect(grouped.groupId).toBe('group-1');
        expect(alone).not.toHaveProperty('groupId');
        expect((await store.listGroup('group-1')).map(t => t.id)).toEqual([
          grouped.id,
        ]);
      } finally {
        await replicas.close();
      }
    },
  );
});
