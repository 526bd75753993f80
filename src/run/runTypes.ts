import type * as Context from "effect/Context";
import type { DagInvalid } from "../dag/errors.js";
import type { FireContext, NamespaceLike } from "../dag/NodeContext.js";
import type { HistoryWrite } from "../provenance/HistoryWrite.js";
import type { ProvenanceError } from "../provenance/Provenance.js";
import type {
  DagChanged,
  NodeError,
  RunNotFound,
  RunNotRestartable,
  UnknownLabel,
} from "./errors.js";
import type { Logger } from "./Logger.js";
import type { ProvenanceProvider } from "./ProvenanceProvider.js";

// The shapes a DagRunner takes and gives back (re-exported by DagRunner.ts): kept apart
// from the runner's loop so that reading one does not mean reading the other.

/**
 * The outcome of a DAG run. `outputs` holds the outputs of the sinks that finished,
 * keyed by label; a failed run names the node and carries its typed error.
 *
 * @example
 * ```ts
 * const result = await runner.run({ symbol: "AAPL" });
 * if (result.status === "failed") console.error(result.failedNode, result.error?.message);
 * ```
 */
export interface DagRunResult {
  readonly runId: string;
  readonly status: "completed" | "failed" | "interrupted" | "paused";
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly failedNode?: string;
  readonly error?: NodeError;
}

/** Errors of a run as an Effect: a node's error, an invalid DAG, or the history store's. */
export type RunError = NodeError | DagInvalid | ProvenanceError;

/** Errors of `restart` and `replay` before anything runs. */
export type ResumeError = RunNotFound | RunNotRestartable | DagChanged | UnknownLabel;

/**
 * Options of `restart`.
 *
 * @example
 * ```ts
 * await runner.restart(runId, { allowChangedDag: true });
 * ```
 */
export interface RestartOptions {
  /** Go ahead even if the DAG's fingerprint differs from the recorded one. */
  readonly allowChangedDag?: boolean;
  /** Also resume a run still marked `running` (the supervisor, after a crash). */
  readonly allowRunning?: boolean;
  readonly signal?: AbortSignal;
  /** The trigger fire the run stands for, given to its nodes as `ctx.fire` (the supervisor). */
  readonly fire?: FireContext;
  /** @internal How the supervisor records this run's start and end in its own commits. */
  readonly recording?: RunRecording;
}

/**
 * Options of `replay`.
 *
 * @example
 * ```ts
 * await runner.replay(runId, { rerun: ["summarize"] });
 * ```
 */
export interface ReplayOptions {
  /** The nodes to run again; everything downstream of them runs again too. */
  readonly rerun: readonly string[];
  readonly allowChangedDag?: boolean;
  readonly runId?: string;
  readonly signal?: AbortSignal;
}

/**
 * Options of a `DagRunner`.
 *
 * @example
 * ```ts
 * new DagRunner(dag, { dagNsref: "pipelines:market_summary", concurrency: 4 });
 * ```
 */
export interface DagRunnerOptions {
  /** Where the run is recorded (default `NullProvenance`). */
  readonly provenance?: ProvenanceProvider;
  /** The nsref the DAG is registered under, for the record and the node context. */
  readonly dagNsref?: string;
  /** Most nodes running at once (default: no limit). */
  readonly concurrency?: number;
  /** Given to nodes as `ctx.namespace`. */
  readonly namespace?: NamespaceLike;
  /** Where run and node lines go (default: nowhere; the library prints nothing itself). */
  readonly logger?: Logger;
  /**
   * Services for nodes that return an `Effect`: provided to each node Effect, on top of
   * the run fiber's own context (in the Effect form, whatever the caller provided).
   * Build it with `Context.make(Tag, impl)` (and `Context.add`), or take it from a layer
   * with `Effect.context()`.
   */
  readonly services?: Context.Context<never>;
}

/**
 * Options of one run.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * runner.run(input, { signal: controller.signal, runId: "run-42" });
 * ```
 */
export interface RunOptions {
  /** Chosen up front by callers that must record it before the run starts (triggers). */
  readonly runId?: string;
  /** Aborting it interrupts the run, which ends `interrupted`. */
  readonly signal?: AbortSignal;
  /** Set when this run is a sub-DAG run of another. */
  readonly parentRunId?: string;
  /** Which expansion of the parent this run is (e.g. `"label[3]"`). */
  readonly expansionKey?: string;
  /** The trigger fire the run stands for, given to its nodes as `ctx.fire` (the supervisor). */
  readonly fire?: FireContext;
  /** @internal How the supervisor records this run's start and end in its own commits. */
  readonly recording?: RunRecording;
}

/** @internal What one execution starts from: nothing for a new run, stored state for a resume. */
export interface ExecutionPlan {
  readonly runId: string;
  readonly input: unknown;
  readonly resume: boolean;
  /** Outputs already known (completed before, or copied by a replay). */
  readonly known: ReadonlyMap<string, { readonly output: unknown; readonly copied: boolean }>;
  /** Tries already spent per node (a resumed node starts at the next attempt). */
  readonly attemptsSpent: ReadonlyMap<string, number>;
  readonly parentRunId: string | undefined;
  readonly expansionKey: string | undefined;
  /** The trigger fire the run stands for (`ctx.fire`), passed on to its child runs. */
  readonly fire: FireContext | undefined;
  /**
   * Nodes a replay re-runs (those named and what follows them): a cached node among them
   * is computed, not looked up, and its fresh output replaces the cached one.
   */
  readonly recompute?: ReadonlySet<string>;
  /** The supervisor's way of recording the start and end (see {@link RunRecording}). */
  readonly recording?: RunRecording | undefined;
}

/**
 * @internal How a run's start and end reach the history when the supervisor's trigger
 * store shares its connection: in the fire's own commits (issue 15: fewer commits per
 * fire, and no crash window between the ledger and the history).
 *
 * @example
 * ```ts
 * const recording: RunRecording = { startRecorded: true, deferEnd: (writes) => tail.push(...writes) };
 * ```
 */
export interface RunRecording {
  /**
   * The run's start and its first node starts are on record already, as
   * `DagRunner.prepareStart` described them (the fire's write-ahead commit): not written
   * again. Only for a new run.
   */
  readonly startRecorded?: boolean;
  /**
   * Receives the run's end (after its last node's completion, when a node completed
   * last) instead of writing it: the caller commits them with the ledger's end. Called
   * once, synchronously, as the run returns; not for an interrupted run (its end is
   * written at once).
   */
  readonly deferEnd?: (writes: readonly HistoryWrite[]) => void;
}
