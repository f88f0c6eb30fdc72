// Reading the memleak card and tab the way a person does: by labels, roles
// and visible words (the same names the components give screen readers).

export const escapeRegExp = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The value shown next to a label in one of the plugin's label/value lists. */
export function field(scope, label) {
  return scope
    .locator('dt')
    .filter({ hasText: new RegExp(`^${escapeRegExp(label)}$`) })
    .locator('xpath=following-sibling::dd[1]');
}

/**
 * Polls `locator`'s text until `pattern` matches; on timeout the error says
 * what was shown instead, which is what one needs to see a failure's cause.
 */
export async function waitForText(locator, pattern, { timeoutMs, what }) {
  const deadline = Date.now() + timeoutMs;
  let last = '(not on the page)';
  for (;;) {
    const text = await locator
      .first()
      .innerText({ timeout: 1000 })
      .catch(() => undefined);
    if (text !== undefined) {
      last = text;
      if (pattern.test(text)) return text;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: waited ${
          timeoutMs / 1000
        } s for ${pattern}, the page shows:\n${last}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

/** Bytes from the plugin's formatting ("4.0 MiB", "512 KiB", "1.2 GiB"). */
export function parseBytes(text) {
  const m = /([\d.]+)\s*(B|KiB|MiB|GiB)\b/.exec(text);
  if (!m) throw new Error(`no byte figure in "${text}"`);
  const unit = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 }[m[2]];
  return Number(m[1]) * unit;
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}
