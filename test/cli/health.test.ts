import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import { makeTempDir } from "../store/tempDir.js";
import { tickflow } from "./fixtures/tickflow.js";

const SLOW = 90_000;
const HOUR = 3_600_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A supervisor in this process (the CLI, a child process, sees it only through the
 * database) with an every-minute trigger, leading a fresh data folder.
 */
async function supervised(clock?: TestClock, pgUrl?: string) {
  const temp = makeTempDir();
  cleanups.push(temp.cleanup);
  const ns = new Namespace();
  const dag = new Dag();
  dag.node(() => 1, { label: "one" });
  ns.register(dag, { nsref: "jobs:one" });
  ns.registerTrigger({
    name: "minutely",
    dagNsref: "jobs:one",
    triggerType: "poll",
    schedule: "* * * * *",
    timezone: "UTC",
  });
  const store = new TriggerStore(pgUrl ?? path.join(temp.dir, "triggers.db"));
  const provenance = new DagProvenance(pgUrl ?? path.join(temp.dir, "provenance.db"));
  const manager = new TriggerManager({
    namespace: ns,
    store,
    provenance,
    ownerId: "probe-test",
    // A frozen clock's lease must outlive the test in real time.
    leaseMs: HOUR,
    ...(clock ? { clock } : {}),
  });
  await manager.activate("minutely");
  await manager.start();
  cleanups.push(async () => {
    const stopped = manager.stop({ graceMs: 0 });
    if (clock) await clock.advance(0);
    await stopped;
    await store.close();
    await provenance.close();
  });
  return { dir: temp.dir, manager };
}

describe("tickflow health", () => {
  it(
    "exits 0 for a leading supervisor with nothing overdue, 1 once it stopped",
    async () => {
      const { dir, manager } = await supervised();
      const healthy = await tickflow(["--data", dir, "health", "--json"]);
      expect(healthy.code).toBe(0);
      expect(healthy.stderr).toBe("");
      expect(JSON.parse(healthy.stdout)).toMatchObject({
        ok: true,
        role: "leader",
        holders: ["probe-test"],
        storeReachable: true,
        overdue: [],
        reasons: [],
      });
      const human = await tickflow(["--data", dir, "health"]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^healthy\n {2}leader: probe-test/);

      await manager.stop();
      const stopped = await tickflow(["--data", dir, "health", "--json"]);
      expect(stopped.code).toBe(1);
      expect(JSON.parse(stopped.stdout)).toMatchObject({ ok: false, role: "none" });
      expect(stopped.stderr).toMatch(
        /^tickflow: not healthy \(.*triggers\.db\): no supervisor holds a lease on this database/,
      );
    },
    SLOW,
  );

  it(
    "exits 1 when a trigger's stored next fire is later than --max-overdue, 0 with a wider bound",
    async () => {
      // The supervisor's clock stands ten minutes behind the wall clock: its timers never
      // wake, so the next fire it stored is ~9 minutes overdue for the probe.
      const clock = new TestClock(Date.now() - 10 * 60_000);
      const { dir } = await supervised(clock);
      const late = await tickflow(["--data", dir, "health", "--max-overdue", "30s", "--json"]);
      expect(late.code).toBe(1);
      const body = JSON.parse(late.stdout);
      expect(body).toMatchObject({ ok: false, role: "leader", overdue: [{ trigger: "minutely" }] });
      expect(body.oldestOverdueTickMs).toBeGreaterThan(8 * 60_000);
      expect(late.stderr).toMatch(/trigger "minutely" was due \d+ ms ago \(more than 30000 ms\)/);
      const lenient = await tickflow(["--data", dir, "health", "--max-overdue", "1h"]);
      expect(lenient.code).toBe(0);
    },
    SLOW,
  );

  it(
    "refuses a bad --max-overdue and a missing database with one line and exit 1",
    async () => {
      const temp = makeTempDir();
      cleanups.push(temp.cleanup);
      const [bad, missing] = await Promise.all([
        tickflow(["--data", temp.dir, "health", "--max-overdue", "soon"]),
        tickflow(["--data", path.join(temp.dir, "nowhere"), "health"]),
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--max-overdue "soon" is not a duration\. Write it like/);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/There is no trigger database at .*nowhere/);
    },
    SLOW,
  );
});

describePg("tickflow health on PostgreSQL", () => {
  it(
    "sees the members holding trigger leases (--db URL), and none once they stopped",
    async () => {
      const db = await freshSchema();
      cleanups.push(() => db.drop());
      const { manager } = await supervised(undefined, db.url);
      expect(manager.status().role).toBe("member");
      const healthy = await tickflow(["--db", db.url, "health", "--json"]);
      expect(healthy.code).toBe(0);
      expect(JSON.parse(healthy.stdout)).toMatchObject({
        ok: true,
        role: "members",
        holders: ["probe-test"],
      });
      await manager.stop();
      const stopped = await tickflow(["--db", db.url, "health"]);
      expect(stopped.code).toBe(1);
      expect(stopped.stderr).toMatch(/no supervisor holds a lease/);
    },
    SLOW,
  );
});
