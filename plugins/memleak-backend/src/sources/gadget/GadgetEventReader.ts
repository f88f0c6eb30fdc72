import type { Notice } from '@internal/plugin-memleak-common';
import type { HeapLedger } from '../../ledger';
import {
  DATASOURCE_ARRAY,
  decodeGadgetInfo,
  EVENT_DATA,
  EVENT_GADGET_INFO,
  EVENT_LOG_SHIFT,
  GadgetEvent,
} from './protocol';
import { TraceMallocFeeder } from './traceMalloc';
import { forEachRecord, RecordView } from './wire';

type SourceNotice = Omit<Notice, 'at'>;

const LOST_SAMPLES = /lost (\d+) samples/;
const STACK_LOST = /stack with ID (\d+) is lost/;

/**
 * Reads one RunGadget stream into a HeapLedger: the GadgetInfo (which may
 * come after logs) sets the field layout, data events are decoded by it, and
 * nothing is lost silently — a gap in `seq` (the server dropped events) and
 * "lost N samples" logs (the kernel ring buffer overflowed) count as lost.
 */
export class GadgetEventReader {
  private feeders = new Map<number, TraceMallocFeeder>();
  private arrays = new Set<number>();
  private notices: SourceNotice[] = [];
  private stacksLost = 0;
  private readonly view = new RecordView();

  constructor(
    private readonly ledger: HeapLedger,
    private readonly image: string,
  ) {}

  /** Takes one event; says `info` for the GadgetInfo. */
  accept(event: GadgetEvent): 'info' | undefined {
    this.ledger.noteSeq(event.seq);
    if (event.type === EVENT_DATA) {
      this.onData(event);
    } else if (event.type === EVENT_GADGET_INFO) {
      this.onGadgetInfo(event);
      return 'info';
    } else if (event.type >> EVENT_LOG_SHIFT) {
      this.onLog(
        event.type >> EVENT_LOG_SHIFT,
        Buffer.from(event.payload).toString('utf8'),
      );
    }
    return undefined;
  }

  drainNotices(): SourceNotice[] {
    const out = this.notices;
    this.notices = [];
    return out;
  }

  get stats() {
    let records = 0;
    for (const f of this.feeders.values()) records += f.records;
    return { records, stacksLost: this.stacksLost };
  }

  private onGadgetInfo(event: GadgetEvent): void {
    const info = decodeGadgetInfo(event.payload);
    this.feeders.clear();
    for (const ds of info.dataSources) {
      if (TraceMallocFeeder.matches(ds)) {
        this.feeders.set(ds.id, new TraceMallocFeeder(ds, this.ledger));
      }
    }
    if (this.feeders.size === 0) {
      throw new Error(
        `${this.image} has no trace_malloc data source (got ${info.dataSources
          .map(d => d.name)
          .join(', ')}); is the image a trace_malloc build?`,
      );
    }
    this.arrays = new Set(
      info.dataSources.filter(d => d.type === DATASOURCE_ARRAY).map(d => d.id),
    );
  }

  private onData(event: GadgetEvent): void {
    const feeder = this.feeders.get(event.dataSourceID);
    if (!feeder) return;
    forEachRecord(
      event.payload,
      this.arrays.has(event.dataSourceID),
      this.view,
      feeder.feed,
    );
  }

  private onLog(level: number, text: string): void {
    const lost = LOST_SAMPLES.exec(text);
    if (lost) {
      this.ledger.addLost(Number(lost[1]));
      return;
    }
    if (STACK_LOST.test(text)) {
      if (this.stacksLost++ === 0) {
        this.notices.push({
          level: 'warning',
          code: 'stacks_lost',
          message:
            "Inspektor Gadget's stack map is full: some allocations have no stack (they still count toward growth).",
        });
      }
      return;
    }
    // logrus: 0 panic, 1 fatal, 2 error, 3 warning
    if (level <= 2) {
      this.notices.push({
        level: 'warning',
        code: 'source_error',
        message: `Inspektor Gadget: ${text}`,
      });
    }
  }
}
