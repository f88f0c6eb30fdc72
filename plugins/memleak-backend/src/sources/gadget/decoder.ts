import {
  DATASOURCE_BIG_ENDIAN,
  DataSourceInfo,
  FieldInfo,
  FieldKind,
} from './protocol';
import type { RecordView } from './wire';

/** Reads one field of a record (its payload elements). */
export type NumberReader = (record: RecordView) => number | undefined;
export type StringReader = (record: RecordView) => string | undefined;

const TWO_POW_32 = 2 ** 32;

type ReadMethod =
  | 'readUInt8'
  | 'readInt8'
  | 'readUInt16LE'
  | 'readUInt16BE'
  | 'readInt16LE'
  | 'readInt16BE'
  | 'readUInt32LE'
  | 'readUInt32BE'
  | 'readInt32LE'
  | 'readInt32BE';

/** Width and [little-endian, big-endian] Buffer method of each integer kind up to 32 bits. */
const SMALL_INTS: Partial<
  Record<FieldKind, [number, [ReadMethod, ReadMethod]]>
> = {
  [FieldKind.Bool]: [1, ['readUInt8', 'readUInt8']],
  [FieldKind.Uint8]: [1, ['readUInt8', 'readUInt8']],
  [FieldKind.Int8]: [1, ['readInt8', 'readInt8']],
  [FieldKind.Uint16]: [2, ['readUInt16LE', 'readUInt16BE']],
  [FieldKind.Int16]: [2, ['readInt16LE', 'readInt16BE']],
  [FieldKind.Uint32]: [4, ['readUInt32LE', 'readUInt32BE']],
  [FieldKind.Int32]: [4, ['readInt32LE', 'readInt32BE']],
};

/**
 * A 64-bit integer as two 32-bit reads: exact below 2^53 (addresses,
 * sizes); nanosecond timestamps keep ~0.2 µs, more than a trace needs.
 */
function int64Reader(
  p: number,
  o: number,
  bigEndian: boolean,
  signed: boolean,
): NumberReader {
  const [hiOff, loOff] = bigEndian ? [o, o + 4] : [o + 4, o];
  return r => {
    if (p >= r.count) return undefined;
    const s = r.starts[p];
    if (r.ends[p] - s < o + 8) return undefined;
    const b = r.buf;
    let hi: number;
    if (signed)
      hi = bigEndian ? b.readInt32BE(s + hiOff) : b.readInt32LE(s + hiOff);
    else hi = bigEndian ? b.readUInt32BE(s + hiOff) : b.readUInt32LE(s + hiOff);
    const lo = bigEndian
      ? b.readUInt32BE(s + loOff)
      : b.readUInt32LE(s + loOff);
    return hi * TWO_POW_32 + lo;
  };
}

/**
 * Reads records of one data source by the field layout its GadgetInfo
 * announced: fixed-size fields at `offs` within `payload[payloadIndex]`, and
 * fields of size 0 (strings and bytes added by operators) as a whole element.
 * Readers are built once per field, so decoding a record allocates nothing
 * but the strings asked for.
 */
export class DataSourceDecoder {
  private readonly byName = new Map<string, FieldInfo>();
  private readonly bigEndian: boolean;

  constructor(readonly info: DataSourceInfo) {
    for (const f of info.fields) this.byName.set(f.fullName || f.name, f);
    this.bigEndian = (info.flags & DATASOURCE_BIG_ENDIAN) !== 0;
  }

  has(fullName: string): boolean {
    return this.byName.has(fullName);
  }

  private require(fullName: string): FieldInfo {
    const f = this.byName.get(fullName);
    if (!f) {
      throw new Error(
        `data source ${this.info.name} has no field ${fullName} (fields: ${[
          ...this.byName.keys(),
        ].join(', ')})`,
      );
    }
    return f;
  }

  /** An integer field (any width, signed or not), as a JS number. */
  number(fullName: string): NumberReader {
    const f = this.require(fullName);
    const { payloadIndex: p, offs: o } = f;
    const be = this.bigEndian;
    if (f.kind === FieldKind.Uint64 || f.kind === FieldKind.Int64) {
      return int64Reader(p, o, be, f.kind === FieldKind.Int64);
    }
    const read = SMALL_INTS[f.kind as FieldKind];
    if (!read) {
      throw new Error(
        `field ${fullName} is of kind ${
          FieldKind[f.kind] ?? f.kind
        }, not an integer`,
      );
    }
    const [width, method] = read;
    const get = Buffer.prototype[be ? method[1] : method[0]] as (
      this: Buffer,
      offset: number,
    ) => number;
    return r => {
      if (p >= r.count) return undefined;
      const s = r.starts[p];
      return r.ends[p] - s >= o + width ? get.call(r.buf, s + o) : undefined;
    };
  }

  /** A string field: a C string in the record, or a whole payload element. */
  string(fullName: string): StringReader {
    const f = this.require(fullName);
    const { payloadIndex: p, offs: o, size } = f;
    if (
      f.kind !== FieldKind.String &&
      f.kind !== FieldKind.CString &&
      f.kind !== FieldKind.Bytes
    ) {
      throw new Error(
        `field ${fullName} is of kind ${
          FieldKind[f.kind] ?? f.kind
        }, not a string`,
      );
    }
    return r => {
      if (p >= r.count) return undefined;
      const s = r.starts[p];
      const e = r.ends[p];
      const start = size > 0 ? Math.min(s + o, e) : s;
      const end = size > 0 ? Math.min(s + o + size, e) : e;
      const nul = r.buf.indexOf(0, start);
      return r.buf.toString('utf8', start, nul < 0 || nul > end ? end : nul);
    };
  }
}
