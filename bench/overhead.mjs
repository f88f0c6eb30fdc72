#!/usr/bin/env node
/*
 * What tracing costs per malloc(64)+free pair: untraced, under the local eBPF
 * tracer (plugins/memleak-backend/tracer), and under the classic three-probe
 * bpftrace script (uprobe malloc, uretprobe malloc, uprobe free), in one run.
 *
 *   node bench/overhead.mjs [--iterations N] [--repetitions N]
 *
 * Needs root (or CAP_BPF + CAP_PERFMON), gcc, make, clang, bpftool, bpftrace.
 * Prints one JSON object; ratio = (ours − untraced) / (bpftrace − untraced).
 * Each figure is the median of the repetitions, each in a fresh process.
 * `oursFreeAtEntryNsPerPair` shows what probing free past its NULL check saves.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tracerDir = join(root, 'plugins/memleak-backend/tracer');
const tracerBin = join(tracerDir, 'build/memleak-tracer');
const loopBin = join(tracerDir, 'build/alloc-loop');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const iterations = option('iterations', 200_000);
const repetitions = option('repetitions', 5);

/** Resolves with the first line of `child`'s stdout that `match` accepts. */
function waitForLine(child, match, what, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${what}`)),
      timeoutMs,
    );
    const onExit = code =>
      reject(new Error(`${what}: process exited (${code})`));
    child.once('exit', onExit);
    lines.on('line', line => {
      if (!match(line)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.close();
      resolve(line);
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function libcOf(pid) {
  const line = readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .find(l => / r-xp .*\/libc[.-][^/]*so/.test(l));
  if (!line) throw new Error(`pid ${pid} maps no glibc`);
  return line.slice(line.indexOf('/'));
}

async function attachOurs(pid, extraArgs = []) {
  const tracer = spawn(tracerBin, ['--pid', String(pid), ...extraArgs], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = JSON.parse(
    await waitForLine(tracer, l => l.startsWith('{'), 'memleak-tracer'),
  );
  if (ready.type !== 'ready')
    throw new Error(`memleak-tracer: ${ready.message}`);
  found.freeOffset ??= ready.freeOffset;
  found.freeProbe ??= ready.freeProbe;
  return () => tracer.stdin.end('quit\n');
}

const found = {};

const attachers = {
  untraced: async () => () => {},
  ours: pid => attachOurs(pid),
  // the same tracer with free probed at its first (single-stepped) instruction
  oursFreeAtEntry: pid => attachOurs(pid, ['--free-at-entry']),
  bpftrace: async pid => {
    const libc = libcOf(pid);
    const script = `
      uprobe:${libc}:malloc { @size[tid] = arg0; }
      uretprobe:${libc}:malloc { @allocs[retval] = @size[tid]; delete(@size[tid]); }
      uprobe:${libc}:free { delete(@allocs[arg0]); }`;
    // stderr kept for failures: it also warns about RLIMIT_MEMLOCK and tracefs on every run
    const bt = spawn('bpftrace', ['-p', String(pid), '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    bt.stderr.on('data', chunk => {
      stderr += chunk;
    });
    try {
      await waitForLine(bt, l => l.startsWith('Attaching'), 'bpftrace');
    } catch (error) {
      throw new Error(`${error.message}\n${stderr}`);
    }
    // "Attaching N probes..." is printed before the last probe is in place.
    await new Promise(r => setTimeout(r, 1000));
    return () => bt.kill('SIGINT');
  },
};

/** ns per pair, median of the repetitions, with `mode` attached to the loop. */
async function measure(mode) {
  const loop = spawn(loopBin, [String(iterations), String(repetitions)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pid = Number(
    (await waitForLine(loop, l => l.startsWith('ready'), 'alloc-loop')).split(
      ' ',
    )[1],
  );
  const detach = await attachers[mode](pid);
  const samples = [];
  const done = new Promise(resolve => loop.once('exit', resolve));
  createInterface({ input: loop.stdout }).on('line', l =>
    samples.push(Number(l)),
  );
  loop.stdin.end('go\n');
  await done;
  detach();
  if (samples.length !== repetitions)
    throw new Error(`${mode}: got ${samples.length} samples`);
  return median(samples);
}

execFileSync('make', ['-s', '-C', tracerDir, 'all', 'build/alloc-loop'], {
  stdio: 'inherit',
});
const ns = {};
for (const mode of ['untraced', 'ours', 'bpftrace', 'oursFreeAtEntry']) {
  ns[mode] = await measure(mode);
}
const round = x => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    iterations,
    repetitions,
    untracedNsPerPair: round(ns.untraced),
    oursNsPerPair: round(ns.ours),
    bpftraceNsPerPair: round(ns.bpftrace),
    ratio:
      Math.round(
        ((ns.ours - ns.untraced) / (ns.bpftrace - ns.untraced)) * 1000,
      ) / 1000,
    freeOffset: found.freeOffset,
    freeProbe: found.freeProbe,
    oursFreeAtEntryNsPerPair: round(ns.oursFreeAtEntry),
  }),
);
