import { durationChoices } from './durations';

describe('durationChoices', () => {
  it('offers common durations up to the maximum, with default and maximum included', () => {
    expect(
      durationChoices({
        available: true,
        defaultDurationSec: 45,
        maxDurationSec: 700,
        minDurationSec: 32,
      }),
    ).toEqual([45, 60, 120, 300, 600, 700]);
  });

  it('never offers durations outside the API bounds', () => {
    expect(
      durationChoices({
        available: true,
        defaultDurationSec: 5,
        maxDurationSec: 99999,
        minDurationSec: 1,
      }),
    ).toEqual([60, 120, 300, 600, 900, 1800, 3600]);
  });

  it('never offers a duration shorter than the backend needs for a verdict', () => {
    // e.g. minAgeSec 60 with 2 s snapshots: 82 s
    expect(
      durationChoices({
        available: true,
        defaultDurationSec: 120,
        maxDurationSec: 900,
        minDurationSec: 82,
      }),
    ).toEqual([120, 300, 600, 900]);
  });

  it('offers the default and maximum when the minimum is above the common durations', () => {
    // 60 s snapshots and a 10 min minimum age: 680 s
    expect(
      durationChoices({
        available: true,
        defaultDurationSec: 700,
        maxDurationSec: 900,
        minDurationSec: 680,
      }),
    ).toEqual([700, 900]);
  });
});
