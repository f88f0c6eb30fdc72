// libFuzzer over our own parsers (config.c, query.c), built by `make fuzz`
// with clang -fsanitize=fuzzer,address,undefined. Each target runs for a
// bounded time from the seed corpus; any crash or broken invariant fails.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { ROOT } from './lib/leaker.mjs';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 20);

function run(bin, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', code => resolve({ code, stderr }));
  });
}

for (const target of ['config', 'query']) {
  test(`fuzz-${target}: no crash in ${SECONDS} s`, async t => {
    // The committed seeds stay untouched; new inputs go to a scratch copy.
    const dir = mkdtempSync(path.join(tmpdir(), `leaker-fuzz-${target}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const corpus = path.join(dir, 'corpus');
    cpSync(path.join(ROOT, 'fuzz/corpus', target), corpus, { recursive: true });

    const { code, stderr } = await run(
      path.join(ROOT, `build/fuzz-${target}`),
      [
        `-max_total_time=${SECONDS}`,
        '-timeout=5',
        '-rss_limit_mb=1024',
        `-artifact_prefix=${dir}/`,
        '-print_final_stats=1',
        corpus,
      ],
    );
    const runs = /stat::number_of_executed_units:\s+(\d+)/.exec(stderr);
    const crashes = readdirSync(dir).filter(f =>
      /^(crash|leak|timeout|oom)-/.test(f),
    );
    t.diagnostic(
      `${runs?.[1] ?? '?'} inputs executed, corpus ${
        readdirSync(corpus).length
      } files`,
    );
    assert.deepEqual(crashes, [], stderr.slice(-3000));
    assert.equal(code, 0, stderr.slice(-3000));
    assert.ok(runs && Number(runs[1]) > 1000, 'the fuzzer barely ran');
  });
}
