import type { DagRunResult } from "../run/DagRunner.js";
import {
  DatabaseLocked,
  DatabaseReadOnly,
  DiskFull,
  isDatabaseUnreachable,
} from "../store/errors.js";
import { LeaseLost } from "../trigger/LeaseLost.js";

/** `error` itself or the first error it wraps (by `cause`) that satisfies `test`. */
function causeMatching<T>(error: unknown, test: (e: unknown) => e is T): T | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    if (test(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether `error` (or what it wraps) says the database could not be reached.
 *
 * @example
 * ```ts
 * if (storeUnreachable(error)) retryLater();
 * ```
 */
export const storeUnreachable = (error: unknown): boolean =>
  causeMatching(error, isDatabaseUnreachable) !== undefined;

/**
 * Whether `error` (or what it wraps) says a write could not be made for now: the
 * database is unreachable, locked, full or read-only. A run whose history hits one is cut
 * off and resumed from its history once writes succeed, never recorded `failed`.
 *
 * @example
 * ```ts
 * if (storeWriteFailed(result.error)) pauseAndResume();
 * ```
 */
export const storeWriteFailed = (error: unknown): boolean =>
  causeMatching(
    error,
    (e): e is unknown =>
      isDatabaseUnreachable(e) ||
      e instanceof DiskFull ||
      e instanceof DatabaseLocked ||
      e instanceof DatabaseReadOnly,
  ) !== undefined;

/**
 * The `LeaseLost` that `error` is or wraps (a fenced run-history write), if any.
 *
 * @example
 * ```ts
 * const lost = findLeaseLost(result.error);
 * ```
 */
export const findLeaseLost = (error: unknown): LeaseLost | undefined =>
  causeMatching(error, (e): e is LeaseLost => e instanceof LeaseLost);

/**
 * A stored run status as the final status of a run result.
 *
 * @example
 * ```ts
 * finalStatus("running"); // "failed"
 * ```
 */
export function finalStatus(status: string): DagRunResult["status"] {
  return status === "completed" || status === "paused" || status === "interrupted"
    ? status
    : "failed";
}
