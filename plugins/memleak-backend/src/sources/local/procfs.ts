import { readdir, readFile } from 'node:fs/promises';

/**
 * What /proc says about local processes: finding a target's pid, the kernel's
 * view of its memory, and whether the eBPF tracer can attach to it.
 */

export interface PidLookup {
  /** A file holding the pid (written by the service or its launcher). */
  pidFile?: string;
  /** Matched against /proc/PID/comm (the kernel keeps 15 characters of it). */
  processName?: string;
}

const COMM_LENGTH = 15;

/** The pid of a running process, or undefined when none matches. */
export async function findPid(
  lookup: PidLookup,
  procRoot = '/proc',
): Promise<number | undefined> {
  if (lookup.pidFile) {
    const text = await readFile(lookup.pidFile, 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    return pid > 0 && (await isAlive(pid, procRoot)) ? pid : undefined;
  }
  if (lookup.processName) {
    const wanted = lookup.processName.slice(0, COMM_LENGTH);
    const pids = (await readdir(procRoot))
      .filter(name => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => a - b);
    for (const pid of pids) {
      const comm = await readFile(`${procRoot}/${pid}/comm`, 'utf8').catch(
        () => '',
      );
      if (comm.trim() === wanted && (await isAlive(pid, procRoot))) return pid;
    }
  }
  return undefined;
}

/** Exists and is not a zombie. */
async function isAlive(pid: number, procRoot: string): Promise<boolean> {
  const status = await readFile(`${procRoot}/${pid}/status`, 'utf8').catch(
    () => undefined,
  );
  return status !== undefined && !/^State:\s+Z/m.test(status);
}

export interface ProcessMemory {
  /** VmRSS. */
  rssBytes?: number;
  /** The `[heap]` mapping plus anonymous writable mappings (where malloc puts memory). */
  heapBytes?: number;
}

/** The kernel's view of one process's memory; throws when the process is gone. */
export async function readProcessMemory(
  pid: number,
  procRoot = '/proc',
): Promise<ProcessMemory> {
  const [status, maps] = await Promise.all([
    readFile(`${procRoot}/${pid}/status`, 'utf8'),
    readFile(`${procRoot}/${pid}/maps`, 'utf8'),
  ]);
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return {
    rssBytes: rss ? Number(rss[1]) * 1024 : undefined,
    heapBytes: heapBytesOf(maps),
  };
}

/** Sums the mappings glibc's malloc serves memory from: brk heap, arenas, mmap'd chunks. */
export function heapBytesOf(maps: string): number {
  let total = 0;
  for (const line of maps.split('\n')) {
    const m =
      /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+\S+\s+\S+\s+(\d+)\s*(.*)$/.exec(
        line,
      );
    if (!m) continue;
    const [, start, end, perms, inode, name] = m;
    const anonymous = inode === '0' && name === '';
    if (name === '[heap]' || (anonymous && perms.startsWith('rw'))) {
      total += parseInt(end, 16) - parseInt(start, 16);
    }
  }
  return total;
}

// Capability bits (linux/capability.h)
const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** Effective capabilities of this process, from /proc/self/status. */
async function effectiveCaps(procRoot: string): Promise<bigint> {
  const status = await readFile(`${procRoot}/self/status`, 'utf8');
  const m = /^CapEff:\s+([0-9a-f]+)/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

function has(caps: bigint, bit: bigint): boolean {
  return (caps & (1n << bit)) !== 0n;
}

/**
 * A quick check before starting a trace: undefined when the tracer should
 * be able to attach, otherwise why not and what to do.
 */
export async function checkTraceable(
  pid: number,
  procRoot = '/proc',
): Promise<string | undefined> {
  let maps: string;
  try {
    maps = await readFile(`${procRoot}/${pid}/maps`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `no process with pid ${pid}`
      : `cannot read /proc/${pid}/maps (${code}): run the backend as root or grant CAP_BPF and CAP_PERFMON`;
  }
  const caps = await effectiveCaps(procRoot);
  const privileged =
    has(caps, CAP_SYS_ADMIN) || (has(caps, CAP_BPF) && has(caps, CAP_PERFMON));
  if (!privileged) {
    return 'eBPF tracing needs privileges: run the backend as root or grant CAP_BPF and CAP_PERFMON';
  }
  const libs = maps
    .split('\n')
    .filter(l => /^\S+\s+..x.*\s\//.test(l)) // executable, file-backed
    .map(l => l.slice(l.lastIndexOf('/') + 1));
  if (libs.some(name => /^libc(\.so|-\d.*\.so)/.test(name))) return undefined;
  if (libs.some(name => name.includes('musl'))) {
    return `pid ${pid} uses musl libc; the eBPF tracer probes glibc's malloc and free, so its heap is invisible`;
  }
  return `pid ${pid} maps no shared glibc (statically linked?): there is no libc.so to attach malloc/free probes to, so eBPF cannot see its heap`;
}
