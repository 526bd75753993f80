import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { isStoreFailure, StoreError, type StoreFailure } from "../store/errors.js";
import { TriggerStore, type TriggerStoreOptions } from "../trigger/TriggerStore.js";

/**
 * The trigger store as an Effect service: what `Supervisor.layer` needs beside the run
 * history (`Provenance`). `TriggerStoreService.layer(path)` opens a SQLite file (or
 * connects to a PostgreSQL URL and migrates) and closes it when its scope closes.
 *
 * @example
 * ```ts
 * const stores = Layer.merge(
 *   TriggerStoreService.layer("./data/triggers.db"),
 *   DagProvenance.layer("./data/provenance.db"),
 * );
 * ```
 */
export class TriggerStoreService extends Context.Tag("tickflow/TriggerStore")<
  TriggerStoreService,
  TriggerStore
>() {
  /** A scoped layer: the store opened (and made ready) on build, closed on release. */
  static layer(
    path: string,
    options: TriggerStoreOptions = {},
  ): Layer.Layer<TriggerStoreService, StoreFailure> {
    const open = Effect.tryPromise({
      try: async () => {
        const store = new TriggerStore(path, options);
        try {
          await store.ready();
        } catch (error) {
          await store.close().catch(() => {});
          throw error;
        }
        return store;
      },
      catch: (cause) =>
        isStoreFailure(cause) ? cause : new StoreError({ operation: "open triggers", path, cause }),
    });
    return Layer.scoped(
      TriggerStoreService,
      Effect.acquireRelease(open, (store) => Effect.promise(() => store.close().catch(() => {}))),
    );
  }

  /** A layer providing a store the caller opened (and closes). */
  static fromStore(store: TriggerStore): Layer.Layer<TriggerStoreService> {
    return Layer.succeed(TriggerStoreService, store);
  }
}
