import { framesFromIgUstack } from '../../ledger/igUstack';
import type { HeapLedger } from '../../ledger';
import { DataSourceDecoder, NumberReader, StringReader } from './decoder';
import { DataSourceInfo } from './protocol';
import type { RecordView } from './wire';
import { MemOp } from '../types';

const FREES = new Set<number>([MemOp.free, MemOp.realloc_free, MemOp.munmap]);

/**
 * Feeds trace_malloc records into a HeapLedger. One instance per data source
 * layout (from the run's GadgetInfo): field readers are built once, and a
 * stack's frames are decoded only the first time its id is seen.
 */
export class TraceMallocFeeder {
  private readonly op: NumberReader;
  private readonly addr: NumberReader;
  private readonly size: NumberReader;
  private readonly timestamp: NumberReader;
  private readonly stackId?: NumberReader;
  private readonly addresses?: StringReader;
  private readonly symbols?: StringReader;
  /** ustack.stack_id → the ledger's stack id. */
  private readonly stacks = new Map<number, number>();
  records = 0;

  constructor(info: DataSourceInfo, private readonly ledger: HeapLedger) {
    const d = new DataSourceDecoder(info);
    this.op = d.number('operation_raw');
    this.addr = d.number('addr');
    this.size = d.number('size');
    this.timestamp = d.number('timestamp_raw');
    if (d.has('ustack.stack_id')) {
      this.stackId = d.number('ustack.stack_id');
      this.addresses = d.has('ustack.addresses')
        ? d.string('ustack.addresses')
        : undefined;
      this.symbols = d.has('ustack.symbols')
        ? d.string('ustack.symbols')
        : undefined;
    }
  }

  /** The data source trace_malloc emits. */
  static matches(info: DataSourceInfo): boolean {
    const names = new Set(info.fields.map(f => f.fullName || f.name));
    return ['operation_raw', 'addr', 'size', 'timestamp_raw'].every(n =>
      names.has(n),
    );
  }

  /** Takes one record (bound: it is passed around as a callback). */
  readonly feed = (payload: RecordView): void => {
    this.records++;
    const op = this.op(payload);
    const addr = this.addr(payload);
    if (op === undefined || addr === undefined) return;
    // The ledger ignores a free's stack: skip decoding it.
    const stack = FREES.has(op) ? 0 : this.stackOf(payload);
    this.ledger.record(
      op,
      addr,
      this.size(payload) ?? 0,
      this.timestamp(payload) ?? 0,
      stack,
    );
  };

  private stackOf(payload: RecordView): number {
    const id = this.stackId?.(payload) ?? 0;
    let stack = this.stacks.get(id);
    if (stack === undefined) {
      const addresses = this.addresses?.(payload) ?? '';
      const frames = framesFromIgUstack(
        addresses,
        this.symbols?.(payload) ?? '',
      );
      stack = this.ledger.registerStack(addresses || `ig-stack-${id}`, frames);
      this.stacks.set(id, stack);
    }
    return stack;
  }
}
