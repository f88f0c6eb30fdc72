// The "stealth memory leak" dashboard: valid against Grafana's dashboard
// types, the story's panels, a collapsed "what the kernel sees" row, and
// only metrics leaker-c really exports in the rows that tell its side.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { read } from '../lib/env.mjs';
import { expand, loadDashboard, panels, typeCheck } from '../lib/dashboard.mjs';
import { startLeaker } from '../lib/leaker.mjs';

const dash = loadDashboard();
const KERNEL_ROW = 'What the kernel sees';

test("the dashboard JSON type-checks against @grafana/schema's Dashboard", () => {
  assert.deepEqual(typeCheck(dash), []);
});

test('the type-check is real: an unknown property is an error, and so is a wrong type', () => {
  const unknown = structuredClone(dash);
  unknown.refreshEvery = '10s';
  const e1 = typeCheck(unknown);
  assert.ok(e1.some(e => /refreshEvery\W+ does not exist/.test(e)), e1.join('\n'));
  const wrong = structuredClone(dash);
  wrong.panels[1].gridPos.h = 'tall';
  const e2 = typeCheck(wrong);
  assert.ok(e2.some(e => /'string' is not assignable to type 'number'/.test(e)), e2.join('\n'));
  const badEnum = structuredClone(dash);
  badEnum.panels[1].fieldConfig.defaults.thresholds.mode = 'relative-ish';
  const e3 = typeCheck(badEnum);
  assert.ok(e3.some(e => /relative-ish/.test(e)), e3.join('\n'));
});

test('the story: health, self-reported memory, request rate, response time; then the kernel row, collapsed', () => {
  const all = panels(dash);
  const titles = all.filter(p => p.row?.title !== KERNEL_ROW).map(p => p.panel.title);
  for (const t of ['Service health', 'Heap in use (self-reported)', 'HTTP request rate', 'Response time']) {
    assert.ok(titles.includes(t), t);
  }
  const rows = dash.panels.filter(p => p.type === 'row');
  assert.deepEqual(rows.map(r => [r.title, r.collapsed]), [['What the service says', false], [KERNEL_ROW, true]]);
  const kernel = rows[1].panels.flatMap(p => p.targets.map(t => t.expr));
  assert.ok(kernel.length >= 2);
  for (const e of kernel) assert.match(e, /^[^{]*\bcontainer_[a-z_]+\{[^}]*namespace="memleak-demo"/, e);
  assert.ok(kernel.some(e => e.includes('container_memory_working_set_bytes')));
});

test('panels do not overlap and ids are unique', () => {
  const all = panels(dash).map(p => p.panel).concat(dash.panels.filter(p => p.type === 'row'));
  assert.equal(new Set(all.map(p => p.id)).size, all.length);
  const cells = new Set();
  for (const p of all) {
    const { x, y, w, h } = p.gridPos;
    assert.ok(x + w <= 24, p.title);
    for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
      assert.ok(!cells.has(`${i},${j}`), `${p.title} overlaps at ${i},${j}`);
      cells.add(`${i},${j}`);
    }
  }
});

test('every query uses the provisioned Prometheus datasource', () => {
  const ds = parse(read('manifests/base/grafana/datasource.yaml')).datasources;
  const uids = new Set(ds.map(d => d.uid));
  for (const { panel } of panels(dash)) {
    assert.ok(uids.has(panel.datasource.uid), panel.title);
    for (const t of panel.targets) assert.ok(uids.has(t.datasource.uid), `${panel.title} ${t.refId}`);
  }
});

describeLeaker();
function describeLeaker() {
  let leaker;
  before(async () => {
    leaker = await startLeaker({ LEAK_START_DELAY_S: '3600' });
    // A request of each kind, so every labelled series exists.
    await fetch(`${leaker.base}/work?n=1`);
  });
  after(() => leaker?.stop());

  test("the service's rows query only metric families leaker-c's /metrics really has", async () => {
    const text = await (await fetch(leaker.metrics)).text();
    const families = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap(([, n, type]) =>
      type === 'histogram' ? [`${n}_bucket`, `${n}_sum`, `${n}_count`] : [n],
    ));
    assert.ok(families.has('memory_heap_used_bytes'), [...families].join(' '));
    const used = panels(dash)
      .filter(p => p.row?.title !== KERNEL_ROW)
      .flatMap(p => p.panel.targets.map(t => expand(t.expr)));
    assert.ok(used.length >= 5);
    for (const expr of used) {
      const names = [...expr.matchAll(/\b([a-z_:][a-z0-9_:]*)\s*\{/g)].map(m => m[1]);
      assert.ok(names.length > 0, expr);
      for (const n of names) assert.ok(families.has(n), `${n} (in ${expr}) is not exported by leaker-c`);
    }
  });
}
