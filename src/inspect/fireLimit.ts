/**
 * A trigger's `maxFires` limit as stored: the limit, the scheduled fires made against
 * it, and how many remain. When `remaining` is 0 the schedule has ended (no next tick),
 * as one past its `endAt` has; pushes and manual fires still run.
 *
 * @example
 * ```ts
 * const [t] = await inspect(store);
 * if (t?.fireLimit?.remaining === 0) console.log(`ended after ${t.fireLimit.maxFires} fires`);
 * ```
 */
export interface FireLimit {
  readonly maxFires: number;
  /** Scheduled fires (tick, catchUp) made while the limit was set. */
  readonly fired: number;
  /** `maxFires − fired`, never below 0. */
  readonly remaining: number;
}

/**
 * The fire limit of a stored trigger configuration and its count; `undefined` when the
 * configuration has no `maxFires`.
 *
 * @example
 * ```ts
 * fireLimitOf({ maxFires: 5 }, 2); // { maxFires: 5, fired: 2, remaining: 3 }
 * ```
 */
export function fireLimitOf(
  config: Readonly<Record<string, unknown>>,
  fired: number,
): FireLimit | undefined {
  const maxFires = config.maxFires;
  if (typeof maxFires !== "number") return undefined;
  return { maxFires, fired, remaining: Math.max(0, maxFires - fired) };
}

/**
 * The limit in words, for tables and explanations: "2 of 5 left", or "ended: 5 of 5
 * fired".
 *
 * @example
 * ```ts
 * fireLimitText({ maxFires: 5, fired: 5, remaining: 0 }); // "ended: 5 of 5 fired"
 * ```
 */
export function fireLimitText(limit: FireLimit): string {
  return limit.remaining === 0
    ? `ended: ${limit.fired} of ${limit.maxFires} fired`
    : `${limit.remaining} of ${limit.maxFires} left`;
}

/** Ledger statuses of a fire that was made (started or kept). */
const FIRE_ROWS: ReadonlySet<string> = new Set([
  "running",
  "completed",
  "failed",
  "interrupted",
  "paused",
  "buffered",
  "cancelled",
]);

/**
 * Whether a ledger row is a fire `maxFires` counts: a scheduled one (`tick`, `catchUp`)
 * that was made, started or kept (not one skipped, missed or polled empty).
 *
 * @example
 * ```ts
 * (await store.getEvents("t")).filter(countsAgainstLimit).length; // ≤ maxFires
 * ```
 */
export function countsAgainstLimit(row: {
  readonly kind?: string | null | undefined;
  readonly status: string;
}): boolean {
  return (row.kind === "tick" || row.kind === "catchUp") && FIRE_ROWS.has(row.status);
}
