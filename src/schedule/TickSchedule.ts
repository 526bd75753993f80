/**
 * What the supervisor asks of a schedule: the next tick after an instant. A cron
 * `Schedule`, an `IntervalSchedule` (`every: "15m"`) and a `ShapedSchedule` (either one
 * with `startAt`/`endAt`/`jitter`) all are one.
 *
 * @example
 * ```ts
 * const s: TickSchedule = parseSchedule("0 * * * *", { timezone: "UTC" });
 * s.nextMs(0); // 3_600_000
 * ```
 */
export interface TickSchedule {
  /**
   * Which kind: `"cron"` (`Schedule`), `"every"` (`IntervalSchedule`) or `"shaped"`
   * (`ShapedSchedule`). Checked instead of `instanceof`, which fails across two copies
   * of tickflow (a user's module loaded by the CLI can bring its own).
   */
  readonly kind: "cron" | "every" | "shaped";
  /** As a person wrote it: a cron expression, or e.g. "every 15m". */
  readonly expression: string;
  /** The IANA zone its wall times are read (or shown) in. */
  readonly timezone: string;
  /** True when ticks may fall between whole minutes. */
  readonly hasSeconds: boolean;
  /**
   * The first tick strictly after `after`, as epoch ms; `Infinity` when there is none
   * (a schedule past its `endAt`).
   */
  nextMs(after: Date | number): number;
  /** {@link TickSchedule.nextMs} as a `Date`, or `undefined` when there is no further tick. */
  next(after: Date | number): Date | undefined;
  /** Up to `n` ticks after `after`, each chained from the previous one (fewer past an end). */
  nextN(after: Date | number, n: number): Date[];
}
