import { formatBytes, formatDuration, formatFrame, formatRate } from './format';

describe('formatting', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [45 * 1024 * 1024, '45.0 MiB'],
    [300 * 1024 * 1024, '300 MiB'],
    [-2048, '-2.0 KiB'],
    [NaN, '–'],
  ])('formatBytes(%p) = %p', (n, s) => expect(formatBytes(n)).toBe(s));

  it('shows rates in MiB/min with a sign', () => {
    expect(formatRate(131072)).toBe('+7.5 MiB/min');
    expect(formatRate(0)).toBe('0.0 MiB/min');
    expect(formatRate(-1024 * 1024)).toBe('-60 MiB/min');
  });

  it('formats frames with and without symbols', () => {
    expect(
      formatFrame({
        address: '0x401136',
        symbol: 'leak_memory_chunk',
        offset: 26,
        module: 'leaker',
      }),
    ).toBe('leak_memory_chunk+0x1a (leaker)');
    expect(formatFrame({ address: '0x7f00' })).toBe('0x7f00');
  });

  it('formats durations', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(360)).toBe('6 min');
    expect(formatDuration(3900)).toBe('1 h 5 min');
  });
});
