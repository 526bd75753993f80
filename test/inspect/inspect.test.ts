import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { inspect } from "../../src/inspect/inspect.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { sharedHistory } from "./fixtures/sharedHistory.js";
import { MINUTE, T0 } from "./fixtures/supervisedDatabase.js";

const shared = sharedHistory();
beforeAll(shared.setup);
afterAll(shared.cleanup);

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});
const open = (file = shared.history.triggerPath) => {
  const store = new TriggerStore(file, { readonly: true });
  opened.push(store);
  return store;
};
const provenance = () => {
  const p = new DagProvenance(shared.history.provenancePath, { readonly: true });
  opened.push(p);
  return p;
};
const at = (minutes: number) => new Date(T0 + minutes * MINUTE);

describe("inspect(store) on a database written by a real supervisor", () => {
  it("lists every stored trigger by name, and with a namespace the never-activated ones too", async () => {
    const store = open();
    const bare = await inspect(store);
    expect(bare.map((t) => t.name)).toEqual([
      "every_minute",
      "failing",
      "orders",
      "polled",
      "slow_buffer",
      "slow_skip",
      "stuck",
    ]);
    expect(bare.every((t) => t.definitionPresent === undefined)).toBe(true);

    const withNs = await inspect(store, { namespace: shared.history.namespace });
    const never = withNs.find((t) => t.name === "never_activated");
    expect(never).toMatchObject({
      status: "not activated",
      state: "inactive",
      schedule: "0 3 * * *",
      timezone: "UTC",
      definitionPresent: true,
      nextFireAt: undefined,
      counts: {},
    });
    expect(
      withNs.filter((t) => t.name !== "never_activated").map((t) => t.definitionPresent),
    ).toEqual(Array(7).fill(true));
  });

  it("reports an active scheduled trigger: state, next fire, last run and counts", async () => {
    const [every] = (await inspect(open(), { provenance: provenance() })).filter(
      (t) => t.name === "every_minute",
    );
    expect(every).toMatchObject({
      status: "active",
      state: "active",
      problem: undefined,
      dagNsref: "pipelines:market_summary",
      triggerType: "poll",
      schedule: "* * * * *",
      timezone: "UTC",
      inFlight: [],
      pending: [],
      cancelling: [],
      lastScheduledAt: at(10),
      nextFireAt: at(11),
      activatedAt: at(0),
      // 00:01–00:03, the catch-up of 00:08, 00:09, 00:10; 00:04–00:07 missed while down.
      counts: { completed: 6, missed: 4 },
    });
    expect(every?.lastRun?.status).toBe("completed");
    expect(every?.lastRun?.at).toEqual(at(10));
    const [latest] = await open().getEvents("every_minute", { limit: 1 });
    expect(every?.lastRun?.runId).toBe(latest?.runId);
  });

  it("shows the run in flight and the buffered tick of a trigger stopped while firing", async () => {
    const store = open();
    const [stuck] = (await inspect(store)).filter((t) => t.name === "stuck");
    const events = await store.getEvents("stuck");
    const interrupted = events.find((e) => e.status === "interrupted");
    const buffered = events.find((e) => e.status === "buffered");
    expect(stuck?.state).toBe("firing");
    expect(stuck?.inFlight).toEqual([
      {
        runId: interrupted?.runId,
        eventId: interrupted?.eventId,
        scheduledAt: at(9),
        payload: {},
      },
    ]);
    expect(stuck?.pending).toEqual([
      {
        runId: buffered?.runId,
        eventId: buffered?.eventId,
        scheduledAt: at(10),
        payload: {},
      },
    ]);
    expect(stuck?.lastRun).toBeUndefined();
    expect(stuck?.counts).toEqual({ interrupted: 1, buffered: 1 });
  });

  it("has no next fire for a disabled trigger or a push trigger", async () => {
    const all = await inspect(open());
    const byName = new Map(all.map((t) => [t.name, t]));
    expect(byName.get("slow_buffer")).toMatchObject({
      status: "disabled",
      state: "disabled",
      nextFireAt: undefined,
      counts: { completed: 1, skipped_overlap: 1, cancelled: 1 },
    });
    expect(byName.get("orders")).toMatchObject({
      triggerType: "push",
      schedule: undefined,
      nextFireAt: undefined,
      lastRun: { runId: shared.history.pushRunId, status: "completed", at: at(2) },
    });
  });

  it("takes the last run's status from the run history when given, else from the snapshot", async () => {
    const fromSnapshot = (await inspect(open())).find((t) => t.name === "failing");
    const fromHistory = (await inspect(open(), { provenance: provenance() })).find(
      (t) => t.name === "failing",
    );
    expect(fromSnapshot?.lastRun?.status).toBe("failed");
    expect(fromHistory?.lastRun?.status).toBe("failed");
    const run = await provenance().getRun(fromHistory?.lastRun?.runId ?? "");
    expect(run?.status).toBe("failed");
  });

  it("marks a stored trigger whose definition the namespace lacks", async () => {
    const ns = new Namespace();
    const all = await inspect(open(), { namespace: ns });
    expect(all.map((t) => [t.name, t.definitionPresent])).toContainEqual(["every_minute", false]);
    expect(all.some((t) => t.status === "not activated")).toBe(false);
  });

  it("prefers a running supervisor's own states and timers", async () => {
    const live = {
      states: () => ({ every_minute: "firing" as const }),
      nextFireAt: (name: string) => (name === "every_minute" ? at(99) : undefined),
    };
    const all = await inspect(open(), { live });
    const every = all.find((t) => t.name === "every_minute");
    expect(every?.state).toBe("firing");
    expect(every?.nextFireAt).toEqual(at(99));
    // A trigger the live view has no timer for falls back to the stored next_run_at.
    expect(all.find((t) => t.name === "polled")?.nextFireAt).toEqual(at(11));
  });

  it("says why a snapshot cannot be read instead of failing", async () => {
    const file = shared.tamperedCopy(
      "UPDATE trigger_activations SET machine_version = 99 WHERE name = 'polled'",
    );
    const all = await inspect(open(file));
    const polled = all.find((t) => t.name === "polled");
    expect(polled?.state).toBeUndefined();
    expect(polled?.problem).toMatch(/machine version 99/);
    expect(all.find((t) => t.name === "every_minute")?.state).toBe("active");

    const garbled = shared.tamperedCopy(
      'UPDATE trigger_activations SET snapshot_json = \'{"value":"exploded","context":{}}\' WHERE name = \'orders\'',
    );
    const orders = (await inspect(open(garbled))).find((t) => t.name === "orders");
    expect(orders?.problem).toMatch(/not a trigger machine state: "exploded"/);
  });
});
