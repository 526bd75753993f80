import type { Span } from "@opentelemetry/api";
import { otelApi } from "./otelApi.js";

/** The ids a log line carries to join its trace (snake_case, as OpenTelemetry's log model). */
export interface TraceIds {
  readonly trace_id: string;
  readonly span_id: string;
}

/**
 * The trace and span ids of `span`, or of the active span when none is given;
 * `undefined` when there is none (or it has no valid context, as a no-op span).
 *
 * @example
 * ```ts
 * logger.info({ ...traceIds(), trigger }, "fired");
 * ```
 */
export function traceIds(span?: Span): TraceIds | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const context = (span ?? api.trace.getActiveSpan())?.spanContext();
  if (context === undefined || !api.isSpanContextValid(context)) return undefined;
  return { trace_id: context.traceId, span_id: context.spanId };
}
