// Runs test files with Node's test runner, one file at a time (the suites
// measure memory, latency and real services on two shared cores), streams
// the TAP, and ends with one line: "LABEL: N passed, N failed". A skipped or
// todo test is named and counted as failed: a check that cannot run here
// must say why, never pass by absence.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Runs `files` (default: every *.test.mjs in `dir`, sorted) and sets the exit code. */
export function runNodeTests(label, dir, files = []) {
  const chosen =
    files.length > 0
      ? files.map(f => path.resolve(f))
      : readdirSync(dir)
          .filter(f => f.endsWith('.test.mjs'))
          .sort()
          .map(f => path.join(dir, f));
  const child = spawn(
    process.execPath,
    ['--test', '--test-reporter=tap', '--test-concurrency=1', ...chosen],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let tap = '';
  child.stdout.on('data', d => {
    tap += d;
    process.stdout.write(d);
  });
  child.on('close', code => {
    const total = name => {
      const m = new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap);
      return m ? Number(m[1]) : undefined;
    };
    const passed = total('pass') ?? 0;
    let failed = ['fail', 'cancelled', 'skipped', 'todo']
      .map(name => total(name) ?? 0)
      .reduce((a, b) => a + b, 0);
    // The runner itself broke.
    if (total('pass') === undefined || (code !== 0 && failed === 0))
      failed += 1;
    for (const [, name, kind, reason] of tap.matchAll(
      /^\s*(?:not )?ok \d+ - (.*?) # (SKIP|TODO)(.*)$/gm,
    )) {
      console.log(
        `${label}: not run (${kind}): ${name}${
          reason.trim() ? ` (${reason.trim()})` : ''
        }`,
      );
    }
    console.log(`${label}: ${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
  });
}
