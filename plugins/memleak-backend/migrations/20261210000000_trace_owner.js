// @ts-check

/*
 * Several backend replicas share one database. A trace belongs to the replica
 * that runs it: `owner_id` names that replica, `heartbeat_at` is the last time
 * it said the trace was still alive. `group_id` ties together the traces one
 * request started (one per pod of a Kubernetes entity, say).
 *
 * All three are nullable: rows written before this migration have no owner and
 * no heartbeat, and count as orphaned (the next start or sweep ends them).
 */

const TRACES = 'memleak_traces';
const GROUP_INDEX = 'memleak_traces_group_idx';
const COLUMNS = ['owner_id', 'heartbeat_at', 'group_id'];

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable(TRACES, table => {
    table
      .string('owner_id', 255)
      .nullable()
      .comment('The backend replica running the trace (memleak.instanceId)');
    table
      .timestamp('heartbeat_at', { useTz: true })
      .nullable()
      .comment('Last time the owner reported the trace alive');
    table
      .string('group_id', 64)
      .nullable()
      .comment('Shared by the traces one request started');
    table.index(['group_id'], GROUP_INDEX);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable(TRACES, table => {
    table.dropIndex(['group_id'], GROUP_INDEX);
  });
  // Native DROP COLUMN on both databases (SQLite >= 3.35). knex's dropColumn
  // would rebuild the table on SQLite, and dropping the old table with foreign
  // keys on deletes every snapshot, stack and notice by cascade.
  for (const column of COLUMNS) {
    await knex.raw('ALTER TABLE ?? DROP COLUMN ??', [TRACES, column]);
  }
};
