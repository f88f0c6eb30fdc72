import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { cliTraceReportSchema } from '@internal/plugin-memleak-common';
import {
  buildLeakerAndTracer,
  LeakerProcess,
  requireRoot,
} from '../__testUtils__/leakerProcess';
import { runProcess } from '../__testUtils__/runProcess';

// The CLI as users run it: the bin script in a child process.
const BIN = path.join(
  resolvePackagePath('@internal/plugin-memleak-backend'),
  'bin/memleak-trace',
);

function run(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [BIN, ...args]);
}

describe('memleak-trace', () => {
  it('prints usage and exits 0 with --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: memleak-trace --pid N');
  }, 30_000);

  it('exits 2 with a clear message on bad usage', async () => {
    const r = await run(['--pid', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--pid must be a whole number, got "abc"');
    const missing = await run(['--duration', '30']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      '--pid (a process) or --pod (a pod) is required',
    );
  }, 30_000);

  describe('on a real process (root)', () => {
    beforeAll(() => {
      requireRoot();
      buildLeakerAndTracer();
    }, 120_000);

    it('exits 3 and says why when it cannot attach', async () => {
      const r = await run(['--pid', '4194000', '--duration', '60']);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/4194000/);
    }, 30_000);

    it('traces a leaking process and prints the documented JSON report', async () => {
      const leaker = await LeakerProcess.start({
        LEAK_INTERVAL_MS: '250',
        LEAK_CHUNK_KB: '64',
      });
      try {
        const r = await run([
          '--pid',
          String(leaker.pid),
          '--duration',
          '30',
          '--interval',
          '1',
          '--min-age',
          '1',
          '--json',
        ]);
        expect(r.code).toBe(0);
        const report = cliTraceReportSchema.parse(JSON.parse(r.stdout));
        expect(report.pid).toBe(leaker.pid);
        expect(report.status).toBe('completed');
        expect(['growing', 'leak']).toContain(report.verdict);
        expect(report.snapshots.length).toBeGreaterThanOrEqual(28);
        expect(report.stacks[0].frames[0].symbol).toBe('leak_memory_chunk');
        expect(report.stacks[0].frees).toBe(0);
        // One progress line per snapshot on stderr.
        const progress = r.stderr
          .split('\n')
          .filter(l => /^\[\s*\d+s\/30s\]/.test(l));
        expect(progress.length).toBe(report.snapshots.length);
      } finally {
        await leaker.stop();
      }
    }, 90_000);
  });
});
