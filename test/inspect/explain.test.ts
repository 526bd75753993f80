import { Effect, Either } from "effect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TriggerNotInStore } from "../../src/inspect/errors.js";
import { explain, explainEffect } from "../../src/inspect/explain.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { sharedHistory } from "./fixtures/sharedHistory.js";
import { MINUTE, T0 } from "./fixtures/supervisedDatabase.js";

const shared = sharedHistory();
beforeAll(shared.setup);
afterAll(shared.cleanup);

const opened: TriggerStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});
const open = () => {
  const store = new TriggerStore(shared.history.triggerPath, { readonly: true });
  opened.push(store);
  return store;
};
const at = (minutes: number) => new Date(T0 + minutes * MINUTE);
const brief = (d: { at: Date; kind: string; scheduledAt: Date | undefined }) =>
  `${d.at.toISOString().slice(11, 19)} ${d.kind}${d.scheduledAt ? ` ${d.scheduledAt.toISOString().slice(11, 16)}` : ""}`;

describe("explain(store, name)", () => {
  it("tells a scheduled trigger's story in order, including the ticks missed while down", async () => {
    const decisions = await explain(open(), "every_minute");
    expect(decisions.map(brief)).toEqual([
      "00:00:00 activated",
      "00:01:00 fired 00:01",
      "00:02:00 fired 00:02",
      "00:03:00 fired 00:03",
      "00:08:30 missed 00:04",
      "00:08:30 missed 00:05",
      "00:08:30 missed 00:06",
      "00:08:30 missed 00:07",
      "00:08:30 fired 00:08",
      "00:09:00 fired 00:09",
      "00:10:00 fired 00:10",
    ]);
    const missed = decisions.find((d) => d.kind === "missed");
    expect(missed?.reason).toBe(
      'tick 2026-01-05T00:04:00Z not fired: no supervisor was running when it was due, and catchUp "latest" fires only the most recent missed tick',
    );
    const catchUp = decisions.find((d) => d.scheduledAt?.getTime() === at(8).getTime());
    expect(catchUp?.reason).toMatch(/^tick 2026-01-05T00:08:00Z fired 30 s after it was due/);
    expect(catchUp?.status).toBe("completed");
    const ledger = await open().getEvents("every_minute");
    expect(catchUp?.runId).toBe(
      ledger.find((e) => e.scheduledAt?.getTime() === at(8).getTime())?.runId,
    );
    expect(decisions[0]?.reason).toBe('activated: it fires on its schedule "* * * * *" (UTC)');
  });

  it("names the run that was still in flight when a tick was skipped for overlap", async () => {
    const decisions = await explain(open(), "slow_skip");
    const first = decisions.find((d) => d.kind === "fired");
    const skipped = decisions.filter((d) => d.kind === "skipped_overlap");
    expect(skipped.map((d) => d.scheduledAt)).toEqual([at(2), at(3)]);
    expect(first?.runId).toBeDefined();
    for (const d of skipped) {
      expect(d.reason).toBe(
        `tick ${d.scheduledAt?.toISOString().replace(".000Z", "Z")} not fired: run ${first?.runId} (tick 2026-01-05T00:01:00Z) was still running (overlap: skip)`,
      );
    }
    // The slow run ended two minutes after it fired, and the ledger says so.
    expect(first?.reason).toMatch(/completed at 2026-01-05T00:03:00Z$/);
  });

  it("explains buffering, a skip because one is buffered, deactivation and the dropped fire", async () => {
    const decisions = await explain(open(), "slow_buffer");
    expect(decisions.map(brief)).toEqual([
      "00:00:00 activated",
      "00:01:00 fired 00:01",
      "00:02:00 buffered 00:02",
      "00:03:00 skipped_overlap 00:03",
      "00:03:00 deactivated",
      "00:03:00 cancelled 00:02",
    ]);
    const [, fired, buffered, skipped, deactivated, cancelled] = decisions;
    expect(buffered?.reason).toBe(
      `tick 2026-01-05T00:02:00Z kept to fire when run ${fired?.runId} (tick 2026-01-05T00:01:00Z) ends (overlap: bufferOne)`,
    );
    expect(skipped?.reason).toContain("a fire was already buffered (overlap: bufferOne keeps one)");
    expect(deactivated?.reason).toBe(
      `deactivated: no new fires until it is activated again; run ${fired?.runId} in flight finishes and is recorded; the buffered fire is dropped`,
    );
    expect(cancelled?.eventId).toBe(buffered?.eventId);
    expect(cancelled?.reason).toBe(
      "tick 2026-01-05T00:02:00Z, buffered, was dropped: the trigger was deactivated before it could fire",
    );
    expect(deactivated?.seq).toBeDefined();
    expect(cancelled?.seq).toBe(deactivated?.seq);
  });

  it("explains polls that returned nothing or failed", async () => {
    const decisions = await explain(open(), "polled");
    expect(decisions.slice(0, 4).map(brief)).toEqual([
      "00:00:00 activated",
      "00:01:00 poll_empty 00:01",
      "00:02:00 poll_failed 00:02",
      "00:03:00 fired 00:03",
    ]);
    expect(decisions[1]?.reason).toBe(
      "tick 2026-01-05T00:01:00Z not fired: the poll function returned nothing; the schedule moved on",
    );
    expect(decisions[2]?.reason).toBe(
      'tick 2026-01-05T00:02:00Z not fired: the poll function failed (Poll function of trigger "polled" threw: queue unreachable); the trigger stays active',
    );
  });

  it("explains a push, a failed run and a run interrupted by a stop", async () => {
    const [activated, pushed] = await explain(open(), "orders");
    expect(activated?.reason).toBe("activated: it fires when pushed");
    expect(pushed).toMatchObject({
      kind: "fired",
      runId: shared.history.pushRunId,
      scheduledAt: undefined,
      status: "completed",
    });
    expect(pushed?.reason).toMatch(/^fired by a push; run .* completed at /);

    const failing = await explain(open(), "failing");
    expect(failing.find((d) => d.kind === "fired")?.reason).toMatch(
      /failed at 2026-01-05T00:02:00Z: Node "publish" failed on attempt 1: quote feed returned 503$/,
    );

    const stuck = await explain(open(), "stuck");
    expect(stuck.map(brief)).toEqual([
      "00:08:30 activated",
      "00:09:00 fired 00:09",
      "00:10:00 buffered 00:10",
    ]);
    expect(stuck[1]?.status).toBe("interrupted");
    expect(stuck[1]?.reason).toMatch(
      /was interrupted when the supervisor stopped; the next start resumes it$/,
    );
  });

  it("keeps only decisions since an instant, and only the last `limit`", async () => {
    const since = await explain(open(), "every_minute", { since: new Date(T0 + 8.5 * MINUTE) });
    expect(since.map(brief)).toEqual([
      "00:08:30 missed 00:04",
      "00:08:30 missed 00:05",
      "00:08:30 missed 00:06",
      "00:08:30 missed 00:07",
      "00:08:30 fired 00:08",
      "00:09:00 fired 00:09",
      "00:10:00 fired 00:10",
    ]);
    const last = await explain(open(), "every_minute", { limit: 2 });
    expect(last.map(brief)).toEqual(["00:09:00 fired 00:09", "00:10:00 fired 00:10"]);
  });

  it("fails with TriggerNotInStore, suggesting the nearest stored name", async () => {
    await expect(explain(open(), "every_minut")).rejects.toBeInstanceOf(TriggerNotInStore);
    const result = await Effect.runPromise(Effect.either(explainEffect(open(), "every_minut")));
    expect(Either.isLeft(result)).toBe(true);
    if (Either.isLeft(result)) {
      expect(result.left).toMatchObject({ _tag: "TriggerNotInStore", nearest: ["every_minute"] });
      expect(result.left.message).toMatch(
        /^No trigger named "every_minut" in .*triggers\.db\. Did you mean "every_minute"\?/,
      );
    }
    // Defined in the namespace but never activated: the database has nothing to explain.
    await expect(explain(open(), "never_activated")).rejects.toThrow(/It was never activated/);
  });
});
