import { formatInstant } from "./formatInstant.js";

/** A backfill's journal row (made, completed, cancelled): not a machine event. */
export interface BackfillEvent {
  readonly type: string;
  readonly id?: string;
  readonly from?: number;
  readonly to?: number;
  readonly refire?: boolean;
  readonly overlap?: number;
}

/**
 * Why, for a backfill's journal row (`explain`'s `backfill` decisions); `undefined` for
 * any other event.
 *
 * @example
 * ```ts
 * backfillDecision({ type: "BACKFILL_CANCELLED", id: "b1" }); // "backfill b1 cancelled: …"
 * ```
 */
export function backfillDecision(event: BackfillEvent): string | undefined {
  switch (event.type) {
    case "BACKFILL": {
      const range = `[${formatInstant(event.from ?? 0)}, ${formatInstant(event.to ?? 0)})`;
      const how = event.refire ? "every tick, ticks on record too" : "each tick not on record";
      const at =
        (event.overlap ?? 1) > 1 ? `, up to ${event.overlap} runs at once` : ", one run at a time";
      return `backfill ${event.id} made: it fires ${how} in ${range}${at}`;
    }
    case "BACKFILL_COMPLETED":
      return `backfill ${event.id} completed: every tick of its range fired (or was on record)`;
    case "BACKFILL_CANCELLED":
      return `backfill ${event.id} cancelled: no further tick of it fires`;
    default:
      return undefined;
  }
}
