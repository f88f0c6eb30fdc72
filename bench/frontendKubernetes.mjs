#!/usr/bin/env node
/*
 * The memleak frontend on the Kubernetes test bed, production build, each
 * figure next to a baseline measured in the same run:
 *
 * 1. Navigation → the memleak card showing data for an entity with 10 pods
 *    (every pod row with what the pod says about its memory), against the
 *    catalog's About card on the same navigations. Goal ≤ 1 s.
 * 2. Navigation → the fleet page listing 50 entities, against the catalog
 *    table (the catalog index page) with the same 50 entities, the two loaded
 *    in turn. Goal ≤ 1.5 s.
 *
 * What runs: the test bed (`testbed.sh up` when it is down; never stopped
 * here, others share it) with a Deployment of 10 real leaker-c pods of its
 * own (frontendKubernetes/leaker-bench.yaml, deleted again at the end); the
 * latest traces of the 50 entities written by the real trace runner and
 * store (frontendKubernetes/seed.ts); a backend with the real catalog, the
 * real kubernetes backend plugin pointed at the test bed and memleak
 * (frontendKubernetes/backend.ts); the portal app built for production
 * (prodApp.mjs) and served with that backend proxied on one origin; headless
 * Chromium. Needs root (the test bed).
 *
 *   node bench/frontendKubernetes.mjs [--navigations N] [--warmup N]
 *
 * Prints one JSON object as its last stdout line; progress on stderr.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { openBrowser } from '../plugins/memleak/e2e/browser.mjs';
import { ROOT } from '../plugins/memleak/e2e/portal.mjs';
import { onSignals } from '../plugins/memleak/e2e/signals.mjs';
import { median, round, sampleMarks } from './navigations.mjs';
import { buildProductionApp, serveProductionApp } from './prodApp.mjs';

const CARD_GOAL_MS = 1000;
// GET /fleet has gone unanswered for minutes at times on the loaded test bed:
// such a navigation is counted, not waited for.
const NAVIGATION_TIMEOUT_MS = 120_000;
const FLEET_GOAL_MS = 1500;
// Not the dev portal's 3000/7007, nor bench/frontend.mjs's 3001.
const BACKEND_PORT = 7300;
const APP_PORT = 3300;
const BACKEND_URL = `http://localhost:${BACKEND_PORT}`;
const APP_ORIGIN = `http://localhost:${APP_PORT}`;
const HERE = path.join(ROOT, 'bench/frontendKubernetes');
const WORK = path.join(ROOT, '.memleak/bench/frontend-kubernetes');
const TESTBED = path.join(ROOT, '.memleak/testbed');
const MANIFEST = path.join(HERE, 'leaker-bench.yaml');
const TRANSFORM = ['-r', '@backstage/cli/config/nodeTransform.cjs'];
// Kept in step with frontendKubernetes/entities.ts.
const CARD_PATH = '/catalog/default/component/leaker-bench';
const CARD_DESCRIPTION =
  'Ten leaker-c pods on the test bed, for the frontend benchmark.';
const PODS = 10;
const FLEET_SIZE = 50;
const FLEET_PATH = '/memleak';
const CATALOG_PATH =
  '/catalog?filters%5Bkind%5D=component&filters%5Buser%5D=all';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const navigations = option('navigations', 10);
const warmup = option('warmup', 2);
const log = message => console.error(`frontend-kubernetes: ${message}`);
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function kubectl(args, { check = true } = {}) {
  const run = spawnSync(
    path.join(TESTBED, 'bin/kubectl'),
    ['--kubeconfig', path.join(TESTBED, 'kubeconfig'), ...args],
    { encoding: 'utf8' },
  );
  if (check && run.status !== 0) {
    throw new Error(`kubectl ${args.join(' ')}: ${run.stderr.trim()}`);
  }
  return run;
}

/** Retries `attempt` (which throws or returns falsy) until `timeoutMs`. */
async function until(what, timeoutMs, attempt) {
  const started = Date.now();
  let last;
  for (;;) {
    try {
      const result = await attempt();
      if (result) return result;
    } catch (error) {
      last = error;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `${what}: not within ${timeoutMs / 1000} s${
          last ? ` (${last.message})` : ''
        }`,
      );
    }
    await sleep(1000);
  }
}

/** The shared test bed: brought up when it is down, never stopped here. */
function ensureTestbed() {
  const status = spawnSync('bash', ['testbed/testbed.sh', 'status'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (status.status === 0) return;
  log('the test bed is down: testbed.sh up');
  const up = spawnSync('bash', ['testbed/testbed.sh', 'up'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (up.status !== 0) throw new Error(`testbed.sh up: exit ${up.status}`);
}

const podNames = () =>
  kubectl([
    'get',
    'pods',
    '-n',
    'memleak-demo',
    '-l',
    'app.kubernetes.io/name=leaker-bench',
    '-o',
    'jsonpath={range .items[?(@.status.phase=="Running")]}{.metadata.name}{"\\n"}{end}',
  ])
    .stdout.split('\n')
    .filter(Boolean);

/** Applies the 10-pod Deployment; resolves when every pod answers /health through the API server. */
async function deployPods() {
  log('applying the 10-pod Deployment leaker-bench');
  // An API server restarted by someone's fault test answers again shortly.
  await until('kubectl apply', 120_000, () => {
    kubectl(['apply', '-f', MANIFEST]);
    return true;
  });
  await until('10 leaker-bench pods answering /health', 240_000, () => {
    const names = podNames();
    if (names.length !== PODS) return false;
    return names.every(
      name =>
        kubectl(
          [
            'get',
            '--raw',
            `/api/v1/namespaces/memleak-demo/pods/${name}:8080/proxy/health`,
          ],
          { check: false },
        ).status === 0,
    );
  });
}

async function deletePods() {
  log('deleting the Deployment leaker-bench');
  try {
    await until('kubectl delete', 120_000, () => {
      kubectl(['delete', '-f', MANIFEST, '--ignore-not-found', '--wait=false']);
      return true;
    });
    await until('the leaker-bench pods gone', 120_000, () => {
      return podNames().length === 0;
    });
  } catch (error) {
    log(`could not delete leaker-bench: ${error.message}`);
  }
}

function isListening(port) {
  return new Promise(resolve => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function runNode(args, logFile) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...TRANSFORM, ...args], {
    cwd: ROOT,
    detached: true, // its own process group
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.exited = new Promise(resolve => child.once('exit', resolve));
  return child;
}

async function stopGroup(child) {
  if (!child || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  await Promise.race([child.exited, sleep(10_000)]);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

const tail = file =>
  fs.readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

/** Median time of `count` calls of the API alone, after one warm-up; calls unanswered within 60 s are counted apart. */
async function timeApi(url, count) {
  const times = [];
  let unanswered = 0;
  for (let i = 0; i <= count; i++) {
    const started = performance.now();
    try {
      await getJson(url);
      if (i > 0) times.push(performance.now() - started);
    } catch (error) {
      log(`${url}: ${error.message}`);
      if (i > 0) unanswered++;
    }
  }
  return {
    medianMs: times.length ? round(median(times)) : undefined,
    unanswered,
  };
}

// Runs in the page before any app code (its argument from addInitScript).
function watchMarks({ description, pods, fleet }) {
  const seen = {};
  window.__cardTimes = seen;
  const check = () => {
    const now = performance.now();
    if (seen.card === undefined) {
      const rows = document.querySelectorAll(
        'table[aria-label="Pods: reported vs. observed"] tbody tr',
      );
      if (
        rows.length === pods &&
        [...rows].every(r => /says it uses \d/.test(r.textContent))
      ) {
        seen.card = now;
      }
    }
    if (
      seen.about === undefined &&
      document.body?.textContent.includes(description)
    ) {
      seen.about = now;
    }
    if (
      seen.fleet === undefined &&
      document.querySelectorAll(
        'table[aria-label="Traceable entities"] tbody tr',
      ).length === fleet
    ) {
      seen.fleet = now;
    }
    // The catalog table pages by 20: its first page of the 50, and the count.
    if (
      seen.catalog === undefined &&
      document.querySelectorAll('table a[href*="/catalog/default/component/"]')
        .length >= Math.min(fleet, 20) &&
      document.body.textContent.includes(`(${fleet})`)
    ) {
      seen.catalog = now;
    }
  };
  new MutationObserver(check).observe(document, {
    childList: true,
    subtree: true,
    characterData: true,
  });
}

const shown = samples => samples.filter(x => !x.timedOut);

function compare(subject, baseline, goalMs, names) {
  const s = shown(subject.samples).map(x => x[names.subject]);
  const b = shown(baseline.samples).map(x => x[names.baseline]);
  const subjectMs = median(s);
  const baselineMs = median(b);
  return {
    [`${names.subject}MedianMs`]: round(subjectMs),
    [`${names.baseline}MedianMs`]: round(baselineMs),
    [`${names.subject}MaxMs`]: round(Math.max(...s)),
    [`${names.baseline}MaxMs`]: round(Math.max(...b)),
    [`${names.subject}FirstLoadMs`]:
      subject.firstLoad && round(subject.firstLoad[names.subject]),
    appScriptsDoneMedianMs: round(
      median(shown(subject.samples).map(x => x.scripts)),
    ),
    // Navigations that showed nothing within the timeout, left out above.
    [`${names.subject}TimedOut`]: subject.samples.length - s.length,
    [`${names.baseline}TimedOut`]: baseline.samples.length - b.length,
    ratio: Number((subjectMs / baselineMs).toFixed(2)),
    goalMs,
    meetsGoal: subjectMs <= goalMs,
  };
}

async function main() {
  for (const port of [BACKEND_PORT, APP_PORT]) {
    if (await isListening(port)) throw new Error(`port ${port} is in use`);
  }
  let backend;
  let seed;
  let closeApp;
  let browser;
  let deployed = false;
  const teardown = async () => {
    await browser?.close();
    await closeApp?.();
    await stopGroup(backend);
    await stopGroup(seed);
    if (deployed) await deletePods();
  };
  onSignals(teardown, log);
  try {
    ensureTestbed();
    deployed = true;
    await deployPods();

    fs.rmSync(path.join(WORK, 'db'), { recursive: true, force: true });
    fs.mkdirSync(path.join(WORK, 'db'), { recursive: true });
    const seedLog = path.join(WORK, 'seed.log');
    fs.writeFileSync(seedLog, '');
    log(`writing the fleet's traces (seed.ts, ~95 s), log in ${seedLog}`);
    seed = runNode(
      ['bench/frontendKubernetes/seed.ts', path.join(WORK, 'db')],
      seedLog,
    );
    // Built meanwhile; the seed's snapshots follow the real clock either way.
    buildProductionApp({
      outDir: path.join(WORK, 'prod-app'),
      origin: APP_ORIGIN,
      log,
    });
    const seedExit = await seed.exited;
    if (seedExit !== 0) {
      throw new Error(`seed.ts: exit ${seedExit}\n${tail(seedLog)}`);
    }
    const seeded = JSON.parse(tail(seedLog).trim().split('\n').pop());
    log(`seeded: ${JSON.stringify(seeded)}`);

    const backendLog = path.join(WORK, 'backend.log');
    fs.writeFileSync(backendLog, '');
    log(`starting the backend on :${BACKEND_PORT}, log in ${backendLog}`);
    backend = runNode(
      ['bench/frontendKubernetes/backend.ts', WORK, String(BACKEND_PORT)],
      backendLog,
    );
    const fleetUrl = `${BACKEND_URL}/api/memleak/fleet`;
    const reportUrl = `${BACKEND_URL}/api/memleak/report?entityRef=${encodeURIComponent(
      'component:default/leaker-bench',
    )}`;
    // The catalog has processed every entity (owners related) and the card's
    // entity reports its ten pods. GET /fleet is not asked before the card is
    // measured: its load (a report per growing entity) would be measured too.
    const catalogUrl = `${BACKEND_URL}/api/catalog/entities/by-query?filter=kind=component&limit=${FLEET_SIZE}`;
    await until('the catalog holding 50 entities', 300_000, async () => {
      if (backend.exitCode !== null) {
        throw new Error(`backend exited\n${tail(backendLog)}`);
      }
      const body = await getJson(catalogUrl);
      return (
        body.items.length === FLEET_SIZE &&
        body.items.every(e => e.relations?.some(r => r.type === 'ownedBy'))
      );
    });
    const report = await until(
      'the report of leaker-bench',
      120_000,
      async () => {
        const body = await getJson(reportUrl);
        return body.pods?.length === PODS &&
          body.reported.every(r => r.memory.bytes > 0)
          ? body
          : undefined;
      },
    );
    const apiCalls = 5;
    const reportApi = await timeApi(reportUrl, apiCalls);
    const catalogApi = await timeApi(catalogUrl, apiCalls);

    closeApp = await serveProductionApp({
      dir: path.join(WORK, 'prod-app'),
      port: APP_PORT,
      backendUrl: BACKEND_URL,
    });
    browser = await openBrowser();
    onSignals(teardown, log); // Playwright installed its own handlers
    const { context, page } = browser;
    await context.addInitScript(watchMarks, {
      description: CARD_DESCRIPTION,
      pods: PODS,
      fleet: FLEET_SIZE,
    });
    const opts = { warmup, navigations, log };
    const card = await sampleMarks(page, `${APP_ORIGIN}${CARD_PATH}`, {
      ...opts,
      marks: ['card', 'about'],
      label: 'entity page',
      keepTimeouts: true,
    });
    const fleet = await getJson(fleetUrl).catch(() => undefined);
    const fleetApi = await timeApi(fleetUrl, 3);
    // The fleet page and the catalog table in turn, so both see the same load.
    const fleetRuns = { samples: [] };
    const catalogRuns = { samples: [] };
    for (let i = 0; i < warmup + navigations; i++) {
      const one = {
        warmup: i < warmup ? 1 : 0,
        navigations: i < warmup ? 0 : 1,
        log,
        timeoutMs: NAVIGATION_TIMEOUT_MS,
        keepTimeouts: true,
      };
      const f = await sampleMarks(page, `${APP_ORIGIN}${FLEET_PATH}`, {
        ...one,
        marks: ['fleet'],
        label: 'fleet page',
      });
      const c = await sampleMarks(page, `${APP_ORIGIN}${CATALOG_PATH}`, {
        ...one,
        marks: ['catalog'],
        label: 'catalog table',
      });
      fleetRuns.samples.push(...f.samples);
      catalogRuns.samples.push(...c.samples);
      fleetRuns.firstLoad ??= f.firstLoad;
      catalogRuns.firstLoad ??= c.firstLoad;
    }

    const verdicts = {};
    for (const item of fleet?.items ?? []) {
      const key = item.latest?.verdict ?? 'never traced';
      verdicts[key] = (verdicts[key] ?? 0) + 1;
    }
    return {
      navigations,
      warmup,
      card10Pods: {
        ...compare(card, card, CARD_GOAL_MS, {
          subject: 'card',
          baseline: 'about',
        }),
        cardAfterAboutMedianMs: round(
          median(card.samples.map(s => s.card - s.about)),
        ),
        pods: report.pods.length,
        reportApi,
        shows: 'every pod row with its self-reported memory (pods/proxy)',
        baseline: 'the catalog About card on the same navigations',
      },
      fleet50: {
        ...compare(fleetRuns, catalogRuns, FLEET_GOAL_MS, {
          subject: 'fleet',
          baseline: 'catalog',
        }),
        entities: fleet?.items.length,
        verdicts,
        rowsWithTimeToOom: fleet?.items.filter(i => i.oom).length,
        fleetApi,
        catalogApi,
        shows:
          'all 50 rows (the catalog table: its first page of 20, and the count of 50)',
        baseline:
          'the catalog index page with the same 50 entities, loaded in turn',
        seeded,
      },
      build:
        'production (Backstage bundler, as backstage-cli package build), served with the backend proxied on one origin',
      backend:
        'catalog, @backstage/plugin-kubernetes-backend on the test bed (testbedBackendConfig), memleak',
    };
  } finally {
    await teardown();
  }
}

const result = await main();
console.log(JSON.stringify(result));
process.exit(0);
