import * as Clock from "effect/Clock";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import * as Layer from "effect/Layer";
import * as ParseResult from "effect/ParseResult";
import { Dag } from "../dag/Dag.js";
import type { DagNode } from "../dag/DagNode.js";
import type { NodeContext } from "../dag/NodeContext.js";
import {
  type NodeStart,
  Provenance,
  type ProvenanceError,
  type ProvenanceService,
} from "../provenance/Provenance.js";
import { inNodeContext, traceNode } from "../telemetry/nodeSpan.js";
import type { ChildRunner } from "./ChildRuns.js";
import {
  DagPause,
  InputInvalid,
  MissingInput,
  type NodeError,
  NodeFailed,
  NodeTimedOut,
  OutputInvalid,
} from "./errors.js";
import { type LazySignal, lazySignal } from "./lazySignal.js";
import { withNodeCache } from "./nodeCache.js";
import { retryDelayMs } from "./retryDelay.js";
import { compositeError, runComposite } from "./runComposite.js";
import { settleNodeValue } from "./runEffectNode.js";
import type { Message, RunState } from "./runState.js";
import type { DagRunnerOptions, ExecutionPlan } from "./runTypes.js";
import { decode, fieldOf, issuesOf } from "./schemaCheck.js";

/**
 * What calling a node needs from its run: the DAG, the runner's options, the history it
 * writes to, the execution, and how to make the runner of a sub-DAG (given by DagRunner,
 * so this module does not import it).
 */
export interface NodeCall {
  readonly dag: Dag;
  readonly options: DagRunnerOptions;
  readonly provenance: ProvenanceService;
  readonly plan: ExecutionPlan;
  readonly state: RunState;
  readonly childRunner: (dag: Dag, options: DagRunnerOptions) => ChildRunner;
}

/**
 * One node of one execution: its tries (with retry and backoff) until an output, a pause
 * or a final error, reported as the loop's message.
 *
 * @example
 * ```ts
 * const message = yield* runNode(call, start); // { kind: "done", label, output }
 * ```
 */
export function runNode(call: NodeCall, start: NodeStart): Effect.Effect<Message, ProvenanceError> {
  const { provenance, plan } = call;
  const node = call.dag.get(start.label) as DagNode<any, any>;
  const retry = node.spec.options.retry;
  const maxTries = Math.max(1, retry?.attempts ?? 1);
  const firstAttempt = start.attempt;
  const attemptOnce = (attempt: number): Effect.Effect<Message, ProvenanceError> =>
    traceNode(plan, node.label, attempt, callOnce(call, node, start.input, attempt)).pipe(
      Effect.map((output): Message => ({ kind: "done", label: node.label, output })),
      Effect.catchAll((error): Effect.Effect<Message, ProvenanceError> => {
        if (error instanceof DagPause) return Effect.succeed({ kind: "paused", label: node.label });
        const retryable = error._tag === "NodeFailed" || error._tag === "NodeTimedOut";
        const tries = attempt - firstAttempt + 1;
        if (!retryable || tries >= maxTries || retry === undefined) {
          return Effect.succeed({ kind: "failed", label: node.label, error });
        }
        return Effect.gen(function* () {
          yield* Effect.sleep(Duration.millis(retryDelayMs(retry, tries)));
          const startedAt = yield* Clock.currentTimeMillis;
          yield* provenance.nodesStarted(plan.runId, [
            { label: node.label, input: start.input, attempt: attempt + 1, startedAt },
          ]);
          return yield* attemptOnce(attempt + 1);
        });
      }),
    );
  return withNodeCache(
    provenance,
    plan.runId,
    node,
    start,
    attemptOnce(firstAttempt),
    plan.recompute?.has(node.label) === true,
  );
}

function callOnce(
  call: NodeCall,
  node: DagNode<any, any>,
  rawInput: unknown,
  attempt: number,
): Effect.Effect<unknown, NodeError | DagPause, never> {
  const { spec } = node;
  const label = node.label;
  return Effect.gen(function* () {
    const upstream = call.dag.upstreamEdges(label);
    const [only] = upstream;
    const expectsInput =
      spec.options.input !== undefined || (spec.kind === "function" && spec.fn.length > 0);
    if (
      upstream.length === 1 &&
      only &&
      only.as === undefined &&
      rawInput === undefined &&
      expectsInput
    ) {
      return yield* Effect.fail(new MissingInput({ nodeLabel: label, upstream: only.from }));
    }
    const input = spec.options.input
      ? yield* decode(
          spec.options.input,
          rawInput,
          (issues, field) => new InputInvalid({ nodeLabel: label, field, issues }),
        )
      : rawInput;
    // The node's AbortSignal is made only if the node reads it (an AbortController
    // per call costs more than the rest of a no-op node); interruption aborts it, or
    // makes it born aborted when read later.
    const signal = lazySignal();
    const invoked = Effect.tryPromise({
      try: () => inNodeContext(call.plan, label, () => invoke(call, node, input, attempt, signal)),
      catch: (cause): NodeError | DagPause =>
        cause instanceof DagPause
          ? cause
          : ((spec.kind !== "function" ? compositeError(cause) : undefined) ??
            new NodeFailed({ nodeLabel: label, attempt, cause })),
    }).pipe(
      // A node function may return an Effect: run in this fiber (see runEffectNode.ts).
      Effect.flatMap((value) => settleNodeValue(value, call.options.services, label, attempt)),
      Effect.onInterrupt(() => Effect.sync(signal.abort)),
    );
    const timeoutMs = spec.options.timeout;
    const output =
      timeoutMs === undefined
        ? yield* invoked
        : yield* invoked.pipe(
            Effect.timeoutFail({
              duration: Duration.millis(timeoutMs),
              onTimeout: () => new NodeTimedOut({ nodeLabel: label, attempt, timeoutMs }),
            }),
          );
    if (spec.options.output) {
      const check = ParseResult.validateEither(spec.options.output)(output);
      if (Either.isLeft(check)) {
        const issues = issuesOf(check.left);
        return yield* Effect.fail(
          new OutputInvalid({ nodeLabel: label, field: fieldOf(issues), issues }),
        );
      }
    }
    return output;
  });
}

async function invoke(
  call: NodeCall,
  node: DagNode<any, any>,
  input: unknown,
  attempt: number,
  signal: LazySignal,
): Promise<unknown> {
  const { provenance, plan, state, options } = call;
  const { spec } = node;
  if (spec.kind !== "function") {
    // A call, switch or map node: each sub-DAG run is a child run of this one, in the
    // same history: the service this run writes to (in the Effect form it comes from
    // the caller's layer, not from the runner's options).
    const layer = Layer.succeed(Provenance, provenance);
    return runComposite({
      label: node.label,
      spec,
      input,
      attempt,
      signal: signal.get(),
      parentRunId: plan.runId,
      fire: plan.fire,
      // Children can be on record only if this node ran before: a resume or a retry.
      mayHaveChildren: plan.resume || attempt > 1,
      provenance,
      runnerFor: (ref) => {
        if (!(ref.dag instanceof Dag)) throw new TypeError(`node "${node.label}" holds no Dag`);
        return call.childRunner(ref.dag, {
          ...options,
          provenance: { layer, service: provenance },
          dagNsref: ref.nsref ?? node.label,
        });
      },
    });
  }
  const ctx: NodeContext = {
    runId: plan.runId,
    nodeLabel: node.label,
    dagNsref: options.dagNsref,
    attempt,
    get signal() {
      return signal.get();
    },
    namespace: options.namespace,
    fire: plan.fire,
    pause: () => {
      state.pauseRequested = true;
    },
  };
  return spec.fn(input, ctx);
}
