import { afterEach, expect, it } from "vitest";
import { TestClock } from "../../src/schedule/TestClock.js";
import { PgStore } from "../../src/store/PgStore.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import { Harness, HOUR, MINUTE, T0, until } from "./harness.js";

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const LEASE_MS = 3_000;
/** One heartbeat of a member: a third of its lease. */
const BEAT = LEASE_MS / 3;

describePg("triggers as data on PostgreSQL: two supervisors, one fresh schema", () => {
  it("a change made through one supervisor reaches the owner within one heartbeat; the other takes the trigger over with its definition", async () => {
    const h = new Harness();
    const scratch = await freshSchema();
    const clock = new TestClock(T0);
    const stores = [0, 1].map(() => new TriggerStore(scratch.url, { schema: scratch.schema }));
    const probe = PgStore.connect(scratch.url, { schema: scratch.schema });
    const runs: string[] = [];
    const errors: unknown[] = [];
    h.dag("report", (input: { customer: string }) => {
      runs.push(input.customer);
      return 1;
    });
    const [a, b] = stores.map(
      (store, i) =>
        new TriggerManager({
          namespace: h.ns,
          store,
          clock,
          leaseMs: LEASE_MS,
          ownerId: i === 0 ? "A" : "B",
          onError: (error) => errors.push(error),
        }),
    ) as [TriggerManager, TriggerManager];
    cleanup = async () => {
      for (const m of [a, b]) {
        const stopping = m.stop({ graceMs: 0 });
        await clock.advance(0);
        await stopping;
      }
      for (const store of stores) await store.close();
      await probe.close();
      await scratch.drop();
      await h.close();
    };
    /**
     * Lets the clock run in small steps (each after a moment of real time, so database
     * round trips keep up) until `owner` has recorded a heartbeat that began after this
     * call, then checks `condition`: a change is applied by the first heartbeat that
     * starts after it (each beat reads the definitions before it renews its leases).
     */
    const afterNextBeat = async (owner: string, condition: () => boolean, what: string) => {
      const from = clock.now();
      await until(async () => {
        const [row] = await probe.query<{ expires_at: string }>(
          "read heartbeat",
          "SELECT expires_at FROM supervisors WHERE owner_id = $1",
          [owner],
        );
        if (row !== undefined && Date.parse(row.expires_at) - LEASE_MS > from) return true;
        await new Promise((resolve) => setTimeout(resolve, 20));
        await clock.advance(BEAT / 20);
        return false;
      }, `a heartbeat of ${owner}`);
      expect(condition(), what).toBe(true);
    };
    await a.start();
    await b.start();
    expect([a.status().role, b.status().role]).toEqual(["member", "member"]);

    const def = {
      name: "c1",
      dagNsref: "report:dag",
      triggerType: "cron" as const,
      schedule: "0 * * * *",
      timezone: "UTC",
      payload: { customer: "c1" },
    };
    await a.upsertTrigger(def);
    expect(a.states()).toEqual({ c1: "active" });
    expect(a.status().owned).toEqual(["c1"]);
    expect(a.nextFireAt("c1")).toEqual(new Date(T0 + HOUR));

    // Changed through B, which does not own it: A applies it within one heartbeat.
    const changed = await b.upsertTrigger({ ...def, schedule: "*/20 * * * *" });
    expect(changed.action).toBe("updated");
    await afterNextBeat(
      "A",
      () => a.nextFireAt("c1")?.getTime() === T0 + 20 * MINUTE,
      "A moved c1 to its new schedule",
    );
    expect(b.states()).toEqual({});

    // Removed through B: A stops it within one heartbeat; its history stays.
    await b.removeTrigger("c1", { by: "B" });
    await afterNextBeat("A", () => a.states().c1 === "disabled", "A disabled c1");
    expect(a.nextFireAt("c1")).toBeUndefined();

    // Re-created through B: A activates it again within one heartbeat.
    const again = await b.upsertTrigger({ ...def, schedule: "*/20 * * * *" });
    expect(again.action).toBe("created");
    await afterNextBeat("A", () => a.states().c1 === "active", "A re-activated c1");

    // A goes away: B claims c1 and fires it from the definition it read from the table.
    const stopping = a.stop({ graceMs: 0 });
    await clock.advance(0);
    await stopping;
    await until(async () => {
      await clock.advance(BEAT);
      return b.states().c1 === "active";
    }, "B took c1 over");
    const inspected = await b.inspect();
    expect(inspected.map((t) => [t.name, t.source, t.owner?.ownerId])).toEqual([
      ["c1", "data", "B"],
    ]);
    await clock.advance(20 * MINUTE);
    await until(() => runs.length > 0, "B fired c1");
    expect(runs[0]).toBe("c1");
    const journal = await stores[0]?.definitionJournal("c1");
    expect(journal?.map((c) => c.action)).toEqual(["upsert", "upsert", "remove", "upsert"]);
    expect(errors).toEqual([]);
  });

  it("a definition is stored and journaled on PostgreSQL with increasing versions", async () => {
    const scratch = await freshSchema();
    const store = new TriggerStore(scratch.url, { schema: scratch.schema });
    cleanup = async () => {
      await store.close();
      await scratch.drop();
    };
    await store.ready();
    const v1 = await store.writeDefinition({ name: "x", json: "{}", by: "me", at: T0 });
    const v2 = await store.writeDefinition({ name: "y", json: "{}", by: null, at: T0 + 1 });
    const v3 = await store.writeDefinition({ name: "x", json: null, by: null, at: T0 + 2 });
    expect(v1 < v2 && v2 < v3).toBe(true);
    const all = await store.definitionsSince(0);
    expect(all.map((d) => [d.name, d.version, d.removedAt?.getTime()])).toEqual([
      ["y", v2, undefined],
      ["x", v3, T0 + 2],
    ]);
    expect((await store.definitionsSince(v2)).map((d) => d.name)).toEqual(["x"]);
  });
});
