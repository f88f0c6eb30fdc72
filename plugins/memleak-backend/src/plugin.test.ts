import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type {
  StackSummary,
  TraceDetail,
} from '@internal/plugin-memleak-common';
import knexFactory, { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type request from 'supertest';
import {
  buildLeakerAndTracer,
  LeakerProcess,
  requireRoot,
} from './__testUtils__/leakerProcess';
import {
  component,
  refOf,
  startMemleakBackend,
} from './__testUtils__/memleakBackend';
import { DatabaseMemleakStore } from './store/DatabaseMemleakStore';

jest.setTimeout(60_000);

/*
 * The plugin end to end with real parts: leaker-c (the demo service, leaking
 * fast), the eBPF tracer attached to it, /proc, its health and metrics
 * endpoints, and the plugin's database across restarts. Needs root for the
 * uprobes; without it these tests fail, they do not skip.
 */

const LEAKER = refOf('leaker-c');
const TRACE_SETTINGS = {
  snapshotIntervalSec: 1,
  minAgeSec: 1,
  maxDurationSec: 120,
};

async function getTrace(api: request.Agent, id: string): Promise<TraceDetail> {
  const res = await api.get(`/api/memleak/traces/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Polls until `done` holds for the trace. */
async function pollTrace(
  api: request.Agent,
  id: string,
  done: (t: TraceDetail) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<TraceDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const trace = await getTrace(api, id);
    if (done(trace)) return trace;
    if (Date.now() > deadline) {
      throw new Error(
        `trace ${id}: ${what} not reached in ${timeoutMs} ms: ${JSON.stringify(
          trace,
        )}`,
      );
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

const ended = (t: TraceDetail) => t.status !== 'running';
const snapshots = (n: number) => (t: TraceDetail) => t.snapshots.length >= n;

const hasLeakFrame = (stacks: StackSummary[]) =>
  stacks.some(s => s.frames.some(f => f.symbol === 'leak_memory_chunk'));

describe('tracing a real leaking service', () => {
  let leaker: LeakerProcess;
  let api: request.Agent;
  let stopBackend: () => Promise<void> = async () => {};

  beforeAll(async () => {
    requireRoot();
    buildLeakerAndTracer();
    leaker = await LeakerProcess.start();
    const started = await startMemleakBackend({
      entities: [component('leaker-c')],
      localTargets: [leaker.localTarget(LEAKER)],
      trace: TRACE_SETTINGS,
    });
    api = started.api;
    stopBackend = () => started.backend.stop();
  });
  afterAll(async () => {
    await stopBackend();
    await leaker?.stop();
  });

  it('reports what the service says next to what the kernel sees', async () => {
    const res = await api.get(`/api/memleak/report?entityRef=${LEAKER}`);
    expect(res.status).toBe(200);
    const report = res.body;
    expect(report).toMatchObject({
      entityRef: LEAKER,
      mode: 'local',
      capability: {
        available: true,
        defaultDurationSec: 120,
        maxDurationSec: 120,
        // 1 s snapshots, 1 s minimum age, 20 s of data
        minDurationSec: 22,
      },
      notices: [],
    });
    expect(report.latestTrace).toBeUndefined();

    const [reported] = report.reported;
    expect(reported.health).toMatchObject({
      url: `http://127.0.0.1:${leaker.port}/health`,
      state: 'healthy',
      httpStatus: 200,
    });
    expect(reported.ready).toMatchObject({ state: 'healthy', httpStatus: 200 });
    expect(reported.memory).toMatchObject({
      url: `http://127.0.0.1:${leaker.metricsPort}/metrics`,
      metric: 'memory_heap_used_bytes',
    });
    expect(reported.memory.error).toBeUndefined();
    // What the service claims, as its own exposition says it (a constant: it lies).
    const exposition = await (await fetch(reported.memory.url)).text();
    const claimed = Number(
      /^memory_heap_used_bytes (\S+)$/m.exec(exposition)![1],
    );
    expect(claimed).toBeGreaterThan(0);
    expect(reported.memory.bytes).toBe(claimed);
    expect(reported.memory.otherGauges).toContainEqual({
      name: 'memory_usage_percent',
      value: expect.any(Number),
    });

    const [kernel] = report.kernel;
    expect(kernel).toMatchObject({
      name: 'leaker-c',
      source: 'proc',
      pid: leaker.pid,
    });
    expect(kernel.error).toBeUndefined();
    // Cross-checked against /proc read here.
    const status = fs.readFileSync(`/proc/${leaker.pid}/status`, 'utf8');
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]);
    expect(kernel.rssBytes / 1024).toBeGreaterThan(rssKiB * 0.5);
    expect(kernel.rssBytes / 1024).toBeLessThan(rssKiB * 2 + 4096);
    expect(kernel.heapBytes).toBeGreaterThan(0);
  });

  it('traces the leak to leak_memory_chunk, and keeps the trace', async () => {
    const res = await api
      .post('/api/memleak/traces')
      .send({ entityRef: LEAKER, durationSec: 24 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      entityRef: LEAKER,
      status: 'running',
      durationSec: 24,
      target: {
        kind: 'local',
        pid: leaker.pid,
        label: `pid ${leaker.pid} (leaker-c)`,
      },
      createdBy: 'user:default/mock',
    });
    const id = res.body.id;

    // 24 s: the judge calls nothing before minAgeSec + 20 s of data.
    const trace = await pollTrace(api, id, ended, 'the end', 45_000);
    expect(trace).toMatchObject({ id, status: 'completed', notices: [] });
    expect(trace.endedAt).toEqual(expect.any(String));
    expect(trace.elapsedSec).toBeGreaterThanOrEqual(23);
    // One snapshot a second (a late tick may be skipped on a busy machine).
    expect(trace.snapshots.length).toBeGreaterThanOrEqual(21);
    expect(trace.snapshots.length).toBeLessThanOrEqual(25);
    const first = trace.snapshots[0];
    const last = trace.snapshots[trace.snapshots.length - 1];
    // 64 KiB every 250 ms: far more than 100 KiB/s is kept, never freed.
    expect(last.outstandingBytes - first.outstandingBytes).toBeGreaterThan(
      100 * 1024 * (last.t - first.t),
    );
    expect(last.agedBytes).toBeGreaterThan(0);
    for (const s of trace.snapshots) {
      expect(s.rssBytes).toBeGreaterThan(0);
      expect(s.reportedBytes).toBeGreaterThan(0);
    }
    // The worst stack is the leak: leak_memory_chunk → alloc_touched_pages → malloc;
    // its first frame (the allocator's caller) is the one-line summary.
    const [worst] = trace.stacks;
    expect(worst.frames.map(f => f.symbol)).toContain('leak_memory_chunk');
    expect(worst.agedBytes).toBeGreaterThan(0);
    expect(trace.topFrame).toBe(worst.frames[0].symbol);
    expect(['growing', 'leak']).toContain(trace.verdict);
    expect(trace.growthBytesPerSec).toBeGreaterThan(100 * 1024);

    const list = await api.get(`/api/memleak/traces?entityRef=${LEAKER}`);
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({
      id,
      status: 'completed',
      verdict: trace.verdict,
    });
    expect(list.body.items[0]).not.toHaveProperty('snapshots');

    // The report now puts the service's "healthy" next to the kernel's growth.
    const report = (await api.get(`/api/memleak/report?entityRef=${LEAKER}`))
      .body;
    expect(report.latestTrace).toMatchObject({ id, status: 'completed' });
    expect(report.disagreement.message).toMatch(
      new RegExp(
        `^Reports healthy.* heap grew .* in ${trace.topFrame} \\(${trace.verdict}\\)\\.$`,
      ),
    );
  });

  it('stops a running trace on request, keeping what it saw', async () => {
    const res = await api
      .post('/api/memleak/traces')
      .send({ entityRef: LEAKER, durationSec: 60 });
    expect(res.status).toBe(201);
    const id = res.body.id;
    await pollTrace(api, id, snapshots(2), 'two snapshots');

    const stopped = await api.post(`/api/memleak/traces/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({
      id,
      status: 'stopped',
      endedAt: expect.any(String),
    });
    expect(stopped.body).not.toHaveProperty('snapshots');

    const trace = await getTrace(api, id);
    expect(trace.status).toBe('stopped');
    expect(trace.elapsedSec).toBeLessThan(30);
    expect(trace.snapshots.length).toBeGreaterThanOrEqual(2);
    expect(hasLeakFrame(trace.stacks)).toBe(true);
  });

  it('ends a trace whose target exits as target_exited, keeping its data', async () => {
    const res = await api
      .post('/api/memleak/traces')
      .send({ entityRef: LEAKER, durationSec: 60 });
    expect(res.status).toBe(201);
    const id = res.body.id;
    await pollTrace(api, id, snapshots(2), 'two snapshots');

    await leaker.kill();
    const trace = await pollTrace(api, id, ended, 'the end', 15_000);
    expect(trace.status).toBe('target_exited');
    expect(trace.notices).toEqual([
      expect.objectContaining({
        level: 'warning',
        code: 'target_exited',
        message: expect.stringContaining(`pid ${leaker.pid} exited`),
      }),
    ]);
    expect(trace.snapshots.length).toBeGreaterThanOrEqual(2);
    expect(hasLeakFrame(trace.stacks)).toBe(true);
    expect(trace.elapsedSec).toBeLessThan(30);

    // The report now says the target is gone, and why nothing can be traced.
    const report = (await api.get(`/api/memleak/report?entityRef=${LEAKER}`))
      .body;
    expect(report.reported[0].health.state).toBe('unreachable');
    expect(report.capability).toMatchObject({
      available: false,
      reason: expect.stringMatching(/leaker-c is not running/),
    });
  });
});

/*
 * Restarts. No trace outlives its backend: one left `running` by a backend
 * that died reads `interrupted` once a new backend starts on the database,
 * and one cut short by a clean shutdown says so too.
 */
describe('restart recovery', () => {
  const POSTGRES_ENV = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';
  const databases = TestDatabases.create({
    ids: ['SQLITE_3', 'POSTGRES_15'],
    disableDocker: true,
  });
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memleak-restart-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** The plugin's SQLite file as `backend.database.connection.directory` names it. */
  const sqliteConfig = () => ({
    backend: {
      database: { client: 'better-sqlite3', connection: { directory: tmp } },
    },
  });

  /** What a backend that died mid-trace leaves: a `running` row with some data. */
  async function leaveRunningTrace(knex: Knex): Promise<string> {
    const store = await DatabaseMemleakStore.create({
      database: mockServices.database({ knex }),
    });
    const id = randomUUID();
    await store.createTrace({
      id,
      entityRef: LEAKER,
      target: { kind: 'local', label: 'pid 4242 (leaker-c)', pid: 4242 },
      durationSec: 60,
      startedAt: new Date(Date.now() - 20_000),
      // This very backend before its restart: the default memleak.instanceId
      // of a backend without backend.listen.
      ownerId: `${os.hostname()}:7007`,
    });
    await store.appendSnapshot(id, {
      t: 1,
      at: new Date().toISOString(),
      outstandingBytes: 65536,
      outstandingCount: 1,
      agedBytes: 0,
      mmapBytes: 0,
      allocs: 1,
      frees: 0,
      lostEvents: 0,
    });
    await store.updateTrace(id, { elapsedSec: 1, outstandingBytes: 65536 });
    return id;
  }

  async function expectInterrupted(api: request.Agent, id: string) {
    const trace = await getTrace(api, id);
    expect(trace).toMatchObject({
      id,
      status: 'interrupted',
      endedAt: expect.any(String),
    });
    expect(trace.notices).toEqual([
      expect.objectContaining({ level: 'warning', code: 'interrupted' }),
    ]);
    return trace;
  }

  it('marks a trace left running interrupted on SQLite (file database)', async () => {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(tmp, 'memleak.sqlite') },
      useNullAsDefault: true,
    });
    const id = await leaveRunningTrace(knex);
    await knex.destroy();

    const { backend, api } = await startMemleakBackend({
      entities: [component('leaker-c')],
      config: sqliteConfig(),
    });
    try {
      const trace = await expectInterrupted(api, id);
      expect(trace.snapshots).toHaveLength(1);
      expect(trace.outstandingBytes).toBe(65536);
      const report = (await api.get(`/api/memleak/report?entityRef=${LEAKER}`))
        .body;
      expect(report.latestTrace).toMatchObject({ id, status: 'interrupted' });
    } finally {
      await backend.stop();
    }
  });

  it('marks a trace left running interrupted on PostgreSQL', async () => {
    if (!databases.supports('POSTGRES_15')) {
      throw new Error(
        `POSTGRES_15 is not available: ${POSTGRES_ENV} is not set; run under scripts/with-postgres.sh`,
      );
    }
    const knex = await databases.init('POSTGRES_15');
    const id = await leaveRunningTrace(knex);

    const { backend, api } = await startMemleakBackend({
      entities: [component('leaker-c')],
      knex,
    });
    try {
      const trace = await expectInterrupted(api, id);
      expect(trace.snapshots).toHaveLength(1);
      const list = await api.get(`/api/memleak/traces?entityRef=${LEAKER}`);
      expect(list.body.items).toEqual([
        expect.objectContaining({ id, status: 'interrupted' }),
      ]);
    } finally {
      await backend.stop();
    }
  });

  it("ends a gone replica's trace through the scheduled sweep, and only that one (SQLite file database)", async () => {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(tmp, 'memleak.sqlite') },
      useNullAsDefault: true,
    });
    const store = await DatabaseMemleakStore.create({
      database: mockServices.database({ knex }),
    });
    const HOUR = 3_600_000;
    const leave = async (ownerId: string, startedAt: number) => {
      const { id } = await store.createTrace({
        id: randomUUID(),
        entityRef: LEAKER,
        target: { kind: 'local', label: 'pid 4242 (leaker-c)', pid: 4242 },
        durationSec: 900,
        startedAt: new Date(startedAt),
        ownerId,
      });
      return id;
    };
    // Its start is a trace's last heartbeat here: two hours ago, and now.
    const gone = await leave('gone-replica:7007', Date.now() - 2 * HOUR);
    const live = await leave('live-replica:7007', Date.now());
    await knex.destroy();

    // The test backend's scheduler runs every task once at startup.
    const { backend, api } = await startMemleakBackend({
      entities: [component('leaker-c')],
      config: sqliteConfig(),
      trace: { staleAfterSec: 3600 },
    });
    try {
      const swept = await expectInterrupted(api, gone);
      expect(swept.notices[0].message).toMatch(
        /stopped answering \(no heartbeat for 3600 s\)/,
      );
      expect(await getTrace(api, live)).toMatchObject({
        status: 'running',
        notices: [],
      });
    } finally {
      await backend.stop();
    }
  });

  it('ends a trace cut short by a clean shutdown as interrupted, and says so once', async () => {
    requireRoot();
    buildLeakerAndTracer();
    const leaker = await LeakerProcess.start();
    try {
      const options = {
        entities: [component('leaker-c')],
        localTargets: [leaker.localTarget(LEAKER)],
        trace: TRACE_SETTINGS,
        config: sqliteConfig(),
      };
      const first = await startMemleakBackend(options);
      const res = await first.api
        .post('/api/memleak/traces')
        .send({ entityRef: LEAKER, durationSec: 60 });
      expect(res.status).toBe(201);
      await pollTrace(first.api, res.body.id, snapshots(2), 'two snapshots');
      await first.backend.stop();

      const second = await startMemleakBackend(options);
      try {
        const trace = await expectInterrupted(second.api, res.body.id);
        expect(trace.snapshots.length).toBeGreaterThanOrEqual(2);
        expect(hasLeakFrame(trace.stacks)).toBe(true);
        // The entity can be traced again right away.
        const again = await second.api
          .post('/api/memleak/traces')
          .send({ entityRef: LEAKER, durationSec: 60 });
        expect(again.status).toBe(201);
        await second.api.post(`/api/memleak/traces/${again.body.id}/stop`);
      } finally {
        await second.backend.stop();
      }
    } finally {
      await leaker.stop();
    }
  });
});
