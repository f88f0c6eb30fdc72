/* eslint jest/expect-expect: ["warn", { "assertFunctionNames": ["expect", "expectError", "fc.assert"] }] */
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
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
 * The HTTP contract of /api/memleak: every way a request can be wrong, who
 * may do what, and the trace limits, against the plugin in a real test
 * backend (fake catalog, real store, real LocalTargets; the limit cases
 * trace real leaker-c processes).
 */

/** Asserts a Backstage error body: status, error name and a message naming the problem. */
function expectError(res: request.Response, status: number, message: RegExp) {
  expect({ status: res.status, body: res.body }).toMatchObject({
    status,
    body: {
      error: { message: expect.stringMatching(message) },
      response: { statusCode: status },
    },
  });
}

const LEAKER = refOf('leaker-c');
const NO_TARGET = refOf('no-target');

/** A configured target whose process is not running (its pid file does not exist). */
const absentTarget = (entityRef: string, name: string) => ({
  entityRef,
  name,
  pidFile: `/nonexistent/memleak-test/${name}.pid`,
});

describe('request validation', () => {
  let api: request.Agent;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const started = await startMemleakBackend({
      entities: [component('leaker-c'), component('no-target')],
      localTargets: [
        absentTarget(LEAKER, 'primary'),
        absentTarget(LEAKER, 'secondary'),
      ],
      trace: { maxDurationSec: 300, defaultDurationSec: 60 },
    });
    api = started.api;
    stop = () => started.backend.stop();
  });
  afterAll(() => stop());

  it('answers /health without credentials', async () => {
    const res = await api.get('/api/memleak/health').set('Authorization', '');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  describe('GET /report', () => {
    it.each([
      ['missing', ''],
      ['empty', '?entityRef='],
      ['without a kind', '?entityRef=default/leaker-c'],
      ['without a namespace', '?entityRef=component:leaker-c'],
      ['with spaces inside', '?entityRef=component:default/leaker%20c'],
      ['repeated', `?entityRef=${LEAKER}&entityRef=${LEAKER}`],
      ['an object', '?entityRef[kind]=component'],
    ])('rejects an entityRef that is %s with 400', async (_what, query) => {
      const res = await api.get(`/api/memleak/report${query}`);
      expectError(res, 400, /^entityRef: /);
    });

    it('answers 404 for an entity the catalog does not know', async () => {
      const res = await api.get(
        `/api/memleak/report?entityRef=${refOf('ghost')}`,
      );
      expectError(res, 404, /component:default\/ghost/);
    });

    it('reports an entity without a local target as not traceable, and why', async () => {
      const res = await api.get(`/api/memleak/report?entityRef=${NO_TARGET}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        entityRef: NO_TARGET,
        mode: 'kubernetes',
        reported: [],
        kernel: [],
        capability: {
          available: false,
          reason: expect.stringMatching(/memleak\.localTargets/),
          defaultDurationSec: 60,
          maxDurationSec: 300,
          // 2 s to the first snapshot, 10 s minimum age, 20 s of data
          minDurationSec: 32,
        },
      });
    });

    it('reports a configured target that is not running, without failing', async () => {
      // Refs are matched case-insensitively, as the catalog does.
      const res = await api.get(
        `/api/memleak/report?entityRef=component:default/Leaker-C`,
      );
      expect(res.status).toBe(200);
      expect(res.body.entityRef).toBe(LEAKER);
      expect(res.body.mode).toBe('local');
      expect(res.body.kernel[0]).toMatchObject({
        name: 'primary',
        error: expect.stringMatching(/primary is not running/),
      });
      expect(res.body.reported[0].health).toMatchObject({
        state: 'unreachable',
        error: 'no health URL configured',
      });
      expect(res.body.capability).toMatchObject({
        available: false,
        reason: expect.stringMatching(/not running/),
      });
    });
  });

  describe('POST /traces', () => {
    const post = (body: unknown) =>
      api.post('/api/memleak/traces').send(body as object);

    it('rejects malformed JSON with 400', async () => {
      const res = await api
        .post('/api/memleak/traces')
        .set('Content-Type', 'application/json')
        .send('{"entityRef": "component:default/leaker-c",');
      expectError(res, 400, /^Request body must be a JSON object: .*JSON/);
      // The error does not echo the request body back.
      expect(JSON.stringify(res.body)).not.toContain('leaker-c');
    });

    it.each(['"component:default/leaker-c"', 'null', '42'])(
      'rejects the JSON body %s, which is not an object, with 400',
      async body => {
        const res = await api
          .post('/api/memleak/traces')
          .set('Content-Type', 'application/json')
          .send(body);
        expectError(res, 400, /^Request body must be a JSON object/);
      },
    );

    it('rejects a body over 16 kB with 413', async () => {
      const res = await post({ entityRef: LEAKER, target: 'x'.repeat(20_000) });
      expectError(res, 413, /too large/);
    });

    it.each([
      ['no body', undefined, /entityRef: Required/],
      ['an empty object', {}, /entityRef: Required/],
      ['an array', [LEAKER], /object/],
      [
        'a bad entityRef',
        { entityRef: 'leaker-c' },
        /entityRef: entityRef must look like kind:namespace\/name/,
      ],
      [
        'an entityRef that is a number',
        { entityRef: 42 },
        /entityRef: Expected string/,
      ],
      [
        'an unknown key',
        { entityRef: LEAKER, pid: 1 },
        /Unrecognized key.*'pid'/,
      ],
      [
        'a durationSec below 10',
        { entityRef: LEAKER, durationSec: 9 },
        /durationSec: .*10/,
      ],
      [
        'a durationSec above 3600',
        { entityRef: LEAKER, durationSec: 3601 },
        /durationSec: .*3600/,
      ],
      [
        'a fractional durationSec',
        { entityRef: LEAKER, durationSec: 30.5 },
        /durationSec must be a whole number/,
      ],
      [
        'a durationSec string',
        { entityRef: LEAKER, durationSec: '30' },
        /durationSec: Expected number/,
      ],
      ['an empty target name', { entityRef: LEAKER, target: '' }, /target: /],
    ])('rejects %s with 400', async (_what, body, message) => {
      const res = await post(body);
      expectError(res, 400, message);
    });

    it('rejects a durationSec too short to reach a verdict with 400, naming the minimum', async () => {
      const res = await post({ entityRef: LEAKER, durationSec: 31 });
      expectError(
        res,
        400,
        /durationSec 31 s is too short to reach a verdict: a trace needs at least 32 s \(first snapshot after 2 s, 10 s minimum age, then 20 s of data\)/,
      );
    });

    it("rejects a durationSec above this backend's configured maximum with 400", async () => {
      const res = await post({ entityRef: LEAKER, durationSec: 301 });
      expectError(
        res,
        400,
        /durationSec 301 exceeds this backend's maximum of 300 s/,
      );
    });

    it('answers 404 for an entity the catalog does not know', async () => {
      const res = await post({ entityRef: refOf('ghost') });
      expectError(res, 404, /No entity component:default\/ghost/);
    });

    it('rejects an unknown target name with 400 and lists the known ones', async () => {
      const res = await post({ entityRef: LEAKER, target: 'tertiary' });
      expectError(
        res,
        400,
        /no target named tertiary; targets: primary, secondary/,
      );
    });

    it('rejects an entity with no local target with 400', async () => {
      const res = await post({ entityRef: NO_TARGET });
      expectError(
        res,
        400,
        /no-target: Add a backstage\.io\/kubernetes-id .* or list it in memleak\.localTargets/,
      );
    });

    it('records a trace of a target that is not running as failed, with the reason', async () => {
      const res = await post({
        entityRef: LEAKER,
        target: 'secondary',
        durationSec: 60,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        entityRef: LEAKER,
        status: 'running',
        durationSec: 60,
      });
      const trace = await pollUntilEnded(api, res.body.id);
      expect(trace).toMatchObject({
        status: 'failed',
        verdict: 'inconclusive',
        snapshots: [],
        notices: [
          expect.objectContaining({ level: 'error', code: 'target_not_found' }),
        ],
      });
    });
  });

  describe('GET /traces', () => {
    it.each([
      ['missing entityRef', '', /entityRef: Required/],
      [
        'a bad entityRef',
        '?entityRef=nope',
        /entityRef: entityRef must look like/,
      ],
      ['limit 0', `?entityRef=${LEAKER}&limit=0`, /limit: .*1/],
      ['limit 201', `?entityRef=${LEAKER}&limit=201`, /limit: .*200/],
      [
        'a fractional limit',
        `?entityRef=${LEAKER}&limit=1.5`,
        /limit: .*integer/,
      ],
      [
        'a limit that is no number',
        `?entityRef=${LEAKER}&limit=ten`,
        /limit: .*number/,
      ],
    ])('rejects %s with 400', async (_what, query, message) => {
      const res = await api.get(`/api/memleak/traces${query}`);
      expectError(res, 400, message);
    });

    it('answers 404 for an entity the catalog does not know', async () => {
      const res = await api.get(
        `/api/memleak/traces?entityRef=${refOf('ghost')}`,
      );
      expectError(res, 404, /ghost/);
    });

    it('lists nothing for an entity without traces', async () => {
      const res = await api.get(`/api/memleak/traces?entityRef=${NO_TARGET}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [] });
    });
  });

  describe('GET /traces/:id and POST /traces/:id/stop', () => {
    it.each(['not-a-uuid', '12345', `${randomUUID()}x`, '%E2%82'])(
      'reject the invalid trace id %s with 400',
      async id => {
        for (const res of [
          await api.get(`/api/memleak/traces/${id}`),
          await api.post(`/api/memleak/traces/${id}/stop`),
        ]) {
          expect(res.status).toBe(400);
          expect(res.body.error.message).toEqual(expect.any(String));
        }
      },
    );

    it('names the problem of an id that is not a UUID', async () => {
      const res = await api.get('/api/memleak/traces/not-a-uuid');
      expectError(res, 400, /trace id must be a UUID/);
    });

    it('answer 404 for an unknown trace', async () => {
      const id = randomUUID();
      expectError(
        await api.get(`/api/memleak/traces/${id}`),
        404,
        new RegExp(`No trace ${id}`),
      );
      expectError(
        await api.post(`/api/memleak/traces/${id}/stop`),
        404,
        new RegExp(`No trace ${id}`),
      );
    });
  });
});

describe('authentication', () => {
  it('serves /health to anonymous callers and nothing else', async () => {
    const { backend, api } = await startMemleakBackend({
      entities: [component('leaker-c')],
      defaultCredentials: mockCredentials.none(),
    });
    try {
      expect((await api.get('/api/memleak/health')).status).toBe(200);
      for (const res of [
        await api.get(`/api/memleak/report?entityRef=${LEAKER}`),
        await api.get(`/api/memleak/traces?entityRef=${LEAKER}`),
        await api.post('/api/memleak/traces').send({ entityRef: LEAKER }),
      ]) {
        expect(res.status).toBe(401);
      }
    } finally {
      await backend.stop();
    }
  });
});

describe('permissions', () => {
  const databases = TestDatabases.create({
    ids: ['SQLITE_3'],
    disableDocker: true,
  });
  let knex: Knex;
  let traceId: string;

  beforeAll(async () => {
    // A finished trace to read and stop, written through the real store.
    knex = await databases.init('SQLITE_3');
    const store = await DatabaseMemleakStore.create({
      database: mockServices.database({ knex }),
    });
    traceId = randomUUID();
    await store.createTrace({
      id: traceId,
      entityRef: LEAKER,
      target: { kind: 'local', label: 'pid 4242 (leaker-c)', pid: 4242 },
      durationSec: 30,
      startedAt: new Date(Date.now() - 60_000),
      ownerId: 'test-replica',
    });
    await store.updateTrace(traceId, {
      status: 'completed',
      endedAt: new Date(),
    });
  });

  const startBackend = (
    permissions: Pick<
      Parameters<typeof startMemleakBackend>[0],
      'decide' | 'permissionResult'
    >,
  ) =>
    startMemleakBackend({
      entities: [component('leaker-c')],
      localTargets: [absentTarget(LEAKER, 'primary')],
      knex,
      ...permissions,
    });

  it('answers 403 to everything when every permission is denied', async () => {
    const { backend, api } = await startBackend({
      permissionResult: AuthorizeResult.DENY,
    });
    try {
      const read =
        /Not allowed: memleak\.report\.read on component:default\/leaker-c/;
      const run =
        /Not allowed: memleak\.trace\.run on component:default\/leaker-c/;
      expectError(
        await api.get(`/api/memleak/report?entityRef=${LEAKER}`),
        403,
        read,
      );
      expectError(
        await api.get(`/api/memleak/traces?entityRef=${LEAKER}`),
        403,
        read,
      );
      expectError(await api.get(`/api/memleak/traces/${traceId}`), 403, read);
      expectError(
        await api.post('/api/memleak/traces').send({ entityRef: LEAKER }),
        403,
        run,
      );
      expectError(
        await api.post(`/api/memleak/traces/${traceId}/stop`),
        403,
        run,
      );
      // Health is no entity's business.
      expect((await api.get('/api/memleak/health')).status).toBe(200);
    } finally {
      await backend.stop();
    }
  });

  it('lets a reader read but not start or stop traces', async () => {
    const { backend, api } = await startBackend({
      decide: name =>
        name === 'memleak.trace.run'
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
    });
    try {
      const report = await api.get(`/api/memleak/report?entityRef=${LEAKER}`);
      expect(report.status).toBe(200);
      expect(report.body.latestTrace).toMatchObject({
        id: traceId,
        status: 'completed',
      });
      const list = await api.get(`/api/memleak/traces?entityRef=${LEAKER}`);
      expect(list.status).toBe(200);
      expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([
        traceId,
      ]);
      expect((await api.get(`/api/memleak/traces/${traceId}`)).status).toBe(
        200,
      );

      const run = /Not allowed: memleak\.trace\.run/;
      expectError(
        await api.post('/api/memleak/traces').send({ entityRef: LEAKER }),
        403,
        run,
      );
      expectError(
        await api.post(`/api/memleak/traces/${traceId}/stop`),
        403,
        run,
      );
      // The denied start left nothing behind.
      const after = await api.get(`/api/memleak/traces?entityRef=${LEAKER}`);
      expect(after.body.items).toHaveLength(1);
    } finally {
      await backend.stop();
    }
  });
});

describe('property: no request makes the API fail with 5xx', () => {
  const GHOST = refOf('ghost');
  let api: request.Agent;
  let stop: () => Promise<void>;
  let existingId: string;

  beforeAll(async () => {
    const started = await startMemleakBackend({
      entities: [component('leaker-c'), component('no-target')],
      localTargets: [absentTarget(LEAKER, 'primary')],
      trace: { maxDurationSec: 600, maxConcurrent: 64 },
    });
    api = started.api;
    stop = () => started.backend.stop();
    // One real trace (of an absent process, so it fails at once) for the id routes to find.
    const res = await api
      .post('/api/memleak/traces')
      .send({ entityRef: LEAKER, durationSec: 60 });
    if (res.status !== 201)
      throw new Error(`setup: ${res.status} ${JSON.stringify(res.body)}`);
    existingId = res.body.id;
    await pollUntilEnded(api, existingId);
  });
  afterAll(() => stop());

  /** Statuses seen per property: the generators must reach past validation. */
  let seen: Set<number>;
  beforeEach(() => {
    seen = new Set();
  });

  const NOT_5XX = (res: request.Response) => {
    seen.add(res.status);
    if (res.status >= 500) {
      throw new Error(`${res.status}: ${JSON.stringify(res.body)}`);
    }
    // Every failure of a route of ours is a Backstage error body with a message
    // (paths matching no route get the framework's empty 404).
    const unrouted =
      res.status === 404 && Object.keys(res.body ?? {}).length === 0;
    if (res.status >= 400 && res.status !== 401 && !unrouted) {
      expect(res.body.error.message).toEqual(expect.any(String));
    }
  };

  const entityRefs = fc.oneof(
    fc.constantFrom(
      LEAKER,
      NO_TARGET,
      GHOST,
      'Component:Default/Leaker-C',
      ` ${LEAKER} `,
    ),
    fc.string(),
    fc.jsonValue(),
  );
  const anything = fc.oneof(
    fc.jsonValue(),
    fc.string(),
    fc.double(),
    fc.integer(),
  );

  it('POST /traces with arbitrary JSON bodies', async () => {
    const bodies = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          entityRef: entityRefs,
          durationSec: fc.oneof(
            fc.integer({ min: -10, max: 4000 }),
            fc.double(),
            fc.constantFrom(10, 600, 601, 3600, Number.MAX_SAFE_INTEGER),
            anything,
          ),
          target: fc.oneof(
            fc.constantFrom('primary', 'other', ''),
            fc.string(),
            anything,
          ),
        },
        { requiredKeys: [] },
      ),
      fc.dictionary(fc.string(), anything),
      fc.object({ maxDepth: 4 }),
      // Close to valid, so that generated requests get past validation.
      fc.record(
        {
          entityRef: fc.constantFrom(LEAKER, NO_TARGET, GHOST),
          durationSec: fc.integer({ min: 5, max: 700 }),
          target: fc.constantFrom('primary', 'other'),
        },
        { requiredKeys: ['entityRef'] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async body => {
        NOT_5XX(
          await api
            .post('/api/memleak/traces')
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body)),
        );
      }),
      { numRuns: 300 },
    );
    // Some bodies were valid: traces started, unknown entities and targets were looked up.
    expect([...seen].sort()).toEqual(expect.arrayContaining([201, 400, 404]));
  });

  it('POST /traces with arbitrary raw bodies and content types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
        ),
        async (body, contentType) => {
          NOT_5XX(
            await api
              .post('/api/memleak/traces')
              .set('Content-Type', contentType)
              .send(body),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  const queryKeys = fc.oneof(
    fc.constantFrom(
      'entityRef',
      'limit',
      'entityRef[]',
      'entityRef[a]',
      'limit[]',
      'limit[a][b]',
    ),
    fc.string({ maxLength: 10 }),
  );
  const queryValues = fc.oneof(
    fc.constantFrom(
      LEAKER,
      NO_TARGET,
      GHOST,
      '1',
      '200',
      '0',
      '-1',
      '1e3',
      'NaN',
      '',
    ),
    fc.string(),
  );
  const queries = fc.oneof(
    fc
      .array(fc.tuple(queryKeys, queryValues), { maxLength: 5 })
      .map(pairs => new URLSearchParams(pairs).toString()),
    // Close to valid, so that generated requests get past validation.
    fc
      .record(
        {
          entityRef: fc.constantFrom(LEAKER, NO_TARGET, GHOST),
          limit: fc.oneof(
            fc.integer({ min: -5, max: 300 }).map(String),
            queryValues,
          ),
        },
        { requiredKeys: ['entityRef'] },
      )
      .map(q => new URLSearchParams(q).toString()),
    fc.webQueryParameters(),
  );

  it.each(['/report', '/traces'])(
    'GET %s with arbitrary query strings',
    async route => {
      await fc.assert(
        fc.asyncProperty(queries, async query => {
          NOT_5XX(await api.get(`/api/memleak${route}?${query}`));
        }),
        { numRuns: 250 },
      );
      expect([...seen]).toEqual(expect.arrayContaining([200, 400, 404]));
    },
  );

  it('GET /traces/:id and POST /traces/:id/stop with arbitrary ids', async () => {
    const ids = fc.oneof(
      fc.uuid(),
      fc.webSegment(),
      fc.string().map(encodeURIComponent),
      fc.constant(existingId),
      fc.constant(existingId.toUpperCase()),
    );
    await fc.assert(
      fc.asyncProperty(ids, async id => {
        NOT_5XX(await api.get(`/api/memleak/traces/${id}`));
        NOT_5XX(await api.post(`/api/memleak/traces/${id}/stop`));
      }),
      { numRuns: 250 },
    );
    expect([...seen]).toEqual(expect.arrayContaining([200, 400, 404]));
  });
});

describe('trace limits (real leaker-c processes)', () => {
  const A = refOf('leaker-a');
  const B = refOf('leaker-b');
  const leakers: LeakerProcess[] = [];
  let api: request.Agent;
  let stop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    requireRoot();
    buildLeakerAndTracer();
    leakers.push(await LeakerProcess.start(), await LeakerProcess.start());
    const started = await startMemleakBackend({
      entities: [component('leaker-a'), component('leaker-b')],
      localTargets: [
        leakers[0].localTarget(A, 'a'),
        leakers[1].localTarget(B, 'b'),
      ],
      trace: { maxConcurrent: 1, snapshotIntervalSec: 1, minAgeSec: 1 },
    });
    api = started.api;
    stop = () => started.backend.stop();
  });
  afterAll(async () => {
    await stop();
    await Promise.all(leakers.map(l => l.stop()));
  });

  const start = (entityRef: string) =>
    api.post('/api/memleak/traces').send({ entityRef, durationSec: 60 });

  it('runs one trace per entity (409) and memleak.trace.maxConcurrent in all (429)', async () => {
    const first = await start(A);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      entityRef: A,
      status: 'running',
      target: {
        kind: 'local',
        pid: leakers[0].pid,
        label: `pid ${leakers[0].pid} (a)`,
      },
    });
    await waitForSnapshot(api, first.body.id);

    expectError(
      await start(A),
      409,
      new RegExp(`A trace is already running for ${A} \\(${first.body.id}\\)`),
    );
    expectError(
      await start(B),
      429,
      /1 traces are running, the configured maximum \(memleak\.trace\.maxConcurrent\)/,
    );

    const stopped = await api.post(`/api/memleak/traces/${first.body.id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({
      id: first.body.id,
      status: 'stopped',
    });

    // The slot is free again.
    const second = await start(B);
    expect(second.status).toBe(201);
    expect(second.body.target.pid).toBe(leakers[1].pid);
    await waitForSnapshot(api, second.body.id);
    const stoppedToo = await api.post(
      `/api/memleak/traces/${second.body.id}/stop`,
    );
    expect(stoppedToo.body.status).toBe('stopped');

    // Stopping a trace that has ended changes nothing.
    const again = await api.post(`/api/memleak/traces/${first.body.id}/stop`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      status: 'stopped',
      endedAt: stopped.body.endedAt,
    });
  });
});

/** Polls a running trace until its first snapshot is stored (the tracer is attached). */
async function waitForSnapshot(
  api: request.Agent,
  id: string,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get(`/api/memleak/traces/${id}`);
    expect(res.body.status).toBe('running');
    if (res.body.snapshots.length > 0) return res.body;
    if (Date.now() > deadline) {
      throw new Error(
        `trace ${id} has no snapshot after ${timeoutMs} ms: ${JSON.stringify(
          res.body,
        )}`,
      );
    }
    await new Promise(r => setTimeout(r, 200));
  }
}

/** Polls a trace until it is no longer running. */
async function pollUntilEnded(
  api: request.Agent,
  id: string,
  timeoutMs = 40_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get(`/api/memleak/traces/${id}`);
    expect(res.status).toBe(200);
    if (res.body.status !== 'running') return res.body;
    if (Date.now() > deadline) {
      throw new Error(
        `trace ${id} still running after ${timeoutMs} ms: ${JSON.stringify(
          res.body,
        )}`,
      );
    }
    await new Promise(r => setTimeout(r, 250));
  }
}
