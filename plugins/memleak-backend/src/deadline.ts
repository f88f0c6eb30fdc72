/**
 * An abort signal that fires after `ms` and is held until `clear()`.
 * `AbortSignal.timeout` is not enough: Node's timer holds its signal only
 * weakly, and fetch does too, so once the signal is garbage-collected it
 * never fires and a stalled request hangs for ever (seen here: one report in
 * ten never answered while traces ran).
 */
export function deadline(ms: number): {
  signal: AbortSignal;
  clear: () => void;
} {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new DOMException(`no answer within ${ms} ms`, 'TimeoutError'),
      ),
    ms,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
