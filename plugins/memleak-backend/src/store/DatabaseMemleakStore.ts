import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type {
  HeapSnapshot,
  Notice,
  StackSummary,
  TraceDetail,
  TraceSummary,
} from '@internal/plugin-memleak-common';
import type { Knex } from 'knex';
import {
  newTraceToRow,
  noticeToRow,
  NoticeRow,
  progressToRow,
  rowToNotice,
  rowToSnapshot,
  rowToStack,
  rowToSummary,
  snapshotToRow,
  SnapshotRow,
  stackToRow,
  StackRow,
  TraceRow,
} from './rows';
import type { MemleakStore, NewTrace, TraceProgress } from './types';

const TRACES = 'memleak_traces';
const SNAPSHOTS = 'memleak_snapshots';
const STACKS = 'memleak_stacks';
const NOTICES = 'memleak_notices';

export const INTERRUPTED_MESSAGE =
  'The backend stopped while this trace ran; data up to then is kept.';

/** The notice of a trace whose owner's heartbeat went stale. */
export function staleMessage(staleAfterMs: number): string {
  return `The backend replica running this trace stopped answering (no heartbeat for ${
    staleAfterMs / 1000
  } s); data up to then is kept.`;
}

/** {@link MemleakStore} on the plugin's database (SQLite or PostgreSQL). */
export class DatabaseMemleakStore implements MemleakStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseMemleakStore> {
    const { database } = options;
    const knex = await database.getClient();
    if (!options.skipMigrations && !database.migrations?.skip) {
      await knex.migrate.latest({
        // Resolved through the package, so it also works once installed.
        directory: resolvePackagePath(
          '@internal/plugin-memleak-backend',
          'migrations',
        ),
      });
    }
    return new DatabaseMemleakStore(knex);
  }

  private constructor(private readonly db: Knex) {}

  async createTrace(trace: NewTrace): Promise<TraceSummary> {
    await this.db<TraceRow>(TRACES).insert(newTraceToRow(trace));
    return (await this.getSummary(trace.id))!;
  }

  async updateTrace(id: string, progress: TraceProgress): Promise<void> {
    const patch = progressToRow(progress);
    const found =
      Object.keys(patch).length === 0
        ? await this.traceExists(id)
        : (await this.db<TraceRow>(TRACES).where({ id }).update(patch)) > 0;
    if (!found) {
      throw new NotFoundError(`No trace ${id}`);
    }
  }

  async appendSnapshot(id: string, snapshot: HeapSnapshot): Promise<void> {
    const row = snapshotToRow(id, snapshot);
    await this.insertForTrace(id, () => this.db(SNAPSHOTS).insert(row));
  }

  async replaceStacks(id: string, stacks: StackSummary[]): Promise<void> {
    const rows = stacks.map((stack, rank) => stackToRow(id, stack, rank));
    // Readers see either the old list or the new one, never a mix or nothing.
    await this.db.transaction(async tx => {
      if (!(await this.traceExists(id, tx))) {
        throw new NotFoundError(`No trace ${id}`);
      }
      await tx(STACKS).where({ trace_id: id }).delete();
      if (rows.length > 0) {
        await tx(STACKS).insert(rows);
      }
    });
  }

  async addNotice(id: string, notice: Notice): Promise<void> {
    const row = noticeToRow(id, notice);
    await this.insertForTrace(id, () => this.db(NOTICES).insert(row));
  }

  async getTrace(id: string): Promise<TraceDetail | undefined> {
    const summary = await this.getSummary(id);
    if (!summary) {
      return undefined;
    }
    const [snapshots, stacks, notices] = await Promise.all([
      this.db<SnapshotRow>(SNAPSHOTS)
        .where({ trace_id: id })
        .orderBy([
          { column: 't', order: 'asc' },
          { column: 'id', order: 'asc' },
        ]),
      this.db<StackRow>(STACKS).where({ trace_id: id }).orderBy('rank', 'asc'),
      this.db<NoticeRow>(NOTICES)
        .where({ trace_id: id })
        .orderBy([
          { column: 'at', order: 'asc' },
          { column: 'id', order: 'asc' },
        ]),
    ]);
    return {
      ...summary,
      snapshots: snapshots.map(rowToSnapshot),
      stacks: stacks.map(rowToStack),
      notices: notices.map(rowToNotice),
    };
  }

  async listTraces(entityRef: string, limit: number): Promise<TraceSummary[]> {
    const rows = await this.db<TraceRow>(TRACES)
      .where({ entity_ref: entityRef })
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(Math.max(0, Math.floor(limit)));
    return rows.map(rowToSummary);
  }

  async latestTrace(entityRef: string): Promise<TraceDetail | undefined> {
    const [latest] = await this.listTraces(entityRef, 1);
    return latest ? this.getTrace(latest.id) : undefined;
  }

  async listRunning(): Promise<TraceSummary[]> {
    const rows = await this.db<TraceRow>(TRACES)
      .where({ status: 'running' })
      .orderBy([
        { column: 'started_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(rowToSummary);
  }

  async listGroup(groupId: string): Promise<TraceSummary[]> {
    const rows = await this.db<TraceRow>(TRACES)
      .where({ group_id: groupId })
      .orderBy([
        { column: 'started_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(rowToSummary);
  }

  async heartbeat(ownerId: string, now: Date): Promise<number> {
    return this.db<TraceRow>(TRACES)
      .where({ status: 'running', owner_id: ownerId })
      .update({ heartbeat_at: now });
  }

  async interruptRunning(now: Date, ownerId: string): Promise<number> {
    return this.interrupt(now, INTERRUPTED_MESSAGE, q =>
      q.where({ owner_id: ownerId }).orWhereNull('owner_id'),
    );
  }

  async sweepStale(now: Date, staleAfterMs: number): Promise<number> {
    const cutoff = new Date(now.getTime() - staleAfterMs);
    return this.interrupt(now, staleMessage(staleAfterMs), q =>
      q.whereNull('heartbeat_at').orWhere('heartbeat_at', '<', cutoff),
    );
  }

  /**
   * Marks the `running` traces that `filter` selects `interrupted`, each with
   * an `interrupted` notice, in one transaction. One UPDATE decides which
   * rows: a replica that ends or heartbeats a trace meanwhile, or another
   * replica sweeping at the same time, cannot get it ended twice.
   */
  private async interrupt(
    now: Date,
    message: string,
    filter: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
  ): Promise<number> {
    return this.db.transaction(async tx => {
      const updated: Array<{ id: string }> = await tx(TRACES)
        .where({ status: 'running' })
        .andWhere(filter)
        .update({ status: 'interrupted', ended_at: now }, ['id']);
      if (updated.length === 0) {
        return 0;
      }
      await tx(NOTICES).insert(
        updated.map(({ id }) =>
          noticeToRow(id, {
            level: 'warning',
            code: 'interrupted',
            message,
            at: now.toISOString(),
          }),
        ),
      );
      return updated.length;
    });
  }

  private async getSummary(id: string): Promise<TraceSummary | undefined> {
    const row = await this.db<TraceRow>(TRACES).where({ id }).first();
    return row ? rowToSummary(row) : undefined;
  }

  private async traceExists(id: string, db: Knex = this.db): Promise<boolean> {
    const row = await db<TraceRow>(TRACES).where({ id }).first('id');
    return row !== undefined;
  }

  /**
   * Runs an insert of a trace's child row. The foreign key rejects an unknown
   * trace on both databases, with engine-specific errors; this turns that
   * into a NotFoundError, and costs nothing on the common path.
   */
  private async insertForTrace(
    id: string,
    insert: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await insert();
    } catch (error) {
      if (!(await this.traceExists(id))) {
        throw new NotFoundError(`No trace ${id}`);
      }
      throw error;
    }
  }
}
