import type { Clock } from "../schedule/Clock.js";
import { activeTelemetry } from "./activeTelemetry.js";

/**
 * Calls a poll (`poll`) inside its span, `tickflow.poll` (a new trace, active while the
 * poll function runs, so its own spans are children), and records its duration by
 * outcome: `payload`, `empty` or `failed` (the error recorded as an exception event).
 * Without telemetry it only calls `poll`.
 *
 * @example
 * ```ts
 * const outcome = await tracePoll("inbox", clock, () => poller.pollUntraced(live, definition));
 * ```
 */
export function tracePoll<T extends object>(
  trigger: string,
  clock: Clock,
  poll: () => Promise<T>,
): Promise<T> {
  const telemetry = activeTelemetry();
  if (telemetry === undefined) return poll();
  const { api, tracer, metrics } = telemetry;
  const startedAt = clock.now();
  const span = tracer.startSpan(
    "tickflow.poll",
    { attributes: { "tickflow.trigger": trigger } },
    api.ROOT_CONTEXT,
  );
  return api.context.with(api.trace.setSpan(api.ROOT_CONTEXT, span), poll).then((result) => {
    const error = (result as { error?: unknown }).error;
    const outcome = "payload" in result ? "payload" : error === undefined ? "empty" : "failed";
    span.setAttribute("tickflow.poll.outcome", outcome);
    if (error !== undefined) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: String(error) });
    }
    span.end();
    metrics.pollDuration.record(clock.now() - startedAt, {
      "tickflow.trigger": trigger,
      "tickflow.poll.outcome": outcome,
    });
    return result;
  });
}
