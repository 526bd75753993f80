import { InvalidTimezone } from "./InvalidTimezone.js";

/**
 * A change of a zone's UTC offset. `at` is the first instant (epoch ms) of the new offset;
 * offsets are in ms, added to UTC to get local wall time.
 *
 * @example
 * ```ts
 * // New York, 2026-03-08: { at: Date.UTC(2026, 2, 8, 7), offsetBefore: -5 * 3600e3, offsetAfter: -4 * 3600e3 }
 * ```
 */
export interface OffsetTransition {
  readonly at: number;
  readonly offsetBefore: number;
  readonly offsetAfter: number;
}

interface YearRules {
  /** Offset in force just before the year starts. */
  readonly initial: number;
  readonly transitions: readonly OffsetTransition[];
}

const SECOND = 1000;
const DAY = 86_400_000;
const zones = new Map<string, TimeZone>();

/**
 * Offsets and offset transitions of one IANA time zone, read from `Intl` and cached per
 * year. Wall times are "naive" epoch ms: the local calendar fields read as if they were
 * UTC, so `wall = instant + offsetAt(instant)`.
 *
 * Transitions are found by sampling the offset once a day and bisecting to the second, so
 * two transitions less than a day apart (no zone has had them in decades) are not seen.
 *
 * @example
 * ```ts
 * const ny = TimeZone.of("America/New_York");
 * ny.offsetAt(Date.UTC(2026, 0, 1)); // -18_000_000 (UTC-05:00)
 * ```
 */
export class TimeZone {
  readonly #format: Intl.DateTimeFormat | undefined;
  readonly #years = new Map<number, YearRules>();

  private constructor(
    readonly name: string,
    format: Intl.DateTimeFormat | undefined,
  ) {
    this.#format = format;
  }

  /**
   * The zone named `name` (an IANA id); throws {@link InvalidTimezone} when unknown.
   *
   * @example
   * ```ts
   * TimeZone.of("Europe/Berlin").name; // "Europe/Berlin"
   * ```
   */
  static of(name: string): TimeZone {
    const cached = zones.get(name);
    if (cached !== undefined) return cached;
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat("en-US", {
        timeZone: name,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      throw new InvalidTimezone({ timezone: name });
    }
    // UTC never changes offset: skip Intl entirely on the hot path.
    const zone = new TimeZone(
      name,
      format.resolvedOptions().timeZone === "UTC" ? undefined : format,
    );
    zones.set(name, zone);
    return zone;
  }

  /**
   * The UTC offset (ms) in force at instant `ms`.
   *
   * @example
   * ```ts
   * TimeZone.of("Europe/Berlin").offsetAt(Date.UTC(2026, 6, 1)); // 7_200_000
   * ```
   */
  offsetAt(ms: number): number {
    if (this.#format === undefined) return 0;
    const rules = this.#rules(yearOf(ms));
    for (let i = rules.transitions.length - 1; i >= 0; i--) {
      const transition = rules.transitions[i] as OffsetTransition;
      if (transition.at <= ms) return transition.offsetAfter;
    }
    return rules.initial;
  }

  /**
   * The first transition with `afterExclusive < at <= untilInclusive`, if any.
   *
   * @example
   * ```ts
   * TimeZone.of("America/New_York").transitionBetween(Date.UTC(2026, 0), Date.UTC(2026, 5))?.at;
   * // Date.UTC(2026, 2, 8, 7)
   * ```
   */
  transitionBetween(afterExclusive: number, untilInclusive: number): OffsetTransition | undefined {
    if (this.#format === undefined || untilInclusive <= afterExclusive) return undefined;
    for (let year = yearOf(afterExclusive); year <= yearOf(untilInclusive); year++) {
      for (const transition of this.#rules(year).transitions) {
        if (transition.at > untilInclusive) return undefined;
        if (transition.at > afterExclusive) return transition;
      }
    }
    return undefined;
  }

  /**
   * The last transition with `at <= ms` in the year of `ms` or the year before, if any:
   * enough to tell whether an instant sits in the hours right after a change.
   *
   * @example
   * ```ts
   * TimeZone.of("America/New_York").lastTransitionAtOrBefore(Date.UTC(2026, 2, 9))?.at;
   * // Date.UTC(2026, 2, 8, 7)
   * ```
   */
  lastTransitionAtOrBefore(ms: number): OffsetTransition | undefined {
    if (this.#format === undefined) return undefined;
    const year = yearOf(ms);
    for (const y of [year, year - 1]) {
      const transitions = this.#rules(y).transitions;
      for (let i = transitions.length - 1; i >= 0; i--) {
        const transition = transitions[i] as OffsetTransition;
        if (transition.at <= ms) return transition;
      }
    }
    return undefined;
  }

  /**
   * The instants whose local wall time is `wall`, ascending: none inside a spring-forward
   * gap, two inside a fall-back overlap, one otherwise.
   *
   * @example
   * ```ts
   * TimeZone.of("America/New_York").instantsOf(Date.UTC(2026, 2, 8, 2, 30)); // [] (skipped)
   * ```
   */
  instantsOf(wall: number): number[] {
    // Offsets two days either side bracket the only transition that can matter.
    const before = wall - this.offsetAt(wall - 2 * DAY);
    const after = wall - this.offsetAt(wall + 2 * DAY);
    const out: number[] = [];
    for (const candidate of before === after ? [before] : [after, before].sort((x, y) => x - y)) {
      if (candidate + this.offsetAt(candidate) === wall) out.push(candidate);
    }
    return out;
  }

  /**
   * ISO 8601 local time with its offset, e.g. "2026-03-08T03:00:00-04:00"; the offset
   * tells the two occurrences of a repeated hour apart.
   *
   * @example
   * ```ts
   * TimeZone.of("Europe/Berlin").formatLocal(Date.UTC(2026, 0, 1)); // "2026-01-01T01:00:00+01:00"
   * ```
   */
  formatLocal(ms: number): string {
    const offset = this.offsetAt(ms);
    const wall = new Date(ms + offset).toISOString();
    const millis = wall.slice(19, 23) === ".000" ? "" : wall.slice(19, 23);
    return `${wall.slice(0, 19)}${millis}${formatOffset(offset)}`;
  }

  #rules(year: number): YearRules {
    const cached = this.#years.get(year);
    if (cached !== undefined) return cached;
    const start = Date.UTC(year, 0, 1);
    const lastSecond = Date.UTC(year + 1, 0, 1) - SECOND;
    const initial = this.#rawOffset(start - SECOND);
    const transitions: OffsetTransition[] = [];
    let previous = start - SECOND;
    let previousOffset = initial;
    for (let probe = start; previous < lastSecond; probe += DAY) {
      const at = Math.min(probe, lastSecond);
      const offset = this.#rawOffset(at);
      if (offset !== previousOffset) {
        // Bisect to the first second with the new offset.
        let lo = previous;
        let hi = at;
        while (hi - lo > SECOND) {
          const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
          if (this.#rawOffset(mid) === previousOffset) lo = mid;
          else hi = mid;
        }
        transitions.push({
          at: hi,
          offsetBefore: previousOffset,
          offsetAfter: this.#rawOffset(hi),
        });
      }
      previous = at;
      previousOffset = offset;
    }
    const rules = { initial, transitions };
    this.#years.set(year, rules);
    return rules;
  }

  #rawOffset(ms: number): number {
    const format = this.#format;
    if (format === undefined) return 0;
    const second = Math.floor(ms / SECOND) * SECOND;
    const f: Record<string, number> = {};
    for (const part of format.formatToParts(second)) {
      if (part.type !== "literal") f[part.type] = Number(part.value);
    }
    const wall = new Date(0);
    wall.setUTCFullYear(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1);
    wall.setUTCHours(f.hour ?? 0, f.minute ?? 0, f.second ?? 0, 0);
    return wall.getTime() - second;
  }
}

function yearOf(ms: number): number {
  return new Date(ms).getUTCFullYear();
}

/**
 * "+HH:MM" / "-HH:MM" for an offset in ms.
 *
 * @example
 * ```ts
 * formatOffset(-4 * 3600e3); // "-04:00"
 * ```
 */
export function formatOffset(offset: number): string {
  const sign = offset < 0 ? "-" : "+";
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, "0");
  const mm = String(minutes % 60).padStart(2, "0");
  return `${sign}${hh}:${mm}`;
}
