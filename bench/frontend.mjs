#!/usr/bin/env node
/*
 * The memleak frontend plugin's cost to a Backstage app, each figure next to a
 * baseline measured in the same run:
 *
 * 1. Time to data: navigations to leaker-c's entity page in the local portal
 *    (scripts/dev.sh, started here like the e2e test does), headless
 *    Chromium. From navigation start until the memleak card shows its values
 *    (the service's self-reported memory and the kernel's RSS), against the
 *    catalog's About card showing the entity's description on the same
 *    navigations. Median of --navigations after --warmup; goal ≤ 1 s, judged
 *    on a production build of the same app (bench/prodApp.mjs) talking to the
 *    same backend; the development build `yarn dev` serves is measured too.
 * 2. Bundle size: one esbuild run per plugin entry with identical options
 *    (bundle, minify, ESM, browser), the memleak plugin against
 *    @backstage/plugin-kubernetes. Everything a Backstage app ships anyway
 *    (React, MUI, the core and catalog packages and all they depend on) is
 *    external, so each figure is the plugin's own code plus the dependencies
 *    only it brings.
 *
 *   node bench/frontend.mjs [--navigations N] [--warmup N] [--bundle-only]
 *
 * Prints one JSON object as its last stdout line; progress on stderr.
 */
import esbuild from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { openBrowser } from '../plugins/memleak/e2e/browser.mjs';
import {
  APP_URL,
  BACKEND_URL,
  ROOT,
  startPortal,
  stopStartedPortals,
} from '../plugins/memleak/e2e/portal.mjs';
import { onSignals } from '../plugins/memleak/e2e/signals.mjs';
import { median, round, sampleMarks } from './navigations.mjs';
import { buildProductionApp, serveProductionApp } from './prodApp.mjs';

const GOAL_MS = 1000;
const ENTITY_PATH = '/catalog/default/component/leaker-c';
const PROD_PORT = 3001;
const PROD_ORIGIN = `http://localhost:${PROD_PORT}`;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const navigations = option('navigations', 10);
const warmup = option('warmup', 2);
const bundleOnly = process.argv.includes('--bundle-only');
const log = message => console.error(`frontend: ${message}`);

// Runs in the page before any app code: notes, in ms since navigation start,
// the first DOM state in which each card shows data. A MutationObserver sees
// every render, so the figure does not depend on a polling interval.
function watchForData() {
  const bytes = /\d(\.\d)? (B|KiB|MiB|GiB)/;
  const seen = {};
  window.__cardTimes = seen;
  const check = () => {
    if (seen.memleak === undefined) {
      const reported = document.querySelector(
        'section[aria-label="Reported by the service"]',
      );
      const observed = document.querySelector(
        'section[aria-label="Observed with eBPF"]',
      );
      if (
        reported &&
        observed &&
        bytes.test(reported.textContent) &&
        bytes.test(observed.textContent)
      ) {
        seen.memleak = performance.now();
      }
    }
    if (
      seen.about === undefined &&
      document.body?.textContent.includes('A C service that leaks')
    ) {
      seen.about = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {
    childList: true,
    subtree: true,
    characterData: true,
  });
}

/** Median card times over `navigations` loads of `url` after `warmup`. */
async function sampleNavigations(page, url, label) {
  const { samples, firstLoad } = await sampleMarks(page, url, {
    marks: ['memleak', 'about'],
    warmup,
    navigations,
    label,
    log,
  });
  const memleakMs = median(samples.map(s => s.memleak));
  const aboutMs = median(samples.map(s => s.about));
  return {
    memleakCardMedianMs: round(memleakMs),
    aboutCardMedianMs: round(aboutMs),
    memleakCardMaxMs: round(Math.max(...samples.map(s => s.memleak))),
    // The plugin's own share: how much later than the About card it shows.
    memleakAfterAboutMedianMs: round(
      median(samples.map(s => s.memleak - s.about)),
    ),
    appScriptsDoneMedianMs: round(median(samples.map(s => s.scripts))),
    // The first warm-up: nothing cached yet.
    memleakCardFirstLoadMs: firstLoad && round(firstLoad.memleak),
    ratio: Number((memleakMs / aboutMs).toFixed(2)),
    meetsGoal: memleakMs <= GOAL_MS,
  };
}

async function measureTimeToData() {
  let browser;
  let closeProdApp;
  const teardown = async () => {
    await browser?.close();
    await closeProdApp?.();
    await stopStartedPortals();
  };
  onSignals(teardown, log);
  const portal = await startPortal({ log });
  try {
    // Built while the portal runs: the same backend serves both builds.
    const prodDir = path.join(ROOT, '.memleak/bench/prod-app');
    buildProductionApp({ outDir: prodDir, origin: PROD_ORIGIN, log });
    closeProdApp = await serveProductionApp({
      dir: prodDir,
      port: PROD_PORT,
      backendUrl: BACKEND_URL,
    });
    browser = await openBrowser();
    const { context, page } = browser;
    await context.addInitScript(watchForData);
    const development = await sampleNavigations(
      page,
      `${APP_URL}${ENTITY_PATH}`,
      'dev',
    );
    const production = await sampleNavigations(
      page,
      `${PROD_ORIGIN}${ENTITY_PATH}`,
      'prod',
    );
    return {
      navigations,
      goalMs: GOAL_MS,
      // The goal is judged on what users get: a production build.
      meetsGoal: production.meetsGoal,
      production: {
        ...production,
        build:
          'production (Backstage bundler, as backstage-cli package build), served with the backend proxied on one origin',
      },
      development: {
        ...development,
        build: 'development (backstage-cli repo start)',
      },
    };
  } finally {
    await teardown();
    portal.remove();
  }
}

// What every Backstage app already ships: these packages and everything they
// depend on are left out of both bundles.
const FRAMEWORK = [
  'react',
  'react-dom',
  'react-router',
  'react-router-dom',
  '@material-ui/core',
  '@material-ui/icons',
  '@material-ui/lab',
  '@material-ui/styles',
  '@backstage/core-components',
  '@backstage/core-plugin-api',
  '@backstage/theme',
  '@backstage/catalog-model',
  '@backstage/catalog-client',
  '@backstage/plugin-catalog-react',
  '@backstage/frontend-plugin-api',
  '@backstage/errors',
  '@backstage/plugin-permission-react',
];

/** FRAMEWORK and its transitive dependencies, by package name. */
function frameworkClosure() {
  const names = new Set();
  const visit = (name, fromDir) => {
    if (names.has(name)) return;
    let pkgFile;
    try {
      pkgFile = createRequire(path.join(fromDir, 'noop.js')).resolve(
        `${name}/package.json`,
      );
    } catch {
      // Packages that hide package.json from `exports`: find it on disk.
      pkgFile = findPackageJson(name, fromDir);
      if (!pkgFile) return; // an optional dependency that is not installed
    }
    names.add(name);
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      visit(dep, path.dirname(pkgFile));
    }
  };
  for (const name of FRAMEWORK) visit(name, path.join(ROOT, 'plugins/memleak'));
  return names;
}

function findPackageJson(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(candidate)) return candidate;
    if (dir === path.dirname(dir)) return undefined;
  }
}

const packageName = spec =>
  spec.startsWith('@')
    ? spec.split('/').slice(0, 2).join('/')
    : spec.split('/')[0];

function externalFramework(names) {
  return {
    name: 'external-framework',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, args =>
        names.has(packageName(args.path))
          ? { path: args.path, external: true }
          : undefined,
      );
    },
  };
}

async function bundle(entry, names) {
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.css': 'empty', '.svg': 'dataurl', '.png': 'dataurl' },
    plugins: [externalFramework(names)],
  });
  const code = result.outputFiles[0].contents;
  const [output] = Object.values(result.metafile.outputs);
  const packages = new Set();
  let ownBytes = 0; // the plugin's own sources, i.e. not from node_modules
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
    if (pkg) packages.add(pkg);
    else ownBytes += bytesInOutput;
  }
  return {
    rawBytes: code.length,
    gzipBytes: zlib.gzipSync(code, { level: 9 }).length,
    ownBytes,
    bundledPackages: [...packages].sort(),
  };
}

async function measureBundles() {
  const names = frameworkClosure();
  log(`${names.size} framework packages external`);
  const memleak = await bundle('plugins/memleak/src/index.ts', names);
  const kubernetesEntry = createRequire(
    path.join(ROOT, 'plugins/memleak/package.json'),
  ).resolve('@backstage/plugin-kubernetes');
  const kubernetes = await bundle(kubernetesEntry, names);
  for (const [name, b] of Object.entries({ memleak, kubernetes })) {
    log(
      `${name}: ${b.rawBytes} B raw, ${b.gzipBytes} B gzip; bundles ` +
        `${b.bundledPackages.join(', ') || 'no packages'}`,
    );
  }
  return {
    memleakRawBytes: memleak.rawBytes,
    memleakGzipBytes: memleak.gzipBytes,
    kubernetesRawBytes: kubernetes.rawBytes,
    kubernetesGzipBytes: kubernetes.gzipBytes,
    rawRatio: Number((memleak.rawBytes / kubernetes.rawBytes).toFixed(3)),
    gzipRatio: Number((memleak.gzipBytes / kubernetes.gzipBytes).toFixed(3)),
    memleakOwnCodeRawBytes: memleak.ownBytes,
    memleakBundles: memleak.bundledPackages,
    kubernetesBundles: kubernetes.bundledPackages,
    options: `esbuild ${esbuild.version}: bundle, minify, esm, browser, es2022; framework external`,
  };
}

const bundles = await measureBundles();
const timeToData = bundleOnly ? undefined : await measureTimeToData();
console.log(JSON.stringify({ timeToData, bundles }));
