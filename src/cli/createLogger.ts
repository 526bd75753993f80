import pino from "pino";
import { traceIds } from "../telemetry/traceIds.js";
import type { LogLevel } from "./logLevels.js";

/**
 * pino's mixin: the active span's ids, unless the line names its own (a run's lines).
 * A new object each time: pino merges the line into it.
 */
function activeTraceIds(line: object): object {
  return ("trace_id" in line ? undefined : traceIds()) ?? {};
}

/**
 * The CLI's structured logger: JSON lines (pino) on stderr, so stdout stays the human
 * (or `--json`) output. Written synchronously, so nothing is lost when the process
 * exits right after an error. The library itself logs nothing; the CLI passes this
 * logger where the library accepts one. A line written while an OpenTelemetry span is
 * active carries its `trace_id` and `span_id` (a run's own lines carry its run span's).
 *
 * @example
 * ```ts
 * const logger = createLogger("info");
 * logger.info({ trigger: "hourly_market", runId }, "fired");
 * ```
 */
export function createLogger(
  level: LogLevel,
  destination: number | { write(text: string): unknown } = 2,
): pino.Logger {
  const stream =
    typeof destination === "number"
      ? pino.destination({ dest: destination, sync: true })
      : destination;
  return pino({ level, base: { name: "tickflow" }, mixin: activeTraceIds }, stream);
}
