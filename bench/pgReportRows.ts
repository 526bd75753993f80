/**
 * The report's PostgreSQL rows: \`pg_fire_throughput\` and \`pg_tick_precision\`.
 */
import { check, type PartBuilder, show, type Value } from "./reportKit.js";

/**
 * Adds the PostgreSQL scenarios' rows and notes.
 *
 * @example
 * ```ts
 * pgRows((id) => scenarios[id], { rows, notes });
 * ```
 */
export const pgRows: PartBuilder = (s, { rows, notes }) => {
  const pgFire = s("pg_fire_throughput");
  if (pgFire && typeof pgFire.skipped === "string") {
    rows.push({ scenario: "pg_fire_throughput", label: "PostgreSQL", tickflow: null });
    notes.push(`pg_fire_throughput skipped: ${pgFire.skipped}`);
  } else if (pgFire && pgFire.error === undefined) {
    const n = `${show(pgFire.triggers)} push triggers, ${show(pgFire.concurrency)} in flight per supervisor`;
    const pair = (a: Value, b: Value) => `${show(a)} / ${show(b)}`;
    rows.push(
      {
        scenario: "pg_fire_throughput",
        label: `fires/s, SQLite, 1 supervisor (${n})`,
        tickflow: pgFire.sqlite_1_fires_per_s,
      },
      {
        scenario: "pg_fire_throughput",
        label: "fires/s, PostgreSQL, 1 supervisor",
        tickflow: pgFire.pg_1_fires_per_s,
      },
      {
        scenario: "pg_fire_throughput",
        label: "fires/s, PostgreSQL, 3 supervisors (total)",
        tickflow: pgFire.pg_3_fires_per_s,
      },
      {
        scenario: "pg_fire_throughput",
        label: "PG 3 supervisors ÷ 1",
        tickflow: pgFire.pg_3_to_pg_1,
      },
      {
        scenario: "pg_fire_throughput",
        label: `fires/s, PostgreSQL, I/O-bound nodes (each waits ${show(pgFire.node_wait_ms)} ms), 1 / 3 supervisors`,
        tickflow: pair(pgFire.pg_io_1_fires_per_s, pgFire.pg_io_3_fires_per_s),
      },
      {
        scenario: "pg_fire_throughput",
        label: "PG I/O-bound: 3 supervisors ÷ 1",
        tickflow: pgFire.pg_io_3_to_pg_io_1,
        goal: { text: "≥ 2", met: check((x) => x >= 2, pgFire.pg_io_3_to_pg_io_1) },
      },
      {
        scenario: "pg_fire_throughput",
        label: "PG commits per fire, 1 / 3 supervisors",
        tickflow: pair(pgFire.pg_1_commits_per_fire, pgFire.pg_3_commits_per_fire),
      },
      {
        scenario: "pg_fire_throughput",
        label: "PG statements per fire, 1 / 3",
        tickflow: pair(pgFire.pg_1_queries_per_fire, pgFire.pg_3_queries_per_fire),
      },
      {
        scenario: "pg_fire_throughput",
        label: "CPU ms per fire, supervisors, 1 / 3",
        tickflow: pair(pgFire.pg_1_cpu_ms_per_fire, pgFire.pg_3_cpu_ms_per_fire),
      },
      {
        scenario: "pg_fire_throughput",
        label: "CPU ms per fire, PostgreSQL server, 1 / 3",
        tickflow: pair(pgFire.pg_1_pg_cpu_ms_per_fire, pgFire.pg_3_pg_cpu_ms_per_fire),
      },
      {
        scenario: "pg_fire_throughput",
        label: "machine CPU busy % (all cores), 1 / 3",
        tickflow: pair(pgFire.pg_1_machine_busy_percent, pgFire.pg_3_machine_busy_percent),
      },
      {
        scenario: "pg_fire_throughput",
        label: "CPU % of one core outside the bench (other load), 1 / 3",
        tickflow: pair(pgFire.pg_1_other_cpu_percent, pgFire.pg_3_other_cpu_percent),
      },
    );
    for (const key of ["sqlite_1", "pg_1", "pg_3", "pg_io_1", "pg_io_3"]) {
      const errors = pgFire[`${key}_errors`];
      if (typeof errors === "number" && errors > 0) {
        notes.push(
          `pg_fire_throughput: ${key}: ${errors} fires failed (first: ${String(pgFire[`${key}_first_error`])})`,
        );
      }
    }
  }

  const pgTick = s("pg_tick_precision");
  if (pgTick && typeof pgTick.skipped === "string") {
    rows.push({ scenario: "pg_tick_precision", label: "PostgreSQL", tickflow: null });
    notes.push(`pg_tick_precision skipped: ${pgTick.skipped}`);
  } else if (pgTick && pgTick.error === undefined) {
    const n = `${show(pgTick.triggers)} triggers × ${show(pgTick.seconds)} s`;
    const three = (metric: string) =>
      ["sqlite_1", "pg_1", "pg_3"].map((key) => show(pgTick[`${key}_${metric}`])).join(" / ");
    const all = (metric: string) =>
      ["sqlite_1", "pg_1", "pg_3"].map((key) => pgTick[`${key}_${metric}`]);
    rows.push(
      {
        scenario: "pg_tick_precision",
        label: `ledger lateness p50 ms, SQLite / PG 1 / PG 3 (${n})`,
        tickflow: three("p50_ms"),
      },
      {
        scenario: "pg_tick_precision",
        label: "ledger lateness p99 ms, SQLite / PG 1 / PG 3",
        tickflow: three("p99_ms"),
      },
      {
        scenario: "pg_tick_precision",
        label: "ledger lateness max ms, SQLite / PG 1 / PG 3",
        tickflow: three("max_ms"),
      },
      {
        scenario: "pg_tick_precision",
        label: "fired-event lateness p99 ms, SQLite / PG 1 / PG 3",
        tickflow: three("event_p99_ms"),
      },
      {
        scenario: "pg_tick_precision",
        label: "missed ticks, SQLite / PG 1 / PG 3",
        tickflow: three("missed_ticks"),
        goal: {
          text: "= 0",
          met: check((...xs) => xs.every((x) => x === 0), ...all("missed_ticks")),
        },
      },
      {
        scenario: "pg_tick_precision",
        label: "duplicated ticks, SQLite / PG 1 / PG 3",
        tickflow: three("duplicated_ticks"),
        goal: {
          text: "= 0",
          met: check((...xs) => xs.every((x) => x === 0), ...all("duplicated_ticks")),
        },
      },
      {
        scenario: "pg_tick_precision",
        label: "supervisors' CPU % of one core, SQLite / PG 1 / PG 3",
        tickflow: three("cpu_percent_of_one_core"),
      },
      {
        scenario: "pg_tick_precision",
        label: "PostgreSQL server CPU % of one core, PG 1 / PG 3",
        tickflow: `${show(pgTick.pg_1_pg_cpu_percent_of_one_core)} / ${show(pgTick.pg_3_pg_cpu_percent_of_one_core)}`,
      },
    );
    for (const key of ["sqlite_1", "pg_1", "pg_3"]) {
      const statuses = pgTick[`${key}_ledger_statuses`];
      if (typeof statuses === "string") {
        notes.push(`pg_tick_precision: ${key}: ledger rows of the window: ${statuses}`);
      }
      const errors = pgTick[`${key}_errors`];
      if (typeof errors === "number" && errors > 0) {
        notes.push(
          `pg_tick_precision: ${key}: ${errors} supervisor errors (first: ${String(pgTick[`${key}_first_error`])})`,
        );
      }
    }
  }
};
