import { ResponseError } from '@backstage/errors';
import {
  mockApis,
  MockFetchApi,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { aReport, aTrace, ENTITY_REF } from '../__testUtils__/fixtures';
import { describeMemleakError, MemleakClient } from './MemleakClient';

const server = setupServer();
registerMswTestHooks(server);

const BASE = 'http://backstage.test/api/memleak';

function makeClient() {
  return new MemleakClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage.test' }),
    fetchApi: new MockFetchApi({ injectIdentityAuth: { token: 'user-token' } }),
  });
}

const backstageError = (status: number, name: string, message: string) =>
  HttpResponse.json(
    { error: { name, message }, response: { statusCode: status } },
    { status },
  );

describe('MemleakClient', () => {
  it('fetches the report for an entity ref, with the user token', async () => {
    const seen: { ref: string | null; auth: string | null }[] = [];
    server.use(
      http.get(`${BASE}/report`, ({ request }) => {
        seen.push({
          ref: new URL(request.url).searchParams.get('entityRef'),
          auth: request.headers.get('authorization'),
        });
        return HttpResponse.json(aReport());
      }),
    );
    await expect(makeClient().getReport(ENTITY_REF)).resolves.toEqual(
      aReport(),
    );
    expect(seen).toEqual([{ ref: ENTITY_REF, auth: 'Bearer user-token' }]);
  });

  it('posts a start request as JSON', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${BASE}/traces`, async ({ request }) => {
        expect(request.headers.get('content-type')).toBe('application/json');
        bodies.push(await request.json());
        return HttpResponse.json(aTrace({ status: 'running' }), {
          status: 201,
        });
      }),
    );
    const started = await makeClient().startTrace({
      entityRef: ENTITY_REF,
      durationSec: 60,
    });
    expect(started.status).toBe('running');
    expect(bodies).toEqual([{ entityRef: ENTITY_REF, durationSec: 60 }]);
  });

  it('lists, reads and stops traces', async () => {
    const trace = aTrace();
    const queries: string[] = [];
    server.use(
      http.get(`${BASE}/traces`, ({ request }) => {
        queries.push(new URL(request.url).search);
        return HttpResponse.json({ items: [trace] });
      }),
      http.get(`${BASE}/traces/:id`, ({ params }) =>
        HttpResponse.json({ ...trace, id: params.id }),
      ),
      http.post(`${BASE}/traces/:id/stop`, ({ params }) =>
        HttpResponse.json({ ...trace, id: params.id, status: 'stopped' }),
      ),
    );
    const client = makeClient();
    await expect(client.listTraces(ENTITY_REF, { limit: 5 })).resolves.toEqual([
      trace,
    ]);
    expect(queries).toEqual([
      `?entityRef=${encodeURIComponent(ENTITY_REF)}&limit=5`,
    ]);
    expect((await client.getTrace(trace.id)).id).toBe(trace.id);
    expect((await client.stopTrace(trace.id)).status).toBe('stopped');
  });

  it.each([
    [
      400,
      'InputError',
      'durationSec: Number must be less than or equal to 3600',
    ],
    [403, 'NotAllowedError', 'You may not trace component:default/leaker-c'],
    [
      409,
      'ConflictError',
      'A trace is already running for component:default/leaker-c',
    ],
    [429, 'Error', 'Too many traces are running (limit 2); try again later'],
  ])('surfaces the server message of a %i', async (status, name, message) => {
    server.use(
      http.post(`${BASE}/traces`, () => backstageError(status, name, message)),
    );
    const error = await makeClient()
      .startTrace({ entityRef: ENTITY_REF })
      .catch(e => e);
    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(status);
    expect(describeMemleakError(error)).toBe(message);
  });

  it('keeps a 404 from our own routes as it is', async () => {
    server.use(
      http.get(`${BASE}/traces/:id`, () =>
        backstageError(404, 'NotFoundError', 'No trace with id abc'),
      ),
    );
    const error = await makeClient()
      .getTrace('abc')
      .catch(e => e);
    expect(describeMemleakError(error)).toBe('No trace with id abc');
  });

  it('says the backend is not installed when the route does not exist', async () => {
    server.use(
      http.get(`${BASE}/report`, () => new HttpResponse(null, { status: 404 })),
    );
    const error = await makeClient()
      .getReport(ENTITY_REF)
      .catch(e => e);
    expect(error.name).toBe('NotFoundError');
    expect(describeMemleakError(error)).toMatch(
      /^The memleak backend is not installed: http:\/\/backstage\.test\/api\/memleak answered 404\./,
    );
  });
});
