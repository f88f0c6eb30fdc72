import type { StackFrame } from '@internal/plugin-memleak-common';

const HEX = /^0x[0-9a-f]+$/i;
const SYMBOL_WITH_OFFSET = /^(.+)\+0x([0-9a-f]+)$/i;
const INDEX_PREFIX = /^\[\d+\]/;

/**
 * Frames from Inspektor Gadget's `ustack.addresses` and `ustack.symbols`
 * strings: `"0x…; 0x…; "` (leaf first) and `"leak_fn; main; 0x7f…; "`.
 *
 * Releases before v0.53 prefix each item with its index (`[0]0x…`); either
 * form is accepted. A symbol that is itself an address (or empty) means the
 * frame was not resolved and the frame gets no `symbol`.
 */
export function framesFromIgUstack(
  addresses: string,
  symbols: string,
): StackFrame[] {
  const addrs = splitItems(addresses);
  const syms = splitItems(symbols);
  const frames: StackFrame[] = [];
  for (let i = 0; i < addrs.length; i++) {
    const address = normalizeAddress(addrs[i]);
    if (!address) break; // an unparsable item ends the stack, as IG does
    const frame: StackFrame = { address };
    const sym = syms[i];
    if (sym && !HEX.test(sym) && sym !== '[unknown]') {
      const m = SYMBOL_WITH_OFFSET.exec(sym);
      if (m) {
        frame.symbol = m[1];
        frame.offset = parseInt(m[2], 16);
      } else {
        frame.symbol = sym;
      }
    }
    frames.push(frame);
  }
  return frames;
}

function splitItems(s: string): string[] {
  if (!s) return [];
  return s
    .split(';')
    .map(item => item.trim().replace(INDEX_PREFIX, ''))
    .filter((item, i, all) => item !== '' || i < all.length - 1);
}

/** `0x00007f…` → `0x7f…`, so the same address always reads the same. */
function normalizeAddress(item: string): string | undefined {
  if (!HEX.test(item)) return undefined;
  const digits = item
    .slice(2)
    .replace(/^0+(?=.)/, '')
    .toLowerCase();
  return `0x${digits}`;
}
