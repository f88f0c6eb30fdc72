import { framesFromIgUstack } from './igUstack';

describe('framesFromIgUstack', () => {
  it('pairs addresses with symbols, leaf first', () => {
    expect(
      framesFromIgUstack(
        '0x000055d0c0a011a9; 0x000055d0c0a01300; 0x00007f3c2a829d90; ',
        'leak_fn; main; 0x00007f3c2a829d90; ',
      ),
    ).toEqual([
      { address: '0x55d0c0a011a9', symbol: 'leak_fn' },
      { address: '0x55d0c0a01300', symbol: 'main' },
      { address: '0x7f3c2a829d90' },
    ]);
  });

  it('accepts the indexed form of older releases and symbol offsets', () => {
    expect(
      framesFromIgUstack('[0]0x401a; [1]0x401b; ', '[0]leak_fn+0x1a; [1]; '),
    ).toEqual([
      { address: '0x401a', symbol: 'leak_fn', offset: 0x1a },
      { address: '0x401b' },
    ]);
  });

  it('works without symbols and stops at garbage', () => {
    expect(framesFromIgUstack('0x10; 0x20; ', '')).toEqual([
      { address: '0x10' },
      { address: '0x20' },
    ]);
    expect(framesFromIgUstack('0x10; nope; 0x30; ', '')).toEqual([
      { address: '0x10' },
    ]);
    expect(framesFromIgUstack('', '')).toEqual([]);
  });
});
