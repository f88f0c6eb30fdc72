// What both browser tests look at: leaker-c's entity page in the dev
// portal, its traces as the API lists them, and where screenshots go
// (with --update-docs: docs/screenshots, the README's pictures).
import fs from 'node:fs';
import path from 'node:path';
import { assert } from './page.mjs';
import { BACKEND_URL, ROOT } from './portal.mjs';

const ENTITY_REF = 'component:default/leaker-c';
export const ENTITY_PATH = '/catalog/default/component/leaker-c';
export const VERDICT_MOVED = /Growing \(suspected leak\)|Leak confirmed/;

/** Whether the screenshots are the README's (`--update-docs`). */
export const UPDATING_DOCS = process.argv.includes('--update-docs');

const SCREENSHOTS = UPDATING_DOCS
  ? path.join(ROOT, 'docs/screenshots')
  : path.join(ROOT, '.memleak/test-results/screenshots');

/** `GET /api/memleak/PATH`'s JSON; `what` names the request in a failure. */
async function fromApi(pathAndQuery, what = pathAndQuery) {
  const res = await fetch(`${BACKEND_URL}/api/memleak${pathAndQuery}`, {
    signal: AbortSignal.timeout(30_000),
  });
  assert(res.ok, `GET /api/memleak${what} answered ${res.status}`);
  return res.json();
}

/** leaker-c's traces, newest first. */
export async function tracesFromApi() {
  const query = `?entityRef=${encodeURIComponent(ENTITY_REF)}`;
  return (await fromApi(`/traces${query}`, '/traces')).items;
}

/** One trace with its snapshots, stacks and notices. */
export function traceFromApi(id) {
  return fromApi(`/traces/${id}`);
}

/** A viewport screenshot; `top`, when given, is scrolled to the top first. */
export async function screenshot(page, name, { top, log }) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  await top?.evaluate(el => el.scrollIntoView({ block: 'start' }));
  // Let the just-polled values settle before the picture is taken.
  await page.waitForTimeout(500);
  await page.screenshot({ path: file });
  log(`saved ${path.relative(ROOT, file)}`);
}
