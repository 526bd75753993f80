import type { Logger } from "../run/Logger.js";
import { runTraceOf } from "./runSpan.js";
import { type TraceIds, traceIds } from "./traceIds.js";

/**
 * The run's logger with `trace_id` and `span_id` (its run span's) added to every line, so
 * logs and traces join; `logger` itself when the run is not traced.
 *
 * @example
 * ```ts
 * const log = tracedLogger(plan, options.logger?.child({ runId }));
 * ```
 */
export function tracedLogger(plan: object, logger: Logger | undefined): Logger | undefined {
  const run = runTraceOf(plan);
  const ids = run === undefined ? undefined : traceIds(run.span);
  if (logger === undefined || ids === undefined) return logger;
  return withBindings(logger, ids);
}

function withBindings(logger: Logger, ids: TraceIds): Logger {
  const line =
    (level: "debug" | "info" | "warn" | "error") =>
    (bindings: Record<string, unknown>, message: string) =>
      logger[level]({ ...ids, ...bindings }, message);
  return {
    debug: line("debug"),
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
    child: (bindings) => withBindings(logger.child(bindings), ids),
  };
}
