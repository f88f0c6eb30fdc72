// A real eBPF check: bpftrace's uprobe on the libc the process maps sees the
// leak's malloc calls, and the user stack names the leaking functions.
// Needs root (or CAP_BPF + CAP_PERFMON) and Debian's bpftrace.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

import { Leaker } from './lib/leaker.mjs';

const CHUNK_KB = 1024;
const TRACE_SECONDS = 3;

/** The libc file this process really maps (a uprobe is per file). */
function mappedLibc(pid) {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  const m =
    /\s(\/\S*\/libc\.so\.6)$/m.exec(maps) ??
    /\s(\/\S*\/libc[-.][^/\s]*\.so[^/\s]*)$/m.exec(maps);
  assert.ok(m, 'no libc in /proc/PID/maps');
  return m[1];
}

/** bpftrace wants tracefs; it is not mounted by default on some hosts. */
function ensureTracefs() {
  let entries = [];
  try {
    entries = readdirSync('/sys/kernel/tracing');
  } catch {
    return;
  }
  if (entries.length === 0)
    spawnSync('mount', ['-t', 'tracefs', 'tracefs', '/sys/kernel/tracing']);
}

/** Runs a bpftrace script; calls onAttached when it prints "tracing" (its
 * BEGIN probe: all probes attached, unlike "Attaching...") and onDone when
 * it prints "done" (its last probe; exiting and detaching take a while). */
function runBpftrace(script, { onAttached, onDone }) {
  return new Promise((resolve, reject) => {
    const child = spawn('bpftrace', ['-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const events = [
      [/^tracing$/m, onAttached],
      [/^done$/m, onDone],
    ];
    child.stdout.on('data', d => {
      const before = stdout;
      stdout += d;
      for (const [pattern, fn] of events)
        if (!pattern.test(before) && pattern.test(stdout)) fn();
    });
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

/** Parses "@[\n frames...\n]: count" blocks of a printed ustack map. */
function stacks(output) {
  return [...output.matchAll(/@\[\n([\s\S]*?)\n\]: (\d+)/g)].map(m => ({
    frames: m[1].split('\n').map(f => f.trim()),
    count: Number(m[2]),
  }));
}

test('bpftrace uprobe on libc malloc sees the leak, with leak_memory_chunk/leak_thread on the stack', async t => {
  if (process.getuid() !== 0) {
    t.skip('needs root (or CAP_BPF + CAP_PERFMON) to attach uprobes');
    return;
  }
  ensureTracefs();
  const leaker = await Leaker.start({
    env: {
      LEAK_START_DELAY_S: '0',
      LEAK_INTERVAL_MS: '100',
      LEAK_CHUNK_KB: String(CHUNK_KB),
      LEAK_MAX_MB: '512',
    },
  });
  t.after(() => leaker.stop());

  const libc = mappedLibc(leaker.pid);
  const script = [
    'BEGIN { printf("tracing\\n"); }',
    // The stack is taken at malloc's return: there the frame chain starts in
    // the caller, so the function that called malloc is frame 0 (an entry
    // probe's frame-pointer walk skips it).
    `uprobe:${libc}:malloc /pid == ${leaker.pid}/ { @size[tid] = arg0; }`,
    `uretprobe:${libc}:malloc /pid == ${leaker.pid} && @size[tid] == ${
      CHUNK_KB * 1024
    }/ { @[ustack] = count(); delete(@size[tid]); }`,
    `interval:s:${TRACE_SECONDS} { printf("done\\n"); exit(); }`,
  ].join('\n');
  let chunksAtAttach;
  let chunksAtExit;
  const result = await runBpftrace(script, {
    onAttached: () => (chunksAtAttach = leaker.chunks),
    onDone: () => (chunksAtExit = leaker.chunks),
  });
  assert.equal(result.code, 0, `bpftrace failed:\n${result.stderr}`);
  assert.notEqual(chunksAtAttach, undefined, 'bpftrace never attached');
  assert.notEqual(
    chunksAtExit,
    undefined,
    `bpftrace printed no stacks:\n${result.stdout}`,
  );

  const leakStacks = stacks(result.stdout).filter(s =>
    s.frames.some(f => /^(leak_memory_chunk|leak_thread)\+/.test(f)),
  );
  const seen = leakStacks.reduce((sum, s) => sum + s.count, 0);
  const leaked = chunksAtExit - chunksAtAttach;
  t.diagnostic(
    `bpftrace counted ${seen} leak mallocs; the service logged ${leaked} chunks meanwhile`,
  );
  t.diagnostic(`stack: ${leakStacks[0]?.frames.join(' <- ')}`);
  const expected = (TRACE_SECONDS * 1000) / 100;
  assert.ok(
    leaked >= expected * 0.8,
    `only ${leaked} chunks leaked while tracing`,
  );
  // Attach and print race the 100 ms interval by at most one chunk each.
  assert.ok(
    Math.abs(seen - leaked) <= 2,
    `probe saw ${seen}, service leaked ${leaked}`,
  );
  assert.ok(
    leakStacks[0].frames[0].startsWith('leak_memory_chunk+'),
    `malloc's caller should be leak_memory_chunk, got ${leakStacks[0].frames[0]}`,
  );
});
