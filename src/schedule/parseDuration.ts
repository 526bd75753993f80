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

/**
 * A duration such as "15m", "1h30m", "90s", "500ms" or "2d" (units ms, s, m, h, d, largest
 * first, each at most once), or a number of ms, as positive whole ms. Anything else is an
 * {@link InvalidSchedule} naming `field` (e.g. "every", "jitter") and the value.
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
  const text = value.trim();
  const parts = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (text === "" || parts === null) {
    throw invalid("is not a duration: write a number and a unit, largest first (ms, s, m, h, d)");
  }
  const [, d, h, m, s, ms] = parts;
  const total =
    Number(d ?? 0) * DAY + Number(h ?? 0) * HOUR + Number(m ?? 0) * MINUTE + Number(s ?? 0) * 1000;
  const withMs = total + Number(ms ?? 0);
  if (withMs <= 0) throw invalid("must be longer than zero");
  if (!Number.isSafeInteger(withMs)) throw invalid("is too long");
  return withMs;
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
