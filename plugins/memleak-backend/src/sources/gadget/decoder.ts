import {
  DATASOURCE_BIG_ENDIAN,
  DataSourceInfo,
  FieldInfo,
  FieldKind,
} from './protocol';

/** Reads one field of a record (its payload elements). */
export type NumberReader = (payload: Buffer[]) => number | undefined;
export type StringReader = (payload: Buffer[]) => string | undefined;

const TWO_POW_32 = 2 ** 32;

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
    const ok = (b: Buffer | undefined, n: number) => b && b.length >= o + n;
    switch (f.kind) {
      case FieldKind.Bool:
      case FieldKind.Uint8:
        return pl => (ok(pl[p], 1) ? pl[p][o] : undefined);
      case FieldKind.Int8:
        return pl => (ok(pl[p], 1) ? pl[p].readInt8(o) : undefined);
      case FieldKind.Uint16:
        return pl =>
          ok(pl[p], 2)
            ? be
              ? pl[p].readUInt16BE(o)
              : pl[p].readUInt16LE(o)
            : undefined;
      case FieldKind.Int16:
        return pl =>
          ok(pl[p], 2)
            ? be
              ? pl[p].readInt16BE(o)
              : pl[p].readInt16LE(o)
            : undefined;
      case FieldKind.Uint32:
        return pl =>
          ok(pl[p], 4)
            ? be
              ? pl[p].readUInt32BE(o)
              : pl[p].readUInt32LE(o)
            : undefined;
      case FieldKind.Int32:
        return pl =>
          ok(pl[p], 4)
            ? be
              ? pl[p].readInt32BE(o)
              : pl[p].readInt32LE(o)
            : undefined;
      case FieldKind.Uint64:
      case FieldKind.Int64: {
        // Two 32-bit reads: exact below 2^53 (addresses, sizes); nanosecond
        // timestamps keep ~0.2 µs, more than a trace needs.
        const signed = f.kind === FieldKind.Int64;
        return pl => {
          const b = pl[p];
          if (!ok(b, 8)) return undefined;
          const hi = be
            ? signed
              ? b.readInt32BE(o)
              : b.readUInt32BE(o)
            : signed
            ? b.readInt32LE(o + 4)
            : b.readUInt32LE(o + 4);
          const lo = be ? b.readUInt32BE(o + 4) : b.readUInt32LE(o);
          return hi * TWO_POW_32 + lo;
        };
      }
      default:
        throw new Error(
          `field ${fullName} is of kind ${FieldKind[f.kind] ?? f.kind}, not an integer`,
        );
    }
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
        `field ${fullName} is of kind ${FieldKind[f.kind] ?? f.kind}, not a string`,
      );
    }
    return pl => {
      const b = pl[p];
      if (!b) return undefined;
      const region = size > 0 ? b.subarray(o, o + size) : b;
      const nul = region.indexOf(0);
      return region.toString('utf8', 0, nul < 0 ? region.length : nul);
    };
  }
}
