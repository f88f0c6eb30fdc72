import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  checkTraceable,
  findPid,
  heapBytesOf,
  readProcessMemory,
} from './procfs';
import { HeapTarget } from './testing/HeapTarget';
import {
  buildTracerAndTargets,
  HEAP_TARGET,
  HEAP_TARGET_STATIC,
  requireRoot,
} from './testing/tracerBuild';

jest.setTimeout(60_000);

describe('heapBytesOf', () => {
  it('sums [heap] and anonymous writable mappings only', () => {
    const maps = [
      '55d0c0a00000-55d0c0a01000 r--p 00000000 fe:00 123   /usr/bin/leaker',
      '55d0c0c00000-55d0c0c21000 rw-p 00000000 00:00 0     [heap]',
      '7f0000000000-7f0000100000 rw-p 00000000 00:00 0 ',
      '7f0000100000-7f0000200000 ---p 00000000 00:00 0 ',
      '7f0000200000-7f0000201000 rw-p 00000000 fe:00 456   /usr/lib/libc.so.6',
      '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0     [stack]',
    ].join('\n');
    expect(heapBytesOf(maps)).toBe(0x21000 + 0x100000);
  });
});

describe('procfs on real processes', () => {
  let target: HeapTarget;
  let dir: string;

  beforeAll(async () => {
    buildTracerAndTargets();
    target = await HeapTarget.start(HEAP_TARGET);
    dir = await mkdtemp(path.join(os.tmpdir(), 'memleak-procfs-'));
  });

  afterAll(async () => {
    target?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds a pid from a pid file, and not from a stale one', async () => {
    const pidFile = path.join(dir, 'target.pid');
    await writeFile(pidFile, `${target.pid}\n`);
    expect(await findPid({ pidFile })).toBe(target.pid);
    await writeFile(pidFile, '99999999\n');
    expect(await findPid({ pidFile })).toBeUndefined();
    expect(
      await findPid({ pidFile: path.join(dir, 'missing.pid') }),
    ).toBeUndefined();
  });

  it('finds a pid from the process name', async () => {
    expect(await findPid({ processName: 'heap-target' })).toBeLessThanOrEqual(
      target.pid,
    );
    expect(
      await findPid({ processName: 'no-such-process-name' }),
    ).toBeUndefined();
  });

  it('reads RSS and heap size, which grow with a written leak', async () => {
    const before = await readProcessMemory(target.pid);
    expect(before.rssBytes).toBeGreaterThan(0);
    await target.run('leak 64 65536'); // 4 MiB, every page written
    const after = await readProcessMemory(target.pid);
    expect(after.rssBytes! - before.rssBytes!).toBeGreaterThanOrEqual(
      3.5 * 1024 * 1024,
    );
    expect(after.heapBytes! - before.heapBytes!).toBeGreaterThanOrEqual(
      3.5 * 1024 * 1024,
    );
    await expect(readProcessMemory(99_999_999)).rejects.toThrow();
  });

  describe('checkTraceable', () => {
    beforeAll(() => requireRoot());

    it('accepts a dynamically linked glibc process', async () => {
      expect(await checkTraceable(target.pid)).toBeUndefined();
    });

    it('explains why a static binary cannot be traced', async () => {
      const staticTarget = await HeapTarget.start(HEAP_TARGET_STATIC);
      try {
        expect(await checkTraceable(staticTarget.pid)).toMatch(
          /statically linked/,
        );
      } finally {
        staticTarget.kill();
      }
    });

    it('says when the process does not exist', async () => {
      expect(await checkTraceable(99_999_999)).toMatch(
        /no process with pid 99999999/,
      );
    });
  });
});
