import * as Effect from "effect/Effect";
import type { StoreFailure } from "../store/errors.js";
import { runTyped } from "../store/runTyped.js";
import type { TriggerEventRecord, TriggerStore } from "../trigger/TriggerStore.js";

/**
 * One page of a trigger's fire ledger, newest first, and the cursor of the next page.
 *
 * @example
 * ```ts
 * const page: LedgerPage = await ledgerPage(store, "hourly_market", { limit: 20 });
 * ```
 */
export interface LedgerPage {
  readonly events: readonly TriggerEventRecord[];
  /** Pass as `before` for the next (older) page; `undefined` on the last page. */
  readonly nextBefore: Date | undefined;
}

/**
 * The Effect form of {@link ledgerPage}.
 *
 * @example
 * ```ts
 * const page = yield* ledgerPageEffect(store, "hourly_market", { limit: 20 });
 * ```
 */
export function ledgerPageEffect(
  store: TriggerStore,
  name: string,
  query: { readonly limit?: number; readonly before?: Date | undefined } = {},
): Effect.Effect<LedgerPage, StoreFailure> {
  const limit = query.limit ?? 20;
  return Effect.gen(function* () {
    const page = yield* store.getEventsEffect(name, { limit, before: query.before });
    const last = page.at(-1);
    if (last === undefined || page.length < limit) return { events: page, nextBefore: undefined };
    // `before` is exclusive on the instant a row was recorded, and many rows share one
    // (every tick missed during a downtime is recorded at the same instant): a page
    // that ends inside such a group takes the whole group, so the next page starts
    // cleanly before it and no row is skipped.
    const edge = last.firedAt.getTime();
    const newer = page.filter((event) => event.firedAt.getTime() > edge);
    for (let size = limit * 2; ; size *= 2) {
      const around = yield* store.getEventsEffect(name, {
        limit: size,
        before: new Date(edge + 1),
      });
      const tail = around.at(-1);
      const older = tail !== undefined && tail.firedAt.getTime() < edge;
      if (older || around.length < size) {
        return {
          events: [...newer, ...around.filter((event) => event.firedAt.getTime() === edge)],
          nextBefore: older ? new Date(edge) : undefined,
        };
      }
    }
  });
}

/**
 * A page of a trigger's fire ledger, newest first (`limit` default 20), continuing
 * before `before`. Unlike a bare `store.getEvents` with `before`, rows recorded at the
 * same instant are never split between pages (and so never skipped).
 *
 * @example
 * ```ts
 * let page = await ledgerPage(store, "hourly_market", { limit: 20 });
 * while (page.nextBefore) page = await ledgerPage(store, "hourly_market", { limit: 20, before: page.nextBefore });
 * ```
 */
export function ledgerPage(
  store: TriggerStore,
  name: string,
  query: { readonly limit?: number; readonly before?: Date | undefined } = {},
): Promise<LedgerPage> {
  return runTyped(ledgerPageEffect(store, name, query));
}

/**
 * @internal Every ledger row of a trigger recorded at or after `since` (all when
 * omitted), oldest first: what `explain` reads.
 */
export function readLedgerEffect(
  store: TriggerStore,
  name: string,
  since: Date | undefined,
): Effect.Effect<readonly TriggerEventRecord[], StoreFailure> {
  return Effect.gen(function* () {
    const rows: TriggerEventRecord[] = [];
    let before: Date | undefined;
    for (;;) {
      const page = yield* ledgerPageEffect(store, name, { limit: 1000, before });
      rows.push(...page.events);
      const oldest = page.events.at(-1);
      if (page.nextBefore === undefined) break;
      if (since !== undefined && oldest !== undefined && oldest.firedAt < since) break;
      before = page.nextBefore;
    }
    const kept = since === undefined ? rows : rows.filter((row) => row.firedAt >= since);
    return kept.reverse();
  });
}
