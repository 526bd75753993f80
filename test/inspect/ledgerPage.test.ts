import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ledgerPage } from "../../src/inspect/ledgerPage.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { sharedHistory } from "./fixtures/sharedHistory.js";

const shared = sharedHistory();
beforeAll(shared.setup);
afterAll(shared.cleanup);

const opened: TriggerStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

describe("ledgerPage", () => {
  it("pages through the whole ledger without skipping rows recorded at the same instant", async () => {
    const store = new TriggerStore(shared.history.triggerPath, { readonly: true });
    opened.push(store);
    const all = await store.getEvents("every_minute", { limit: 1000 });
    // The four ticks missed while down and the catch-up fire share one instant, so a page
    // of three ends inside that group.
    const pages: string[][] = [];
    let page = await ledgerPage(store, "every_minute", { limit: 3 });
    for (;;) {
      pages.push(page.events.map((e) => e.eventId));
      if (page.nextBefore === undefined) break;
      page = await ledgerPage(store, "every_minute", { limit: 3, before: page.nextBefore });
    }
    expect(pages.flat()).toEqual(all.map((e) => e.eventId));
    expect(pages.map((p) => p.length)).toEqual([7, 3, 0].slice(0, pages.length));
    // A naive `before` cursor would have skipped rows: prove the trap is real here.
    const naiveSecond = await store.getEvents("every_minute", {
      limit: 3,
      before: (await store.getEvents("every_minute", { limit: 3 })).at(-1)?.firedAt,
    });
    expect(naiveSecond.map((e) => e.eventId)).not.toEqual(all.slice(3, 6).map((e) => e.eventId));
  });

  it("returns no cursor on the last page", async () => {
    const store = new TriggerStore(shared.history.triggerPath, { readonly: true });
    opened.push(store);
    const page = await ledgerPage(store, "orders", { limit: 20 });
    expect(page.events).toHaveLength(1);
    expect(page.nextBefore).toBeUndefined();
  });
});
