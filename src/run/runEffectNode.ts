import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import { NodeFailed } from "./errors.js";

/**
 * Settles what a node function returned: a plain value (or a Promise's value) as is; an
 * `Effect` is run in the node's fiber, so it is interrupted with the run (an abort, a
 * timeout, another node's failure), and its requirements come from that fiber's context
 * (the caller's services in the run's Effect form) plus `services` (the runner's option).
 * Its typed failure, and a defect, become `NodeFailed` whose `cause` is the failure as
 * is, `_tag` and data kept, so a retry, the ledger and the run's Effect caller see it.
 *
 * @example
 * ```ts
 * const output = yield* settleNodeValue(returned, options.services, "fetch", 1);
 * ```
 */
export function settleNodeValue(
  value: unknown,
  services: Context.Context<never> | undefined,
  nodeLabel: string,
  attempt: number,
): Effect.Effect<unknown, NodeFailed> {
  if (!Effect.isEffect(value)) return Effect.succeed(value);
  const effect = value as Effect.Effect<unknown, unknown, never>;
  const provided = services === undefined ? effect : Effect.provide(effect, services);
  return provided.pipe(
    Effect.catchAllDefect((defect) => Effect.fail(defect)),
    Effect.mapError((cause) => new NodeFailed({ nodeLabel, attempt, cause })),
  );
}
