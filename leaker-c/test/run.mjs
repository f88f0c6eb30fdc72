// Runs every leaker-c test file and ends with one line: "leaker-c: N passed,
// N failed". A test that skips itself (e.g. eBPF without root) is named and
// counted as failed, never as passed.
//   node leaker-c/test/run.mjs [leaker-c/test/FILE.test.mjs ...]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeTests } from '../../scripts/lib/node-tests.mjs';

runNodeTests(
  'leaker-c',
  path.dirname(fileURLToPath(import.meta.url)),
  process.argv.slice(2),
);
