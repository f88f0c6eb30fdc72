// Runs every deploy check (tests/*.test.mjs) with Node's test runner, one file
// at a time (Prometheus, leaker-c and the test bed share two cores), and ends
// with one line: "deploy: N passed, N failed". Nothing is skipped: a check
// that cannot run here fails and says why.
//   node deploy-tests/run.mjs [tests/FILE.test.mjs ...]
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const tests = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tests');
const files =
  process.argv.length > 2
    ? process.argv.slice(2).map(f => path.resolve(f))
    : readdirSync(tests)
        .filter(f => f.endsWith('.test.mjs'))
        .sort()
        .map(f => path.join(tests, f));

const child = spawn(
  process.execPath,
  ['--test', '--test-reporter=tap', '--test-concurrency=1', ...files],
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
  // Skipped or todo tests are not passes: count them as failures.
  let failed = (total('fail') ?? 0) + (total('cancelled') ?? 0) + (total('skipped') ?? 0) + (total('todo') ?? 0);
  if (total('pass') === undefined || (code !== 0 && failed === 0)) failed += 1; // the runner itself broke
  console.log(`deploy: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
});
