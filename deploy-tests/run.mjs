// Runs every deploy check (tests/*.test.mjs) and ends with one line:
// "deploy: N passed, N failed". Nothing is skipped: a check that cannot run
// here fails and says why.
//   node deploy-tests/run.mjs [deploy-tests/tests/FILE.test.mjs ...]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeTests } from '../scripts/lib/node-tests.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
runNodeTests('deploy', path.join(here, 'tests'), process.argv.slice(2));
