import * as Context from "effect/Context";
import type * as Effect from "effect/Effect";
import type { StoreFailure } from "../store/errors.js";
import type { PgWriteGuard } from "../store/PgGroupedWrites.js";

/** Any failure of the storage behind a provenance record. */
export type ProvenanceError = StoreFailure;

/** A DAG's shape as recorded with each run: labels with what they run, and edges. */
export interface DagShape {
  readonly nodes: readonly string[];
  readonly edges: readonly string[];
}

/** Final and intermediate statuses of a run. */
export type RunStatus = "running" | "completed" | "failed" | "interrupted" | "paused";

/** Statuses of one node execution. */
export type NodeStatus =
  | "pending"
  | "running"
  | "completed"
  | "skipped"
  | "cached"
  | "failed"
  | "interrupted"
  | "paused";

/** A node as declared when its run starts. */
export interface NodeDeclaration {
  readonly label: string;
  readonly isSource: boolean;
  readonly isSink: boolean;
}

/** The facts of a new run. */
export interface RunStart {
  readonly runId: string;
  readonly dagNsref: string | undefined;
  readonly parentRunId: string | undefined;
  readonly expansionKey: string | undefined;
  readonly fingerprint: string;
  readonly shape: DagShape;
  readonly startedAt: number;
  readonly input: unknown;
  readonly nodes: readonly NodeDeclaration[];
}

/** A node about to be called (one try). */
export interface NodeStart {
  readonly label: string;
  readonly input: unknown;
  readonly attempt: number;
  readonly startedAt: number;
}

/** A node that produced its output, with the edges its output now travels. */
export interface NodeCompletion {
  readonly label: string;
  readonly output: unknown;
  readonly finishedAt: number;
  readonly edges: readonly { readonly from: string; readonly to: string }[];
  /**
   * `skipped` when a replay copied the output from an earlier run; `cached` when a cached
   * node's output was reused (`cachedFrom` names the run that computed it).
   */
  readonly status: "completed" | "skipped" | "cached";
  /** The run a `cached` output came from. */
  readonly cachedFrom?: string;
  /** A fresh output of a cached node: stored in the node cache in the same commit. */
  readonly cacheEntry?: CacheEntry;
}

/**
 * A cached node's output as the node cache keeps it: under `key` (a hash of the node's
 * nsref, version and input), computed by `runId`, reusable until `expiresAt` (epoch ms).
 *
 * @example
 * ```ts
 * const entry: CacheEntry = { key, nsref: "geo:lookup", version: "1", runId, createdAt, expiresAt };
 * ```
 */
export interface CacheEntry {
  readonly key: string;
  readonly nsref: string;
  readonly version: string;
  readonly runId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/**
 * A node cache hit: the stored output and the run that computed it.
 *
 * @example
 * ```ts
 * const hit = yield* provenance.cacheLookup!(key, now); // { output, runId, expiresAt } | undefined
 * ```
 */
export interface CacheHit {
  readonly output: unknown;
  readonly runId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A node that ended without an output: recorded with the run's end. */
export interface NodeEnd {
  readonly label: string;
  readonly status: "failed" | "interrupted" | "paused";
  readonly error: string | undefined;
  readonly finishedAt: number;
}

/** The facts of a run's end. */
export interface RunEnd {
  readonly status: Exclude<RunStatus, "running">;
  readonly finishedAt: number;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly error: string | undefined;
  readonly nodes: readonly NodeEnd[];
}

/** A node's record as loaded for restart or replay. */
export interface StoredNode {
  readonly label: string;
  readonly status: NodeStatus;
  readonly attempt: number;
  readonly output: unknown;
}

/** What a restart or replay needs to know of an earlier run. */
export interface StoredRunState {
  readonly runId: string;
  readonly dagNsref: string | undefined;
  readonly status: RunStatus;
  readonly fingerprint: string;
  readonly shape: DagShape | undefined;
  readonly input: unknown;
  readonly nodes: ReadonlyMap<string, StoredNode>;
}

/**
 * A child run (a composite node's sub-DAG run) as a resume needs it: whether it
 * completed, its sink outputs if so, and the DAG shape it ran.
 *
 * @example
 * ```ts
 * const child: StoredChildRun = children.get("counts[3]")!;
 * if (child.status === "completed") console.log(child.outputs);
 * ```
 */
export interface StoredChildRun {
  readonly runId: string;
  readonly expansionKey: string;
  readonly status: RunStatus;
  readonly fingerprint: string;
  /** The sink outputs of a completed run; `undefined` otherwise. */
  readonly outputs: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Where a `DagRunner` writes what happens. Each method is one commit, and the
 * starts of the nodes that become ready ride along with the commit that made them
 * ready: a 3-node chain commits 5 times (run start, 3 completions, run end), and a
 * node's start is on disk before its function is called (write-ahead).
 *
 * @example
 * ```ts
 * const program = runner.runEffect(input).pipe(Effect.provide(NullProvenance.layer));
 * ```
 */
/**
 * A check every write of a run must pass, inside the write's own transaction, before its
 * rows count: the supervisor fences a run's history by its trigger's lease, so a
 * supervisor that lost the trigger (paused past its lease) cannot record — or start — a
 * node of a run another supervisor now owns. Throwing (or rejecting) refuses the write.
 *
 * @example
 * ```ts
 * const guard: WriteGuard = { sync: () => checkLease(), onTransaction: (tx) => checkLeaseOn(tx) };
 * ```
 */
export interface WriteGuard extends PgWriteGuard {
  /** SQLite: runs first inside the write's (synchronous) transaction. */
  readonly sync: () => void;
}

export interface ProvenanceService {
  /** A new run, and the nodes that start with it. */
  readonly runStarted: (
    run: RunStart,
    starting: readonly NodeStart[],
  ) => Effect.Effect<void, ProvenanceError>;
  /** An existing run continues (restart): its status goes back to `running`. */
  readonly runResumed: (
    runId: string,
    starting: readonly NodeStart[],
  ) => Effect.Effect<void, ProvenanceError>;
  /** A node start that no other commit carries (a retry, or a start freed by a finished node). */
  readonly nodesStarted: (
    runId: string,
    starting: readonly NodeStart[],
  ) => Effect.Effect<void, ProvenanceError>;
  /** A node's output and edges, and the nodes that start because of it. */
  readonly nodeCompleted: (
    runId: string,
    done: NodeCompletion,
    starting: readonly NodeStart[],
  ) => Effect.Effect<void, ProvenanceError>;
  /** The run's end with the nodes that ended without output, in one commit. */
  readonly runFinished: (runId: string, end: RunEnd) => Effect.Effect<void, ProvenanceError>;
  /** An earlier run's state, or `undefined` when there is no such run. */
  readonly loadRunState: (
    runId: string,
  ) => Effect.Effect<StoredRunState | undefined, ProvenanceError>;
  /**
   * The direct child runs of a run by expansion key (the latest run of each key), so a
   * resumed composite node reuses its completed children and resumes the others.
   * Optional so that services written before composite nodes still fit: without it a
   * resumed composite node runs all its children again.
   */
  readonly loadChildRuns?: (
    parentRunId: string,
  ) => Effect.Effect<ReadonlyMap<string, StoredChildRun>, ProvenanceError>;
  /**
   * The node cache's live entry under `key` at `now` (epoch ms), or `undefined`: what a
   * cached node reuses. Optional: a service without it (`NullProvenance`) caches nothing.
   */
  readonly cacheLookup?: (
    key: string,
    now: number,
  ) => Effect.Effect<CacheHit | undefined, ProvenanceError>;
  /**
   * The same service with every write checked by `guard` first, in the write's
   * transaction (still grouped with other runs' writes). Optional: a service without it
   * cannot be fenced.
   */
  readonly guarded?: (guard: WriteGuard) => ProvenanceService;
}

/**
 * The `Provenance` service tag.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const provenance = yield* Provenance;
 *   return yield* provenance.loadRunState(runId);
 * });
 * ```
 */
export class Provenance extends Context.Tag("tickflow/Provenance")<
  Provenance,
  ProvenanceService
>() {}
