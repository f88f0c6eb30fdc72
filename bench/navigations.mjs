// Timing page loads in headless Chromium, shared by the frontend benches: an
// init script the caller installs records, in ms since navigation start, the
// first DOM state in which each thing it watches shows data, under
// `window.__cardTimes[mark]` (a MutationObserver sees every render, so the
// figures do not depend on a polling interval).

export const median = values => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export const round = x => Math.round(x);

/**
 * Loads `url` `warmup + navigations` times and waits each time for every one
 * of `marks`. Resolves to the samples after the warm-up (each mark's time,
 * and `scripts`: when the app's own scripts had run) and the first warm-up
 * (nothing cached yet). A navigation that shows nothing within `timeoutMs`
 * throws, or with `keepTimeouts` becomes a sample `{ timedOut: true }`.
 */
export async function sampleMarks(
  page,
  url,
  {
    marks,
    warmup,
    navigations,
    label,
    log,
    timeoutMs = 60_000,
    keepTimeouts = false,
  },
) {
  const samples = [];
  let firstLoad;
  for (let i = 0; i < warmup + navigations; i++) {
    await page.goto(url, { waitUntil: 'commit' });
    try {
      await page.waitForFunction(
        wanted => wanted.every(m => window.__cardTimes?.[m] !== undefined),
        marks,
        { timeout: timeoutMs },
      );
    } catch (error) {
      if (!keepTimeouts || error.name !== 'TimeoutError') throw error;
      log(`${label}: nothing shown within ${timeoutMs / 1000} s`);
      if (i >= warmup) samples.push({ timedOut: true });
      continue;
    }
    const times = await page.evaluate(() => ({
      ...window.__cardTimes,
      scripts:
        performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
    }));
    const kind =
      i < warmup ? `warm-up ${i + 1}` : `navigation ${i - warmup + 1}`;
    log(
      `${label} ${kind}: ${marks
        .map(m => `${m} ${round(times[m])} ms`)
        .join(', ')}, scripts done ${round(times.scripts)} ms`,
    );
    if (i >= warmup) samples.push(times);
    else firstLoad ??= times;
  }
  return { samples, firstLoad };
}
