import type { BackfillInstant, BackfillOptions } from "./BackfillOptions.js";
import { BackfillInvalid } from "./backfillErrors.js";

/** A backfill's options, checked: the range as epoch ms. */
export interface CheckedBackfill {
  readonly from: number;
  readonly to: number;
  readonly overlap: number;
  readonly refire: boolean;
  readonly id: string | undefined;
}

/**
 * Checks a backfill's options (typed `BackfillInvalid` naming the field) and reads its
 * instants: a `Date`, an ISO-8601 text (a bare date or a time without a zone is refused:
 * it would mean a different instant on every machine) or epoch milliseconds.
 *
 * @example
 * ```ts
 * checkBackfillOptions("hourly", { from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" });
 * // { from: 1767225600000, to: 1767312000000, overlap: 1, refire: false, id: undefined }
 * ```
 */
export function checkBackfillOptions(name: string, options: BackfillOptions): CheckedBackfill {
  const given = (options ?? {}) as Partial<BackfillOptions>;
  const from = instantOf(name, "from", given.from);
  const to = instantOf(name, "to", given.to);
  if (from >= to) {
    throw new BackfillInvalid({
      name,
      field: "from",
      value: new Date(from).toISOString(),
      reason: `is not before to (${new Date(to).toISOString()}); the range [from, to) must not be empty`,
    });
  }
  const overlap: unknown = given.overlap ?? 1;
  if (typeof overlap !== "number" || !Number.isInteger(overlap) || overlap < 1) {
    throw new BackfillInvalid({
      name,
      field: "overlap",
      value: String(overlap),
      reason: "is not a whole number of at least 1 (the most runs of the backfill at once)",
    });
  }
  const refire: unknown = given.refire ?? false;
  if (typeof refire !== "boolean") {
    throw new BackfillInvalid({
      name,
      field: "refire",
      value: String(refire),
      reason: "is not true or false",
    });
  }
  return { from, to, overlap, refire, id: given.id };
}

/** An ISO-8601 instant with a zone (`Z` or `±hh:mm`). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

function instantOf(name: string, field: "from" | "to", value: BackfillInstant | undefined): number {
  const bad = (reason: string): never => {
    throw new BackfillInvalid({ name, field, value: String(value), reason });
  };
  if (value === undefined || value === null) return bad("is missing");
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number") ms = value;
  else if (typeof value === "string") {
    if (!ISO_INSTANT.test(value.trim())) {
      return bad('is not an ISO-8601 instant with a zone, e.g. "2026-01-01T00:00:00Z"');
    }
    ms = Date.parse(value.trim());
  } else return bad("is not a Date, an ISO-8601 text or epoch milliseconds");
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    return bad(
      'is not a valid instant (give an ISO-8601 instant with a zone, e.g. "2026-01-01T00:00:00Z")',
    );
  }
  return ms;
}
