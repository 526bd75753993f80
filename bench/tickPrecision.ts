import fs from "node:fs";
import { type Metrics, median, round, runChild, tempDir } from "./lib.js";
import type { TickChildArgs, TickChildResult } from "./tickPrecisionChild.js";

/**
 * How many triggers `tickPrecision` runs, for how long, how often.
 *
 * @example
 * ```ts
 * const options: TickPrecisionOptions = { triggers: 1000, seconds: 10, repeats: 3 };
 * ```
 */
export interface TickPrecisionOptions {
  readonly triggers: number;
  readonly seconds: number;
  readonly repeats: number;
  readonly dir?: string;
}

const CONTENDERS = ["tickflow", "croner", "node-cron"] as const;
const PREFIX = { tickflow: "", croner: "croner_", "node-cron": "nodecron_" } as const;

/**
 * `tick_precision`: `triggers` jobs on an every-second 6-field schedule, measured for
 * `seconds` seconds: tickflow firing a no-op DAG durably (TriggerStore and DagProvenance
 * on SQLite files, the real clock), croner and node-cron calling a function in memory.
 * Each contender runs alone in a fresh child process, in a rotating order per repeat;
 * lateness = fire start − scheduled instant (tickflow: the `fired` event's `at`, and the
 * ledger's `fired_at`). Figures are medians over the repeats; missed ticks are summed.
 * The Python original polls every second: its lateness bound is stated, not measured.
 */
export async function tickPrecision(options: TickPrecisionOptions): Promise<Metrics> {
  const results = new Map<string, TickChildResult[]>(CONTENDERS.map((c) => [c, []]));
  for (let r = 0; r < options.repeats; r++) {
    for (let k = 0; k < CONTENDERS.length; k++) {
      const contender = CONTENDERS[(r + k) % CONTENDERS.length] as (typeof CONTENDERS)[number];
      const dir = tempDir(options.dir, "tick");
      try {
        const args: TickChildArgs = {
          contender,
          triggers: options.triggers,
          seconds: options.seconds,
          dir,
        };
        results
          .get(contender)
          ?.push(await runChild<TickChildResult>("tickPrecisionChild.ts", args));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const metrics: Metrics = {};
  for (const contender of CONTENDERS) {
    const runs = results.get(contender) ?? [];
    const prefix = PREFIX[contender];
    const med = (pick: (r: TickChildResult) => number | undefined) =>
      round(median(runs.map(pick).filter((v): v is number => v !== undefined)));
    metrics[`${prefix}p50_ms`] = med((r) => r.p50_ms);
    metrics[`${prefix}p90_ms`] = med((r) => r.p90_ms);
    metrics[`${prefix}p99_ms`] = med((r) => r.p99_ms);
    metrics[`${prefix}max_ms`] = round(Math.max(...runs.map((r) => r.max_ms)));
    metrics[`${prefix}missed_ticks`] = runs.reduce((sum, r) => sum + r.missed_ticks, 0);
    metrics[`${prefix}doubled_ticks`] = runs.reduce((sum, r) => sum + r.doubled_ticks, 0);
    metrics[`${prefix}cpu_percent_of_one_core`] = med((r) => r.cpu_percent_of_one_core);
    if (contender === "tickflow") {
      metrics.ledger_p50_ms = med((r) => r.ledger_p50_ms);
      metrics.ledger_p99_ms = med((r) => r.ledger_p99_ms);
      metrics.ledger_max_ms = round(Math.max(...runs.map((r) => r.ledger_max_ms ?? Number.NaN)));
      const statuses: Record<string, number> = {};
      for (const run of runs) {
        for (const [status, n] of Object.entries(run.ledger ?? {})) {
          statuses[status] = (statuses[status] ?? 0) + n;
        }
      }
      metrics.ledger_statuses = Object.entries(statuses)
        .map(([status, n]) => `${status}=${n}`)
        .join(" ");
    }
  }
  // The Python original's design: a supervisor loop that wakes every second and fires
  // what is due, so a fire starts up to a second late, uniformly (a bound, not a run).
  metrics.python_poll_p50_ms = 500;
  metrics.python_poll_p90_ms = 900;
  metrics.python_poll_p99_ms = 990;
  metrics.python_poll_max_ms = 1000;
  metrics.triggers = options.triggers;
  metrics.seconds = options.seconds;
  metrics.repeats = options.repeats;
  return metrics;
}
