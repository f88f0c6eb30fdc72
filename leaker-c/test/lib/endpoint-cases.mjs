// Endpoint, status-code, configuration and shutdown tests, defined once and
// run against both the release binary and the ASan+UBSan binary.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Leaker, rawRequest, request, runToExit } from './leaker.mjs';

/** A connection that has been served once and is left open, idle. */
function openIdleConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'),
    );
    socket.on('error', reject);
    socket.once('data', d => {
      if (/^HTTP\/1\.1 200 /.test(String(d))) resolve(socket);
      else reject(new Error(`unexpected answer: ${d}`));
    });
  });
}

const SANITIZER_REPORT =
  /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/;

// Fast leak so "still healthy after the leak grew" takes about a second.
const FAST_LEAK = {
  LEAK_START_DELAY_S: '0',
  LEAK_INTERVAL_MS: '25',
  LEAK_CHUNK_KB: '1024',
  LEAK_MAX_MB: '64',
};

export function defineEndpointTests(bin, label) {
  describe(`${label}: endpoints`, () => {
    let leaker;
    before(async () => {
      leaker = await Leaker.start({ bin, env: FAST_LEAK });
    });
    after(async () => {
      await leaker?.stop();
    });

    test('GET / describes the service', async () => {
      const res = await leaker.get('/');
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'], /application\/json/);
      const body = JSON.parse(res.body);
      assert.equal(body.name, 'leaker-c');
      assert.equal(body.mode, 'leak');
      assert.deepEqual(Object.keys(body.endpoints).sort(), [
        '/',
        '/health',
        '/ready',
        '/work',
      ]);
      assert.equal(body.metrics.port, leaker.metricsPort);
    });

    test('/health and /ready stay healthy while the leak grows, and never mention its size', async () => {
      await leaker.waitForChunk(20);
      for (const p of ['/health', '/ready']) {
        const res = await leaker.get(p);
        assert.equal(res.status, 200, p);
        const body = JSON.parse(res.body);
        assert.deepEqual(
          Object.keys(body).sort(),
          ['mode', 'status', 'uptime_seconds'],
          p,
        );
        assert.equal(body.status, 'healthy');
        assert.equal(body.mode, 'leak');
        assert.ok(
          Number.isInteger(body.uptime_seconds) && body.uptime_seconds >= 0,
        );
      }
    });

    test('HEAD /health answers 200 without a body', async () => {
      const res = await leaker.get('/health', { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(res.body, '');
    });

    test('GET /work serves with the default and valid n', async () => {
      for (const [query, rounds] of [
        ['', 4],
        ['?n=1', 1],
        ['?n=1000', 1000],
        ['?n=%31%30', 10],
      ]) {
        const res = await leaker.get(`/work${query}`);
        assert.equal(res.status, 200, query);
        const body = JSON.parse(res.body);
        assert.equal(body.status, 'ok');
        assert.equal(body.rounds, rounds, query);
        assert.match(body.checksum, /^[0-9a-f]{16}$/);
      }
    });

    test('GET /work rejects bad query strings with 400', async () => {
      const bad = [
        'n=0',
        'n=1001',
        'n=abc',
        'n=-1',
        'n=+1',
        'n=01',
        'n=1.5',
        'n=%201',
        'n=1+',
        'n=1&n=2',
        'x=1',
        'n=1&x=1',
        'n=',
        'n',
        'n=1&',
        '&n=1',
        'n=%zz',
        'n=%3',
        'n=1%00',
        'n=99999999999999999999',
      ];
      for (const q of bad) {
        const res = await leaker.get(`/work?${q}`);
        assert.equal(res.status, 400, q);
        assert.match(JSON.parse(res.body).error, /\w/, q);
      }
    });

    test('unknown paths answer 404', async () => {
      for (const p of [
        '/nope',
        '/work/',
        '/health/x',
        '/metrics',
        '//health',
        '/%00',
        '/heal%74h',
      ]) {
        const res = await leaker.get(p);
        assert.equal(res.status, 404, p);
      }
      const res = await request(leaker.metricsPort, '/health');
      assert.equal(res.status, 404);
    });

    test('other methods answer 405 with an Allow header', async () => {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        for (const p of ['/work', '/health', '/']) {
          const res = await leaker.get(p, { method });
          assert.equal(res.status, 405, `${method} ${p}`);
          assert.equal(res.headers.allow, 'GET, HEAD');
        }
      }
      const res = await request(leaker.metricsPort, '/metrics', {
        method: 'POST',
      });
      assert.equal(res.status, 405);
      assert.equal(res.headers.allow, 'GET, HEAD');
    });

    test('oversized requests are refused and the service keeps serving', async () => {
      const longUri = await leaker.get(`/work?n=1&pad=${'a'.repeat(20000)}`);
      assert.equal(longUri.status, 414);
      const bigHeader = await leaker.get('/health', {
        headers: { 'X-Big': 'b'.repeat(20000) },
      });
      assert.equal(bigHeader.status, 431);
      const manyHeaders = {};
      for (let i = 0; i < 400; i++) manyHeaders[`X-H${i}`] = 'v'.repeat(40);
      assert.equal(
        (await leaker.get('/health', { headers: manyHeaders })).status,
        431,
      );
      // Node sends GET bodies without framing unless told the length.
      const withBody = n => ({
        headers: { 'Content-Length': String(n) },
        body: 'x'.repeat(n),
      });
      const bigBody = await leaker.get('/health', withBody(2048));
      assert.equal(bigBody.status, 413);
      const chunked = await leaker.get('/work', {
        headers: { 'Transfer-Encoding': 'chunked' },
        body: 'x'.repeat(100),
      });
      assert.equal(chunked.status, 413);
      const smallBody = await leaker.get('/health', withBody(100));
      assert.equal(smallBody.status, 200);
      assert.equal((await leaker.get('/health')).status, 200);
    });

    test('malformed requests are refused and the service keeps serving', async () => {
      const host = 'GET /health HTTP/1.1\r\nHost: x\r\n';
      assert.equal(
        await rawRequest(leaker.port, `${host}Content-Length: 12abc\r\n\r\n`),
        400,
      );
      assert.equal(
        await rawRequest(leaker.port, `${host}NoColon\r\n\r\n`),
        400,
      );
      assert.equal(
        await rawRequest(
          leaker.port,
          'GET /health HTTP/9.9\r\nHost: x\r\n\r\n',
        ),
        505,
      );
      // An unparseable request line gets the connection closed, no answer.
      assert.equal(await rawRequest(leaker.port, 'GARBAGE\r\n\r\n'), 0);
      assert.equal(
        await rawRequest(
          leaker.port,
          'GET /health HTTP/1.1\r\nHost: x\r\n\r\n',
        ),
        200,
      );
    });

    test('/metrics reports fake memory gauges and honest request counters', async () => {
      const count = async () => {
        const text = (await leaker.metrics()).body;
        const m =
          /^http_requests_total\{path="\/work",code="400"\} (\d+)$/m.exec(text);
        return m ? Number(m[1]) : 0;
      };
      const before = await count();
      for (let i = 0; i < 3; i++)
        assert.equal((await leaker.get('/work?n=0')).status, 400);
      assert.equal(await count(), before + 3);

      const res = await leaker.metrics();
      assert.equal(res.status, 200);
      assert.match(
        res.headers['content-type'],
        /^text\/plain; version=0\.0\.4/,
      );
      assert.match(res.body, /^memory_usage_percent 1$/m);
      assert.match(res.body, /^memory_heap_used_bytes 4194304$/m);
      assert.match(
        res.body,
        /^leaker_build_info\{version="[^"]+",mode="leak"\} 1$/m,
      );
      assert.match(
        res.body,
        /^http_request_duration_seconds_bucket\{path="\/work",le="\+Inf"\} \d+$/m,
      );
      assert.match(
        res.body,
        /^# TYPE http_request_duration_seconds histogram$/m,
      );
    });

    test('SIGTERM stops the service within 1 s, exit 0, no sanitizer report', async () => {
      // An idle keep-alive connection must not hold shutdown up.
      const idle = await openIdleConnection(leaker.port);
      const { code, signal, ms } = await leaker.stop();
      idle.destroy();
      assert.equal(signal, null);
      assert.equal(code, 0);
      assert.ok(ms < 1000, `exit took ${ms.toFixed(0)} ms`);
      assert.doesNotMatch(leaker.stderr, SANITIZER_REPORT);
      assert.match(leaker.stderr, /leaker: stopped/);
    });
  });

  describe(`${label}: configuration`, () => {
    const invalid = [
      [{ PORT: 'abc' }, /PORT="abc".*\[1, 65535\]/],
      [{ PORT: '70000' }, /PORT="70000".*\[1, 65535\]/],
      [{ PORT: '' }, /PORT="".*\[1, 65535\]/],
      [{ METRICS_PORT: ' 9090' }, /METRICS_PORT=" 9090".*\[1, 65535\]/],
      [
        { PORT: '9000', METRICS_PORT: '9000' },
        /PORT=9000 and METRICS_PORT=9000/,
      ],
      [{ LEAK_INTERVAL_MS: '-5' }, /LEAK_INTERVAL_MS="-5".*\[10, 3600000\]/],
      [{ LEAK_INTERVAL_MS: '5' }, /LEAK_INTERVAL_MS="5".*\[10, 3600000\]/],
      [{ LEAK_CHUNK_KB: '1024x' }, /LEAK_CHUNK_KB="1024x".*\[4, 65536\]/],
      [{ LEAK_START_DELAY_S: '1e3' }, /LEAK_START_DELAY_S="1e3".*\[0, 86400\]/],
      [{ LEAK_MAX_MB: '0' }, /LEAK_MAX_MB="0".*\[1, 65536\]/],
      [
        { LEAK_MAX_MB: '99999999999999999999999' },
        /LEAK_MAX_MB=.*\[1, 65536\]/,
      ],
      [
        { LEAK_MAX_MB: '1', LEAK_CHUNK_KB: '4096' },
        /LEAK_MAX_MB=1.*at least one LEAK_CHUNK_KB/,
      ],
      [
        { LEAK_MODE: 'cache', CACHE_MAX_MB: '2', LEAK_CHUNK_KB: '4096' },
        /CACHE_MAX_MB=2.*at least one/,
      ],
      [
        { LEAK_MODE: 'realloc', LEAK_MAX_MB: '1', LEAK_CHUNK_KB: '4096' },
        /LEAK_MAX_MB=1.*at least one LEAK_CHUNK_KB/,
      ],
      [
        { LEAK_MODE: 'partial', LEAK_MAX_MB: '1', LEAK_CHUNK_KB: '4096' },
        /LEAK_MAX_MB=1.*at least one LEAK_CHUNK_KB/,
      ],
      [
        { LEAK_MODE: 'bogus' },
        /LEAK_MODE="bogus".*leak, steady, cache, realloc, partial/,
      ],
      [{ LEAK_MODE: 'LEAK' }, /LEAK_MODE="LEAK"/],
      [{ BIND_ADDR: 'localhost' }, /BIND_ADDR="localhost".*IPv4 or IPv6/],
      [{ LEAK_LOG: 'yes' }, /LEAK_LOG="yes".*0 or 1/],
      [{ PID_FILE: '' }, /PID_FILE="".*non-empty path/],
      [{ LEAK_MODE: 'x\u001b[31m' }, /LEAK_MODE="x\\x1b\[31m"/],
    ];
    for (const [env, message] of invalid) {
      test(`rejects ${JSON.stringify(env)} with exit 2`, async () => {
        const res = await runToExit(env, { bin });
        assert.equal(res.code, 2, res.stderr);
        assert.match(res.stderr, /^leaker: invalid /);
        assert.match(res.stderr, message);
        assert.equal(res.stderr.trim().split('\n').length, 1);
      });
    }

    test('PID_FILE holds the pid while running and is removed on exit', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'leaker-pid-'));
      try {
        const pidFile = path.join(dir, 'leaker.pid');
        const leaker = await Leaker.start({
          bin,
          env: { PID_FILE: pidFile, LEAK_MODE: 'steady' },
        });
        assert.equal(readFileSync(pidFile, 'utf8'), `${leaker.pid}\n`);
        const { code } = await leaker.stop();
        assert.equal(code, 0);
        assert.equal(existsSync(pidFile), false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('SIGINT stops the service too', async () => {
      const leaker = await Leaker.start({
        bin,
        env: { LEAK_MODE: 'cache', CACHE_MAX_MB: '4' },
      });
      leaker.child.kill('SIGINT');
      const { code } = await leaker.exited;
      assert.equal(code, 0);
      assert.doesNotMatch(leaker.stderr, SANITIZER_REPORT);
    });
  });
}
