import { randomUUID } from "node:crypto";
import type { Dag } from "../dag/Dag.js";
import type { SubDagRef } from "../dag/DagNode.js";
import { fingerprint } from "../dag/fingerprint.js";
import type { FireContext } from "../dag/NodeContext.js";
import type { StoredChildRun } from "../provenance/Provenance.js";
import type { DagRunResult, RestartOptions, RunOptions } from "./DagRunner.js";

/**
 * The part of a `DagRunner` that runs one sub-DAG: what the parent's runner hands over,
 * so that this file does not import the runner (no cycle).
 */
export interface ChildRunner {
  run(input: unknown, options: RunOptions): Promise<DagRunResult>;
  restart(runId: string, options: RestartOptions): Promise<DagRunResult>;
}

/**
 * How one child run ended. `reused` marks a child completed before (its recorded outputs
 * taken, nothing run); a failure's `error` is the child's `NodeError`, or what its runner
 * rejected with (an invalid sub-DAG, a failing store; `runId` then empty).
 */
export type ChildOutcome =
  | {
      readonly kind: "completed";
      readonly runId: string;
      readonly output: unknown;
      readonly reused: boolean;
    }
  | { readonly kind: "failed"; readonly runId: string; readonly error: unknown }
  | { readonly kind: "paused"; readonly runId: string }
  | { readonly kind: "interrupted"; readonly runId: string };

/**
 * Child runs still settling in this process, by run id. An interrupted node's promise is
 * abandoned by the Effect runtime while its children are still recording their end; a
 * retry (or resume) of the same node waits for them here before resuming one, so that a
 * child run is never executed twice at once. Module-wide because run ids are unique.
 */
const settling = new Map<string, Promise<unknown>>();

/**
 * The children of one composite node call: each sub-DAG run under its expansion key, as
 * a child run of `parentRunId`. A key recorded before (a resumed parent run, or a retry
 * of the node) against the same sub-DAG fingerprint is not started again: a completed
 * child gives its recorded output, any other is restarted in place (its completed nodes
 * are not run again). A key recorded against another fingerprint (the sub-DAG's shape
 * changed) gets a new child run.
 *
 * @example
 * ```ts
 * const children = new ChildRuns(parentRunId, recorded, runnerFor);
 * const outcome = await children.run(ref, "counts[3]", chunk, signal);
 * ```
 */
export class ChildRuns {
  readonly #prints = new Map<object, string>();
  readonly #runners = new Map<object, ChildRunner>();

  constructor(
    readonly parentRunId: string,
    /** The parent's children recorded before, by expansion key. */
    readonly recorded: ReadonlyMap<string, StoredChildRun>,
    readonly runnerFor: (ref: SubDagRef) => ChildRunner,
    /** The parent's trigger fire, handed to every child run (`ctx.fire`). */
    readonly fire: FireContext | undefined = undefined,
  ) {}

  /** Runs, resumes or reuses the child run of `key`; rejects only if the runner does. */
  async run(
    ref: SubDagRef,
    key: string,
    input: unknown,
    signal: AbortSignal,
  ): Promise<ChildOutcome> {
    const dag = ref.dag as Dag<any, any>;
    const previous = this.recorded.get(key);
    const same = previous !== undefined && previous.fingerprint === this.#fingerprint(dag);
    if (same && previous.status === "completed") {
      return {
        kind: "completed",
        runId: previous.runId,
        output: outputOf(dag, previous.outputs ?? {}),
        reused: true,
      };
    }
    const runner = this.#runner(ref);
    let runId: string;
    let running: Promise<DagRunResult>;
    if (same) {
      runId = previous.runId;
      await settling.get(runId);
      // allowRunning: after a crash the child is still marked `running`; its parent,
      // being resumed now, is the one that owns it.
      running = runner.restart(runId, {
        allowRunning: true,
        signal,
        ...(this.fire ? { fire: this.fire } : {}),
      });
    } else {
      runId = randomUUID();
      running = runner.run(input, {
        runId,
        parentRunId: this.parentRunId,
        expansionKey: key,
        signal,
        ...(this.fire ? { fire: this.fire } : {}),
      });
    }
    settling.set(runId, running);
    try {
      const result = await running;
      switch (result.status) {
        case "completed":
          return { kind: "completed", runId, output: outputOf(dag, result.outputs), reused: false };
        case "failed":
          return result.error
            ? { kind: "failed", runId, error: result.error }
            : { kind: "interrupted", runId };
        default:
          return { kind: result.status, runId };
      }
    } finally {
      if (settling.get(runId) === running) settling.delete(runId);
    }
  }

  #fingerprint(dag: Dag<any, any>): string {
    let print = this.#prints.get(dag);
    if (print === undefined) {
      print = fingerprint(dag);
      this.#prints.set(dag, print);
    }
    return print;
  }

  /** One runner per sub-DAG per call: a runner derives its DAG's order once, not per element. */
  #runner(ref: SubDagRef): ChildRunner {
    let runner = this.#runners.get(ref.dag);
    if (runner === undefined) {
      runner = this.runnerFor(ref);
      this.#runners.set(ref.dag, runner);
    }
    return runner;
  }
}

/**
 * A child run's result as its parent sees it: the sink's output when the sub-DAG has
 * one sink, else the object of sink outputs by label.
 */
function outputOf(dag: Dag<any, any>, outputs: Readonly<Record<string, unknown>>): unknown {
  const sinks = dag.sinks();
  const [only] = sinks;
  return sinks.length === 1 && only !== undefined ? outputs[only.label] : outputs;
}
