// A tiny sequential test harness: the browser tests share one portal and one
// page and build on each other (the tab shows the trace the card started), so
// they run in order. Progress goes to stderr; stdout gets only the summary.

const say = text => process.stderr.write(`${text}\n`);
const seconds = since => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const indent = text =>
  text
    .split('\n')
    .map(l => `       ${l}`)
    .join('\n');

export function createHarness(prefix = 'e2e') {
  const tests = [];
  return {
    test: (name, fn) => tests.push({ name, fn }),
    async run() {
      let passed = 0;
      let failed = 0;
      for (const { name, fn } of tests) {
        const started = Date.now();
        try {
          await fn();
          passed++;
          say(`  ok   ${name} (${seconds(started)})`);
        } catch (e) {
          failed++;
          say(`  FAIL ${name} (${seconds(started)})`);
          say(indent(e instanceof Error ? e.message : String(e)));
        }
      }
      return {
        passed,
        failed,
        line: `${prefix}: ${passed} passed, ${failed} failed`,
      };
    },
  };
}
