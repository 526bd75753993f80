import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";

/**
 * Runs an Effect as a Promise that rejects with the typed error itself (not Effect's
 * `FiberFailure` wrapper), so Promise users can check `error._tag` and read its fields.
 *
 * @example
 * ```ts
 * await runTyped(Effect.fail(new RunNotFound({ runId }))); // rejects with the RunNotFound
 * ```
 */
export async function runTyped<A, E>(effect: Effect.Effect<A, E>): Promise<A> {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  throw Cause.squash(exit.cause);
}
