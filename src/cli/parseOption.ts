import { DURATION_UNITS, readDuration } from "../schedule/parseDuration.js";
import { InvalidOption } from "./errors.js";

/**
 * Parsers for option values that commander hands over as text: each returns the value
 * or throws `InvalidOption` saying what was wrong and how to write it.
 *
 * @example
 * ```ts
 * parseOption.count("--limit", "20"); // 20
 * parseOption.since("--since", "2h", Date.now()); // a Date two hours ago
 * parseOption.payload("--payload", '{"orderId": 42}'); // { orderId: 42 }
 * ```
 */
export const parseOption = {
  /** A whole number ≥ 1. */
  count(option: string, text: string): number {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidOption({
        option,
        value: text,
        reason: "is not a whole number of at least 1",
        example: `${option} 20`,
      });
    }
    return n;
  },

  /** A number of seconds > 0 (fractions allowed). */
  seconds(option: string, text: string): number {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) {
      throw new InvalidOption({
        option,
        value: text,
        reason: "is not a positive number of seconds",
        example: `${option} 3`,
      });
    }
    return n;
  },

  /**
   * A duration ("30s", "2m", "500ms", "1h", "1h30m"; a bare number is seconds), in ms.
   * Refused, the example keeps the number written with the `typical` unit of the option
   * (`30x` → `30d` for `--older-than`) and names every unit of the grammar.
   */
  duration(option: string, text: string, typical: "ms" | "s" | "m" | "h" | "d" = "s"): number {
    const trimmed = text.trim();
    const ms = readDuration(/^\d+(?:\.\d+)?$/.test(trimmed) ? `${trimmed}s` : trimmed);
    if (ms === undefined) {
      const number = /^\d+(?:\.\d+)?/.exec(trimmed)?.[0] ?? "30";
      throw new InvalidOption({
        option,
        value: text,
        reason: "is not a duration",
        example: `${option} ${number}${typical} or ${option} 1h30m (a number and a unit: ${DURATION_UNITS}; several units largest first)`,
      });
    }
    return ms;
  },

  /** An ISO 8601 instant. */
  instant(option: string, text: string): Date {
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) {
      throw new InvalidOption({
        option,
        value: text,
        reason: "is not an instant",
        example: `${option} 2026-01-05T03:00:00Z`,
      });
    }
    return at;
  },

  /** An ISO 8601 instant, or a duration back from `now` ("90s", "30m", "2h", "1d"). */
  since(option: string, text: string, now: number): Date {
    const back = readDuration(text);
    if (back !== undefined) return new Date(now - back);
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) {
      throw new InvalidOption({
        option,
        value: text,
        reason: "is neither an instant nor a duration",
        example: `${option} 2h, ${option} 30m or ${option} 2026-01-05T03:00:00Z`,
      });
    }
    return at;
  },

  /** A journal sequence number, or an instant. */
  until(option: string, text: string): number | Date {
    if (/^\d+$/.test(text)) return Number(text);
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) {
      throw new InvalidOption({
        option,
        value: text,
        reason: "is neither a journal sequence number nor an instant",
        example: `${option} 42 or ${option} 2026-01-05T03:00:00Z`,
      });
    }
    return at;
  },

  /** Any JSON value (an object, an array, a string, a number, …). */
  json(option: string, text: string, example = `${option} '{"city": "Oslo"}'`): unknown {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new InvalidOption({
        option,
        value: text,
        reason: `is not JSON (${error instanceof Error ? error.message : String(error)})`,
        example,
      });
    }
  },

  /** A JSON object. */
  payload(option: string, text: string): Record<string, unknown> {
    const value = parseOption.json(option, text, `${option} '{"orderId": 42}'`);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new InvalidOption({
        option,
        value: text,
        reason: `is JSON but not an object (a payload is an object of named inputs)`,
        example: `${option} '{"orderId": 42}'`,
      });
    }
    return value as Record<string, unknown>;
  },

  /** One of `choices`. */
  choice<T extends string>(option: string, text: string, choices: readonly T[]): T {
    const found = choices.find((choice) => choice === text);
    if (found === undefined) {
      throw new InvalidOption({
        option,
        value: text,
        reason: `is not one of ${choices.join(", ")}`,
        example: `${option} ${choices[0]}`,
      });
    }
    return found;
  },
};
