import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Option from "effect/Option";
import { runTraceOf } from "./runSpan.js";

/**
 * Traces one attempt of a node as `tickflow.node`, a child of its run's span: label,
 * attempt and status (`completed`, `failed`, `paused`, `interrupted`), the error recorded
 * as an exception event; `tickflow.node.duration` on the runner's clock. A retried node
 * has one span per attempt. Untraced runs get `attempt` back as is.
 *
 * @example
 * ```ts
 * traceNode(call.plan, node.label, attempt, callOnce(call, node, input, attempt));
 * ```
 */
export function traceNode<A, E, R>(
  plan: object,
  label: string,
  attempt: number,
  node: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R> {
  const run = runTraceOf(plan);
  if (run === undefined) return node;
  const { api, tracer, metrics } = run.telemetry;
  return Effect.suspend(() => {
    const span = tracer.startSpan(
      "tickflow.node",
      {
        attributes: {
          "tickflow.dag": run.dag,
          "tickflow.node": label,
          "tickflow.node.attempt": attempt,
        },
      },
      run.context,
    );
    run.nodes.set(label, span);
    return Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
      node.pipe(
        Effect.onExit((exit) =>
          Effect.map(Clock.currentTimeMillis, (endedAt) => {
            if (run.nodes.get(label) === span) run.nodes.delete(label);
            const error = Exit.isFailure(exit)
              ? Option.getOrUndefined(Cause.failureOption(exit.cause))
              : undefined;
            const status = Exit.isSuccess(exit)
              ? "completed"
              : (error as { _tag?: unknown } | undefined)?._tag === "DagPause"
                ? "paused"
                : error === undefined && Cause.isInterruptedOnly(exit.cause)
                  ? "interrupted"
                  : "failed";
            span.setAttribute("tickflow.node.status", status);
            if (status === "failed") {
              const thrown = error ?? Cause.squash((exit as Exit.Failure<A, E>).cause);
              span.recordException(thrown instanceof Error ? thrown : String(thrown));
              span.setStatus({
                code: api.SpanStatusCode.ERROR,
                message: thrown instanceof Error ? thrown.message : String(thrown),
              });
            }
            span.end();
            metrics.nodeDuration.record(endedAt - startedAt, {
              "tickflow.dag": run.dag,
              "tickflow.node": label,
              "tickflow.node.status": status,
            });
          }),
        ),
      ),
    );
  });
}

/**
 * Calls a node's function with its span active, so the spans the function makes (an
 * HTTP client's, the user's own) are children of the node's, and log lines see it.
 *
 * @example
 * ```ts
 * Effect.tryPromise(() => inNodeContext(call.plan, label, () => invoke(...)));
 * ```
 */
export function inNodeContext<T>(plan: object, label: string, call: () => T): T {
  const run = runTraceOf(plan);
  const span = run?.nodes.get(label);
  if (run === undefined || span === undefined) return call();
  const { api } = run.telemetry;
  return api.context.with(api.trace.setSpan(run.context, span), call);
}
