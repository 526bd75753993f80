import type { TriggerEvent } from "../../machines/trigger.machine.js";
import { activeTelemetry } from "./activeTelemetry.js";
import { toTraceparent } from "./traceparent.js";

/** A fire decision being traced: the event to step (stamped with its span) and its end. */
export interface FireSpan {
  /** The event, carrying the decision span's traceparent into the snapshot when recorded. */
  readonly event: TriggerEvent;
  /** Ends the span with the outcome the machine's actions imply (once; later calls no-ops). */
  end(actions: readonly { readonly type: string }[], error?: unknown): void;
}

/** Which action decides the outcome, first match wins. */
const OUTCOMES: readonly (readonly [string, string])[] = [
  ["startRun", "fired"],
  ["bufferTick", "buffered"],
  ["recordOverlapSkip", "skipped_overlap"],
];

/**
 * Starts the span of a fire decision (`tickflow.fire`) for a TICK, a FIRE or a
 * TICK_SKIPPED, and records the tick's lateness; `undefined` for other events or when
 * telemetry is off. A push fire's span is a child of the span active where `fire()` was
 * called; a tick's is a new trace. Its end counts the decision in `tickflow.fires`.
 *
 * @example
 * ```ts
 * const traced = startFireSpan("hourly", event, clock.now(), extra);
 * // step (traced?.event ?? event), commit, then:
 * traced?.end(actions);
 * ```
 */
export function startFireSpan(
  trigger: string,
  event: TriggerEvent,
  now: number,
  extra: readonly unknown[],
  kind?: string,
): FireSpan | undefined {
  if (event.type !== "TICK" && event.type !== "FIRE" && event.type !== "TICK_SKIPPED") {
    return undefined;
  }
  const telemetry = activeTelemetry();
  if (telemetry === undefined) return undefined;
  const { api, tracer, metrics } = telemetry;
  const missed = event.type === "TICK_SKIPPED" && event.reason === "missed";
  const scheduledAt = event.type === "FIRE" ? undefined : event.scheduledAt;
  if (scheduledAt !== undefined && !missed) {
    metrics.lateness.record(Math.max(0, now - scheduledAt), { "tickflow.trigger": trigger });
  }
  const span = tracer.startSpan(
    "tickflow.fire",
    {
      attributes: {
        "tickflow.trigger": trigger,
        "tickflow.fire.kind": kind ?? (event.type === "FIRE" ? "push" : "tick"),
        ...(scheduledAt === undefined
          ? {}
          : {
              "tickflow.fire.scheduled_at": new Date(scheduledAt).toISOString(),
              "tickflow.fire.lateness_ms": now - scheduledAt,
            }),
        ...(event.type === "TICK_SKIPPED" ? {} : { "tickflow.run.id": event.runId }),
        ...(missed ? { "tickflow.fire.missed_ticks": extra.length } : {}),
      },
    },
    // A tick is nobody's child: the context active here is whatever armed the timer.
    event.type === "FIRE" ? api.context.active() : api.ROOT_CONTEXT,
  );
  const stamped =
    span.isRecording() && event.type !== "TICK_SKIPPED"
      ? { ...event, trace: toTraceparent(span.spanContext()) }
      : event;
  let ended = false;
  return {
    event: stamped,
    end(actions, error) {
      if (ended) return;
      ended = true;
      const outcome =
        event.type === "TICK_SKIPPED"
          ? event.reason
          : (OUTCOMES.find(([type]) => actions.some((a) => a.type === type))?.[1] ?? "ignored");
      span.setAttribute("tickflow.fire.outcome", outcome);
      if (error === undefined) {
        metrics.fires.add(missed ? extra.length : 1, {
          "tickflow.trigger": trigger,
          "tickflow.fire.outcome": outcome,
        });
      } else {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: "the decision's commit failed" });
      }
      span.end();
    },
  };
}

/**
 * Awaits a fire decision's commit and ends its span with the outcome, or with the
 * commit's error (then rethrown).
 *
 * @example
 * ```ts
 * await fireCommitted(traced, actions, group.commit(writes, revert, name));
 * ```
 */
export function fireCommitted(
  traced: FireSpan | undefined,
  actions: readonly { readonly type: string }[],
  commit: Promise<void>,
): Promise<void> {
  if (traced === undefined) return commit;
  return commit.then(
    () => traced.end(actions),
    (error: unknown) => {
      traced.end(actions, error);
      throw error;
    },
  );
}
