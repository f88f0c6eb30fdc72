import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SourceError, StackSample } from '../types';
import { LocalEbpfSource } from './LocalEbpfSource';
import { HeapTarget } from './testing/HeapTarget';
import {
  buildTracerAndTargets,
  HEAP_TARGET,
  HEAP_TARGET_STATIC,
  requireRoot,
  TRACER_BIN,
} from './testing/tracerBuild';

jest.setTimeout(60_000);

/** Real kernel, real uprobes: a heap-target process traced by the built tracer. */
describe('LocalEbpfSource', () => {
  const cleanup: Array<() => unknown> = [];

  beforeAll(() => {
    requireRoot();
    buildTracerAndTargets();
  });

  afterEach(async () => {
    for (const undo of cleanup.splice(0).reverse()) await undo();
  });

  async function traced(
    options: { maxAllocations?: number; topStacks?: number } = {},
  ) {
    const target = await HeapTarget.start(HEAP_TARGET);
    cleanup.push(() => target.kill());
    const source = new LocalEbpfSource({
      pid: target.pid,
      tracerPath: TRACER_BIN,
      ...options,
    });
    cleanup.push(() => source.stop());
    await source.start();
    return { target, source };
  }

  const stackOf = (stacks: StackSample[], fn: string) =>
    stacks.filter(s => s.frames[0]?.symbol === fn);

  it('pairs frees in the kernel and attributes leaks to the calling function', async () => {
    const { target, source } = await traced();
    expect(source.ready?.freeOffset).toBeGreaterThan(0);
    await target.run('leak 100 1000');
    await target.run('churn 1000 64');
    await target.run('free 10');

    const snap = await source.snapshot(0);
    expect(snap.outstandingBytes).toBe(90 * 1000);
    expect(snap.outstandingCount).toBe(90);
    expect(snap.allocs).toBe(1100);
    expect(snap.frees).toBe(1010);
    expect(snap.lostEvents).toBe(0);

    const [leak, ...others] = stackOf(snap.stacks, 'leak_blocks');
    expect(others).toHaveLength(0);
    expect(leak).toMatchObject({
      outstandingBytes: 90_000,
      outstandingCount: 90,
      allocs: 100,
      frees: 10,
    });
    expect(leak.frames[0].module).toBe('heap-target');
    expect(leak.frames[1].symbol).toBe('main');
    expect(leak.frames.every(f => /^0x[0-9a-f]+$/.test(f.address))).toBe(true);
    // churn frees everything it allocates: no live allocations, not listed
    expect(stackOf(snap.stacks, 'churn_blocks')).toHaveLength(0);
    expect(snap.stacks).toHaveLength(1);
  });

  it('counts only allocations older than the minimum age as aged', async () => {
    const { target, source } = await traced();
    await target.run('leak 10 100');
    await new Promise(r => setTimeout(r, 1500));
    await target.run('leak 20 200');

    const snap = await source.snapshot(1000);
    expect(snap.outstandingBytes).toBe(10 * 100 + 20 * 200);
    expect(snap.agedBytes).toBe(1000);
    expect(snap.agedCount).toBe(10);
    const [leak] = stackOf(snap.stacks, 'leak_blocks');
    expect(leak).toMatchObject({
      agedBytes: 1000,
      agedCount: 10,
      outstandingCount: 30,
    });
    expect((await source.snapshot(0)).agedBytes).toBe(5000);
    expect((await source.snapshot(60_000)).agedBytes).toBe(0);
  });

  it('handles calloc, realloc, posix_memalign/aligned_alloc and mmap-sized blocks', async () => {
    const { target, source } = await traced();
    await target.run('calloc 10 4 100');
    await target.run('realloc 10 16 5000');
    await target.run('memalign 5 64 200');
    await target.run('leak 2 1048576');

    const snap = await source.snapshot(0);
    const bytes = (fn: string) =>
      stackOf(snap.stacks, fn).reduce((sum, s) => sum + s.outstandingBytes, 0);
    expect(bytes('calloc_blocks')).toBe(4000);
    // the malloc(16) blocks were moved or grown by realloc: only the 5000s live
    expect(bytes('realloc_blocks')).toBe(50_000);
    expect(stackOf(snap.stacks, 'realloc_blocks')).toHaveLength(1);
    expect(bytes('memalign_blocks')).toBe(2000); // posix_memalign and aligned_alloc call sites
    expect(stackOf(snap.stacks, 'memalign_blocks')).toHaveLength(2);
    expect(bytes('leak_blocks')).toBe(2 * 1048576);
    expect(snap.outstandingBytes).toBe(4000 + 50_000 + 2000 + 2 * 1048576);
    // glibc serves 1 MiB blocks with mmap, kept as a separate series
    expect(snap.mmapBytes).toBeGreaterThanOrEqual(2 * 1048576);
    expect(snap.allocs).toBe(10 + 20 + 10 + 2);
    expect(snap.frees).toBe(10);

    await target.run('free 2');
    expect((await source.snapshot(0)).mmapBytes).toBe(0);
  });

  it('stays exact with more live allocations than the slot array holds', async () => {
    // 65536 slots: past them, allocations live in the hash map behind it
    const { target, source } = await traced({ maxAllocations: 200_000 });
    await target.run('leak 100000 64');
    await target.run('free 60000');
    const snap = await source.snapshot(0);
    expect(snap.lostEvents).toBe(0);
    expect(snap.allocs).toBe(100_000);
    expect(snap.frees).toBe(60_000);
    expect(snap.outstandingCount).toBe(40_000);
    expect(snap.outstandingBytes).toBe(40_000 * 64);
    expect(stackOf(snap.stacks, 'leak_blocks')).toMatchObject([
      { outstandingCount: 40_000, allocs: 100_000, frees: 60_000 },
    ]);
  });

  it('pairs every call of thousands of threads, past the per-thread slots', async () => {
    // 4096 slots by tid: of 5000 threads, hundreds find theirs held by an
    // earlier thread's tid and keep their pending call in the hash map
    const { target, source } = await traced();
    await target.run('threads 5000 48');
    const snap = await source.snapshot(0);
    expect(snap.lostEvents).toBe(0);
    expect(stackOf(snap.stacks, 'thread_block')).toMatchObject([
      { outstandingCount: 5000, outstandingBytes: 5000 * 48, allocs: 5000 },
    ]);
  });

  it('reports lost events when the allocation map is full, keeping what fits', async () => {
    const { target, source } = await traced({ maxAllocations: 50 });
    await target.run('leak 100 10');
    const snap = await source.snapshot(0);
    expect(snap.outstandingCount).toBe(50);
    expect(snap.lostEvents).toBe(50);
  });

  it('walks every frame, caller first, through a frame that spans pages', async () => {
    // the walk reads the stack a window at a time: nested_big's 12 KiB frame
    // puts its caller's frame record pages away from the allocation
    const { target, source } = await traced();
    await target.run('nested 3 100');
    const snap = await source.snapshot(0);
    const [nested, ...others] = stackOf(snap.stacks, 'nested_inner');
    expect(others).toHaveLength(0);
    expect(nested.outstandingBytes).toBe(300);
    expect(nested.frames.slice(0, 4).map(f => f.symbol)).toEqual([
      'nested_inner',
      'nested_big',
      'nested_outer',
      'main',
    ]);
    // and stops below main, in libc, without a frame of garbage
    expect(nested.frames.slice(4).map(f => f.module)).toEqual(['libc.so.6']);
  });

  it('keeps every stack of a process with thousands of call paths', async () => {
    // 8192 distinct stacks: a bucketed stack map of 16384 would refuse
    // hundreds of them, possibly the leak's own, for the rest of the trace.
    const { target, source } = await traced();
    await target.run('spread 13');
    await target.run('leak 5 100');
    const snap = await source.snapshot(0);
    expect(snap.allocs).toBe(8192 + 5);
    expect(snap.lostEvents).toBe(0);
    expect(stackOf(snap.stacks, 'leak_blocks')).toMatchObject([
      { outstandingBytes: 500, allocs: 5 },
    ]);
  });

  it('counts allocations past the stack table as lost, not as another stack', async () => {
    const { target, source } = await traced();
    await target.run('spread 15'); // 32768 stacks, twice the table
    await target.run('leak 5 100');
    const snap = await source.snapshot(0);
    expect(snap.lostEvents).toBe(32768 + 5 - 16384);
    expect(stackOf(snap.stacks, 'leak_blocks')).toHaveLength(0);
    expect(snap.outstandingBytes).toBe(500);
  });

  it('lists the top stacks only, with exact totals', async () => {
    const { target, source } = await traced({ topStacks: 1 });
    await target.run('leak 5 100');
    await target.run('calloc 5 1 10');
    const snap = await source.snapshot(0);
    expect(snap.stacks).toHaveLength(1);
    expect(snap.stacks[0].frames[0].symbol).toBe('leak_blocks');
    expect(snap.outstandingBytes).toBe(550);
  });

  it('ends with target_exited when the target exits mid-trace', async () => {
    const { target, source } = await traced();
    await target.run('leak 3 100');
    expect((await source.snapshot(0)).outstandingCount).toBe(3);
    await target.exit();
    await expect(source.ended).resolves.toMatchObject({
      code: 'target_exited',
    });
    await expect(source.snapshot(0)).rejects.toMatchObject({
      notice: { code: 'target_exited' },
    });
  });

  it('does not report an end after stop(), and stops twice safely', async () => {
    const { source } = await traced();
    await source.stop();
    await source.stop();
    const outcome = await Promise.race([
      source.ended.then(() => 'ended'),
      new Promise(r => setTimeout(() => r('pending'), 300)),
    ]);
    expect(outcome).toBe('pending');
  });

  it('traces the libc a process in another mount namespace really maps', async () => {
    // The target sees its own copy of libc at the usual path (as in a container):
    // probing the host's file at that path would see nothing.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'memleak-ns-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const hostLibc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
    await copyFile(hostLibc, path.join(dir, 'libc.so.6'));
    const target = await HeapTarget.start('unshare', [
      '--mount',
      'sh',
      '-c',
      `mount --bind ${dir}/libc.so.6 ${hostLibc} && exec ${HEAP_TARGET}`,
    ]);
    cleanup.push(() => target.kill());
    const source = new LocalEbpfSource({
      pid: target.pid,
      tracerPath: TRACER_BIN,
    });
    cleanup.push(() => source.stop());
    await source.start();

    await target.run('leak 7 100');
    const snap = await source.snapshot(0);
    expect(snap.outstandingBytes).toBe(700);
    expect(stackOf(snap.stacks, 'leak_blocks')).toHaveLength(1);
  });

  it('rejects a statically linked target as unsupported', async () => {
    const target = await HeapTarget.start(HEAP_TARGET_STATIC);
    cleanup.push(() => target.kill());
    const source = new LocalEbpfSource({
      pid: target.pid,
      tracerPath: TRACER_BIN,
    });
    const error = await source.start().catch(e => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error.notice.code).toBe('unsupported_target');
    expect(error.message).toMatch(/statically linked/);
  });

  it('rejects a pid that does not exist', async () => {
    const source = new LocalEbpfSource({
      pid: 99_999_999,
      tracerPath: TRACER_BIN,
    });
    await expect(source.start()).rejects.toMatchObject({
      notice: { code: 'target_not_found' },
    });
  });

  it('says how to build the tracer when the binary is missing', async () => {
    const source = new LocalEbpfSource({
      pid: process.pid,
      tracerPath: '/nonexistent/memleak-tracer',
    });
    const error = await source.start().catch(e => e);
    expect(error.notice.code).toBe('ebpf_unavailable');
    expect(error.message).toContain('make -C plugins/memleak-backend/tracer');
  });
});
