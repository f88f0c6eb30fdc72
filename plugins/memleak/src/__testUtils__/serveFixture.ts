import type { StartTraceRequest } from '@internal/plugin-memleak-common';
import { http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import type { KubernetesFixture } from './backendFixtures';

/**
 * Answers the memleak routes from a backend-made fixture, and records what
 * the UI asked for: trace details, starts and stops.
 */
export function serveFixture(server: SetupServer, fixture: KubernetesFixture) {
  const requests = {
    details: [] as string[],
    starts: [] as StartTraceRequest[],
    stops: [] as string[],
  };
  server.use(
    http.get('*/api/memleak/report', () => HttpResponse.json(fixture.report)),
    http.get('*/api/memleak/traces', () =>
      HttpResponse.json({ items: fixture.history }),
    ),
    http.get('*/api/memleak/traces/:id', ({ params }) => {
      requests.details.push(params.id as string);
      const trace = fixture.traces.find(t => t.id === params.id);
      return trace
        ? HttpResponse.json(trace)
        : HttpResponse.json(
            {
              error: {
                name: 'NotFoundError',
                message: `No trace ${params.id}`,
              },
              response: { statusCode: 404 },
            },
            { status: 404 },
          );
    }),
    http.post('*/api/memleak/traces', async ({ request }) => {
      requests.starts.push((await request.json()) as StartTraceRequest);
      return HttpResponse.json(fixture.traces[0], { status: 201 });
    }),
    http.post('*/api/memleak/traces/:id/stop', ({ params }) => {
      requests.stops.push(params.id as string);
      return HttpResponse.json(fixture.traces[0]);
    }),
  );
  return requests;
}
