// Starts the local portal the way a developer does (scripts/dev.sh: leaker-c,
// the dev backend on :7007 and the dev app on :3000) as one process group,
// and tears the whole group down again. Shared by the e2e test and
// bench/frontend.mjs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../..',
);
export const APP_URL = 'http://localhost:3000';
export const BACKEND_URL = 'http://localhost:7007';

const PORTS = [
  [3000, 'dev app'],
  [7007, 'dev backend'],
];
// Only the local portal starts leaker-c on this host.
const LOCAL_PORTS = [
  [18080, 'leaker-c'],
  [19090, 'leaker-c metrics'],
];

// leaker-c leaks from the start instead of after its 30 s grace period, so a
// trace started right away sees the leak. Any LEAK_* variable already set in
// the environment wins (e.g. LEAK_INTERVAL_MS=1000 for a faster leak).
const LEAKER_DEFAULTS = { LEAK_START_DELAY_S: '0' };

const RESTART_LINE = 'Change detected, restarting the development server';

// Every portal spawned here and not yet stopped, so a signal that arrives
// while one is still starting can stop it too.
const spawned = new Set();

/** Stops every portal this process started (for signal handlers). */
export async function stopStartedPortals() {
  await Promise.all([...spawned].map(stop => stop()));
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function isListening(port) {
  return new Promise(resolve => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Throws naming every port already taken, before anything is started. */
export async function assertPortsFree({ cluster = false } = {}) {
  const busy = [];
  for (const [port, what] of cluster ? PORTS : [...PORTS, ...LOCAL_PORTS]) {
    if (await isListening(port)) busy.push(`${port} (${what})`);
  }
  if (busy.length) {
    throw new Error(
      `port ${busy.join(', ')} already in use — is another dev portal ` +
        `running? See \`ss -ltnp\`; stop it and run again.`,
    );
  }
}

async function answers(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok;
  } catch {
    return false;
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts scripts/dev.sh (with `cluster`: `scripts/dev.sh --cluster`, against
 * the test bed) in its own process group with a throwaway database (so the
 * trace history holds only this run's traces) and resolves once both servers
 * answer. `log` receives progress lines.
 */
export async function startPortal({
  log,
  timeoutMs = 240_000,
  cluster = false,
} = {}) {
  await assertPortsFree({ cluster });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memleak-portal-'));
  const logFile = path.join(workDir, 'portal.log');
  const out = fs.openSync(logFile, 'a');
  const env = {
    ...LEAKER_DEFAULTS,
    ...process.env,
    MEMLEAK_SKIP_SETUP: '1',
    // Backstage reads APP_CONFIG_* as config overrides.
    APP_CONFIG_backend_database_connection_directory: path.join(workDir, 'db'),
    // TechDocs are built by this run, not served from an earlier one's site.
    APP_CONFIG_techdocs_publisher_local_publishDirectory: path.join(
      workDir,
      'techdocs',
    ),
  };
  const args = cluster ? ['scripts/dev.sh', '--cluster'] : ['scripts/dev.sh'];
  log?.(`starting the portal (${args.join(' ')}), log in ${logFile}`);
  const child = spawn('bash', args, {
    cwd: ROOT,
    env,
    detached: true, // its own process group, so teardown reaches every child
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  let exited;
  child.once('exit', (code, signal) => {
    exited = signal ?? `exit ${code}`;
  });

  const portal = {
    logFile,
    tail: () => tail(logFile),
    /**
     * How often the dev backend restarted: `backstage-cli package start`
     * restarts it when a source file changes, which interrupts a trace.
     */
    restarts: () => tail(logFile, Infinity).split(RESTART_LINE).length - 1,
    stop: async () => {
      spawned.delete(portal.stop);
      await stopGroup(child, () => exited !== undefined);
    },
    /** Deletes the throwaway database and the log. */
    remove: () => fs.rmSync(workDir, { recursive: true, force: true }),
  };
  spawned.add(portal.stop);
  const started = Date.now();
  try {
    for (;;) {
      if (exited) throw new Error(`${args.join(' ')} ended (${exited})`);
      if (
        (await answers(`${BACKEND_URL}/api/memleak/health`)) &&
        (await answers(APP_URL))
      ) {
        break;
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `the portal did not answer on :3000 and :7007 within ${
            timeoutMs / 1000
          } s`,
        );
      }
      await sleep(1000);
    }
  } catch (e) {
    await portal.stop();
    e.message += `\n--- last lines of ${logFile} ---\n${tail(logFile)}`;
    throw e;
  }
  log?.(`portal up after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return portal;
}

async function stopGroup(child, hasExited) {
  const signalGroup = signal => {
    try {
      process.kill(-child.pid, signal);
      return true;
    } catch {
      return false; // the group is gone
    }
  };
  if (!signalGroup('SIGTERM')) return;
  // Give the backend time to mark a running trace stopped and the leaker to
  // exit; then make sure nothing of the group is left.
  for (let i = 0; i < 100 && !hasExited(); i++) await sleep(100);
  await sleep(500);
  signalGroup('SIGKILL');
}
