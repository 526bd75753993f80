import { InvalidSchedule } from "./InvalidSchedule.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const UNITS: ReadonlyArray<readonly [string, number]> = [
  ["d", DAY],
  ["h", HOUR],
  ["m", MINUTE],
  ["s", 1000],
  ["ms", 1],
];
const SIZE: Readonly<Record<string, number>> = {
  d: DAY,
  h: HOUR,
  m: MINUTE,
  min: MINUTE,
  s: 1000,
  ms: 1,
};
/**
 * The units of the duration grammar, for messages that say how to write one.
 *
 * @example
 * ```ts
 * `a number and a unit: ${DURATION_UNITS}`; // "ms, s, m (or min), h, d"
 * ```
 */
export const DURATION_UNITS = "ms, s, m (or min), h, d";

// "1h30m": whole numbers, units largest first, each at most once.
const COMPOUND = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)(?:m|min)(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;
// "1.5h": one number, possibly with a fraction, and one unit.
const SINGLE = /^(\d+(?:\.\d+)?)(ms|s|m|min|h|d)$/;

/**
 * A duration a person wrote, in milliseconds, or `undefined` when the text is not one. One
 * grammar for every duration tickflow reads (schedules, CLI options, a cached node's TTL):
 * whole numbers with units largest first (`"1h30m"`, `"90s"`, `"500ms"`, `"2d"`; `min` for
 * minutes too), or one number with a fraction and a unit (`"1.5h"`). Zero is returned as 0:
 * whether zero is allowed is the caller's rule.
 *
 * @example
 * ```ts
 * readDuration("1h30m"); // 5_400_000
 * readDuration("abc"); // undefined
 * ```
 */
export function readDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const single = SINGLE.exec(trimmed);
  if (single !== null) return Math.round(Number(single[1]) * (SIZE[single[2] as string] as number));
  const parts = COMPOUND.exec(trimmed);
  if (parts === null) return undefined;
  const [, d, h, m, s, ms] = parts;
  return (
    Number(d ?? 0) * DAY +
    Number(h ?? 0) * HOUR +
    Number(m ?? 0) * MINUTE +
    Number(s ?? 0) * 1000 +
    Number(ms ?? 0)
  );
}

/**
 * A schedule's duration field (`every`, `jitter`): a text {@link readDuration} reads, or a
 * number of ms, as positive whole ms. Anything else is an {@link InvalidSchedule} naming
 * `field` and the value.
 *
 * @example
 * ```ts
 * parseDuration("1h30m", "every"); // 5_400_000
 * parseDuration(250, "jitter"); // 250
 * ```
 */
export function parseDuration(value: unknown, field: string): number {
  const invalid = (reason: string) =>
    new InvalidSchedule({ expression: String(value), field, reason });
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value <= 0) {
      throw invalid("a number of milliseconds must be a positive whole number");
    }
    return value;
  }
  if (typeof value !== "string")
    throw invalid(`must be a string such as "15m", not ${typeof value}`);
  const ms = readDuration(value);
  if (ms === undefined) {
    throw invalid("is not a duration");
  }
  if (ms <= 0) throw invalid("must be longer than zero");
  if (!Number.isSafeInteger(ms)) throw invalid("is too long");
  return ms;
}

/**
 * A duration in ms written back the way {@link parseDuration} reads it.
 *
 * @example
 * ```ts
 * formatDurationMs(5_400_000); // "1h30m"
 * ```
 */
export function formatDurationMs(ms: number): string {
  let rest = Math.abs(ms);
  let out = "";
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * size;
  }
  return `${ms < 0 ? "-" : ""}${out || "0s"}`;
}
