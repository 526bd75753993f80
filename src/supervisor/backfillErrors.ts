import * as Data from "effect/Data";

/**
 * A backfill's option is not what it must be: `from`/`to` not a date (a `Date`, an
 * ISO-8601 text or epoch milliseconds), `from` not before `to`, or `overlap` not a
 * whole number of at least 1.
 *
 * @example
 * ```ts
 * await manager.backfill("hourly", { from: "2026-13-01", to: new Date() });
 * // BackfillInvalid { field: "from", value: "2026-13-01", reason: "not a date…" }
 * ```
 */
export class BackfillInvalid extends Data.TaggedError("BackfillInvalid")<{
  readonly name: string;
  readonly field: "from" | "to" | "overlap" | "refire";
  readonly value: string;
  readonly reason: string;
}> {
  override get message() {
    return `Backfill of trigger "${this.name}": ${this.field} ${this.value} ${this.reason}. Nothing was recorded.`;
  }
}

/**
 * A backfill of a trigger that has no schedule (a push trigger, or a poll trigger
 * without one): there are no ticks to fire.
 *
 * @example
 * ```ts
 * await manager.backfill("orders", { from, to }); // BackfillNeedsSchedule { triggerType: "push" }
 * ```
 */
export class BackfillNeedsSchedule extends Data.TaggedError("BackfillNeedsSchedule")<{
  readonly name: string;
  readonly triggerType: string;
}> {
  override get message() {
    return `Trigger "${this.name}" (${this.triggerType}) has no schedule, so it has no ticks to backfill. Fire it by hand instead: await manager.fire("${this.name}", payload).`;
  }
}

/**
 * `cancelBackfill` (or `backfillStatus`) with an id no backfill has.
 *
 * @example
 * ```ts
 * await manager.cancelBackfill("nope"); // BackfillNotFound { id: "nope" }
 * ```
 */
export class BackfillNotFound extends Data.TaggedError("BackfillNotFound")<{
  readonly id: string;
}> {
  override get message() {
    return `No backfill has the id "${this.id}". List them with: tickflow backfill --list (or manager.backfills()).`;
  }
}
