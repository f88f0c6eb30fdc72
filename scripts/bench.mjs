#!/usr/bin/env node
// `yarn bench`: runs every benchmark in bench/ (each prints one JSON object on
// its last stdout line, with its own baseline measured in the same run) and
// writes the figures to docs/BENCHMARKS.md. `yarn bench ledger` runs one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const transform = ['-r', '@backstage/cli/config/nodeTransform.cjs'];

const BENCHES = {
  detection: {
    file: 'bench/detection.ts',
    title: 'Leak detection on leaker-c (real eBPF)',
  },
  overhead: {
    file: 'bench/overhead.mjs',
    title: 'Tracer overhead per malloc+free pair',
  },
  ledger: { file: 'bench/ledger.ts', title: 'HeapLedger throughput' },
  decoder: {
    file: 'bench/decoder.ts',
    title: "trace_malloc decoding against Inspektor Gadget's own client",
  },
  kubernetes: {
    file: 'bench/kubernetes.ts',
    title: 'The Kubernetes path: sustained event rate and detection',
  },
  frontend: {
    file: 'bench/frontend.mjs',
    title: 'Frontend: time to data and bundle size',
  },
  'frontend-kubernetes': {
    file: 'bench/frontendKubernetes.mjs',
    title:
      'Frontend on the Kubernetes test bed: a 10-pod card, a 50-entity fleet page',
  },
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(BENCHES);
const results = {};
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(
      `unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`,
    );
    process.exit(2);
  }
  console.error(`\n=== ${name}: ${bench.title} ===`);
  const args = bench.file.endsWith('.ts')
    ? [...transform, bench.file]
    : [bench.file];
  const run = spawnSync(process.execPath, ['--expose-gc', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    results[name] = JSON.parse(last);
    console.error(JSON.stringify(results[name], null, 2));
  } catch {
    results[name] = {
      error: `exit ${run.status}; no JSON result (${last.slice(0, 200)})`,
    };
    console.error(results[name].error);
  }
}

// Results are merged into docs/benchmarks.json so one benchmark can be re-run alone.
const store = path.join(root, 'docs/benchmarks.json');
const machine = `${os.cpus().length} × ${
  os.cpus()[0]?.model ?? 'cpu'
}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${
  process.version
}`;
const all = fs.existsSync(store)
  ? JSON.parse(fs.readFileSync(store, 'utf8'))
  : {};
for (const [name, r] of Object.entries(results)) {
  all[name] = {
    ...r,
    ranAt: new Date().toISOString().slice(0, 16) + 'Z',
    machine,
  };
}
fs.writeFileSync(store, `${JSON.stringify(all, null, 2)}\n`);

const file = path.join(root, 'docs/BENCHMARKS.md');
const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
const marker = '<!-- results: written by yarn bench -->';
const head = previous.includes(marker)
  ? previous.slice(0, previous.indexOf(marker))
  : previous;
const sections = Object.entries(all).map(
  ([name, r]) =>
    `### ${
      BENCHES[name].title
    } (\`yarn bench ${name}\`)\n\n\`\`\`json\n${JSON.stringify(
      r,
      null,
      2,
    )}\n\`\`\`\n`,
);
fs.writeFileSync(file, `${head}${marker}\n\n${sections.join('\n')}`);
console.error(`\nwrote ${path.relative(root, file)}`);
process.exit(Object.values(results).some(r => r.error) ? 1 : 0);
