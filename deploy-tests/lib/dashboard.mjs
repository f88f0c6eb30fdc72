// The dashboard's panels and queries, and a type-check of its JSON against
// Grafana's own dashboard types (@grafana/schema), the schema Grafana's
// dashboards follow.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT, read } from './env.mjs';

export const DASHBOARD_FILE = 'manifests/base/grafana/dashboards/stealth-memory-leak.json';
export const loadDashboard = () => JSON.parse(read(DASHBOARD_FILE));

// Every panel with the row it sits in (rows hold their panels when collapsed;
// an expanded row's panels follow it at top level).
export function panels(dash) {
  const out = [];
  let row;
  for (const p of dash.panels) {
    if (p.type === 'row') {
      row = p;
      for (const inner of p.panels ?? []) out.push({ panel: inner, row });
    } else out.push({ panel: p, row });
  }
  return out;
}

// Grafana's interval macros, as a query Grafana sends would have them replaced.
export const expand = expr =>
  expr.replaceAll('$__rate_interval', '30s').replaceAll('$__interval', '15s').replaceAll('$__range', '5m');

// Diagnostics of `const d: Dashboard = <json>` under strict TypeScript: an
// object literal checked against the type, so unknown properties and wrong
// types are errors.
export function typeCheck(json) {
  const dir = mkdtempSync(join(ROOT, 'deploy-tests', '.tscheck-'));
  try {
    const file = join(dir, 'dashboard.ts');
    writeFileSync(
      file,
      [
        "import type { Dashboard } from '@grafana/schema';",
        // JSON holds an enum's values, not the enum: map string enums to the
        // union of their values, everywhere in the type.
        'type Json<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
        `export const d: Json<Dashboard> = ${JSON.stringify(json, null, 2)};`,
        '',
      ].join('\n'),
    );
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      types: [],
    });
    return ts
      .getPreEmitDiagnostics(program)
      .map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
