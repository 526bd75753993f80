/**
 * Log levels the CLI accepts for `--log-level` (its own module, so that declaring the
 * option does not load pino).
 *
 * @example
 * ```ts
 * LOG_LEVELS.includes("info"); // true
 * ```
 */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
