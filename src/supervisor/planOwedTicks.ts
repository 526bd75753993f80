import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import type { BacklogEntry } from "./Live.js";

/**
 * Which owed ticks fire. Ticks due at or before `since` were missed while nobody fired
 * the trigger (the process was down): the trigger's catch-up policy decides (`skip`,
 * `latest`, `all` bounded by `maxCatchUp`, within `catchUpWindow`). Ticks due since are
 * late (a blocked event loop, a clock jump, a slow poll): the latest fires, earlier ones
 * are recorded missed. Pure.
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
  const firing = new Set([...fire, ...late.slice(-1)]);
  return ticks.map((tick) => ({
    tick,
    fire: firing.has(tick),
    reason:
      tick <= since
        ? `missed while down (catchUp: ${definition.catchUp})`
        : "late: a later tick was already due",
  }));
}
