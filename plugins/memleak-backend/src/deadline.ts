/**
 * An abort signal that fires after `ms` and is held until `clear()`, and
 * `race(work)`, which settles with `work` or rejects once the time is up.
 * - `AbortSignal.timeout` is not enough: Node's timer holds its signal only
 *   weakly, and fetch does too, so once the signal is garbage-collected it
 *   never fires and a stalled request hangs for ever (seen here: one report
 *   in ten never answered while traces ran).
 * - The signal alone is not enough either: Node 20's fetch was seen to stay
 *   pending after its signal aborted, while the backend it called had
 *   stalled (every pending request through the kubernetes proxy at once, on
 *   the test bed). `race` does not depend on the callee honouring it.
 */
export function deadline(
  ms: number,
  /** What the TimeoutError says; by default `no answer within <ms> ms`. */
  message = `no answer within ${ms} ms`,
): {
  signal: AbortSignal;
  clear: () => void;
  race: <T>(work: Promise<T>) => Promise<T>;
} {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(message, 'TimeoutError')),
    ms,
  );
  const expired = new Promise<never>((_, reject) =>
    controller.signal.addEventListener(
      'abort',
      () => reject(controller.signal.reason),
      { once: true },
    ),
  );
  expired.catch(() => undefined);
  return {
    signal: controller.signal,
    clear: () => clearTimeout(timer),
    race: work => Promise.race([work, expired]),
  };
}
