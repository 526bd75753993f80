import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import * as Queue from "effect/Queue";
import type { Dag } from "../dag/Dag.js";
import type { DagNode } from "../dag/DagNode.js";
import type { DagInvalid } from "../dag/errors.js";
import type { HistoryWrite } from "../provenance/HistoryWrite.js";
import type {
  DagShape,
  NodeCompletion,
  NodeEnd,
  NodeStart,
  ProvenanceError,
  ProvenanceService,
  RunEnd,
  RunStart,
} from "../provenance/Provenance.js";
import { tracedLogger } from "../telemetry/tracedLogger.js";
import { completionOf } from "./nodeCache.js";
import { type NodeCall, runNode } from "./runNode.js";
import type { Message, RunState } from "./runState.js";
import type { DagRunnerOptions, DagRunResult, ExecutionPlan } from "./runTypes.js";

/**
 * What a run needs to know about its DAG, derived once per version of the DAG (a DAG
 * only grows, and `dag.version` counts every node and edge added) instead of per run.
 */
export interface Compiled {
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
 * The run loop of one execution of a DAG, split from `DagRunner` (which plans runs:
 * new, restarted, replayed): records the run's start, launches the nodes that are
 * ready, records each completion with the starts it allows, and records the end.
 *
 * @example
 * ```ts
 * const loop = new RunLoop(dag, options, () => compiled, (d, o) => new DagRunner(d, o));
 * const result = yield* loop.loop(provenance, plan, loop.initialState(order, plan));
 * ```
 */
export class RunLoop {
  constructor(
    readonly dag: Dag,
    readonly options: DagRunnerOptions,
    readonly compiled: () => Compiled,
    readonly childRunner: NodeCall["childRunner"],
  ) {}

  initialState(order: readonly DagNode<any, any>[], plan: ExecutionPlan): RunState {
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

  loop(
    provenance: ProvenanceService,
    plan: ExecutionPlan,
    state: RunState,
  ): Effect.Effect<DagRunResult, ProvenanceError, import("effect").Scope.Scope> {
    return Effect.gen(this, function* () {
      // Made when the first node is forked: a chain runs inline and never needs it.
      const inbox: Inbox = { queue: undefined };
      // The supervisor commits the run's end (and its last completion) itself, with the
      // ledger's end, when it shares the history's connection.
      const defer = plan.recording?.deferEnd;
      const held: HistoryWrite[] = [];
      const now = yield* Clock.currentTimeMillis;
      const { run, starting } = this.startOf(plan, state, now);
      if (plan.resume) {
        yield* provenance.runResumed(plan.runId, starting);
      } else {
        // Recorded by the caller (the fire's write-ahead commit), as `startOf` gave it.
        if (plan.recording?.startRecorded !== true) yield* provenance.runStarted(run, starting);
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
        const done: NodeCompletion = {
          label: message.label,
          output: message.output,
          finishedAt: at,
          edges: this.dag
            .downstreamEdges(message.label)
            .map((edge) => ({ from: edge.from, to: edge.to })),
          ...completionOf(message),
        };
        if (defer !== undefined && next.length === 0 && state.running.size === 0) {
          // The run's last completion: handed over with its end, to be committed with
          // the ledger's end (a crash before that runs this node again, attempt + 1).
          held.push({ op: "nodeCompleted", runId: plan.runId, done, starting: [] });
        } else yield* provenance.nodeCompleted(plan.runId, done, next);
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
      const end: RunEnd = {
        status,
        finishedAt,
        outputs,
        error: state.failed?.error.message,
        nodes: state.ended,
      };
      if (defer !== undefined) defer([...held, { op: "runFinished", runId: plan.runId, end }]);
      else yield* provenance.runFinished(plan.runId, end);
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
    const ranks = this.compiled().rank;
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

  /** The run's start record and the starts of its first nodes (taken from `state`). */
  startOf(
    plan: ExecutionPlan,
    state: RunState,
    now: number,
  ): { readonly run: RunStart; readonly starting: NodeStart[] } {
    const compiled = this.compiled();
    const sinks = new Set(compiled.sinks.map((node) => node.label));
    const sources = compiled.sources;
    const run: RunStart = {
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
    };
    return { run, starting: this.#takeStarts(plan, state, now) };
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
      childRunner: this.childRunner,
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
    for (const sink of this.compiled().sinks) {
      if (state.outputs.has(sink.label)) outputs[sink.label] = state.outputs.get(sink.label);
    }
    return outputs;
  }

  recordInterrupted(
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
