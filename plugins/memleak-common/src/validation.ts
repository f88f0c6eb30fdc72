import { z } from 'zod';

/** Bounds every backend applies before its own configured limits. @public */
export const TRACE_DURATION_BOUNDS = { minSec: 10, maxSec: 3600 } as const;

/** `kind:namespace/name`, as the catalog writes refs. @public */
export const entityRefSchema = z
  .string()
  .trim()
  .regex(
    /^[a-zA-Z0-9-]+:[a-zA-Z0-9_.-]+\/[a-zA-Z0-9_.-]+$/,
    'entityRef must look like kind:namespace/name, e.g. component:default/leaker-c',
  );

/** @public */
export const startTraceRequestSchema = z
  .object({
    entityRef: entityRefSchema,
    durationSec: z
      .number()
      .int('durationSec must be a whole number of seconds')
      .min(TRACE_DURATION_BOUNDS.minSec)
      .max(TRACE_DURATION_BOUNDS.maxSec)
      .optional(),
    target: z.string().min(1).max(253).optional(),
  })
  .strict();

/** Trace ids are UUIDs. @public */
export const traceIdSchema = z.string().uuid('trace id must be a UUID');

/** Formats a zod error as one readable sentence. @public */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map(i => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
