import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { Dag } from "../src/dag/Dag.js";
import { DagProvenance } from "../src/provenance/DagProvenance.js";
import { NullProvenance } from "../src/provenance/NullProvenance.js";
import { DagRunner } from "../src/run/DagRunner.js";

/**
 * How long and how often to measure.
 *
 * @example
 * ```ts
 * const options: OverheadOptions = { rounds: 5, roundMs: 1500 };
 * ```
 */
export interface OverheadOptions {
  /** Rounds; each runs every contender once, in a rotating order. */
  readonly rounds: number;
  /** How long each contender runs in each round. */
  readonly roundMs: number;
  /** Folder for the SQLite files (default: the OS temp folder). */
  readonly dir?: string;
}

/**
 * The scenario's figures: medians over the rounds, and each contender's per-round rates.
 *
 * @example
 * ```ts
 * const r = await provenanceOverhead({ rounds: 5, roundMs: 1500 });
 * console.log(r.ratio, r.ratioToLimit);
 * ```
 */
export interface OverheadResult {
  /** Runs per second of a 3-node chain with NullProvenance (median). */
  readonly nullRunsPerS: number;
  /** Runs per second of the same chain recorded by DagProvenance on a SQLite file (median). */
  readonly durableRunsPerS: number;
  /** durable ÷ null. */
  readonly ratio: number;
  /** Commits per durable run, from `store.commitCount`. */
  readonly commitsPerRun: number;
  /** Single-row autocommit INSERTs per second on a fresh file, WAL, synchronous NORMAL (median). */
  readonly sqliteCommitLimitPerS: number;
  /** durable runs/s × commits per run ÷ the commit limit: how close to the disk's limit. */
  readonly ratioToLimit: number;
  /** Per-round rates, in round order, for judging the spread. */
  readonly perRound: {
    readonly null: readonly number[];
    readonly durable: readonly number[];
    readonly sqlite: readonly number[];
  };
  /** Where the SQLite files were. */
  readonly dir: string;
}

/** A measured operation: runs until `deadline`, returns how many operations it did. */
type Contender = (deadline: number) => Promise<number>;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** a → b → c, each adding one: the smallest DAG with a middle node. */
function chain(): Dag {
  const dag = new Dag();
  dag
    .node((x: number) => x + 1, { label: "a" })
    .to(dag.node((x: number) => x + 1, { label: "b" }))
    .to(dag.node((x: number) => x + 1, { label: "c" }));
  return dag;
}

/** Sequential runs (one after another, as one trigger fires them) until the deadline. */
function runsOf(runner: DagRunner): Contender {
  return async (deadline) => {
    let runs = 0;
    while (performance.now() < deadline) {
      const result = await runner.run(runs);
      if (result.status !== "completed") throw new Error(`benchmark run ${result.status}`);
      runs += 1;
    }
    return runs;
  };
}

/**
 * The raw limit: one INSERT per autocommit on a fresh better-sqlite3 connection with the
 * store's settings (WAL, synchronous NORMAL).
 */
function rawCommits(file: string): { readonly contender: Contender; readonly close: () => void } {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL, v TEXT)");
  const insert = db.prepare("INSERT INTO t (at, v) VALUES (?, ?)");
  return {
    contender: async (deadline) => {
      let commits = 0;
      while (performance.now() < deadline) {
        // Check the clock every 64 commits: reading it is not free at this rate.
        for (let i = 0; i < 64; i++) insert.run(new Date().toISOString(), "completed");
        commits += 64;
      }
      return commits;
    },
    close: () => db.close(),
  };
}

/**
 * Measures what recording a run costs: the same 3-node chain without history
 * (NullProvenance) and with DagProvenance on a SQLite file, against the raw rate of
 * single-row commits on the same disk. The contenders alternate within each round (the
 * order rotates from round to round) so that a slow moment of the machine hits all of
 * them; the figures are medians over the rounds.
 *
 * @example
 * ```ts
 * const result = await provenanceOverhead({ rounds: 5, roundMs: 1500 });
 * ```
 */
export async function provenanceOverhead(options: OverheadOptions): Promise<OverheadResult> {
  const dir = fs.mkdtempSync(path.join(options.dir ?? os.tmpdir(), "tickflow-bench-"));
  const provenance = new DagProvenance(path.join(dir, "provenance.db"));
  const raw = rawCommits(path.join(dir, "raw.db"));
  try {
    const nullRunner = new DagRunner(chain(), { provenance: NullProvenance });
    const durableRunner = new DagRunner(chain(), { provenance });

    // Commits per durable run, counted by the store itself.
    const probeRuns = 50;
    const before = provenance.store.commitCount;
    for (let i = 0; i < probeRuns; i++) await durableRunner.run(i);
    const commitsPerRun = (provenance.store.commitCount - before) / probeRuns;

    const contenders: readonly (readonly [keyof OverheadResult["perRound"], Contender])[] = [
      ["null", runsOf(nullRunner)],
      ["durable", runsOf(durableRunner)],
      ["sqlite", raw.contender],
    ];
    // Warm-up: let the JIT and the page cache settle before anything counts (the runner
    // takes a few seconds of runs to reach its steady rate).
    const warmMs = Math.min(1000, options.roundMs);
    for (const [, contender] of contenders) await contender(performance.now() + warmMs);

    const perRound = { null: [] as number[], durable: [] as number[], sqlite: [] as number[] };
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const [name, contender] = contenders[
          (round + k) % contenders.length
        ] as (typeof contenders)[number];
        const start = performance.now();
        const done = await contender(start + options.roundMs);
        perRound[name].push(done / ((performance.now() - start) / 1000));
      }
    }

    const nullRunsPerS = median(perRound.null);
    const durableRunsPerS = median(perRound.durable);
    const sqliteCommitLimitPerS = median(perRound.sqlite);
    return {
      nullRunsPerS,
      durableRunsPerS,
      ratio: durableRunsPerS / nullRunsPerS,
      commitsPerRun,
      sqliteCommitLimitPerS,
      ratioToLimit: (durableRunsPerS * commitsPerRun) / sqliteCommitLimitPerS,
      perRound,
      dir,
    };
  } finally {
    provenance.close();
    raw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
