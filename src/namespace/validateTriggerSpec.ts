import { defineTrigger, type TriggerSpec } from "./TriggerDefinition.js";

/**
 * Checks a trigger definition read from outside (JSON, a form, a database) by exactly the
 * rules `registerTrigger` applies, and returns it typed: every field known and with a
 * value its field accepts (`TRIGGER_FIELDS`), then the checks across fields and of the
 * schedule. Throws `InvalidTriggerOption` (naming the field, the value and the accepted
 * values, also for a field that does not exist), `InvalidSchedule` (a bad cron
 * expression, interval, jitter, `startAt`/`endAt`), `ScheduleRequired`,
 * `ScheduleNotAllowed`, `InvalidTimezone`, `InvalidNsref` or `InvalidTriggerDefinition`.
 *
 * @example
 * ```ts
 * validateTriggerSpec(JSON.parse('{"name":"t","dagNsref":"p:x","triggerType":"push","overlap":"allowALL"}'));
 * // throws InvalidTriggerOption { field: "overlap", value: "allowALL", accepted: '"skip", "bufferOne", …' }
 * ```
 */
export function validateTriggerSpec(input: unknown): TriggerSpec {
  defineTrigger(input as TriggerSpec);
  return input as TriggerSpec;
}
