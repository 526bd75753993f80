import * as Data from "effect/Data";

/**
 * Epoch ms of the last instant a JavaScript `Date` holds (+275760-09-13T00:00:00Z); the
 * first is its negative.
 */
export const MAX_INSTANT_MS = 8.64e15;

/**
 * An instant a schedule cannot work with: not a finite number, or outside the range of a
 * JavaScript `Date` (years -271,821 to 275,760) — given as an argument (`what` names it,
 * e.g. "after"), or the next tick itself, when the schedule has none before the end of
 * that range (`what` is "next tick").
 *
 * @example
 * ```ts
 * try { parseSchedule("0 0 1 1 *", { timezone: "UTC" }).next(8.64e15); }
 * catch (e) { if (e instanceof InstantOutOfRange) console.log(e.what); } // "next tick"
 * ```
 */
export class InstantOutOfRange extends Data.TaggedError("InstantOutOfRange")<{
  /** Which instant: an argument's name, or "next tick". */
  readonly what: string;
  /** The value given (or the instant searched after), as written. */
  readonly value: string;
}> {
  override get message() {
    if (this.what === "next tick") {
      return `No tick after ${this.value}: the next one would fall after +275760-09-13T00:00:00Z, the last instant a JavaScript Date holds. Ask for ticks after an earlier instant.`;
    }
    return `"${this.what}" must be a finite instant (a Date or epoch ms) between -271821-04-20T00:00:00Z and +275760-09-13T00:00:00Z, got ${this.value}.`;
  }
}

/**
 * Epoch ms of a `Date` or number; throws {@link InstantOutOfRange} naming `what` when it
 * is not finite or lies outside the range of a `Date`.
 *
 * @example
 * ```ts
 * toEpochMs(new Date(5), "after"); // 5
 * ```
 */
export function toEpochMs(value: Date | number, what: string): number {
  const ms = typeof value === "number" ? value : value.getTime();
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_INSTANT_MS) {
    throw new InstantOutOfRange({ what, value: String(value) });
  }
  return ms;
}
