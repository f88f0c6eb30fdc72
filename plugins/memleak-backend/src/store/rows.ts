import { InputError } from '@backstage/errors';
import type {
  HeapSnapshot,
  Notice,
  StackSummary,
  TraceStatus,
  TraceSummary,
  Verdict,
} from '@internal/plugin-memleak-common';
import type { NewTrace, TraceProgress } from './types';

/*
 * Rows of the tables in `migrations/` and their mapping to the API types.
 * Reads accept what either database hands back: PostgreSQL returns bigint
 * columns as strings and timestamps as Dates, SQLite numbers for both.
 */

/** A bigint column as read: a string on PostgreSQL, a number on SQLite. */
type DbBigint = number | string;
/** A timestamp column as read: a Date on PostgreSQL, epoch ms on SQLite. */
type DbTime = Date | number | string;

export interface TraceRow {
  id: string;
  entity_ref: string;
  target: string;
  status: string;
  started_at: DbTime;
  ended_at: DbTime | null;
  duration_sec: number;
  elapsed_sec: number;
  verdict: string;
  reason: string;
  growth_bytes_per_sec: number;
  outstanding_bytes: DbBigint;
  top_frame: string | null;
  created_by: string | null;
  owner_id: string | null;
  heartbeat_at: DbTime | null;
  group_id: string | null;
}

export interface SnapshotRow {
  trace_id: string;
  t: number;
  at: DbTime;
  outstanding_bytes: DbBigint;
  outstanding_count: DbBigint;
  aged_bytes: DbBigint;
  mmap_bytes: DbBigint;
  allocs: DbBigint;
  frees: DbBigint;
  lost_events: DbBigint;
  rss_bytes: DbBigint | null;
  reported_bytes: number | null;
}

export interface StackRow {
  trace_id: string;
  rank: number;
  stack_id: string;
  frames: string;
  outstanding_bytes: DbBigint;
  outstanding_count: DbBigint;
  aged_bytes: DbBigint;
  aged_count: DbBigint;
  allocs: DbBigint;
  frees: DbBigint;
  growth_bytes_per_sec: number;
  verdict: string;
  reason: string;
}

export interface NoticeRow {
  trace_id: string;
  at: DbTime;
  level: string;
  code: string;
  message: string;
}

/** What a trace says before its first snapshot has been judged. */
export const INITIAL_VERDICT: Verdict = 'inconclusive';
export const INITIAL_REASON = 'No snapshots yet.';

function toNumber(value: DbBigint): number {
  return typeof value === 'number' ? value : Number(value);
}

function toOptionalNumber(value: DbBigint | null): number | undefined {
  return value === null || value === undefined ? undefined : toNumber(value);
}

function toIso(value: DbTime): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Parses an ISO time from the API; a bad one would otherwise be stored as garbage or fail obscurely. */
export function parseTime(iso: string, field: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    throw new InputError(
      `${field} is not a valid time: ${JSON.stringify(iso)}`,
    );
  }
  return date;
}

/**
 * Bytes and counts are whole numbers; rounding keeps a fractional value (an
 * averaged source, say) from failing the insert into a PostgreSQL bigint.
 */
function toBigintColumn(value: number, field: string): number {
  return Math.round(toDoubleColumn(value, field));
}

/** NaN and infinities are not portable: SQLite stores NaN as NULL. */
function toDoubleColumn(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InputError(`${field} must be a finite number, got ${value}`);
  }
  return value;
}

export function newTraceToRow(trace: NewTrace): TraceRow {
  return {
    id: trace.id,
    entity_ref: trace.entityRef,
    target: JSON.stringify(trace.target),
    status: 'running',
    started_at: trace.startedAt,
    ended_at: null,
    duration_sec: trace.durationSec,
    elapsed_sec: 0,
    verdict: INITIAL_VERDICT,
    reason: INITIAL_REASON,
    growth_bytes_per_sec: 0,
    outstanding_bytes: 0,
    top_frame: null,
    created_by: trace.createdBy ?? null,
    owner_id: trace.ownerId,
    heartbeat_at: trace.startedAt,
    group_id: trace.groupId ?? null,
  };
}

/** Only the fields that are set; `topFrame: null` clears the column. */
export function progressToRow(progress: TraceProgress): Partial<TraceRow> {
  const row: Partial<TraceRow> = {};
  if (progress.status !== undefined) row.status = progress.status;
  if (progress.endedAt !== undefined) row.ended_at = progress.endedAt;
  if (progress.elapsedSec !== undefined) {
    row.elapsed_sec = toDoubleColumn(progress.elapsedSec, 'elapsedSec');
  }
  if (progress.verdict !== undefined) row.verdict = progress.verdict;
  if (progress.reason !== undefined) row.reason = progress.reason;
  if (progress.growthBytesPerSec !== undefined) {
    row.growth_bytes_per_sec = toDoubleColumn(
      progress.growthBytesPerSec,
      'growthBytesPerSec',
    );
  }
  if (progress.outstandingBytes !== undefined) {
    row.outstanding_bytes = toBigintColumn(
      progress.outstandingBytes,
      'outstandingBytes',
    );
  }
  if (progress.topFrame !== undefined) row.top_frame = progress.topFrame;
  return row;
}

export function rowToSummary(row: TraceRow): TraceSummary {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    target: JSON.parse(row.target),
    status: row.status as TraceStatus,
    startedAt: toIso(row.started_at),
    ...(row.ended_at !== null && { endedAt: toIso(row.ended_at) }),
    durationSec: row.duration_sec,
    elapsedSec: row.elapsed_sec,
    verdict: row.verdict as Verdict,
    reason: row.reason,
    growthBytesPerSec: row.growth_bytes_per_sec,
    outstandingBytes: toNumber(row.outstanding_bytes),
    ...(row.top_frame !== null && { topFrame: row.top_frame }),
    ...(row.created_by !== null && { createdBy: row.created_by }),
    ...(row.group_id !== null && { groupId: row.group_id }),
  };
}

export function snapshotToRow(
  traceId: string,
  snapshot: HeapSnapshot,
): SnapshotRow {
  const big = (field: keyof HeapSnapshot) =>
    toBigintColumn(snapshot[field] as number, field);
  return {
    trace_id: traceId,
    t: toDoubleColumn(snapshot.t, 'snapshot.t'),
    at: parseTime(snapshot.at, 'snapshot.at'),
    outstanding_bytes: big('outstandingBytes'),
    outstanding_count: big('outstandingCount'),
    aged_bytes: big('agedBytes'),
    mmap_bytes: big('mmapBytes'),
    allocs: big('allocs'),
    frees: big('frees'),
    lost_events: big('lostEvents'),
    rss_bytes: snapshot.rssBytes === undefined ? null : big('rssBytes'),
    reported_bytes:
      snapshot.reportedBytes === undefined
        ? null
        : toDoubleColumn(snapshot.reportedBytes, 'reportedBytes'),
  };
}

export function rowToSnapshot(row: SnapshotRow): HeapSnapshot {
  const rssBytes = toOptionalNumber(row.rss_bytes);
  return {
    t: row.t,
    at: toIso(row.at),
    outstandingBytes: toNumber(row.outstanding_bytes),
    outstandingCount: toNumber(row.outstanding_count),
    agedBytes: toNumber(row.aged_bytes),
    mmapBytes: toNumber(row.mmap_bytes),
    allocs: toNumber(row.allocs),
    frees: toNumber(row.frees),
    lostEvents: toNumber(row.lost_events),
    ...(rssBytes !== undefined && { rssBytes }),
    ...(row.reported_bytes !== null && { reportedBytes: row.reported_bytes }),
  };
}

export function stackToRow(
  traceId: string,
  stack: StackSummary,
  rank: number,
): StackRow {
  const big = (field: keyof StackSummary) =>
    toBigintColumn(stack[field] as number, field);
  return {
    trace_id: traceId,
    rank,
    stack_id: stack.id,
    frames: JSON.stringify(stack.frames),
    outstanding_bytes: big('outstandingBytes'),
    outstanding_count: big('outstandingCount'),
    aged_bytes: big('agedBytes'),
    aged_count: big('agedCount'),
    allocs: big('allocs'),
    frees: big('frees'),
    growth_bytes_per_sec: toDoubleColumn(
      stack.growthBytesPerSec,
      'growthBytesPerSec',
    ),
    verdict: stack.verdict,
    reason: stack.reason,
  };
}

export function rowToStack(row: StackRow): StackSummary {
  return {
    id: row.stack_id,
    frames: JSON.parse(row.frames),
    outstandingBytes: toNumber(row.outstanding_bytes),
    outstandingCount: toNumber(row.outstanding_count),
    agedBytes: toNumber(row.aged_bytes),
    agedCount: toNumber(row.aged_count),
    allocs: toNumber(row.allocs),
    frees: toNumber(row.frees),
    growthBytesPerSec: row.growth_bytes_per_sec,
    verdict: row.verdict as Verdict,
    reason: row.reason,
  };
}

export function noticeToRow(traceId: string, notice: Notice): NoticeRow {
  return {
    trace_id: traceId,
    at: parseTime(notice.at, 'notice.at'),
    level: notice.level,
    code: notice.code,
    message: notice.message,
  };
}

export function rowToNotice(row: NoticeRow): Notice {
  return {
    level: row.level as Notice['level'],
    code: row.code as Notice['code'],
    message: row.message,
    at: toIso(row.at),
  };
}
