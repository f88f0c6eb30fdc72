// @ts-check

/*
 * Traces and what they collect: heap snapshots (a time series), the latest top
 * stacks, and notices. Runs on SQLite and PostgreSQL.
 *
 * Byte sizes and counts are bigint: a long trace of a busy process passes 2^31
 * allocations, and heaps pass 2 GiB. PostgreSQL returns bigint as strings; the
 * store converts them back to numbers. Times are timestamps (with time zone on
 * PostgreSQL; SQLite stores epoch milliseconds).
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('memleak_traces', table => {
    table.comment('One heap trace of one target of a catalog entity');
    table.string('id', 64).primary().notNullable().comment('UUID');
    table
      .string('entity_ref', 255)
      .notNullable()
      .comment('Stringified catalog entity ref');
    table.text('target').notNullable().comment('TraceTarget as JSON');
    table.string('status', 32).notNullable();
    table.timestamp('started_at', { useTz: true }).notNullable();
    table.timestamp('ended_at', { useTz: true }).nullable();
    table.integer('duration_sec').notNullable().comment('Requested duration');
    table.double('elapsed_sec').notNullable().defaultTo(0);
    table.string('verdict', 32).notNullable();
    table.text('reason').notNullable();
    table.double('growth_bytes_per_sec').notNullable().defaultTo(0);
    table.bigInteger('outstanding_bytes').notNullable().defaultTo(0);
    table.text('top_frame').nullable();
    table.string('created_by', 255).nullable().comment('User entity ref');
    // "Latest trace of an entity" and "history of an entity" read this index.
    table.index(
      ['entity_ref', 'started_at'],
      'memleak_traces_entity_started_idx',
    );
    // "Which traces are running" at startup and for concurrency limits.
    table.index(['status'], 'memleak_traces_status_idx');
  });

  await knex.schema.createTable('memleak_snapshots', table => {
    table.comment('Time series of a trace, one row per snapshot interval');
    table.increments('id');
    table
      .string('trace_id', 64)
      .notNullable()
      .references('id')
      .inTable('memleak_traces')
      .onDelete('CASCADE');
    table.double('t').notNullable().comment('Seconds since the trace started');
    table.timestamp('at', { useTz: true }).notNullable();
    table.bigInteger('outstanding_bytes').notNullable();
    table.bigInteger('outstanding_count').notNullable();
    table.bigInteger('aged_bytes').notNullable();
    table.bigInteger('mmap_bytes').notNullable();
    table.bigInteger('allocs').notNullable();
    table.bigInteger('frees').notNullable();
    table.bigInteger('lost_events').notNullable();
    table.bigInteger('rss_bytes').nullable();
    // Whatever the service reports about itself; not necessarily a whole number.
    table.double('reported_bytes').nullable();
    table.index(['trace_id', 't'], 'memleak_snapshots_trace_t_idx');
  });

  await knex.schema.createTable('memleak_stacks', table => {
    table.comment('Latest top stacks of a trace; replaced as a whole');
    table
      .string('trace_id', 64)
      .notNullable()
      .references('id')
      .inTable('memleak_traces')
      .onDelete('CASCADE');
    table.integer('rank').notNullable().comment('0 = first in the list');
    table.string('stack_id', 255).notNullable();
    table.text('frames').notNullable().comment('StackFrame[] as JSON');
    table.bigInteger('outstanding_bytes').notNullable();
    table.bigInteger('outstanding_count').notNullable();
    table.bigInteger('aged_bytes').notNullable();
    table.bigInteger('aged_count').notNullable();
    table.bigInteger('allocs').notNullable();
    table.bigInteger('frees').notNullable();
    table.double('growth_bytes_per_sec').notNullable();
    table.string('verdict', 32).notNullable();
    table.text('reason').notNullable();
    table.primary(['trace_id', 'rank']);
  });

  await knex.schema.createTable('memleak_notices', table => {
    table.comment('Things the user should know about a trace');
    table.increments('id');
    table
      .string('trace_id', 64)
      .notNullable()
      .references('id')
      .inTable('memleak_traces')
      .onDelete('CASCADE');
    table.timestamp('at', { useTz: true }).notNullable();
    table.string('level', 16).notNullable();
    table.string('code', 64).notNullable();
    table.text('message').notNullable();
    table.index(['trace_id', 'at'], 'memleak_notices_trace_at_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('memleak_notices');
  await knex.schema.dropTable('memleak_stacks');
  await knex.schema.dropTable('memleak_snapshots');
  await knex.schema.dropTable('memleak_traces');
};
