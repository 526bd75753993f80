import * as Effect from "effect/Effect";
import { isStoreFailure, StoreError, type StoreFailure } from "./errors.js";

/**
 * Runs a synchronous store operation as an Effect whose failure is one of the store's
 * typed errors (anything else thrown becomes a `StoreError` with the operation).
 *
 * @example
 * ```ts
 * const rows = storeEffect(store.path, "list runs", () => store.all("list runs", "SELECT * FROM dag_runs"));
 * ```
 */
export function storeEffect<A>(
  path: string,
  operation: string,
  f: () => A,
): Effect.Effect<A, StoreFailure> {
  return Effect.try({
    try: f,
    catch: (cause) => (isStoreFailure(cause) ? cause : new StoreError({ operation, path, cause })),
  });
}
