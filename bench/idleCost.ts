import fs from "node:fs";
import { type Metrics, median, round, runChild, tempDir } from "./lib.js";

/** What `idleCostChild.mjs` is given. */
export interface IdleChildArgs {
  readonly contender: "tickflow" | "croner";
  readonly triggers: number;
  readonly seconds: number;
  readonly dir: string;
}

/** What `idleCostChild.mjs` measures. */
export interface IdleChildResult {
  readonly cpu_percent_of_one_core: number;
  readonly rss_mb: number;
  /** RSS once the package is imported, before any trigger exists. */
  readonly rss_before_mb: number;
  readonly import_ms: number;
  readonly activate_all_ms: number;
  readonly start_ms: number;
  /** Heap retained after a full GC, before any trigger and at the end. */
  readonly heap_before_mb: number;
  readonly heap_mb: number;
}

/**
 * How many triggers `idleCost` activates, how long it measures, how often.
 *
 * @example
 * ```ts
 * const options: IdleCostOptions = { triggers: 10_000, seconds: 10, repeats: 2 };
 * ```
 */
export interface IdleCostOptions {
  readonly triggers: number;
  readonly seconds: number;
  readonly repeats: number;
  readonly dir?: string;
}

const CONTENDERS = ["tickflow", "croner"] as const;

/**
 * `idle_cost`: 10,000 active hourly triggers (tickflow, durable) and 10,000 croner jobs,
 * nothing due in the measured window; each contender in a fresh child process (its CPU
 * from `process.cpuUsage()` over the window, its RSS at the end), alternating per repeat.
 * The child is plain `node` on the built package (dist/, as a user runs it): the caller
 * makes sure dist/ is fresh (`ensureBuilt`).
 */
export async function idleCost(options: IdleCostOptions): Promise<Metrics> {
  const results = new Map<string, IdleChildResult[]>(CONTENDERS.map((c) => [c, []]));
  for (let r = 0; r < options.repeats; r++) {
    for (let k = 0; k < CONTENDERS.length; k++) {
      const contender = CONTENDERS[(r + k) % CONTENDERS.length] as (typeof CONTENDERS)[number];
      const dir = tempDir(options.dir, "idle");
      try {
        const args: IdleChildArgs = {
          contender,
          triggers: options.triggers,
          seconds: options.seconds,
          dir,
        };
        results.get(contender)?.push(await runChild<IdleChildResult>("idleCostChild.mjs", args));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const med = (contender: string, pick: (r: IdleChildResult) => number, digits = 1) =>
    round(median((results.get(contender) ?? []).map(pick)), digits);
  return {
    cpu_percent_of_one_core: med("tickflow", (r) => r.cpu_percent_of_one_core, 3),
    rss_mb: med("tickflow", (r) => r.rss_mb),
    activate_all_ms: med("tickflow", (r) => r.activate_all_ms, 0),
    start_ms: med("tickflow", (r) => r.start_ms, 0),
    rss_baseline_mb: med("tickflow", (r) => r.rss_before_mb),
    import_ms: med("tickflow", (r) => r.import_ms, 0),
    heap_mb: med("tickflow", (r) => r.heap_mb),
    heap_baseline_mb: med("tickflow", (r) => r.heap_before_mb),
    heap_kb_per_trigger: round(
      (1024 * median((results.get("tickflow") ?? []).map((r) => r.heap_mb - r.heap_before_mb))) /
        options.triggers,
    ),
    croner_cpu_percent_of_one_core: med("croner", (r) => r.cpu_percent_of_one_core, 3),
    croner_rss_mb: med("croner", (r) => r.rss_mb),
    croner_create_all_ms: med("croner", (r) => r.activate_all_ms, 0),
    croner_rss_baseline_mb: med("croner", (r) => r.rss_before_mb),
    croner_heap_mb: med("croner", (r) => r.heap_mb),
    runtime: 'node dist/ (import "tickflow")',
    triggers: options.triggers,
    seconds: options.seconds,
    repeats: options.repeats,
  };
}
