#!/usr/bin/env node
/*
 * What tracing costs per malloc(64)+free pair, in one run: untraced; the
 * floor (empty BPF programs at exactly the tracer's attach points, attached by
 * the tracer's own loader with --floor: what the probes cost before any work
 * of ours); under the local eBPF tracer (plugins/memleak-backend/tracer); and
 * under the classic three-probe bpftrace script (uprobe malloc, uretprobe
 * malloc, uprobe free at its entry).
 *
 *   node bench/overhead.mjs [--iterations N] [--repetitions N] [--rounds N]
 *   node bench/overhead.mjs --revisions REV,REV,… [--rounds N]
 *
 * Needs root (or CAP_BPF + CAP_PERFMON), gcc, make, clang, bpftool, bpftrace.
 * Prints one JSON object. Figures are the loop thread's CPU time per pair.
 * Each round measures every mode back to back, each in a fresh process (the
 * median of its repetitions); a figure is the median over the rounds and a
 * ratio the median of the rounds' ratios, so load that drifts during the run
 * hits both sides of a ratio alike.
 *   ratioToFloor    = (ours − untraced) / (floor − untraced)   goal ≤ 1.25
 *   ratioToBpftrace = (ours − untraced) / (bpftrace − untraced)
 * disturbedRounds: rounds thrown away because another process probed libc.
 * bpfNsPerRun: one more run of each with kernel.bpf_stats_enabled, the time
 * spent inside each BPF program per run (the stats add their own cost, so
 * these runs stay out of the figures above).
 * `oursFreeAtEntryNsPerPair` shows what probing free past its NULL check saves.
 * --revisions: what each change bought. The tracer of each git revision
 * (built from `git archive` in a temporary directory) on both loops, in the
 * same rounds as the floor and the untraced loop of the working tree.
 * The loop allocates 3 frames below libc (pairs, main, libc's start); a walk
 * costs per frame, so `oursDeepStackNsPerPair` is the same loop DEEP_FRAMES
 * frames deeper, closer to a real service's stacks.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tracerDir = join(root, 'plugins/memleak-backend/tracer');
const tracerBin = join(tracerDir, 'build/memleak-tracer');
const loopBin = join(tracerDir, 'build/alloc-loop');
const GOAL_RATIO_TO_FLOOR = 1.25;
const DEEP_FRAMES = 12;

function option(name, fallback, parse = Number) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? parse(process.argv[i + 1]) : fallback;
}
const iterations = option('iterations', 200_000);
const repetitions = option('repetitions', 3);
const rounds = option('rounds', 5);
const revisions = option('revisions', [], v => v.split(','));

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

/** The BPF programs loaded now, by id (bpftool lists no owner pids here). */
function bpfPrograms() {
  return JSON.parse(
    execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }),
  );
}

/** Ids of the BPF programs a process holds (its fds' `prog_id`). */
function programIdsOf(pid) {
  const ids = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    const id = /^prog_id:\s*(\d+)/m.exec(info);
    if (id) ids.add(Number(id[1]));
  }
  return ids;
}

async function attachOurs(pid, extraArgs = [], bin = tracerBin) {
  const tracer = spawn(bin, ['--pid', String(pid), ...extraArgs], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = JSON.parse(
    await waitForLine(tracer, l => l.startsWith('{'), 'memleak-tracer'),
  );
  if (ready.type !== 'ready')
    throw new Error(`memleak-tracer: ${ready.message}`);
  if (ready.floor !== extraArgs.includes('--floor'))
    throw new Error(`memleak-tracer ignored ${extraArgs.join(' ')}`);
  found.freeOffset ??= ready.freeOffset;
  found.freeProbe ??= ready.freeProbe;
  const ids = programIdsOf(tracer.pid);
  return {
    programs: () => bpfPrograms().filter(p => ids.has(p.id)),
    detach: () => tracer.stdin.end('quit\n'),
  };
}

const found = {};

const attachers = {
  untraced: async () => ({ detach: () => {} }),
  floor: pid => attachOurs(pid, ['--floor']),
  ours: pid => attachOurs(pid),
  // the same tracer with free probed at its first (single-stepped) instruction
  oursFreeAtEntry: pid => attachOurs(pid, ['--free-at-entry']),
  oursDeepStack: pid => attachOurs(pid),
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
    return { detach: () => bt.kill('SIGINT') };
  },
};

/**
 * ns per pair (median of the repetitions) with `mode` attached to a fresh
 * loop; with `bpfStats`, also the ns per run inside each BPF program.
 */
async function measure(mode, { bpfStats = false } = {}) {
  const depth = /DeepStack/.test(mode) ? DEEP_FRAMES : 0;
  const loop = spawn(
    loopBin,
    [String(iterations), String(repetitions), String(depth)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const pid = Number(
    (await waitForLine(loop, l => l.startsWith('ready'), 'alloc-loop')).split(
      ' ',
    )[1],
  );
  const attached = await attachers[mode](pid);
  const samples = [];
  const done = new Promise(resolve => loop.once('exit', resolve));
  let probed = false;
  createInterface({ input: loop.stdout }).on('line', l => {
    if (l.startsWith('probed ')) probed = l === 'probed 1';
    else samples.push(Number(l));
  });
  if (bpfStats) setBpfStats(true);
  try {
    loop.stdin.end('go\n');
    await done;
  } finally {
    if (bpfStats) setBpfStats(false);
  }
  let perRun;
  if (bpfStats) {
    perRun = Object.fromEntries(
      attached
        .programs()
        .filter(p => p.run_cnt > 0)
        .map(p => [p.name, Math.round((p.run_time_ns / p.run_cnt) * 10) / 10]),
    );
  }
  attached.detach();
  if (samples.length !== repetitions)
    throw new Error(`${mode}: got ${samples.length} samples`);
  return { nsPerPair: median(samples), perRun, probed };
}

const BPF_STATS = '/proc/sys/kernel/bpf_stats_enabled';
function setBpfStats(on) {
  writeFileSync(BPF_STATS, on ? '1' : '0');
}

/** The tracer binary of a git revision, built in a temporary directory. */
function buildRevision(rev) {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-overhead-'));
  const tree = 'plugins/memleak-backend/tracer';
  execFileSync(
    'sh',
    ['-c', `git archive "$1" ${tree} | tar -x -C "$2"`, 'sh', rev, dir],
    {
      cwd: root,
    },
  );
  execFileSync('make', ['-s', '-C', join(dir, tree), 'all'], {
    stdio: 'inherit',
  });
  return join(dir, tree, 'build/memleak-tracer');
}

/** Ratio to the floor of each revision, both loops, in the same rounds. */
async function compareRevisions() {
  const modes = ['untraced', 'floor'];
  for (const rev of revisions) {
    const bin = buildRevision(rev);
    attachers[`ours@${rev}`] = pid => attachOurs(pid, [], bin);
    attachers[`oursDeepStack@${rev}`] = pid => attachOurs(pid, [], bin);
    modes.push(`ours@${rev}`, `oursDeepStack@${rev}`);
  }
  const ns = await runRounds(modes);
  const subject = rev =>
    execFileSync('git', ['log', '-1', '--format=%s', rev], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
  return {
    iterations,
    repetitions,
    rounds,
    disturbedRounds,
    untracedNsPerPair: round1(median(ns.untraced)),
    floorNsPerPair: round1(median(ns.floor)),
    revisions: revisions.map(rev => ({
      rev,
      subject: subject(rev),
      oursNsPerPair: round1(median(ns[`ours@${rev}`])),
      ratioToFloor: ratioOverRounds(ns, `ours@${rev}`, 'floor'),
      ratioToFloorDeepStack: ratioOverRounds(
        ns,
        `oursDeepStack@${rev}`,
        'floor',
      ),
    })),
  };
}

const MAX_TRIES = 5;
let disturbedRounds = 0;

/**
 * ns per pair of every mode, each round measuring them all back to back. A
 * round whose untraced loop, run first and again last, was probed (another
 * process probes libc system-wide, as a bpftrace without -p does) is thrown
 * away and measured again: it would slow every loop of the round.
 */
async function runRounds(modes) {
  const ns = Object.fromEntries(modes.map(m => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (let tries = 1; ; tries++) {
      const round = {};
      for (const mode of modes) round[mode] = await measure(mode);
      const clean =
        !round.untraced.probed && !(await measure('untraced')).probed;
      if (clean) {
        for (const mode of modes) ns[mode].push(round[mode].nsPerPair);
        break;
      }
      disturbedRounds++;
      console.error(`round ${r + 1}: another process probed libc; again`);
      if (tries === MAX_TRIES)
        throw new Error(
          `another process kept probing libc system-wide for ${MAX_TRIES} tries of a round`,
        );
    }
    console.error(
      `round ${r + 1}/${rounds}: ${modes
        .map(m => `${m} ${ns[m][r].toFixed(1)}`)
        .join(', ')} ns/pair`,
    );
  }
  return ns;
}
const round1 = x => Math.round(x * 10) / 10;
const round3 = x => Math.round(x * 1000) / 1000;
/** Median over the rounds of (mode − untraced) / (baseline − untraced). */
const ratioOverRounds = (ns, mode, baseline) =>
  round3(
    median(
      ns[mode].map(
        (_, r) =>
          (ns[mode][r] - ns.untraced[r]) / (ns[baseline][r] - ns.untraced[r]),
      ),
    ),
  );

execFileSync('make', ['-s', '-C', tracerDir, 'all', 'build/alloc-loop'], {
  stdio: 'inherit',
});
if (revisions.length) {
  console.log(JSON.stringify(await compareRevisions()));
  process.exit(0);
}
const modes = [
  'untraced',
  'floor',
  'ours',
  'oursDeepStack',
  'bpftrace',
  'oursFreeAtEntry',
];
const ns = await runRounds(modes);
const bpfNsPerRun = {
  ours: (await measure('ours', { bpfStats: true })).perRun,
  oursDeepStack: (await measure('oursDeepStack', { bpfStats: true })).perRun,
  floor: (await measure('floor', { bpfStats: true })).perRun,
};

const ratioToFloor = ratioOverRounds(ns, 'ours', 'floor');
console.log(
  JSON.stringify({
    iterations,
    repetitions,
    rounds,
    disturbedRounds,
    untracedNsPerPair: round1(median(ns.untraced)),
    floorNsPerPair: round1(median(ns.floor)),
    oursNsPerPair: round1(median(ns.ours)),
    bpftraceNsPerPair: round1(median(ns.bpftrace)),
    ratioToFloor,
    ratioToBpftrace: ratioOverRounds(ns, 'ours', 'bpftrace'),
    deepStackFrames: DEEP_FRAMES + 3,
    oursDeepStackNsPerPair: round1(median(ns.oursDeepStack)),
    ratioToFloorDeepStack: ratioOverRounds(ns, 'oursDeepStack', 'floor'),
    bpfNsPerRun,
    freeOffset: found.freeOffset,
    freeProbe: found.freeProbe,
    oursFreeAtEntryNsPerPair: round1(median(ns.oursFreeAtEntry)),
    goal: {
      ratioToFloor: GOAL_RATIO_TO_FLOOR,
      met: ratioToFloor <= GOAL_RATIO_TO_FLOOR,
    },
  }),
);
