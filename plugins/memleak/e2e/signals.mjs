// Teardown on SIGINT/SIGTERM/SIGHUP. The portal and Chromium run in process
// groups of their own, so they outlive this process unless it stops them.

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `teardown` once on any of SIGNALS, then exits 1. Call it again after
 * launching Chromium: Playwright bundles signal-exit, whose handlers re-raise
 * the signal (killing this process before teardown finishes) depending on
 * how many listeners there are, so any handlers already installed are
 * replaced by this one.
 */
export function onSignals(teardown, log) {
  let tearingDown = false;
  const handler = async signal => {
    if (tearingDown) return;
    tearingDown = true;
    log?.(`${signal}: tearing down`);
    await teardown();
    process.exit(1);
  };
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, handler);
  }
}
