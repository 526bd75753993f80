import { InstantOutOfRange, MAX_INSTANT_MS, toEpochMs } from "./InstantOutOfRange.js";
import { formatDurationMs } from "./parseDuration.js";
import type { TickSchedule } from "./TickSchedule.js";

/**
 * Ticks every `every` ms of real (elapsed) time: the instants `anchor + k × every`. The
 * phase is fixed by the anchor, not by when a process started, so a restart does not
 * shift the ticks; daylight-saving changes do not move them either (the zone is only how
 * they are shown). A trigger's anchor is its `startAt`, else the Unix epoch — so
 * `every: "15m"` ticks at :00, :15, :30, :45 UTC, and `every: "1d"` at 00:00 UTC.
 *
 * @example
 * ```ts
 * const s = new IntervalSchedule(15 * 60_000, 0, "UTC");
 * s.next(Date.UTC(2026, 0, 1, 10, 7)); // 2026-01-01T10:15:00.000Z
 * ```
 */
export class IntervalSchedule implements TickSchedule {
  readonly kind = "every" as const;
  /** E.g. "every 15m". */
  readonly expression: string;
  readonly hasSeconds: boolean;

  constructor(
    /** The period in ms (positive, whole). */
    readonly every: number,
    /** An instant that is a tick (epoch ms); every other tick is a whole period from it. */
    readonly anchor: number,
    /** The zone ticks are shown in (it does not move them). */
    readonly timezone: string,
  ) {
    this.expression = `every ${formatDurationMs(every)}`;
    this.hasSeconds = every % 60_000 !== 0 || anchor % 60_000 !== 0;
  }

  /**
   * The first tick strictly after `after`.
   *
   * @example
   * ```ts
   * new IntervalSchedule(60_000, 0, "UTC").nextMs(90_000); // 120_000
   * ```
   */
  nextMs(after: Date | number): number {
    const from = toEpochMs(after, "after");
    const at = this.anchor + (Math.floor((from - this.anchor) / this.every) + 1) * this.every;
    if (at > MAX_INSTANT_MS) {
      throw new InstantOutOfRange({ what: "next tick", value: new Date(from).toISOString() });
    }
    return at;
  }

  /**
   * {@link IntervalSchedule.nextMs} as a `Date`.
   *
   * @example
   * ```ts
   * new IntervalSchedule(60_000, 0, "UTC").next(0); // 1970-01-01T00:01:00.000Z
   * ```
   */
  next(after: Date | number): Date {
    return new Date(this.nextMs(after));
  }

  /**
   * The next `n` ticks after `after`.
   *
   * @example
   * ```ts
   * new IntervalSchedule(60_000, 0, "UTC").nextN(0, 2).length; // 2
   * ```
   */
  nextN(after: Date | number, n: number): Date[] {
    return chainTicks(this, after, n);
  }

  /**
   * E.g. `every 15m in UTC`.
   *
   * @example
   * ```ts
   * String(new IntervalSchedule(60_000, 0, "UTC")); // "every 1m in UTC"
   * ```
   */
  toString(): string {
    return `${this.expression} in ${this.timezone}`;
  }
}

/**
 * Up to `n` ticks of `schedule` after `after`, each chained from the previous one; fewer
 * when the schedule ends.
 *
 * @example
 * ```ts
 * chainTicks(parseSchedule("0 * * * *", { timezone: "UTC" }), 0, 3).length; // 3
 * ```
 */
export function chainTicks(schedule: TickSchedule, after: Date | number, n: number): Date[] {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`"n" must be a non-negative integer, got ${n}`);
  }
  const out: Date[] = [];
  let cursor = toEpochMs(after, "after");
  for (let i = 0; i < n; i++) {
    cursor = schedule.nextMs(cursor);
    if (!Number.isFinite(cursor)) break;
    out.push(new Date(cursor));
  }
  return out;
}
