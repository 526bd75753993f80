import { CronExpressionParser } from "cron-parser";

/** The position of the day-of-week field among the six fields (seconds first). */
const DAY_OF_WEEK = 5;

/**
 * The six fields with every list rewritten as the union of its elements, so lists whose
 * elements overlap (`*\/15,30`, `0,0`, `0,7` and `SUN,7` for Sunday, `1-15,10`,
 * `1-5,MON`) mean what Vixie cron and POSIX say: every value any element names. cron-parser
 * refuses them ("duplicate values found"); only numeric elements are merged — an element
 * with `L`, `#` or `?` is kept as written (once), and an element that does not parse on
 * its own leaves the field as it was, for the caller's error to name.
 *
 * @example
 * ```ts
 * mergeOverlappingLists(["0", "*\/15,30", "*", "*", "*", "*"]); // ["0", "0,15,30,45", "*", "*", "*", "*"]
 * ```
 */
export function mergeOverlappingLists(fields: readonly string[]): string[] {
  return fields.map((token, i) => (token.includes(",") ? union(token, i) : token));
}

function union(token: string, position: number): string {
  const numbers = new Set<number>();
  const special = new Set<string>();
  for (const element of token.split(",")) {
    // "L" (last day), "5L" (last Friday), "5#3", "?" — not the L of "JUL".
    if (/^L|\dL$|[#?]/i.test(element)) {
      special.add(element.toUpperCase());
      continue;
    }
    const values = valuesOf(element, position);
    if (values === undefined) return token;
    for (const value of values) numbers.add(position === DAY_OF_WEEK && value === 7 ? 0 : value);
  }
  const merged = [...numbers].sort((a, b) => a - b).map(String);
  return [...merged, ...special].join(",");
}

/** The values one list element names, read by cron-parser with every other field "*". */
function valuesOf(element: string, position: number): readonly number[] | undefined {
  const probe = ["0", "*", "*", "*", "*", "*"];
  probe[position] = element;
  try {
    const fields = CronExpressionParser.parse(probe.join(" "), {
      tz: "UTC",
      currentDate: 0,
    }).fields;
    const field = [
      fields.second,
      fields.minute,
      fields.hour,
      fields.dayOfMonth,
      fields.month,
      fields.dayOfWeek,
    ][position];
    const values: readonly (number | string)[] = field?.values ?? [];
    return values.filter((v): v is number => typeof v === "number");
  } catch {
    return undefined;
  }
}
