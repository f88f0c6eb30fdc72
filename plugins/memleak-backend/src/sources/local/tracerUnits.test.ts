import { makeTracer } from './testing/tracerBuild';

jest.setTimeout(120_000);

// The loader's C unit tests (prologue decoding, ELF symbols, /proc maps): `make check`.
describe('memleak-tracer C unit tests', () => {
  it('pass', () => {
    expect(makeTracer('check')).toContain('unit tests passed');
  });
});
