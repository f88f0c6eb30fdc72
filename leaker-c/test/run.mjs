// Runs every leaker-c test file with Node's test runner and ends with one
// summary line: "leaker-c: N passed, N failed". Tests that report themselves
// as skipped (e.g. eBPF without root) are listed as not run, never as passed.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// Optional arguments pick files: node test/run.mjs test/ebpf.test.mjs
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(here)
        .filter(f => f.endsWith('.test.mjs'))
        .sort()
        .map(f => path.join(here, f));

// One file at a time: RSS and latency measurements must not share the CPU
// with the fuzzers or with each other.
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
  let failed = (total('fail') ?? 0) + (total('cancelled') ?? 0);
  if (total('pass') === undefined || (code !== 0 && failed === 0)) failed += 1; // runner itself broke
  const skipped = [...tap.matchAll(/^\s*ok \d+ - (.*?) # SKIP(.*)$/gm)];
  for (const [, name, reason] of skipped)
    console.log(`leaker-c: not run: ${name} (${reason.trim()})`);
  console.log(`leaker-c: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
});
