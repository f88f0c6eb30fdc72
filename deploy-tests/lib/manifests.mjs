// Renders kustomizations with `kubectl kustomize` (offline) into objects.
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT, kubectl } from './env.mjs';

const cache = new Map();

export function render(dir) {
  if (!cache.has(dir)) {
    const out = kubectl(['kustomize', join(ROOT, dir)]);
    cache.set(dir, parseYamlStream(out));
  }
  // Callers may mutate: hand out copies.
  return structuredClone(cache.get(dir));
}

export function parseYamlStream(text) {
  return parseAllDocuments(text)
    .map(d => {
      if (d.errors.length) throw new Error(d.errors.join('; '));
      return d.toJS();
    })
    .filter(Boolean);
}

export const find = (objs, kind, name, namespace) =>
  objs.find(
    o =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );

export function podSpecs(objs) {
  return objs
    .filter(o => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind))
    .map(o => ({ owner: o, spec: o.spec.template.spec, labels: o.spec.template.metadata?.labels }));
}
