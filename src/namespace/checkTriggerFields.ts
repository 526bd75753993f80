import { OVERLAP_POLICIES } from "../../machines/trigger.types.js";
import { TimeZone } from "../schedule/TimeZone.js";
import { InvalidTriggerDefinition, InvalidTriggerOption } from "./errors.js";
import type { TriggerSpec } from "./TriggerDefinition.js";

/**
 * What one field of a trigger definition accepts: one of a list of strings, a number in
 * a range, a string, a plain object, a function, an IANA time zone, a duration or an
 * instant (the last two checked here for their type, by the schedule for their value).
 */
export type TriggerFieldRule =
  | { readonly type: "enum"; readonly values: readonly string[]; readonly required?: true }
  | {
      readonly type: "number";
      /** Smallest accepted value; `exclusive` makes it a strict bound (`> min`). */
      readonly min: number;
      readonly exclusive?: true;
      readonly integer?: true;
    }
  | { readonly type: "string"; readonly required?: true }
  | { readonly type: "object" }
  | { readonly type: "function" }
  | { readonly type: "timezone" }
  /** A string ("15m") or milliseconds; its grammar and range are the schedule's to check. */
  | { readonly type: "duration" }
  /** A Date, an ISO 8601 string or epoch ms; its validity is the schedule's to check. */
  | { readonly type: "instant" };

/**
 * Every field a trigger definition may have, and what it accepts: one entry per field,
 * so a new option is one line here (the `satisfies` makes a field of `TriggerSpec`
 * without an entry a type error). Grammar checks that need more than a table (the name's
 * characters, the nsref, the cron expression, "cron" without `pollFn`) stay in
 * `defineTrigger`.
 */
export const TRIGGER_FIELDS = {
  name: { type: "string", required: true },
  dagNsref: { type: "string", required: true },
  triggerType: { type: "enum", values: ["poll", "cron", "push"], required: true },
  schedule: { type: "string" },
  every: { type: "duration" },
  timezone: { type: "timezone" },
  jitter: { type: "duration" },
  startAt: { type: "instant" },
  endAt: { type: "instant" },
  maxFires: { type: "number", min: 1, integer: true },
  pollFn: { type: "function" },
  payload: { type: "object" },
  overlap: { type: "enum", values: OVERLAP_POLICIES },
  maxConcurrent: { type: "number", min: 1, integer: true },
  pollTimeout: { type: "number", min: 0, exclusive: true },
  catchUp: { type: "enum", values: ["skip", "latest", "all"] },
  maxCatchUp: { type: "number", min: 1, integer: true },
  catchUpWindow: { type: "number", min: 0, exclusive: true },
  pauseAfterFailures: { type: "number", min: 1, integer: true },
} as const satisfies Record<keyof TriggerSpec, TriggerFieldRule>;

/**
 * @internal The table half of `validateTriggerSpec`: every field known, each value one its
 * field accepts (see `TRIGGER_FIELDS`). Throws `InvalidTriggerOption`, `InvalidTimezone`,
 * or `InvalidTriggerDefinition` when `input` is not an object. `defineTrigger` runs it
 * first, then the checks across fields and of the schedule.
 */
export function checkTriggerFields(input: unknown): TriggerSpec {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidTriggerDefinition({
      name: "?",
      field: "definition",
      reason: `must be an object with name, dagNsref and triggerType, not ${Array.isArray(input) ? "an array" : String(input)}`,
    });
  }
  const record = input as Record<string, unknown>;
  const name = typeof record.name === "string" ? record.name : String(record.name);
  const rules: Readonly<Record<string, TriggerFieldRule>> = TRIGGER_FIELDS;
  for (const field of Object.keys(record)) {
    if (rules[field] === undefined && record[field] !== undefined) {
      throw new InvalidTriggerOption({
        name,
        field,
        value: record[field],
        accepted: `no value: it is not a trigger option (the options are ${Object.keys(rules).join(", ")})`,
      });
    }
  }
  for (const [field, rule] of Object.entries(rules)) {
    const value = record[field];
    if (value === undefined && !("required" in rule)) continue;
    const accepted = acceptance(rule, value);
    if (accepted !== undefined) throw new InvalidTriggerOption({ name, field, value, accepted });
  }
  return record as unknown as TriggerSpec;
}

/** `undefined` when `value` fits `rule`, else what the field accepts (for the message). */
function acceptance(rule: TriggerFieldRule, value: unknown): string | undefined {
  switch (rule.type) {
    case "enum":
      return typeof value === "string" && rule.values.includes(value)
        ? undefined
        : oneOf(rule.values.map((v) => JSON.stringify(v)));
    case "number": {
      const fits =
        typeof value === "number" &&
        Number.isFinite(value) &&
        (rule.exclusive ? value > rule.min : value >= rule.min) &&
        (!rule.integer || Number.isInteger(value));
      if (fits) return undefined;
      const kind = rule.integer ? "an integer" : "a number";
      return `${kind} ${rule.exclusive ? "above" : "of at least"} ${rule.min}`;
    }
    case "string":
      return typeof value === "string" ? undefined : "a string";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? undefined
        : "an object (a JSON payload)";
    case "function":
      return typeof value === "function" ? undefined : "a function";
    case "duration":
      return typeof value === "string" || typeof value === "number"
        ? undefined
        : 'a duration such as "15m" or a number of milliseconds';
    case "instant":
      return value instanceof Date || typeof value === "string" || typeof value === "number"
        ? undefined
        : "a Date, an ISO 8601 string or epoch milliseconds";
    case "timezone":
      if (typeof value !== "string") return 'an IANA time zone id such as "Europe/Berlin"';
      // An unknown zone is InvalidTimezone, the error every other zone check gives.
      TimeZone.of(value);
      return undefined;
  }
}

/** `"a", "b" or "c"`. */
function oneOf(values: readonly string[]): string {
  return values.length <= 1
    ? (values[0] ?? "nothing")
    : `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
}
