import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import type { BacklogEntry } from "./Live.js";

/**
 * Which owed ticks fire. Ticks due at or before `since` were missed while nobody fired
 * the trigger (the process was down): the trigger's catch-up policy decides (`skip`,
 * `latest`, `all` bounded by `maxCatchUp`, within `catchUpWindow`). Ticks due since are
 * late (a blocked event loop, a clock jump, a slow poll): the latest fires, earlier ones
 * are recorded missed — except ticks from `owedAgainFrom` on, whose ledger write failed
 * (a lock, a full disk): under catch-up `all` each of them fires, in order (bounded by
 * `maxCatchUp`), as the policy promises for every tick it could not fire in time. Pure.
 *
 * @example
 * ```ts
 * planOwedTicks(definition, [1000, 2000, 3000], 3500, 2500);
 * // [{ tick: 1000, fire: false, … }, { tick: 2000, fire: true, … }, { tick: 3000, fire: true, … }]
 * ```
 */
export function planOwedTicks(
  definition: Pick<TriggerDefinition, "catchUp" | "maxCatchUp" | "catchUpWindow">,
  ticks: readonly number[],
  now: number,
  since: number,
  owedAgainFrom = Number.POSITIVE_INFINITY,
): BacklogEntry[] {
  const window = definition.catchUpWindow;
  const down = ticks.filter((tick) => tick <= since);
  const late = ticks.filter((tick) => tick > since);
  const owed = down.filter((tick) => window === undefined || tick >= now - window);
  const fire =
    definition.catchUp === "skip"
      ? []
      : definition.catchUp === "latest"
        ? owed.slice(-1)
        : owed.slice(-definition.maxCatchUp);
  const all = definition.catchUp === "all";
  const owedAgain = all ? late.filter((tick) => tick >= owedAgainFrom) : [];
  const firing = new Set([...fire, ...owedAgain.slice(-definition.maxCatchUp), ...late.slice(-1)]);
  return ticks.map((tick) => ({
    tick,
    fire: firing.has(tick),
    reason:
      tick <= since
        ? `missed while down (catchUp: ${definition.catchUp})`
        : all && tick >= owedAgainFrom
          ? `owed after a failed write, beyond maxCatchUp (${definition.maxCatchUp})`
          : "late: a later tick was already due",
  }));
}
