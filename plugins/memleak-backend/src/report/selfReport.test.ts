import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEndpoint, readReportedMemory } from './selfReport';

const EXPOSITION = `# HELP memory_usage_percent Memory in use, percent of the limit.
# TYPE memory_usage_percent gauge
memory_usage_percent 1
# HELP memory_heap_used_bytes Heap in use as the service sees it.
# TYPE memory_heap_used_bytes gauge
memory_heap_used_bytes 4194304
# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{path="/work",code="200"} 12
`;

describe('self-report scraping against a real HTTP server', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      switch (req.url) {
        case '/health':
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ status: 'healthy', uptime: 3 }));
          return;
        case '/plain':
          res.end('OK');
          return;
        case '/down':
          res.statusCode = 503;
          res.end(JSON.stringify({ status: 'degraded' }));
          return;
        case '/metrics':
          res.end(EXPOSITION);
          return;
        case '/garbage':
          res.end('{this is not prometheus');
          return;
        case '/slow':
          return; // never answers
        default:
          res.statusCode = 404;
          res.end();
      }
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  });

  it('reads a JSON health endpoint like a probe', async () => {
    const check = await checkEndpoint(`${base}/health`);
    expect(check).toMatchObject({
      state: 'healthy',
      httpStatus: 200,
      reportedStatus: 'healthy',
    });
    expect(check.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('accepts a plain-text health endpoint', async () => {
    const check = await checkEndpoint(`${base}/plain`);
    expect(check).toMatchObject({
      state: 'healthy',
      reportedStatus: undefined,
    });
  });

  it('calls non-2xx unhealthy and keeps the reported status', async () => {
    expect(await checkEndpoint(`${base}/down`)).toMatchObject({
      state: 'unhealthy',
      httpStatus: 503,
      reportedStatus: 'degraded',
    });
  });

  it('calls a closed port unreachable with the reason', async () => {
    const closed = http.createServer();
    await new Promise<void>(r => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise(r => closed.close(r));
    const check = await checkEndpoint(`http://127.0.0.1:${port}/health`);
    expect(check.state).toBe('unreachable');
    expect(check.error).toBe('ECONNREFUSED');
  });

  it('gives up on an endpoint that never answers', async () => {
    const check = await checkEndpoint(`${base}/slow`);
    expect(check).toMatchObject({
      state: 'unreachable',
      error: 'no answer within 2000 ms',
    });
  }, 10_000);

  it('reads the self-reported memory gauge and other memory gauges', async () => {
    const m = await readReportedMemory(
      `${base}/metrics`,
      'memory_heap_used_bytes',
    );
    expect(m.bytes).toBe(4194304);
    expect(m.error).toBeUndefined();
    expect(m.otherGauges).toEqual([{ name: 'memory_usage_percent', value: 1 }]);
  });

  it('says when the configured metric is missing', async () => {
    const m = await readReportedMemory(
      `${base}/metrics`,
      'process_resident_memory_bytes',
    );
    expect(m.bytes).toBeUndefined();
    expect(m.error).toMatch(/process_resident_memory_bytes not found/);
  });

  it('reports HTTP errors and unparseable expositions without throwing', async () => {
    expect((await readReportedMemory(`${base}/nope`, 'x')).error).toBe(
      'HTTP 404',
    );
    const garbage = await readReportedMemory(`${base}/garbage`, 'x');
    expect(garbage.bytes).toBeUndefined();
    expect(garbage.error).toBeDefined();
  });
});
