import pino from "pino";
import type { LogLevel } from "./logLevels.js";

/**
 * The CLI's structured logger: JSON lines (pino) on stderr, so stdout stays the human
 * (or `--json`) output. Written synchronously, so nothing is lost when the process
 * exits right after an error. The library itself logs nothing; the CLI passes this
 * logger where the library accepts one.
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
  return pino({ level, base: { name: "tickflow" } }, stream);
}
