/**
 * The structured logger tickflow writes to when one is given, and only then: a subset of
 * pino's interface (a pino logger fits as is). Every line of a run carries its run id,
 * and node lines their node label; the supervisor adds the trigger name.
 *
 * @example
 * ```ts
 * import pino from "pino";
 * new DagRunner(dag, { logger: pino({ level: "info" }) });
 * ```
 */
export interface Logger {
  debug(bindings: Record<string, unknown>, message: string): void;
  info(bindings: Record<string, unknown>, message: string): void;
  warn(bindings: Record<string, unknown>, message: string): void;
  error(bindings: Record<string, unknown>, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}
