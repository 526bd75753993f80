import type { Context, Span } from "@opentelemetry/api";
import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { activeTelemetry, type Telemetry } from "./activeTelemetry.js";
import { loadOtelApi, otelSettled } from "./otelApi.js";
import { takeRunParent } from "./runParents.js";
import { fromTraceparent } from "./traceparent.js";

/** A traced run: its span, the context its nodes start in, the span of each node running. */
export interface RunTrace {
  readonly telemetry: Telemetry;
  readonly span: Span;
  readonly context: Context;
  readonly dag: string;
  readonly nodes: Map<string, Span>;
}

/** Keyed by the run's plan (one object per execution). */
const traces = new WeakMap<object, RunTrace>();

/** The trace of the execution `plan`, when it is traced. */
export function runTraceOf(plan: object): RunTrace | undefined {
  return traces.get(plan);
}

/** The part of a run's plan and result the span reads (kept structural: no import of run/). */
interface Plan {
  readonly runId: string;
  readonly resume: boolean;
}
interface Result {
  readonly status: string;
  readonly failedNode?: string;
  readonly error?: { readonly message: string };
}

/**
 * Traces an execution as `tickflow.run`: its parent is the fire's span (a supervisor's
 * run), else the span active when the run was called; a run resumed after a restart
 * starts a new trace linked to the interrupted fire. Counts the run in
 * `tickflow.runs.in_flight` and records `tickflow.run.duration` (on the runner's clock).
 * The parent context is captured now, when the run is called, not when it starts.
 *
 * @example
 * ```ts
 * return program.pipe(traceRun(plan, options.dagNsref));
 * ```
 */
export function traceRun(
  plan: Plan,
  dagNsref: string | undefined,
): <A extends Result, E, R>(run: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> {
  if (!otelSettled()) {
    return (run) =>
      Effect.flatMap(
        Effect.promise(() => loadOtelApi()),
        () => traceRun(plan, dagNsref)(run),
      );
  }
  const telemetry = activeTelemetry();
  if (telemetry === undefined) return (run) => run;
  const { api, tracer, metrics } = telemetry;
  const announced = takeRunParent(plan.runId);
  const fire = fromTraceparent(announced?.traceparent);
  const parent =
    announced === undefined
      ? api.context.active()
      : fire === undefined || announced.resume
        ? api.ROOT_CONTEXT
        : api.trace.setSpanContext(api.ROOT_CONTEXT, fire);
  const dag = dagNsref ?? "";
  const attributes = { "tickflow.dag": dag };
  return (run) =>
    Effect.suspend(() => {
      const span = tracer.startSpan(
        "tickflow.run",
        {
          attributes: {
            ...attributes,
            "tickflow.run.id": plan.runId,
            "tickflow.run.resumed": plan.resume,
          },
          links:
            announced?.resume && fire !== undefined
              ? [{ context: fire, attributes: { "tickflow.link": "interrupted_fire" } }]
              : [],
        },
        parent,
      );
      const context = api.trace.setSpan(parent, span);
      traces.set(plan, { telemetry, span, context, dag, nodes: new Map() });
      metrics.runsInFlight.add(1, attributes);
      return Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
        run.pipe(
          Effect.onExit((exit) =>
            Effect.map(Clock.currentTimeMillis, (endedAt) => {
              metrics.runsInFlight.add(-1, attributes);
              const status = statusOf(exit);
              metrics.runDuration.record(endedAt - startedAt, {
                ...attributes,
                "tickflow.run.status": status,
              });
              span.setAttribute("tickflow.run.status", status);
              const result = Exit.isSuccess(exit) ? exit.value : undefined;
              if (result?.failedNode !== undefined) {
                span.setAttribute("tickflow.run.failed_node", result.failedNode);
              }
              if (status === "failed" || status === "error") {
                const message =
                  result?.error?.message ??
                  Cause.pretty((exit as Exit.Failure<unknown, unknown>).cause);
                span.setStatus({ code: api.SpanStatusCode.ERROR, message });
              }
              span.end();
            }),
          ),
        ),
      );
    });
}

/** A run's status; `error` when it ended without a result (a failing history store). */
function statusOf(exit: Exit.Exit<Result, unknown>): string {
  if (Exit.isSuccess(exit)) return exit.value.status;
  return Cause.isInterruptedOnly(exit.cause) ? "interrupted" : "error";
}
