import { randomUUID } from "node:crypto";
// Submodules, not the `effect` barrel: importing tickflow loads only the parts of
// effect it uses (see docs/performance.md, start-up).
import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Queue from "effect/Queue";
import type { Dag } from "../dag/Dag.js";
import type { DagNode } from "../dag/DagNode.js";
import { installDagRun } from "../dag/dagRunHook.js";
import type { DagInvalid } from "../dag/errors.js";
import { fingerprint, shapeOf } from "../dag/fingerprint.js";
import { NullProvenance } from "../provenance/NullProvenance.js";
import {
  type DagShape,
  type NodeEnd,
  type NodeStart,
  Provenance,
  type ProvenanceError,
  type ProvenanceService,
  type StoredRunState,
} from "../provenance/Provenance.js";
import { runTyped } from "../store/runTyped.js";
import { traceRun } from "../telemetry/runSpan.js";
import { tracedLogger } from "../telemetry/tracedLogger.js";
import {
  DagChanged,
  type NodeError,
  RunNotFound,
  RunNotRestartable,
  UnknownLabel,
} from "./errors.js";
import { completionOf } from "./nodeCache.js";
import { provideFrom } from "./ProvenanceProvider.js";
import { type NodeCall, runNode } from "./runNode.js";
import type { Message, RunState } from "./runState.js";
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
 * What a run needs to know about its DAG, derived once per version of the DAG (a DAG
 * only grows, and `dag.version` counts every node and edge added) instead of per run.
 */
interface Compiled {
  readonly version: number;
  readonly problem: DagInvalid | undefined;
  readonly order: readonly DagNode<any, any>[];
  /** Each label's place in `order`: keeps the ready list ordered without scanning. */
  readonly rank: ReadonlyMap<string, number>;
  readonly fingerprint: string;
  readonly shape: DagShape;
  readonly sources: ReadonlySet<string>;
  readonly sinks: readonly DagNode<any, any>[];
}

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

  constructor(
    readonly dag: Dag,
    readonly options: DagRunnerOptions = {},
  ) {
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
    return Effect.gen(this, function* () {
      // One turn before anything is recorded or called: an interruption already pending
      // (a signal aborted before the run) ends it here, with nothing on record, rather
      // than after a node that would otherwise run synchronously to its end.
      yield* Effect.yieldNow();
      const provenance = yield* Provenance;
      const state = this.#initialState(order, plan);
      return yield* Effect.scoped(this.#loop(provenance, plan, state)).pipe(
        Effect.onInterrupt(() => this.#recordInterrupted(provenance, plan, state)),
      );
    }).pipe(traceRun(plan, this.options.dagNsref));
  }

  #initialState(order: readonly DagNode<any, any>[], plan: ExecutionPlan): RunState {
    const outputs = new Map<string, unknown>();
    for (const [label, known] of plan.known) outputs.set(label, known.output);
    const waiting = new Map<string, number>();
    const ready: string[] = [];
    for (const node of order) {
      if (outputs.has(node.label)) continue;
      const pending = this.dag
        .upstreamEdges(node.label)
        .filter((edge) => !outputs.has(edge.from)).length;
      waiting.set(node.label, pending);
      if (pending === 0) ready.push(node.label);
    }
    return {
      outputs,
      waiting,
      ready,
      running: new Map(),
      ended: [],
      failed: undefined,
      pauseRequested: false,
    };
  }

  #loop(
    provenance: ProvenanceService,
    plan: ExecutionPlan,
    state: RunState,
  ): Effect.Effect<DagRunResult, ProvenanceError, import("effect").Scope.Scope> {
    return Effect.gen(this, function* () {
      // Made when the first node is forked: a chain runs inline and never needs it.
      const inbox: Inbox = { queue: undefined };
      const now = yield* Clock.currentTimeMillis;
      const starting = this.#takeStarts(plan, state, now);
      if (plan.resume) {
        yield* provenance.runResumed(plan.runId, starting);
      } else {
        const compiled = this.#compiled();
        const sinks = new Set(compiled.sinks.map((node) => node.label));
        const sources = compiled.sources;
        yield* provenance.runStarted(
          {
            runId: plan.runId,
            dagNsref: this.options.dagNsref,
            parentRunId: plan.parentRunId,
            expansionKey: plan.expansionKey,
            fingerprint: compiled.fingerprint,
            shape: compiled.shape,
            startedAt: now,
            input: plan.input,
            nodes: this.dag.nodes.map((node) => ({
              label: node.label,
              isSource: sources.has(node.label),
              isSink: sinks.has(node.label),
            })),
          },
          starting,
        );
        for (const [label, known] of plan.known) {
          if (!known.copied) continue;
          yield* provenance.nodeCompleted(
            plan.runId,
            { label, output: known.output, finishedAt: now, edges: [], status: "skipped" },
            [],
          );
        }
      }
      const bindings = { runId: plan.runId, dagNsref: this.options.dagNsref };
      const log = tracedLogger(plan, this.options.logger?.child(bindings));
      log?.info({ resume: plan.resume }, plan.resume ? "run resumed" : "run started");
      for (const start of starting)
        log?.debug({ nodeLabel: start.label, attempt: start.attempt }, "node started");
      let inline = yield* this.#launch(provenance, plan, state, inbox, starting);

      while (state.running.size > 0) {
        const message = inline ?? (yield* Queue.take(inbox.queue as Queue.Queue<Message>));
        inline = undefined;
        state.running.delete(message.label);
        const at = yield* Clock.currentTimeMillis;
        if (message.kind === "storeFailed") {
          // The history store failed mid-run: stop here; the scope interrupts the rest and
          // the run stays `running` on disk, where findUnfinishedRuns() finds it.
          return yield* Effect.fail(message.error);
        }
        if (message.kind === "failed") {
          log?.warn({ nodeLabel: message.label, error: message.error.message }, "node failed");
          state.failed = { label: message.label, error: message.error };
          state.ended.push({
            label: message.label,
            status: "failed",
            error: message.error.message,
            finishedAt: at,
          });
          // A failure stops the run: nothing new starts, what is in flight is interrupted.
          for (const [label, fiber] of state.running) {
            if (fiber !== undefined) yield* Fiber.interrupt(fiber);
            state.ended.push({ label, status: "interrupted", error: undefined, finishedAt: at });
          }
          state.running.clear();
          break;
        }
        if (message.kind === "paused") {
          state.pauseRequested = true;
          state.ended.push({
            label: message.label,
            status: "paused",
            error: undefined,
            finishedAt: at,
          });
          continue;
        }
        state.outputs.set(message.label, message.output);
        for (const edge of this.dag.downstreamEdges(message.label)) {
          const left = (state.waiting.get(edge.to) ?? 1) - 1;
          state.waiting.set(edge.to, left);
          if (left === 0) this.#enqueueReady(state, edge.to);
        }
        const next = this.#takeStarts(plan, state, at);
        yield* provenance.nodeCompleted(
          plan.runId,
          {
            label: message.label,
            output: message.output,
            finishedAt: at,
            edges: this.dag
              .downstreamEdges(message.label)
              .map((edge) => ({ from: edge.from, to: edge.to })),
            ...completionOf(message),
          },
          next,
        );
        log?.debug({ nodeLabel: message.label }, "node completed");
        for (const start of next)
          log?.debug({ nodeLabel: start.label, attempt: start.attempt }, "node started");
        inline = yield* this.#launch(provenance, plan, state, inbox, next);
      }

      const finishedAt = yield* Clock.currentTimeMillis;
      const outputs = this.#sinkOutputs(state);
      const status = state.failed
        ? "failed"
        : state.pauseRequested || state.ready.length > 0
          ? "paused"
          : "completed";
      yield* provenance.runFinished(plan.runId, {
        status,
        finishedAt,
        outputs,
        error: state.failed?.error.message,
        nodes: state.ended,
      });
      log?.info(
        { status, ...(state.failed ? { failedNode: state.failed.label } : {}) },
        "run finished",
      );
      const result: DagRunResult = state.failed
        ? {
            runId: plan.runId,
            status,
            outputs,
            failedNode: state.failed.label,
            error: state.failed.error,
          }
        : { runId: plan.runId, status, outputs };
      return result;
    });
  }

  #enqueueReady(state: RunState, label: string): void {
    // Keep the ready list in topological order so starts are stable from run to run.
    const ranks = this.#compiled().rank;
    const rank = (l: string) => ranks.get(l) ?? -1;
    const mine = rank(label);
    const last = state.ready.at(-1);
    // Usually the newcomer goes last (a fan-out's nodes become ready in order).
    if (last === undefined || rank(last) < mine) {
      state.ready.push(label);
      return;
    }
    const at = state.ready.findIndex((other) => rank(other) > mine);
    state.ready.splice(at === -1 ? state.ready.length : at, 0, label);
  }

  /** Takes the ready nodes that may start now (concurrency, pause) and describes their starts. */
  #takeStarts(plan: ExecutionPlan, state: RunState, now: number): NodeStart[] {
    if (state.pauseRequested || state.failed) return [];
    const limit = this.options.concurrency ?? Number.POSITIVE_INFINITY;
    const starts: NodeStart[] = [];
    while (state.ready.length > 0 && state.running.size + starts.length < limit) {
      const label = state.ready.shift() as string;
      starts.push({
        label,
        input: this.#wiredInput(plan, state, label),
        attempt: (plan.attemptsSpent.get(label) ?? 0) + 1,
        startedAt: now,
      });
    }
    return starts;
  }

  /**
   * Starts nodes, each in its own fiber that reports to the inbox. A node that is the
   * only one able to run (nothing else in flight, nothing else started) runs inline in
   * the loop's fiber instead and its message is returned: the same run, interruption and
   * signal, without a fiber and a queue round trip per node of a chain.
   */
  #launch(
    provenance: ProvenanceService,
    plan: ExecutionPlan,
    state: RunState,
    inbox: Inbox,
    starts: readonly NodeStart[],
  ): Effect.Effect<Message | undefined, never, import("effect").Scope.Scope> {
    const [only] = starts;
    if (only === undefined) return Effect.succeed(undefined);
    if (starts.length === 1 && state.running.size === 0) {
      state.running.set(only.label, undefined);
      return this.#reported(provenance, plan, state, only);
    }
    return Effect.gen(this, function* () {
      if (inbox.queue === undefined) inbox.queue = yield* Queue.unbounded<Message>();
      const queue = inbox.queue;
      for (const start of starts) {
        const fiber = yield* Effect.forkScoped(
          this.#reported(provenance, plan, state, start).pipe(
            Effect.flatMap((message) => Queue.offer(queue, message)),
            Effect.asVoid,
          ),
        );
        state.running.set(start.label, fiber);
      }
      return undefined;
    });
  }

  /** A node's run as the message it reports; a failing history store is a message too. */
  #reported(
    provenance: ProvenanceService,
    plan: ExecutionPlan,
    state: RunState,
    start: NodeStart,
  ): Effect.Effect<Message> {
    const call: NodeCall = {
      dag: this.dag,
      options: this.options,
      provenance,
      plan,
      state,
      childRunner: (dag, options) => new DagRunner(dag, options),
    };
    return runNode(call, start).pipe(
      Effect.catchAll(
        (error): Effect.Effect<Message> =>
          Effect.succeed({ kind: "storeFailed", label: start.label, error }),
      ),
    );
  }

  /** The default wiring rule: run input for sources, the upstream's output, or an object of upstreams. */
  #wiredInput(plan: ExecutionPlan, state: RunState, label: string): unknown {
    const upstream = this.dag.upstreamEdges(label);
    if (upstream.length === 0) return plan.input;
    const [only] = upstream;
    if (upstream.length === 1 && only !== undefined && only.as === undefined) {
      return state.outputs.get(only.from);
    }
    return Object.fromEntries(
      upstream.map((edge) => [edge.as ?? edge.from, state.outputs.get(edge.from)]),
    );
  }

  #sinkOutputs(state: RunState): Record<string, unknown> {
    const outputs: Record<string, unknown> = {};
    for (const sink of this.#compiled().sinks) {
      if (state.outputs.has(sink.label)) outputs[sink.label] = state.outputs.get(sink.label);
    }
    return outputs;
  }

  #recordInterrupted(
    provenance: ProvenanceService,
    plan: ExecutionPlan,
    state: RunState,
  ): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      const finishedAt = yield* Clock.currentTimeMillis;
      const ended: NodeEnd[] = [
        ...state.ended,
        ...[...state.running.keys()].map(
          (label): NodeEnd => ({ label, status: "interrupted", error: undefined, finishedAt }),
        ),
      ];
      yield* provenance.runFinished(plan.runId, {
        status: "interrupted",
        finishedAt,
        outputs: this.#sinkOutputs(state),
        error: undefined,
        nodes: ended,
      });
    }).pipe(
      // The run is already being torn down; a store failure here leaves the run
      // `running`, which findUnfinishedRuns() reports for the supervisor to resume.
      Effect.catchAll(() => Effect.void),
    );
  }
}

/** The loop's inbox of node messages, made when the first node is forked. */
interface Inbox {
  queue: Queue.Queue<Message> | undefined;
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
