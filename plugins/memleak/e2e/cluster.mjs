#!/usr/bin/env node
// Browser end-to-end test of `yarn dev --cluster`: starts scripts/dev.sh
// --cluster (the dev backend with the real kubernetes backend plugin pointed
// at the test bed, the dev app with the Kubernetes tab), opens leaker-c in
// headless Chromium, sees its two pods on two nodes, traces all of them
// through the Kubernetes API and Inspektor Gadget, and checks that the
// verdict moves to growing or leak while every pod keeps reporting itself
// healthy; then the Memory tab, the fleet page (leaker-c first) and the
// official Kubernetes tab. axe-core checks the card, the tab and the fleet
// page: no serious or critical violation. Screenshots k8s-card.png,
// k8s-tab.png and fleet.png go under .memleak/test-results/screenshots (with
// --update-docs: docs/screenshots, the README's pictures). Stops its trace
// and everything it started; the test bed stays up. Last stdout line:
// `e2e-cluster: N passed, N failed`.
//
//   node plugins/memleak/e2e/cluster.mjs [--update-docs]   (root: the test bed needs it)
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { openBrowser } from './browser.mjs';
import { createHarness } from './harness.mjs';
import { onSignals } from './signals.mjs';
import { assert, waitForText } from './page.mjs';
import {
  APP_URL,
  BACKEND_URL,
  ROOT,
  startPortal,
  stopStartedPortals,
} from './portal.mjs';
import {
  ENTITY_PATH,
  screenshot,
  traceFromApi,
  UPDATING_DOCS,
  tracesFromApi,
  VERDICT_MOVED,
} from './leaker.mjs';

const TRACE_DURATION = '300'; // seconds: outlasts the wait for the verdict
// Through Inspektor Gadget the verdict reads growing after ~1–2 min of
// tracing on an idle machine; the test bed is shared and the machine busy.
const VERDICT_TIMEOUT_MS = 270_000;
const HEALTHY = /^healthy \(HTTP 200, says "healthy"\)/;
const AXE_SOURCE = fs.readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

const log = message => process.stderr.write(`e2e-cluster: ${message}\n`);
let portal;
let browser;
let page;
const harness = createHarness('e2e-cluster');
const { run } = harness;
let failures = 0;
/** A harness test that leaves a screenshot of the page when it fails. */
function test(name, fn) {
  harness.test(name, async () => {
    try {
      await fn();
    } catch (e) {
      if (page) {
        const file = path.join(
          ROOT,
          '.memleak/test-results/screenshots',
          `failed-cluster-${++failures}.png`,
        );
        fs.mkdirSync(path.dirname(file), { recursive: true });
        await page.screenshot({ path: file }).catch(() => {});
        e.message += `\n(screenshot: ${path.relative(ROOT, file)})`;
      }
      throw e;
    }
  });
}

let traceStarted = false;
const pageErrors = [];
const axeCounts = {};

function needPortal() {
  if (!page) throw new Error('no portal or browser: the first test failed');
}

function needTrace() {
  needPortal();
  if (!traceStarted) {
    throw new Error('no trace to look at: the trace test failed');
  }
}

const podsTable = () =>
  page.getByRole('table', { name: 'Pods: reported vs. observed' }).first();
const podRows = () => podsTable().locator('tbody tr');
const acrossPods = () => page.getByRole('region', { name: 'Across pods' });

/** The card's root element, for axe and the screenshot. */
const card = () =>
  page
    .locator('[class*=MuiCard-root]', {
      hasText: 'Memory: reported vs. observed',
    })
    .first();

/**
 * axe-core (WCAG 2.x A/AA rules and best practices) over `scope`; fails
 * naming every serious or critical violation.
 */
async function checkAccessibility(name, scope) {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const handle = await scope.elementHandle({ timeout: 10_000 });
  const violations = await page.evaluate(
    async el =>
      (
        await window.axe.run(el, { resultTypes: ['violations'] })
      ).violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
      })),
    handle,
  );
  const bad = violations.filter(
    v => v.impact === 'serious' || v.impact === 'critical',
  );
  axeCounts[name] = {
    violations: violations.length,
    seriousOrCritical: bad.length,
  };
  const ids = violations.map(v => `${v.id}/${v.impact}`).join(', ');
  log(
    `axe on ${name}: ${violations.length} violations, ${
      bad.length
    } serious or critical${ids ? ` (${ids})` : ''}`,
  );

  assert(
    bad.length === 0,
    `axe found ${bad.length} serious or critical violations on ${name}:\n${bad
      .map(
        v => `${v.impact} ${v.id}: ${v.help}\n  at ${v.nodes.join('\n  at ')}`,
      )
      .join('\n')}`,
  );
}

test('yarn dev --cluster starts and leaker-c shows its two pods on two nodes, both reporting healthy', async () => {
  portal = await startPortal({ log, cluster: true, timeoutMs: 420_000 });
  browser = await openBrowser();
  onSignals(teardown, log);
  page = browser.page;
  page.on('pageerror', e => pageErrors.push(e.message));

  await page.goto(APP_URL);
  await page.waitForURL(`**${ENTITY_PATH}`, { timeout: 60_000 });
  // The first report waits on both pods' /health and /metrics through the
  // API server's pods/proxy.
  await podsTable().waitFor({ timeout: 120_000 });
  await waitForText(podRows().nth(1), /leaker-c-/, {
    timeoutMs: 30_000,
    what: 'a second pod row',
  });
  const rows = await podRows().count();
  assert(rows === 2, `the card lists ${rows} pods, expected 2`);
  const nodes = new Set();
  for (let i = 0; i < rows; i++) {
    const row = podRows().nth(i);
    const text = await waitForText(
      row,
      /cluster testbed, node memleak-node-\d/,
      {
        timeoutMs: 10_000,
        what: `pod row ${i + 1}`,
      },
    );
    nodes.add(/node (memleak-node-\d)/.exec(text)[1]);
    await waitForText(row.locator('td').nth(0), /^Running/, {
      timeoutMs: 10_000,
      what: `pod row ${i + 1}'s state`,
    });
    await waitForText(row.locator('td').nth(1), HEALTHY, {
      timeoutMs: 30_000,
      what: `pod row ${i + 1}'s reported health`,
    });
  }
  assert(nodes.size === 2, `the pods run on ${[...nodes].join(', ')}`);
});

test('Trace heap on all pods: the verdict moves to growing or leak while every pod reports healthy', async () => {
  needPortal();
  const unavailable = page.getByText('Heap tracing is unavailable here.');
  if (await unavailable.isVisible()) {
    throw new Error(`the card says: ${await unavailable.innerText()}`);
  }
  const choice = page.getByLabel('Pods to trace');
  await choice.selectOption({ label: 'All running pods (2)' });
  await page.getByLabel('Trace duration').selectOption(TRACE_DURATION);
  await page.getByRole('button', { name: 'Trace heap' }).click();
  traceStarted = true;

  const progress = page.getByText(/^Tracing 2 pods: /);
  await waitForText(progress, /of 5 min$/, {
    timeoutMs: 30_000,
    what: 'progress after Trace heap',
  });
  await page.getByRole('button', { name: 'Stop trace' }).waitFor();

  const verdict = await waitForText(acrossPods(), VERDICT_MOVED, {
    timeoutMs: VERDICT_TIMEOUT_MS,
    what: 'the verdict across pods',
  });
  log(`across pods: ${verdict.replace(/\n/g, ' ')}`);
  // …while each pod still says all is well about itself.
  const rows = await podRows().count();
  for (let i = 0; i < rows; i++) {
    await waitForText(podRows().nth(i).locator('td').nth(1), HEALTHY, {
      timeoutMs: 5_000,
      what: `pod row ${i + 1}'s reported health during the trace`,
    });
  }
  await waitForText(podsTable().locator('tbody'), VERDICT_MOVED, {
    timeoutMs: 5_000,
    what: 'a pod verdict',
  });
  if (UPDATING_DOCS) {
    // The README's caption says every replica grows: wait for the second pod.
    await waitForText(acrossPods(), /in every replica/, {
      timeoutMs: 60_000,
      what: 'growth in every replica, for the README picture',
    });
  }
  await screenshot(page, 'k8s-card.png', { top: card(), log });
  await checkAccessibility('the card', card());
});

test('the Memory tab shows the pods, the timeline and the stacks of the running trace', async () => {
  needTrace();
  await page.getByRole('tab', { name: 'Memory' }).click();
  await page.waitForURL(`**${ENTITY_PATH}/memleak`);
  await podsTable().waitFor({ timeout: 30_000 });
  await page
    .getByRole('img', { name: 'Heap and memory over the trace' })
    .waitFor({ timeout: 30_000 });
  await waitForText(
    page
      .getByRole('table', { name: 'Stacks keeping memory' })
      .locator('tbody tr')
      .first(),
    /leak_memory_chunk/,
    { timeoutMs: 30_000, what: 'top stack' },
  );
  await screenshot(page, 'k8s-tab.png', { log });
  // The tab's own content: everything below the entity page's tabs.
  await checkAccessibility(
    'the Memory tab',
    page
      .locator('article')
      .filter({ has: page.getByRole('table', { name: 'Trace history' }) })
      .first(),
  );
});

test('the fleet page lists leaker-c first, with its verdict', async () => {
  needTrace();
  await page
    .getByRole('link', { name: 'Memory across services' })
    .first()
    .click();
  await page.waitForURL('**/memleak');
  const table = page.getByRole('table', { name: 'Traceable entities' });
  await table.waitFor({ timeout: 30_000 });
  const first = table.locator('tbody tr').first();
  await waitForText(first, /^leaker-c/, {
    timeoutMs: 30_000,
    what: 'the first row',
  });
  await waitForText(first, VERDICT_MOVED, {
    timeoutMs: 30_000,
    what: "leaker-c's verdict on the fleet page",
  });
  await screenshot(page, 'fleet.png', { log });
  await checkAccessibility(
    'the fleet page',
    page.locator('article').filter({ has: table }).first(),
  );
});

test("the official Kubernetes tab shows the test bed's cluster with leaker-c's two pods", async () => {
  needPortal();
  await page.goto(`${APP_URL}${ENTITY_PATH}`);
  await page
    .getByRole('tab', { name: 'Kubernetes' })
    .click({ timeout: 90_000 });
  await page.waitForURL(`**${ENTITY_PATH}/kubernetes`);
  await waitForText(
    page.locator('article').first(),
    /Your Clusters[\s\S]*testbed[\s\S]*2 pods[\s\S]*No pods with errors/,
    { timeoutMs: 90_000, what: 'the cluster in the Kubernetes tab' },
  );
});

test('Stop ends the trace of both pods', async () => {
  needTrace();
  await page.getByRole('tab', { name: 'Overview' }).click({ timeout: 90_000 });
  await page
    .getByRole('button', { name: 'Stop trace' })
    .click({ timeout: 90_000 });
  await page
    .getByRole('button', { name: 'Trace heap' })
    .waitFor({ timeout: 30_000 });
  const traces = await tracesFromApi();
  const running = traces.filter(t => t.status === 'running');
  assert(
    running.length === 0,
    `${running.length} traces still running after Stop`,
  );
  if (traces.length !== 2 || traces.some(t => t.status !== 'stopped')) {
    // Say why each trace that did not stop ended as it did.
    const why = await Promise.all(
      traces.map(async t => {
        const detail = await traceFromApi(t.id).catch(e => ({ notices: [e] }));
        return `${t.target?.label ?? t.id}: ${t.status}, ${t.verdict} (${
          t.reason
        }); notices: ${detail.notices.map(n => n.message).join(' | ')}`;
      }),
    );
    throw new Error(
      `expected 2 stopped traces, the backend holds:\n${why.join('\n')}`,
    );
  }
  traceStarted = false;
});

test('the pages threw no uncaught errors', async () => {
  needPortal();
  assert(pageErrors.length === 0, `uncaught errors:\n${pageErrors.join('\n')}`);
});

/** Whatever happened above, no trace is left running on the shared test bed. */
async function stopRunningTraces() {
  try {
    for (const t of await tracesFromApi()) {
      if (t.status !== 'running') continue;
      await fetch(`${BACKEND_URL}/api/memleak/traces/${t.id}/stop`, {
        method: 'POST',
        // Teardown must end even when the backend no longer answers.
        signal: AbortSignal.timeout(15_000),
      });
    }
  } catch {
    // the portal is gone: its traces ended with it
  }
}

async function teardown() {
  await stopRunningTraces();
  await browser?.close();
  await stopStartedPortals();
}

onSignals(teardown, log);

const started = Date.now();
let result;
try {
  result = await run();
} finally {
  await teardown();
}
if (portal) {
  if (result.failed > 0) log(`portal log kept: ${portal.logFile}`);
  else portal.remove();
}
log(`axe: ${JSON.stringify(axeCounts)}`);
log(`took ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.stdout.write(`${result.line}\n`);
process.exit(result.failed ? 1 : 0);
