import fs from "node:fs";
import { type Metrics, median, round, runChild, tempDir } from "./lib.js";
import type { PollChildArgs, PollChildResult } from "./pollCostChild.js";

/**
 * How many poll triggers `pollCost` runs, for how long, how often.
 *
 * @example
 * ```ts
 * const options: PollCostOptions = { triggers: 1000, seconds: 10, repeats: 2 };
 * ```
 */
export interface PollCostOptions {
  readonly triggers: number;
  readonly seconds: number;
  readonly repeats: number;
  readonly dir?: string;
}

/**
 * `poll_cost`: 1,000 poll triggers on a 1 s schedule whose `pollFn` returns null, durable,
 * each repeat in a fresh child process: calls per trigger per tick (must be 1: an empty
 * poll moves the schedule on, it is not retried every second), CPU over the window.
 */
export async function pollCost(options: PollCostOptions): Promise<Metrics> {
  const runs: PollChildResult[] = [];
  for (let r = 0; r < options.repeats; r++) {
    const dir = tempDir(options.dir, "poll");
    try {
      const args: PollChildArgs = { triggers: options.triggers, seconds: options.seconds, dir };
      runs.push(await runChild<PollChildResult>("pollCostChild.ts", args));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const med = (pick: (r: PollChildResult) => number, digits = 2) =>
    round(median(runs.map(pick)), digits);
  return {
    pollfn_calls_per_tick: med((r) => r.pollfn_calls_per_tick, 3),
    cpu_percent_of_one_core: med((r) => r.cpu_percent_of_one_core),
    cpu_ms_per_poll: med((r) => r.cpu_ms_per_poll, 4),
    rss_mb: med((r) => r.rss_mb, 1),
    poll_empty_rows_per_tick: round(
      median(runs.map((r) => r.poll_empty_rows)) / (options.triggers * options.seconds),
      3,
    ),
    runs_started: runs.reduce((sum, r) => sum + r.runs_started, 0),
    triggers: options.triggers,
    seconds: options.seconds,
    repeats: options.repeats,
  };
}
