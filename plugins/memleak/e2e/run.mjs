#!/usr/bin/env node
// Browser end-to-end test of the local portal: starts scripts/dev.sh (leaker-c
// leaking 1 MiB every 8 s, the dev backend, the dev app), opens leaker-c's
// entity page in headless Chromium, traces its heap for real with eBPF and
// checks that the verdict moves to growing, then leak, while the service keeps
// reporting itself healthy. Saves screenshots card.png and tab.png under
// .memleak/test-results/screenshots (with --update-docs: docs/screenshots, the
// README's pictures). Tears down everything it started. Last stdout line:
// `e2e: N passed, N failed`.
//
//   node plugins/memleak/e2e/run.mjs [--update-docs]   (as root: eBPF needs it)
//
// leaker-c's LEAK_* settings pass through, e.g. LEAK_INTERVAL_MS=1000 for a
// faster leak, or LEAK_MODE=steady to watch the test fail on a healthy heap.
import { openBrowser } from './browser.mjs';
import { createHarness } from './harness.mjs';
import { onSignals } from './signals.mjs';
import {
  assert,
  escapeRegExp,
  field,
  parseBytes,
  waitForText,
} from './page.mjs';
import { APP_URL, startPortal, stopStartedPortals } from './portal.mjs';
import {
  ENTITY_PATH,
  screenshot,
  tracesFromApi,
  VERDICT_MOVED,
} from './leaker.mjs';

const TRACE_DURATION = '120'; // seconds; long enough to still be running when Stop is pressed
const VERDICT_TIMEOUT_MS = 90_000;
// leaker-c's 1 MiB/8 s reads `leak` after ~72–80 s of tracing: a full 60 s
// window of aged growth. The trace (120 s) is still running then.
const LEAK_BY_SEC = 105;

const log = message => process.stderr.write(`e2e: ${message}\n`);
const { test, run } = createHarness('e2e');

let portal;
let browser;
let page;
let traceStarted = false;
const pageErrors = [];

function needPortal() {
  if (!page) throw new Error('no portal or browser: the first test failed');
}

// Fails, never skips, without root: the portal works but traces cannot.
function needRoot() {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'heap traces need root (eBPF uprobes; or CAP_BPF + CAP_PERFMON for the ' +
        'backend): run this test as root',
    );
  }
}

function needTrace() {
  needRoot();
  needPortal();
  if (!traceStarted)
    throw new Error('no trace to look at: the trace test failed');
}

const reported = () =>
  page.getByRole('region', { name: 'Reported by the service' });
const observed = () => page.getByRole('region', { name: 'Observed with eBPF' });

test('the portal starts and the entity page shows what leaker-c reports', async () => {
  portal = await startPortal({ log });
  browser = await openBrowser();
  onSignals(teardown, log);
  page = browser.page;
  page.on('pageerror', e => pageErrors.push(e.message));

  await page.goto(APP_URL);
  await page.waitForURL(`**${ENTITY_PATH}`, { timeout: 60_000 });
  await reported().waitFor({ timeout: 60_000 });

  await waitForText(
    field(reported(), 'Health endpoint'),
    /^healthy \(HTTP 200/,
    {
      timeoutMs: 10_000,
      what: 'health endpoint',
    },
  );
  await waitForText(field(reported(), 'Readiness'), /^healthy \(HTTP 200/, {
    timeoutMs: 10_000,
    what: 'readiness',
  });
  await waitForText(field(reported(), 'Self-reported memory'), /^4\.0 MiB/, {
    timeoutMs: 10_000,
    what: 'self-reported memory',
  });
  // A fresh database: nothing traced yet, but the kernel's RSS is there.
  await waitForText(observed(), /No trace yet\./, {
    timeoutMs: 10_000,
    what: 'observed column before any trace',
  });
  const rss = await field(observed(), 'Process memory (RSS)').innerText();
  assert(parseBytes(rss) > 0, `RSS reads "${rss}"`);
});

test('Trace heap shows progress, then the kernel disagrees with the healthy report', async () => {
  needRoot();
  needPortal();
  const unavailable = page.getByText('Heap tracing is unavailable here.');
  if (await unavailable.isVisible()) {
    throw new Error(`the card says: ${await unavailable.innerText()}`);
  }
  const duration = page.getByLabel('Trace duration');
  const offered = await duration
    .locator('option')
    .evaluateAll(options => options.map(o => o.value));
  assert(
    offered.includes(TRACE_DURATION),
    `durations offered: ${offered.join(', ')}; expected ${TRACE_DURATION}`,
  );
  await duration.selectOption(TRACE_DURATION);
  await page.getByRole('button', { name: 'Trace heap' }).click();
  traceStarted = true;

  const progressText = page.getByText(/^Tracing pid \d+ \(leaker-c\): /);
  const first = await waitForText(progressText, /of 2 min$/, {
    timeoutMs: 15_000,
    what: 'progress after Trace heap',
  });
  await page.getByRole('progressbar').first().waitFor();
  await page.getByRole('button', { name: 'Stop trace' }).waitFor();
  // The card polls while the trace runs: the elapsed time must move.
  await waitForText(progressText, new RegExp(`^(?!${escapeRegExp(first)}$)`), {
    timeoutMs: 10_000,
    what: 'progress moving',
  });

  await waitForText(field(observed(), 'Verdict'), VERDICT_MOVED, {
    timeoutMs: VERDICT_TIMEOUT_MS,
    what: 'verdict',
  });
  const banner = page.getByRole('alert').filter({
    hasText: 'The service and the kernel disagree',
  });
  await waitForText(
    banner,
    /Reports healthy and 4\.0 MiB of memory — heap grew [\d.]+ [KMG]iB in .* leak_memory_chunk/,
    { timeoutMs: 5_000, what: 'disagreement banner' },
  );
  // …while the service itself still says all is well.
  await waitForText(
    field(reported(), 'Health endpoint'),
    /^healthy \(HTTP 200/,
    {
      timeoutMs: 1_000,
      what: 'health endpoint during the trace',
    },
  );
  await waitForText(field(reported(), 'Self-reported memory'), /^4\.0 MiB/, {
    timeoutMs: 1_000,
    what: 'self-reported memory during the trace',
  });
  await waitForText(
    field(observed(), 'Top leaking frame'),
    /^leak_memory_chunk/,
    {
      timeoutMs: 5_000,
      what: 'top leaking frame',
    },
  );
  await waitForText(field(observed(), 'Growth rate'), /^\+\d/, {
    timeoutMs: 1_000,
    what: 'growth rate',
  });
});

test('the verdict becomes Leak confirmed while the service still says healthy', async () => {
  needTrace();
  const elapsed = Number(
    /: (\d+) s of/.exec(
      await page.getByText(/^Tracing pid \d+ \(leaker-c\): /).innerText(),
    )?.[1] ?? 0,
  );
  await waitForText(field(observed(), 'Verdict'), /^Leak confirmed$/, {
    timeoutMs: Math.max(5, LEAK_BY_SEC - elapsed) * 1000,
    what: `verdict by ${LEAK_BY_SEC} s into the trace`,
  });
  await waitForText(
    page.getByRole('alert').filter({
      hasText: 'The service and the kernel disagree',
    }),
    /Reports healthy and 4\.0 MiB of memory — heap grew .* in leak_memory_chunk \(leak\)\.$/,
    { timeoutMs: 5_000, what: 'disagreement banner' },
  );
  await waitForText(
    field(reported(), 'Health endpoint'),
    /^healthy \(HTTP 200/,
    { timeoutMs: 1_000, what: 'health endpoint with the leak confirmed' },
  );
  await screenshot(page, 'card.png', { log });
});

test('the Memory tab shows the timeline, the leaking stack and the trace history', async () => {
  needTrace();
  await page.getByRole('tab', { name: 'Memory' }).click();
  await page.waitForURL(`**${ENTITY_PATH}/memleak`);

  const chart = page.getByRole('img', {
    name: 'Heap and memory over the trace',
  });
  await chart.waitFor({ timeout: 15_000 });
  const lines = await chart.locator('path.recharts-line-curve').count();
  assert(
    lines >= 3,
    `the chart draws ${lines} lines, expected heap, aged heap and reported`,
  );
  await waitForText(
    page.locator('figcaption'),
    /^Over .+, outstanding heap \(eBPF\) went from .+ to .+; .*the memory the service reports about itself went from 4\.0 MiB to 4\.0 MiB\.$/,
    { timeoutMs: 5_000, what: 'chart summary' },
  );

  const stacks = page.getByRole('table', { name: 'Stacks keeping memory' });
  const top = stacks.locator('tbody tr').first();
  await waitForText(top, /leak_memory_chunk/, {
    timeoutMs: 5_000,
    what: 'top stack',
  });
  await waitForText(top, /Leak confirmed/, {
    timeoutMs: 1_000,
    what: 'top stack verdict',
  });
  await waitForText(
    page.getByRole('list', { name: 'Call stack, innermost first' }).first(),
    /leak_memory_chunk/,
    { timeoutMs: 1_000, what: 'frames of the top stack' },
  );

  const history = page.getByRole('table', { name: 'Trace history' });
  const rows = history.locator('tbody tr');
  await waitForText(rows.first(), /Running/, {
    timeoutMs: 5_000,
    what: 'trace history',
  });
  assert(
    (await rows.count()) === 1,
    `trace history lists ${await rows.count()} traces, expected 1`,
  );
  // The page scrolls inside Backstage's layout: put the chart and the stacks,
  // the tab's story, into the picture.
  await screenshot(page, 'tab.png', {
    top: page.getByText('Memory over time', { exact: true }),
    log,
  });
});

test('Stop ends the running trace and keeps its data', async () => {
  needTrace();
  await page.getByRole('button', { name: 'Stop trace' }).click();
  await page
    .getByRole('button', { name: 'Trace heap' })
    .waitFor({ timeout: 15_000 });
  const history = page.getByRole('table', { name: 'Trace history' });
  await waitForText(history.locator('tbody tr').first(), /Stopped/, {
    timeoutMs: 10_000,
    what: 'trace history after Stop',
  });
  await waitForText(page.getByText(/^Stopped trace of pid \d+/), /leaker-c/, {
    timeoutMs: 5_000,
    what: 'trace view after Stop',
  });
  const [latest, ...older] = await tracesFromApi();
  assert(
    older.length === 0,
    `the backend holds ${older.length + 1} traces, expected 1`,
  );
  assert(
    latest.status === 'stopped',
    `the backend says the trace is ${latest.status}`,
  );
  assert(
    latest.elapsedSec < Number(TRACE_DURATION),
    `stopped after ${latest.elapsedSec} s of ${TRACE_DURATION} s`,
  );
  // The data gathered until Stop stays on screen.
  await page
    .getByRole('img', { name: 'Heap and memory over the trace' })
    .waitFor();
  await waitForText(
    page
      .getByRole('table', { name: 'Stacks keeping memory' })
      .locator('tbody tr')
      .first(),
    /leak_memory_chunk/,
    { timeoutMs: 1_000, what: 'top stack after Stop' },
  );
});

test("View TechDocs on the About card opens leaker-c's guide, built by the TechDocs backend", async () => {
  needPortal();
  await page.goto(`${APP_URL}${ENTITY_PATH}`);
  await page.getByRole('link', { name: 'View TechDocs' }).click();
  await page.waitForURL(/\/docs\/default\/component\/leaker-c/i, {
    timeout: 15_000,
  });
  // The first visit builds the site (mkdocs with techdocs-core): allow for it.
  await waitForText(
    page.getByText(/is a small C service that leaks 1 MiB/).first(),
    /leaks 1 MiB of heap every 8 seconds/,
    { timeoutMs: 180_000, what: "the guide's overview page" },
  );
  await page
    .getByRole('link', { name: 'Lab: eBPF finds the leak' })
    .first()
    .click();
  await waitForText(
    page.getByRole('heading', { level: 1 }).filter({ hasText: 'The lab' }),
    /^The lab: a leak that every dashboard misses/,
    { timeoutMs: 30_000, what: "the lab's heading" },
  );
});

test('the pages threw no uncaught errors', async () => {
  needPortal();
  assert(pageErrors.length === 0, `uncaught errors:\n${pageErrors.join('\n')}`);
});

async function teardown() {
  await browser?.close();
  await stopStartedPortals();
}

/** Keeps the portal's log when something failed, and says why it may have. */
function reportPortal(failed) {
  if (!portal) return;
  if (!failed) {
    portal.remove();
    return;
  }
  log(`portal log kept: ${portal.logFile}`);
  const restarts = portal.restarts();
  if (restarts > 0) {
    log(
      `the dev backend restarted ${restarts} time(s) during the run because a ` +
        `source file changed (backstage-cli watches them), which interrupts a ` +
        `running trace: run again without editing the tree meanwhile`,
    );
  }
}

onSignals(teardown, log);

const started = Date.now();
let result;
try {
  result = await run();
} finally {
  await teardown();
}
reportPortal(result.failed > 0);
log(`took ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.stdout.write(`${result.line}\n`);
process.exit(result.failed ? 1 : 0);
