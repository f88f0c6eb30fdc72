/*
 * A production build of the local portal's app (plugins/memleak/dev), for
 * bench/frontend.mjs to time against the development build that `yarn dev`
 * serves. Backstage's own bundler builds it exactly as `backstage-cli package
 * build` builds an app package (minified, split chunks); only the entry point
 * differs, since this repository has no app package of its own.
 *
 * The built app is served with the backend proxied under the same origin, the
 * way a production Backstage serves app and backend together.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from '../plugins/memleak/e2e/portal.mjs';

const PLUGIN_DIR = path.join(ROOT, 'plugins/memleak');

// Runs in a child process whose cwd is the plugin: Backstage's bundler finds
// the package and the repo root from the working directory.
const BUILD_SCRIPT = `
const [bundleFile, configFile, entry, dist, configPath] = process.argv.slice(1);
const { buildBundle } = require(bundleFile);
const { loadCliConfig } = require(configFile);
(async () => {
  const config = await loadCliConfig({
    args: ['../../app-config.yaml', configPath],
    fromPackage: require('./package.json').name,
  });
  await buildBundle({ targetDir: process.cwd(), entry, dist, ...config });
})().catch(e => { console.error(e); process.exit(1); });
`;

/** Builds the dev app for production into `outDir`, served at `origin`. */
export function buildProductionApp({ outDir, origin, log }) {
  const cliBuild = path.dirname(
    createRequire(
      path.join(ROOT, 'node_modules/@backstage/cli/package.json'),
    ).resolve('@backstage/cli-module-build/package.json'),
  );
  fs.mkdirSync(outDir, { recursive: true });
  const configPath = path.join(outDir, '..', 'prod-app-config.yaml');
  fs.writeFileSync(
    configPath,
    `app:\n  baseUrl: ${origin}\nbackend:\n  baseUrl: ${origin}\n`,
  );
  log(
    `building the portal app for production into ${path.relative(
      ROOT,
      outDir,
    )}`,
  );
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [
      '-e',
      BUILD_SCRIPT,
      path.join(cliBuild, 'dist/lib/bundler/bundle.cjs.js'),
      path.join(cliBuild, 'dist/lib/config.cjs.js'),
      'dev/index',
      path.relative(PLUGIN_DIR, outDir),
      configPath,
    ],
    {
      cwd: PLUGIN_DIR,
      env: { ...process.env, NODE_ENV: 'production' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (run.status !== 0) {
    throw new Error(
      `production build failed (exit ${run.status}):\n${run.stderr.slice(
        -2000,
      )}`,
    );
  }
  log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Serves `dir` on `port` (unknown paths get index.html, as the app routes in
 * the browser) and forwards /api to `backendUrl`. Resolves to a close().
 */
export function serveProductionApp({ dir, port, backendUrl }) {
  const backend = new URL(backendUrl);
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/api/')) {
      const upstream = http.request(
        {
          host: backend.hostname,
          port: backend.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: backend.host },
        },
        answer => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502).end();
      });
      req.pipe(upstream);
      return;
    }
    const wanted = path.normalize(decodeURIComponent(req.url.split('?')[0]));
    let file = path.join(dir, wanted);
    if (
      !file.startsWith(dir) ||
      !fs.existsSync(file) ||
      fs.statSync(file).isDirectory()
    ) {
      file = path.join(dir, 'index.html');
    }
    const immutable = file.includes(`${path.sep}static${path.sep}`);
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      // hashed file names, as a production server would cache them
      'cache-control': immutable
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve(() => new Promise(done => server.close(done))),
    );
  });
}
