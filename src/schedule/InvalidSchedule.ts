import * as Data from "effect/Data";

/** How to write each field, quoted in the error so the fix is on screen. */
const HINTS: Readonly<Record<string, string>> = {
  second: 'A second takes 0-59, "*", a list "0,30", a range "10-20" or a step "*/10".',
  minute: 'A minute takes 0-59, "*", a list "0,30", a range "10-20" or a step "*/5".',
  hour: 'An hour takes 0-23, "*", a list "9,17", a range "9-17" or a step "*/2".',
  "day of month": 'A day of month takes 1-31, "L" (last day), "*", lists, ranges and steps.',
  month: 'A month takes 1-12 or JAN-DEC, "*", lists, ranges and steps.',
  "day of week":
    'A day of week takes 0-7 (0 and 7 are Sunday) or SUN-SAT, e.g. "MON-FRI", "5#3" (third Friday) or "5L" (last Friday).',
  every:
    'Write an interval as a number and units, largest first: "15m", "1h30m", "90s", "500ms", "1d" (or a whole number of ms).',
  jitter:
    'Write jitter as a duration such as "30s" or "5m" (or ms), shorter than the time between ticks.',
  startAt:
    'Give an instant: a Date, an ISO 8601 string such as "2026-01-01T00:00:00Z", or epoch ms.',
  endAt: "Give an instant after startAt: a Date, an ISO 8601 string, or epoch ms.",
  schedule: 'Give a cron expression such as "0 9 * * MON-FRI", or every: "15m" instead.',
  "field count":
    'Write 5 fields "minute hour day-of-month month day-of-week" (e.g. "0 9 * * MON-FRI"), or 6 with seconds first (e.g. "*/10 * * * * *").',
};

/**
 * A cron expression that cannot be used: wrong number of fields, a value out of range, a
 * syntax error, or a date that never occurs. `field` names the culprit ("minute", "hour",
 * "day of month", "month", "day of week", "second", "field count" or "expression") — or
 * a trigger's other schedule option ("every", "jitter", "startAt", "endAt", "schedule"),
 * with `expression` the value given.
 *
 * @example
 * ```ts
 * try { parseSchedule("61 * * * *"); }
 * catch (e) { if (e instanceof InvalidSchedule) console.log(e.field); } // "minute"
 * ```
 */
export class InvalidSchedule extends Data.TaggedError("InvalidSchedule")<{
  readonly expression: string;
  readonly field: string;
  readonly reason: string;
  /** The trigger whose definition holds it, when the schedule came from one. */
  readonly trigger?: string;
}> {
  override get message() {
    const where = this.field === "expression" ? "" : ` (${this.field})`;
    const whose = this.trigger === undefined ? "" : `Trigger "${this.trigger}": `;
    const hint =
      HINTS[this.field] ??
      'Write a cron expression such as "0 9 * * MON-FRI" or a shorthand such as "@daily".';
    // cron-parser's own reasons sometimes end in a period already.
    return `${whose}Invalid schedule "${this.expression}"${where}: ${this.reason.replace(/\.+$/, "")}. ${hint}`;
  }
}
