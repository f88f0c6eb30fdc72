import fc from 'fast-check';
import {
  describeZodError,
  startTraceRequestSchema,
  traceIdSchema,
} from './validation';

describe('request validation', () => {
  it('accepts a minimal and a full start request', () => {
    expect(
      startTraceRequestSchema.parse({
        entityRef: 'component:default/leaker-c',
      }),
    ).toEqual({
      entityRef: 'component:default/leaker-c',
    });
    expect(
      startTraceRequestSchema.parse({
        entityRef: 'component:default/leaker-c',
        durationSec: 60,
        target: 'leaker-c',
      }),
    ).toMatchObject({ durationSec: 60 });
  });

  it.each([
    [{}, /entityRef: Required/],
    [{ entityRef: 'leaker-c' }, /must look like kind:namespace\/name/],
    [
      { entityRef: 'component:default/x', durationSec: 5 },
      /durationSec: Number must be greater than or equal to 10/,
    ],
    [{ entityRef: 'component:default/x', durationSec: 12.5 }, /whole number/],
    [{ entityRef: 'component:default/x', extra: 1 }, /Unrecognized key/],
  ])('explains what is wrong with %j', (body, message) => {
    const r = startTraceRequestSchema.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error ? describeZodError(r.error) : '').toMatch(message);
  });

  it('accepts only UUID trace ids', () => {
    expect(
      traceIdSchema.safeParse('3f2504e0-4f89-41d3-9a0c-0305e82c3301').success,
    ).toBe(true);
    fc.assert(
      fc.property(fc.uuid(), id => traceIdSchema.safeParse(id).success),
    );
    fc.assert(
      fc.property(
        fc.string({ maxLength: 35 }),
        s => !traceIdSchema.safeParse(s).success,
      ),
    );
    expect(traceIdSchema.safeParse('../../etc/passwd').success).toBe(false);
  });
});
