// The guide's runnable command blocks: a fenced block preceded by
//   <!-- runnable: local|testbed expect=/regex/flags absent=/regex/flags ... -->
// Blocks of one kind run in order in one bash session (variables carry over,
// as for a reader), each followed by a marker line with its exit code.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MARKER = /<!--\s*runnable:\s*(local|testbed)((?:\s+(?:expect|absent)=\/(?:[^/\\\n]|\\.)*\/[a-z]*)*)\s*-->\s*\n```(?:sh|bash)\n([\s\S]*?)\n```/g;
const CHECK = /(expect|absent)=\/((?:[^/\\\n]|\\.)*)\/([a-z]*)/g;

export function runnableBlocks(markdown) {
  return [...markdown.matchAll(MARKER)].map(([, kind, checks, code], i) => ({
    index: i,
    kind,
    code,
    checks: [...checks.matchAll(CHECK)].map(([, how, src, flags]) => ({ how, re: new RegExp(src, flags) })),
  }));
}

// Code blocks with no runnable marker: they are documented, not run.
export function unmarkedBlocks(markdown) {
  const all = [...markdown.matchAll(/```(?:sh|bash)\n/g)].length;
  return all - runnableBlocks(markdown).length;
}

const END = '@@memleak-block-end';

// Runs BLOCKS as one bash script (COMMAND is the argv that runs it; the script
// file is appended), returns each block's { output, status } in order.
export function runSession(command, blocks, { cwd, env, timeoutMs }) {
  const script = blocks
    .map(b => `{\n${b.code}\n} 2>&1\necho "${END} $?"\n`)
    .join('');
  // A file, not stdin: commands in the blocks may read stdin.
  const dir = mkdtempSync(join(tmpdir(), 'memleak-guide-'));
  writeFileSync(join(dir, 'session.sh'), `set +e\n${script}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), join(dir, 'session.sh')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', d => (out += d));
    child.stderr.on('data', d => (err += d));
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      const parts = out.split(new RegExp(`^${END} (\\d+)$`, 'm'));
      const results = [];
      for (let i = 0; i + 1 < parts.length; i += 2) {
        results.push({ output: parts[i].replace(/^\n/, ''), status: Number(parts[i + 1]) });
      }
      resolve({ results, stderr: err, rest: parts[parts.length - 1] });
    });
  });
}
