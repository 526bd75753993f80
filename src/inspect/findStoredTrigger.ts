import * as Effect from "effect/Effect";
import { nearest } from "../namespace/nearest.js";
import type { StoreFailure } from "../store/errors.js";
import { storePromise } from "../store/storePromise.js";
import type { StoredActivation, TriggerStore } from "../trigger/TriggerStore.js";
import { TriggerNotInStore } from "./errors.js";

/**
 * @internal A trigger's stored activation (with its snapshot), or `TriggerNotInStore`
 * naming the closest stored names.
 */
export function findStoredTrigger(
  store: TriggerStore,
  name: string,
): Effect.Effect<StoredActivation, StoreFailure | TriggerNotInStore> {
  return Effect.flatMap(
    storePromise(store.location, "load activations", () => store.loadActivations()),
    (all) => {
      const found = all.find((stored) => stored.record.name === name);
      return found !== undefined
        ? Effect.succeed(found)
        : Effect.fail(
            new TriggerNotInStore({
              name,
              path: store.location,
              nearest: nearest(
                name,
                all.map((stored) => stored.record.name),
              ),
            }),
          );
    },
  );
}
