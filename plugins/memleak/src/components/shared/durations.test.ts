import { durationChoices } from './durations';

describe('durationChoices', () => {
  it('offers common durations up to the maximum, with default and maximum included', () => {
    expect(
      durationChoices({
        available: true,
        defaultDurationSec: 45,
        maxDurationSec: 700,
      }),
    ).toEqual([45, 60, 120, 300, 600, 700]);
  });

  it('never offers durations outside the API bounds', () => {
    expect(
      durationChoices({
        available: true,
        defaultDurationSec: 5,
        maxDurationSec: 99999,
      }),
    ).toEqual([60, 120, 300, 600, 900, 1800, 3600]);
  });
});
