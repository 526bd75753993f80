import fs from "node:fs";
import { type Metrics, runChild, tempDir } from "./lib.js";
import type { PruneChildArgs, PruneChildResult } from "./pruneLatenessChild.js";

/**
 * Sizes of `pruneLateness`.
 *
 * @example
 * ```ts
 * const options: PruneLatenessOptions = { triggers: 100, rows: 1_000_000, seconds: 10 };
 * ```
 */
export interface PruneLatenessOptions {
  readonly triggers: number;
  /** Old history rows (half ledger, half journal) for the prune to delete. */
  readonly rows: number;
  readonly seconds: number;
  readonly dir?: string;
}

/**
 * `prune_lateness`: tick lateness (fire start − scheduled instant) of `triggers`
 * every-second triggers, first with nothing else going on, then while `manager.prune()`
 * deletes a history of `rows` old rows in 500-row batches — the figure beside
 * `tick_precision` that says whether retention holds ticks back. One child process.
 */
export async function pruneLateness(options: PruneLatenessOptions): Promise<Metrics> {
  const dir = tempDir(options.dir, "prune");
  try {
    const args: PruneChildArgs = {
      triggers: options.triggers,
      rows: options.rows,
      seconds: options.seconds,
      dir,
    };
    const r = await runChild<PruneChildResult>("pruneLatenessChild.ts", args);
    return {
      quiet_p50_ms: r.quiet.p50_ms,
      quiet_p99_ms: r.quiet.p99_ms,
      quiet_max_ms: r.quiet.max_ms,
      pruning_p50_ms: r.pruning.p50_ms,
      pruning_p99_ms: r.pruning.p99_ms,
      pruning_max_ms: r.pruning.max_ms,
      pruning_fires: r.pruning.fires,
      quiet_missed_ticks: r.quiet.missed_ticks,
      pruning_missed_ticks: r.pruning.missed_ticks,
      pruning_reported_missed: r.pruning.reported_missed,
      doubled_ticks: r.quiet.doubled_ticks + r.pruning.doubled_ticks,
      rows_pruned: r.rows_pruned,
      prune_ms: r.prune_ms,
      rows_pruned_per_s: Math.round((r.rows_pruned * 1000) / Math.max(r.prune_ms, 1)),
      seed_ms: r.seed_ms,
      triggers: options.triggers,
      rows: options.rows,
      seconds: options.seconds,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
