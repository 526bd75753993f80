import * as Effect from "effect/Effect";
import { isStoreFailure, StoreError, type StoreFailure } from "./errors.js";

/**
 * A store call that only has a Promise form, as an Effect that fails with the store's
 * typed error: the inspection API and the PostgreSQL run history are built on it.
 *
 * @example
 * ```ts
 * const counts = storePromise(store.location, "count events", () => store.countEvents("t"));
 * ```
 */
export function storePromise<A>(
  path: string,
  operation: string,
  f: () => Promise<A>,
): Effect.Effect<A, StoreFailure> {
  return Effect.tryPromise({
    try: f,
    catch: (cause) => (isStoreFailure(cause) ? cause : new StoreError({ operation, path, cause })),
  });
}
