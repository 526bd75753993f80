import { readDuration } from "../schedule/parseDuration.js";
import { InvalidRetention } from "./errors.js";

/**
 * How long each kind of history is kept before the supervisor prunes it (a duration such
 * as `"30d"`, `"12h"`; `false`: keep forever). What is never pruned: runs in flight and
 * their ledger rows, buffered ticks, the newest ledger row, journal row and run of each
 * trigger. The journal is compacted: a checkpoint (the machine snapshot at the last pruned
 * entry) is written first, so `replayHistory` still checks against the stored snapshot.
 *
 * @example
 * ```ts
 * new TriggerManager({ namespace, store, retention: { events: "90d", journal: "7d" } });
 * new TriggerManager({ namespace, store, retention: false }); // prune nothing
 * ```
 */
export interface RetentionOptions {
  /** Fire ledger rows (default `"30d"`, by fire time). */
  readonly events?: string | false;
  /** Finished DAG runs with their nodes and child runs (default `"30d"`, by finish time). */
  readonly runs?: string | false;
  /** Trigger journal entries (default `"7d"`), compacted into a checkpoint. */
  readonly journal?: string | false;
  /** How often the background pruner runs (default 600 000 ms: ten minutes). */
  readonly everyMs?: number;
  /** Rows per transaction (default 500); the pruner yields to ticks between batches. */
  readonly batchSize?: number;
}

/** {@link RetentionOptions} checked and in milliseconds (`undefined`: keep forever). */
export interface ResolvedRetention {
  readonly events: number | undefined;
  readonly runs: number | undefined;
  readonly journal: number | undefined;
  readonly everyMs: number;
  readonly batchSize: number;
}

/** The defaults (see docs/architecture.md, "Retention"). */
export const RETENTION_DEFAULTS = {
  events: "30d",
  runs: "30d",
  journal: "7d",
  everyMs: 600_000,
  batchSize: 500,
} as const;

/**
 * Checks `options` and turns its durations into milliseconds; throws `InvalidRetention`
 * naming the bad setting. `false` turns all pruning off.
 *
 * @example
 * ```ts
 * resolveRetention({ events: "7d" }).events; // 604_800_000
 * ```
 */
export function resolveRetention(options: RetentionOptions | false | undefined): ResolvedRetention {
  if (options === false) {
    return {
      events: undefined,
      runs: undefined,
      journal: undefined,
      everyMs: RETENTION_DEFAULTS.everyMs,
      batchSize: RETENTION_DEFAULTS.batchSize,
    };
  }
  const age = (kind: "events" | "runs" | "journal"): number | undefined => {
    const value = options?.[kind] ?? RETENTION_DEFAULTS[kind];
    if (value === false) return undefined;
    const ms = typeof value === "string" ? readDuration(value) : undefined;
    if (ms === undefined || ms <= 0) throw new InvalidRetention({ kind, value });
    return ms;
  };
  const whole = (kind: "everyMs" | "batchSize"): number => {
    const value = options?.[kind] ?? RETENTION_DEFAULTS[kind];
    if (!Number.isInteger(value) || value < 1) throw new InvalidRetention({ kind, value });
    return value;
  };
  return {
    events: age("events"),
    runs: age("runs"),
    journal: age("journal"),
    everyMs: whole("everyMs"),
    batchSize: whole("batchSize"),
  };
}
