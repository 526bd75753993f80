import type { EventsQuery } from "../trigger/records.js";
import type { TriggerStore } from "../trigger/TriggerStore.js";

/** Ledger rows read per page while counting back. */
const PAGE = 100;

/**
 * How many of a trigger's runs failed in a row before `eventId` (a run ending now, whose
 * row still says `running`), counting back through its ledger, newest first, and stopping
 * at `atMost`. A `completed` run ends the streak; `interrupted`, `cancelled`, skipped and
 * polled rows neither count nor end it; runs fired before `since` (the last status change:
 * an `activate` restarts the count) are not read. Derived from the ledger, so the count
 * survives a restart without any state of its own.
 *
 * @example
 * ```ts
 * const before = await failuresBefore(store, "hourly", fire.eventId, statusAt, 2);
 * ```
 */
export async function failuresBefore(
  store: TriggerStore,
  name: string,
  eventId: string,
  since: number | undefined,
  atMost: number,
): Promise<number> {
  let count = 0;
  let before: EventsQuery["before"];
  for (;;) {
    if (count >= atMost) return count;
    const rows = await store.getEvents(name, { limit: PAGE, before });
    for (const row of rows) {
      if (since !== undefined && row.firedAt.getTime() < since) return count;
      if (row.eventId === eventId) continue;
      if (row.status === "completed") return count;
      if (row.status === "failed" && ++count >= atMost) return count;
    }
    if (rows.length < PAGE) return count;
    before = rows.at(-1);
  }
}

/**
 * The note of a trigger paused by `pauseAfterFailures`, naming the last failed run, its
 * node and its error.
 *
 * @example
 * ```ts
 * pauseNote(3, "r-1", "fetch", "HTTP 503");
 * // 'paused after 3 consecutive failed runs; last: run r-1 failed at node "fetch": HTTP 503'
 * ```
 */
export function pauseNote(
  failures: number,
  runId: string,
  node: string | undefined,
  error: string | undefined,
): string {
  const message = error ?? "unknown error";
  // A node's error names its node already ('Node "fetch" failed on attempt 1: …').
  const named = node === undefined || message.includes(JSON.stringify(node));
  const where = named ? "" : ` at node ${JSON.stringify(node)}`;
  return `paused after ${failures} consecutive failed runs; last: run ${runId} failed${where}: ${message}`;
}
