import fs from "node:fs";
import type { IdleChildArgs, IdleChildResult } from "./idleCost.js";
import { type Metrics, round, runChild, tempDir } from "./lib.js";
import type { TickChildArgs, TickChildResult } from "./tickPrecisionChild.js";

/**
 * The sizes `scale` runs and how long it measures each.
 *
 * @example
 * ```ts
 * const options: ScaleOptions = { sizes: [100, 1000], due: 100, seconds: 5 };
 * ```
 */
export interface ScaleOptions {
  /** Numbers of triggers, smallest first. */
  readonly sizes: readonly number[];
  /** Every-second triggers among them (the due load, the same at every size). */
  readonly due: number;
  /** Measured seconds of each run. */
  readonly seconds: number;
  readonly dir?: string;
}

/**
 * The figures `scale` reports per size, as `<metric>_at_<n>` (e.g. `p99_ms_at_1000`):
 * from the tick run (`due` every-second triggers firing a no-op DAG durably beside
 * `n − due` hourly ones none of which is due) and from the idle run (`n` hourly triggers,
 * plain node on dist/, as `idle_cost`).
 */
export const SCALE_METRICS = [
  "p50_ms",
  "p99_ms",
  "max_ms",
  "ledger_p99_ms",
  "missed_ticks",
  "cpu_us_per_tick",
  "tick_rss_mb",
  "rss_mb",
  "heap_mb",
  "idle_cpu_percent",
  "activate_ms",
  "start_ms",
] as const;

/**
 * `scale`: how tick lateness, CPU, memory and activation time grow with the number of
 * triggers. At each size `n`: a tick run (`due` every-second triggers and `n − due`
 * hourly ones, so the work due per second stays the same and only `n` grows: the
 * scheduler's share of a tick is what changes) and an idle run (`n` hourly triggers, the
 * `idle_cost` child on the built package). Each run in a fresh child process, one run
 * per size (the sizes themselves are the comparison).
 */
export async function scale(options: ScaleOptions): Promise<Metrics> {
  const metrics: Metrics = {};
  for (const n of options.sizes) {
    const due = Math.min(options.due, n);
    const tickDir = tempDir(options.dir, "scale");
    let tick: TickChildResult;
    try {
      const args: TickChildArgs = {
        contender: "tickflow",
        triggers: due,
        idle: n - due,
        seconds: options.seconds,
        dir: tickDir,
      };
      tick = await runChild<TickChildResult>("tickPrecisionChild.ts", args);
    } finally {
      fs.rmSync(tickDir, { recursive: true, force: true });
    }
    const idleDir = tempDir(options.dir, "scale");
    let idle: IdleChildResult;
    try {
      const args: IdleChildArgs = {
        contender: "tickflow",
        triggers: n,
        seconds: options.seconds,
        dir: idleDir,
      };
      idle = await runChild<IdleChildResult>("idleCostChild.mjs", args);
    } finally {
      fs.rmSync(idleDir, { recursive: true, force: true });
    }
    const at = (metric: (typeof SCALE_METRICS)[number], value: number | undefined) => {
      metrics[`${metric}_at_${n}`] = value === undefined ? null : value;
    };
    at("p50_ms", tick.p50_ms);
    at("p99_ms", tick.p99_ms);
    at("max_ms", tick.max_ms);
    at("ledger_p99_ms", tick.ledger_p99_ms);
    at("missed_ticks", tick.missed_ticks);
    at("cpu_us_per_tick", tick.cpu_us_per_fire);
    at("tick_rss_mb", tick.rss_mb);
    at("rss_mb", idle.rss_mb);
    at("heap_mb", idle.heap_mb);
    at("idle_cpu_percent", idle.cpu_percent_of_one_core);
    at("activate_ms", idle.activate_all_ms);
    at("start_ms", idle.start_ms);
  }
  const first = options.sizes[0] as number;
  const last = options.sizes.at(-1) as number;
  const grows = (metric: (typeof SCALE_METRICS)[number]) => {
    const a = metrics[`${metric}_at_${first}`];
    const b = metrics[`${metric}_at_${last}`];
    return typeof a === "number" && typeof b === "number" && a > 0 ? round(b / a, 2) : null;
  };
  // Largest size ÷ smallest: with the due load fixed, O(due · log n) per tick keeps
  // cpu_us_per_tick nearly flat; O(n) would grow it with n.
  metrics.cpu_us_per_tick_growth = grows("cpu_us_per_tick");
  metrics.p99_ms_growth = grows("p99_ms");
  metrics.rss_mb_growth = grows("rss_mb");
  metrics.activate_ms_growth = grows("activate_ms");
  metrics.sizes = options.sizes.join(",");
  metrics.due = options.due;
  metrics.seconds = options.seconds;
  return metrics;
}
