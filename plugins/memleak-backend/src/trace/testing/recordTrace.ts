import type { Notice, Verdict } from '@internal/plugin-memleak-common';
import type { AllocationSource } from '../../sources/types';
import {
  SessionEnd,
  SessionUpdate,
  TraceSession,
  TraceSessionOptions,
} from '../TraceSession';

/** Everything one session told its listeners, in order. */
export interface RecordedTrace {
  updates: SessionUpdate[];
  notices: Notice[];
  end: SessionEnd;
  /** The verdict after each snapshot. */
  verdicts: Verdict[];
  /** The last update; the run fails if there was none. */
  last: SessionUpdate;
}

/**
 * Runs one TraceSession to its end and records what it reported.
 * `onUpdate` sees each update as it arrives (to stop the session or
 * disturb its target mid-trace).
 */
export async function recordTrace(
  source: AllocationSource,
  options: Omit<TraceSessionOptions, 'source'>,
  onUpdate?: (update: SessionUpdate, session: TraceSession) => void,
): Promise<RecordedTrace> {
  const updates: SessionUpdate[] = [];
  const notices: Notice[] = [];
  const session = new TraceSession({ ...options, source })
    .onUpdate(update => {
      updates.push(update);
      onUpdate?.(update, session);
    })
    .onNotice(notice => {
      notices.push(notice);
    });
  const end = await session.run();
  const last = updates[updates.length - 1];
  if (!last) {
    throw new Error(
      `the session ended (${
        end.status
      }) without a snapshot; notices: ${JSON.stringify(notices)}`,
    );
  }
  return { updates, notices, end, verdicts: updates.map(u => u.verdict), last };
}
