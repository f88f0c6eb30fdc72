import { z } from 'zod';

const verdict = z.enum(['stable', 'growing', 'leak', 'inconclusive']);
const status = z.enum([
  'running',
  'completed',
  'stopped',
  'failed',
  'interrupted',
  'target_exited',
]);
const bytes = z.number().finite();

const frame = z.object({
  address: z.string().regex(/^0x[0-9a-f]+$/),
  symbol: z.string().optional(),
  offset: z.number().int().nonnegative().optional(),
  module: z.string().optional(),
});

/**
 * The documented shape of `memleak-trace --json` (version 1), checked at run
 * time by its tests; `CliTraceReport` is the same shape as a type.
 * @public
 */
export const cliTraceReportSchema = z
  .object({
    version: z.literal(1),
    /** `--pid`: the process traced. */
    pid: z.number().int().positive().optional(),
    /** `--pod`: the pod traced. */
    pod: z
      .object({
        cluster: z.string().min(1),
        namespace: z.string().min(1),
        name: z.string().min(1),
        container: z.string().min(1),
      })
      .optional(),
    durationSec: z.number().positive(),
    intervalSec: z.number().positive(),
    status,
    verdict,
    reason: z.string().min(1),
    growthBytesPerSec: bytes,
    outstandingBytes: bytes,
    snapshots: z.array(
      z.object({
        t: z.number().nonnegative(),
        at: z.string().datetime(),
        outstandingBytes: bytes,
        outstandingCount: z.number().int().nonnegative(),
        agedBytes: bytes,
        mmapBytes: bytes,
        allocs: z.number().int().nonnegative(),
        frees: z.number().int().nonnegative(),
        lostEvents: z.number().int().nonnegative(),
        rssBytes: bytes.optional(),
        reportedBytes: bytes.optional(),
      }),
    ),
    stacks: z.array(
      z.object({
        id: z.string(),
        frames: z.array(frame),
        outstandingBytes: bytes,
        outstandingCount: z.number().int().nonnegative(),
        agedBytes: bytes,
        agedCount: z.number().int().nonnegative(),
        allocs: z.number().int().nonnegative(),
        frees: z.number().int().nonnegative(),
        growthBytesPerSec: bytes,
        verdict,
        reason: z.string(),
      }),
    ),
    notices: z.array(
      z.object({
        level: z.enum(['info', 'warning', 'error']),
        code: z.string(),
        message: z.string(),
        at: z.string().datetime(),
      }),
    ),
  })
  .refine(r => (r.pid === undefined) !== (r.pod === undefined), {
    message: 'a report names either the pid or the pod it traced',
  });
