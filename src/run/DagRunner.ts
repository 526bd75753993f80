import { randomUUID } from "node:crypto";
// Submodules, not the `effect` barrel: importing tickflow loads only the parts of
// effect it uses (see docs/performance.md, start-up).
import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import type { Dag } from "../dag/Dag.js";
import type { DagNode } from "../dag/DagNode.js";
import { installDagRun } from "../dag/dagRunHook.js";
import type { DagInvalid } from "../dag/errors.js";
import { fingerprint, shapeOf } from "../dag/fingerprint.js";
import type { HistoryWrite } from "../provenance/HistoryWrite.js";
import { NullProvenance } from "../provenance/NullProvenance.js";
import {
  type DagShape,
  Provenance,
  type ProvenanceError,
  type StoredRunState,
} from "../provenance/Provenance.js";
import { runTyped } from "../store/runTyped.js";
import { traceRun } from "../telemetry/runSpan.js";
import {
  DagChanged,
  type NodeError,
  RunNotFound,
  RunNotRestartable,
  UnknownLabel,
} from "./errors.js";
import { provideFrom } from "./ProvenanceProvider.js";
import { type Compiled, RunLoop } from "./RunLoop.js";
import type {
  DagRunnerOptions,
  DagRunResult,
  ExecutionPlan,
  ReplayOptions,
  RestartOptions,
  ResumeError,
  RunError,
  RunOptions,
} from "./runTypes.js";

export type { ProvenanceProvider } from "./ProvenanceProvider.js";
export type {
  DagRunnerOptions,
  DagRunResult,
  ExecutionPlan,
  ReplayOptions,
  RestartOptions,
  ResumeError,
  RunError,
  RunOptions,
} from "./runTypes.js";

const RESTARTABLE: ReadonlySet<string> = new Set(["failed", "paused", "interrupted"]);
/** Node statuses whose recorded output a restart or replay reuses. */
const HAS_OUTPUT: ReadonlySet<string> = new Set(["completed", "skipped", "cached"]);

/**
 * Runs a `Dag`: each run is an Effect program that calls every node once all its
 * upstreams have finished (independent branches concurrently), records what
 * happens through the `Provenance` service, and ends `completed`, `failed`,
 * `paused` or `interrupted`.
 *
 * @example
 * ```ts
 * const runner = new DagRunner(dag, { provenance: new DagProvenance("runs.db") });
 * const result = await runner.run({ symbol: "AAPL" });  // Promise form
 * const effect = runner.runEffect({ symbol: "AAPL" });  // Effect form
 * ```
 */
export class DagRunner {
  /** Refreshed by every execution: the DAG is a builder and may grow after this runner is made. */
  #order: readonly DagNode<any, any>[] | undefined;
  #compiledCache: Compiled | undefined;
  /** The run loop (recording and launching nodes) of every execution of this runner. */
  readonly #runLoop: RunLoop;

  constructor(
    readonly dag: Dag,
    readonly options: DagRunnerOptions = {},
  ) {
    this.#runLoop = new RunLoop(
      dag,
      options,
      () => this.#compiled(),
      (child, childOptions) => new DagRunner(child, childOptions),
    );
    const compiled = this.#compiled();
    this.#order = compiled.problem === undefined ? compiled.order : undefined;
  }

  /** The DAG's check, order, fingerprint, sources and sinks, for its current version. */
  #compiled(): Compiled {
    const version = this.dag.version;
    if (this.#compiledCache?.version === version) return this.#compiledCache;
    const problem = this.dag.check(this.options.dagNsref);
    const order = problem === undefined ? this.dag.topologicalOrder() : [];
    this.#compiledCache = {
      version,
      problem,
      order,
      rank: new Map(order.map((node, i) => [node.label, i])),
      fingerprint: fingerprint(this.dag),
      shape: shapeOf(this.dag),
      sources: new Set(this.dag.sources().map((node) => node.label)),
      sinks: this.dag.sinks(),
    };
    return this.#compiledCache;
  }

  /**
   * The run as an Effect: succeeds with the result of a completed or paused run, fails
   * with the node's typed error, or with `DagInvalid` before anything runs.
   *
   * @example
   * ```ts
   * const result = yield* runner.runEffect({ symbol: "AAPL" });
   * ```
   */
  runEffect(
    input?: unknown,
    options: RunOptions = {},
  ): Effect.Effect<DagRunResult, RunError, Provenance> {
    return this.executeEffect(this.newPlan(input, options)).pipe(Effect.flatMap(failOnFailed));
  }

  /**
   * The run as a Promise: resolves to the result whatever the run's status; rejects
   * only for misuse (an invalid DAG) or a failing history store.
   *
   * @example
   * ```ts
   * const { status, outputs } = await runner.run({ symbol: "AAPL" });
   * ```
   */
  run(input?: unknown, options: RunOptions = {}): Promise<DagRunResult> {
    return this.runPlan(this.newPlan(input, options), options.signal);
  }

  /**
   * Continues a `failed`, `paused` or `interrupted` run in place: completed nodes are
   * not run again (their stored outputs feed downstream), the rest run, and the same
   * run id ends with the new status. Rejects with `RunNotFound`, `RunNotRestartable`
   * or `DagChanged`.
   *
   * @example
   * ```ts
   * const first = await runner.run(input);          // failed at "enrich"
   * const again = await fixedRunner.restart(first.runId); // completed; "fetch" not re-run
   * ```
   */
  restart(runId: string, options: RestartOptions = {}): Promise<DagRunResult> {
    return this.#runResolved(this.restartPlan(runId, options), options.signal);
  }

  /**
   * A new run that copies the recorded outputs of every node not named in `rerun`
   * (recorded as `skipped`) and runs the named nodes and everything downstream of them.
   *
   * @example
   * ```ts
   * const replayed = await runner.replay(runId, { rerun: ["summarize"] });
   * ```
   */
  replay(runId: string, options: ReplayOptions): Promise<DagRunResult> {
    return this.#runResolved(this.replayPlan(runId, options), options.signal);
  }

  /** The Effect form of `restart`. */
  restartEffect(
    runId: string,
    options: RestartOptions = {},
  ): Effect.Effect<DagRunResult, RunError | ResumeError, Provenance> {
    return this.restartPlan(runId, options).pipe(
      Effect.flatMap((plan) => this.executeEffect(plan)),
      Effect.flatMap(failOnFailed),
    );
  }

  /** The Effect form of `replay`. */
  replayEffect(
    runId: string,
    options: ReplayOptions,
  ): Effect.Effect<DagRunResult, RunError | ResumeError, Provenance> {
    return this.replayPlan(runId, options).pipe(
      Effect.flatMap((plan) => this.executeEffect(plan)),
      Effect.flatMap(failOnFailed),
    );
  }

  /**
   * @internal Ends a recorded run that was cut off `running` (its process died) as
   * `interrupted` without running any node: the supervisor's way to settle a run that was
   * being cancelled when the process died. A run with nothing on record ends
   * `interrupted` with nothing written; a run that had already ended keeps its status.
   */
  async endInterrupted(runId: string): Promise<DagRunResult> {
    const provider = this.options.provenance ?? NullProvenance;
    const interrupted: DagRunResult = { runId, status: "interrupted", outputs: {} };
    const end = Effect.gen(function* () {
      const provenance = yield* Provenance;
      const stored = yield* provenance.loadRunState(runId);
      if (stored === undefined) return interrupted;
      if (stored.status !== "running") {
        return { runId, status: stored.status, outputs: {} } as DagRunResult;
      }
      const finishedAt = yield* Clock.currentTimeMillis;
      yield* provenance.runFinished(runId, {
        status: "interrupted",
        finishedAt,
        outputs: {},
        error: undefined,
        nodes: [...stored.nodes.values()]
          .filter((node) => node.status === "running")
          .map((node) => ({
            label: node.label,
            status: "interrupted",
            error: undefined,
            finishedAt,
          })),
      });
      return interrupted;
    });
    return runTyped(end.pipe(provideFrom(provider)));
  }

  /** @internal The plan that continues a recorded run. */
  restartPlan(
    runId: string,
    options: RestartOptions,
  ): Effect.Effect<ExecutionPlan, ResumeError | ProvenanceError, Provenance> {
    return Effect.gen(this, function* () {
      const stored = yield* this.#loadChecked(runId, options.allowChangedDag ?? false);
      const allowed =
        RESTARTABLE.has(stored.status) || (options.allowRunning && stored.status === "running");
      if (!allowed)
        return yield* Effect.fail(new RunNotRestartable({ runId, status: stored.status }));
      const known = new Map<string, { output: unknown; copied: boolean }>();
      const attemptsSpent = new Map<string, number>();
      for (const node of stored.nodes.values()) {
        if (this.dag.get(node.label) === undefined) continue;
        if (HAS_OUTPUT.has(node.status)) {
          known.set(node.label, { output: node.output, copied: false });
        } else {
          attemptsSpent.set(node.label, node.attempt);
        }
      }
      return {
        runId,
        input: stored.input,
        resume: true,
        known,
        attemptsSpent,
        parentRunId: undefined,
        expansionKey: undefined,
        fire: options.fire,
        recording: options.recording,
      };
    });
  }

  /** @internal The plan of a replay: a new run with copied outputs. */
  replayPlan(
    runId: string,
    options: ReplayOptions,
  ): Effect.Effect<ExecutionPlan, ResumeError | ProvenanceError, Provenance> {
    return Effect.gen(this, function* () {
      const labels = this.dag.nodes.map((node) => node.label);
      for (const label of options.rerun) {
        if (this.dag.get(label) === undefined) {
          return yield* Effect.fail(new UnknownLabel({ label, known: labels }));
        }
      }
      const stored = yield* this.#loadChecked(runId, options.allowChangedDag ?? false);
      const rerun = new Set(options.rerun);
      // Everything downstream of a re-run node runs again: its input changes.
      for (const node of this.#order ?? []) {
        if (this.dag.upstreamEdges(node.label).some((edge) => rerun.has(edge.from))) {
          rerun.add(node.label);
        }
      }
      const known = new Map<string, { output: unknown; copied: boolean }>();
      for (const node of stored.nodes.values()) {
        if (rerun.has(node.label) || this.dag.get(node.label) === undefined) continue;
        if (HAS_OUTPUT.has(node.status)) {
          known.set(node.label, { output: node.output, copied: true });
        }
      }
      return {
        ...this.newPlan(stored.input, options.runId === undefined ? {} : { runId: options.runId }),
        known,
        recompute: rerun,
      };
    });
  }

  #loadChecked(
    runId: string,
    allowChangedDag: boolean,
  ): Effect.Effect<StoredRunState, RunNotFound | DagChanged | ProvenanceError, Provenance> {
    return Effect.gen(this, function* () {
      const provenance = yield* Provenance;
      const stored = yield* provenance.loadRunState(runId);
      if (stored === undefined) return yield* Effect.fail(new RunNotFound({ runId }));
      const compiled = this.#compiled();
      if (!allowChangedDag && stored.fingerprint !== compiled.fingerprint) {
        return yield* Effect.fail(
          new DagChanged({ runId, changes: shapeChanges(stored.shape, compiled.shape) }),
        );
      }
      return stored;
    });
  }

  async #runResolved(
    plan: Effect.Effect<ExecutionPlan, ResumeError | ProvenanceError, Provenance>,
    signal: AbortSignal | undefined,
  ): Promise<DagRunResult> {
    const provider = this.options.provenance ?? NullProvenance;
    const resolved = await runTyped(plan.pipe(provideFrom(provider)));
    return this.runPlan(resolved, signal);
  }

  /** @internal A new run's plan. */
  newPlan(input: unknown, options: RunOptions): ExecutionPlan {
    return {
      runId: options.runId ?? randomUUID(),
      input,
      resume: false,
      known: new Map(),
      attemptsSpent: new Map(),
      parentRunId: options.parentRunId,
      expansionKey: options.expansionKey,
      fire: options.fire,
      recording: options.recording,
    };
  }

  /**
   * @internal A new run's start as a history write (the run row, its nodes, and the
   * starts of the nodes that begin it), for a caller that commits it itself — the
   * supervisor, in the fire's write-ahead commit — and then runs it with
   * `recording.startRecorded`. `undefined` for an invalid DAG (its run fails as usual).
   */
  prepareStart(input: unknown, runId: string, now: number): HistoryWrite | undefined {
    const compiled = this.#compiled();
    if (compiled.problem !== undefined) return undefined;
    const plan = this.newPlan(input, { runId });
    const loop = this.#runLoop;
    return {
      op: "runStarted",
      ...loop.startOf(plan, loop.initialState(compiled.order, plan), now),
    };
  }

  /** @internal Runs a plan as a Promise, resolving interruption to an `interrupted` result. */
  async runPlan(plan: ExecutionPlan, signal?: AbortSignal): Promise<DagRunResult> {
    const provider = this.options.provenance ?? NullProvenance;
    const exit = await Effect.runPromiseExit(
      this.executeEffect(plan).pipe(provideFrom(provider)),
      signal ? { signal } : undefined,
    );
    if (Exit.isSuccess(exit)) return exit.value;
    if (Cause.isInterruptedOnly(exit.cause)) {
      return { runId: plan.runId, status: "interrupted", outputs: {} };
    }
    throw Cause.squash(exit.cause);
  }

  /**
   * @internal Executes a plan: the result for every status but interruption from
   * outside, which interrupts the Effect after recording `interrupted`.
   */
  executeEffect(
    plan: ExecutionPlan,
  ): Effect.Effect<DagRunResult, DagInvalid | ProvenanceError, Provenance> {
    // Taken now, not at construction: nodes added since then must run too.
    const compiled = this.#compiled();
    if (compiled.problem !== undefined) return Effect.fail(compiled.problem);
    const order = compiled.order;
    this.#order = order;
    // A start recorded by the caller is on disk already: an interruption in the first
    // turn must record the run's end too.
    const recorded = !plan.resume && plan.recording?.startRecorded === true;
    return Effect.gen(this, function* () {
      // One turn before anything is recorded or called: an interruption already pending
      // (a signal aborted before the run) ends it here, with nothing on record, rather
      // than after a node that would otherwise run synchronously to its end.
      if (!recorded) yield* Effect.yieldNow();
      const provenance = yield* Provenance;
      const loop = this.#runLoop;
      const state = loop.initialState(order, plan);
      const body = Effect.scoped(loop.loop(provenance, plan, state));
      return yield* (recorded ? Effect.zipRight(Effect.yieldNow(), body) : body).pipe(
        Effect.onInterrupt(() => loop.recordInterrupted(provenance, plan, state)),
      );
    }).pipe(traceRun(plan, this.options.dagNsref));
  }
}

function failOnFailed(result: DagRunResult): Effect.Effect<DagRunResult, NodeError> {
  return result.status === "failed" && result.error
    ? Effect.fail(result.error)
    : Effect.succeed(result);
}

function shapeChanges(before: DagShape | undefined, after: DagShape): string[] {
  if (before === undefined) return ["the recorded run has no shape to compare"];
  const changes: string[] = [];
  const diff = (kind: string, was: readonly string[], now: readonly string[]) => {
    for (const item of now) if (!was.includes(item)) changes.push(`${kind} added: ${item}`);
    for (const item of was) if (!now.includes(item)) changes.push(`${kind} removed: ${item}`);
  };
  diff("node", before.nodes, after.nodes);
  diff("edge", before.edges, after.edges);
  return changes.length > 0 ? changes : ["the fingerprint differs"];
}

// `dag.run(input)`: installed as this module loads, so dag/ never imports run/.
installDagRun((dag: Dag, input) => new DagRunner(dag).run(input));
