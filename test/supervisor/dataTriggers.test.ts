import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { InvalidTriggerDefinition, InvalidTriggerOption } from "../../src/namespace/errors.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import type { PollContext } from "../../src/namespace/TriggerDefinition.js";
import { InvalidSchedule } from "../../src/schedule/InvalidSchedule.js";
import {
  CodeDefinedTrigger,
  DataTriggerNotFound,
  DataTriggerRefUnknown,
  TriggerDefinitionNotJson,
} from "../../src/supervisor/dataTriggerErrors.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { gate, type Harness, HOUR, harnessPerTest, MINUTE, rejection, T0 } from "./harness.js";

const harness = harnessPerTest();

function ledger(h: Harness, name: string) {
  const db = new Database(path.join(h.dir, "triggers.db"), { readonly: true });
  try {
    return db
      .prepare(
        "SELECT scheduled_at, status, payload_json FROM trigger_events WHERE trigger_name = ? ORDER BY fired_at, scheduled_at",
      )
      .all(name) as { scheduled_at: string | null; status: string; payload_json: string }[];
  } finally {
    db.close();
  }
}

const at = (ms: number) => new Date(ms).toISOString();

/** A harness with a `report:dag` DAG that records the payloads it ran with. */
function withReport(h: Harness): unknown[] {
  const seen: unknown[] = [];
  h.dag("report", (input: unknown) => {
    seen.push(input);
    return 1;
  });
  return seen;
}

const hourly = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  dagNsref: "report:dag",
  triggerType: "cron" as const,
  schedule: "0 * * * *",
  timezone: "UTC",
  payload: { customer: name },
  ...extra,
});

describe("triggers as data", () => {
  it("upsertTrigger creates a trigger that fires at run time, with no restart", async () => {
    const h = harness();
    const seen = withReport(h);
    const manager = h.manager();
    await manager.start();
    const change = await manager.upsertTrigger(hourly("c42"));
    expect(change).toMatchObject({ name: "c42", action: "created" });
    expect(manager.states()).toEqual({ c42: "active" });
    await h.advanceAndFinish(HOUR, 1);
    expect(seen).toEqual([{ customer: "c42" }]);
    expect(ledger(h, "c42").map((r) => r.scheduled_at)).toEqual([at(T0 + HOUR)]);
    expect(h.errors).toEqual([]);
  });

  it("status says where each trigger comes from: code or data", async () => {
    const h = harness();
    withReport(h);
    h.poll("from_code", "report:dag", "0 * * * *");
    const manager = h.manager();
    await manager.activate("from_code");
    await manager.upsertTrigger(hourly("from_data"));
    const view = await manager.inspect();
    expect(view.map((t) => [t.name, t.source, t.status])).toEqual([
      ["from_code", "code", "active"],
      ["from_data", "data", "active"],
    ]);
  });

  it("a changed schedule moves on from now: no surprise fire for the edit", async () => {
    const h = harness();
    withReport(h);
    const manager = h.manager();
    await manager.start();
    await manager.upsertTrigger(hourly("edited"));
    await h.advanceAndFinish(HOUR, 1); // 01:00 fired
    await h.testClock.advance(20 * MINUTE); // 01:20
    const change = await manager.upsertTrigger(hourly("edited", { schedule: "*/15 * * * *" }));
    expect(change.action).toBe("updated");
    await h.testClock.advance(0);
    // 01:15 was a tick of the new schedule only: not owed. The next is 01:30.
    expect(ledger(h, "edited").map((r) => r.scheduled_at)).toEqual([at(T0 + HOUR)]);
    expect(manager.nextFireAt("edited")).toEqual(new Date(T0 + HOUR + 30 * MINUTE));
    await h.advanceAndFinish(10 * MINUTE, 2);
    expect(ledger(h, "edited").map((r) => r.scheduled_at)).toEqual([
      at(T0 + HOUR),
      at(T0 + HOUR + 30 * MINUTE),
    ]);
    const [inspection] = await manager.inspect();
    expect(inspection?.schedule).toBe("*/15 * * * *");
  });

  it("a changed policy is adopted by the machine (a journaled CONFIGURE) and a changed payload is used", async () => {
    const h = harness();
    const seen = withReport(h);
    const manager = h.manager();
    await manager.start();
    await manager.upsertTrigger(hourly("policy"));
    await manager.upsertTrigger(
      hourly("policy", { overlap: "allowAll", maxConcurrent: 3, payload: { v: 2 } }),
    );
    const journal = await h.store.getJournal("policy");
    const configure = journal.find(
      (entry) => (entry.event as { type?: string }).type === "CONFIGURE",
    );
    expect(configure?.event).toMatchObject({ overlap: "allowAll", maxConcurrent: 3 });
    await h.advanceAndFinish(HOUR, 1);
    expect(seen).toEqual([{ v: 2 }]);
  });

  it("removeTrigger stops the trigger; a run in flight finishes; its history stays; the name can be defined again", async () => {
    const h = harness();
    const blocker = gate();
    h.dag("slow", async () => {
      await blocker.promise;
      return 1;
    });
    const manager = h.manager();
    await manager.start();
    await manager.upsertTrigger({ ...hourly("gone"), dagNsref: "slow:dag" });
    await h.testClock.advance(HOUR);
    await h.reportedAtLeast(1, "fired", "gone");
    const removed = await manager.removeTrigger("gone", { by: "billing" });
    expect(removed.action).toBe("removed");
    expect(manager.states()).toEqual({ gone: "disabled" });
    blocker.open();
    await h.reportedAtLeast(1, "finished", "gone");
    await h.testClock.advance(3 * HOUR);
    expect(ledger(h, "gone").map((r) => r.status)).toEqual(["completed"]);
    const [view] = await manager.inspect();
    expect(view).toMatchObject({ name: "gone", source: "data", status: "disabled" });
    expect(view?.statusNote).toMatchObject({ by: "billing" });
    expect(view?.statusNote?.note).toMatch(/removed/);
    expect(await rejection(manager.removeTrigger("gone"))).toBeInstanceOf(DataTriggerNotFound);
    const again = await manager.upsertTrigger({ ...hourly("gone"), dagNsref: "slow:dag" });
    expect(again.action).toBe("created");
    expect(manager.states()).toEqual({ gone: "active" });
    const journal = await h.store.definitionJournal("gone");
    expect(journal.map((c) => [c.action, c.changedBy])).toEqual([
      ["upsert", undefined],
      ["remove", "billing"],
      ["upsert", undefined],
    ]);
  });

  it("a data trigger survives a restart: a new process loads it beside the code triggers and fires it", async () => {
    const h = harness();
    withReport(h);
    h.poll("from_code", "report:dag", "30 * * * *");
    const first = h.manager();
    await first.activate("from_code");
    await first.start();
    await first.upsertTrigger(hourly("kept"));
    await first.stop();
    // A fresh namespace with the same code: nothing of the data trigger is in it.
    const ns = new Namespace();
    const seen: unknown[] = [];
    const node = ns.register(
      (input: unknown) => {
        seen.push(input);
        return 1;
      },
      { nsref: "report:fn" },
    );
    const dag = new Dag();
    dag.node(node);
    ns.register(dag, { nsref: "report:dag" });
    ns.registerTrigger({
      name: "from_code",
      dagNsref: "report:dag",
      triggerType: "poll",
      schedule: "30 * * * *",
      timezone: "UTC",
    });
    const second = h.manager({ namespace: ns });
    await second.start();
    expect(second.states()).toEqual({ from_code: "active", kept: "active" });
    await h.advanceAndFinish(HOUR, 2);
    expect(seen).toEqual([{}, { customer: "kept" }]);
    expect((await second.inspect()).map((t) => t.source)).toEqual(["code", "data"]);
  });

  it("a definition written before any supervisor runs is activated by the first start", async () => {
    const h = harness();
    const seen = withReport(h);
    // A manager that is never started (the CLI's way) writes it; another starts later.
    await h.manager().upsertTrigger(hourly("early"));
    const manager = h.manager();
    await manager.start();
    await h.advanceAndFinish(HOUR, 1);
    expect(seen).toEqual([{ customer: "early" }]);
  });

  it("a standby's change is applied by the leader within a heartbeat", async () => {
    const h = harness();
    const seen = withReport(h);
    const leader = h.manager({ leaseMs: 3_000 });
    await leader.start();
    const standby = h.manager({ leaseMs: 3_000 });
    await standby.start();
    expect(standby.status().role).toBe("standby");
    // Every minute: an hour of one-second heartbeats would only slow the test down.
    await standby.upsertTrigger(hourly("via_standby", { schedule: "* * * * *" }));
    expect(leader.states()).toEqual({});
    await h.testClock.advance(1_000); // one heartbeat
    await h.testClock.advance(0);
    expect(leader.states()).toEqual({ via_standby: "active" });
    await h.advanceAndFinish(MINUTE, 1);
    expect(seen).toEqual([{ customer: "via_standby" }]);
  });

  it("a manager not started (a service's API process) only stores the change while a supervisor leads: the leader applies it", async () => {
    const h = harness();
    const seen = withReport(h);
    const leader = h.manager({ leaseMs: 3_000 });
    await leader.start();
    const api = h.manager(); // never started
    const everyMinute = hourly("from_api", { schedule: "* * * * *" });
    expect(await api.upsertTrigger(everyMinute)).toMatchObject({ action: "created" });
    expect(await h.store.getActivation("from_api")).toBeUndefined();
    await h.testClock.advance(1_000); // one heartbeat
    await h.testClock.advance(0);
    expect(leader.states()).toEqual({ from_api: "active" });
    await api.removeTrigger("from_api");
    expect((await h.store.getActivation("from_api"))?.status).toBe("active");
    await h.testClock.advance(1_000);
    await h.testClock.advance(0);
    expect(leader.states()).toEqual({ from_api: "disabled" });
    await h.testClock.advance(2 * MINUTE);
    expect(seen).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it("a poll function is named by pollNsref and called with the tick's context", async () => {
    const h = harness();
    const seen = withReport(h);
    const asked: Date[] = [];
    h.ns.register(
      ((ctx: PollContext) => {
        asked.push(ctx.scheduledAt);
        return { polledFor: ctx.trigger };
      }) as unknown as (input: unknown) => unknown,
      { nsref: "feeds:check" },
    );
    const manager = h.manager();
    await manager.start();
    await manager.upsertTrigger({
      name: "polled",
      dagNsref: "report:dag",
      triggerType: "poll",
      schedule: "0 * * * *",
      timezone: "UTC",
      pollNsref: "feeds:check",
    });
    await h.advanceAndFinish(HOUR, 1);
    expect(asked).toEqual([new Date(T0 + HOUR)]);
    expect(seen).toEqual([{ polledFor: "polled" }]);
  });
});

describe("triggers as data: bad input is refused with a typed error and stores nothing", () => {
  async function refused(def: unknown, setup?: (h: Harness) => void) {
    const h = harness();
    withReport(h);
    h.dag("pipeline", () => 1);
    setup?.(h);
    const manager = h.manager();
    const error = await rejection(manager.upsertTrigger(def as never));
    expect(await h.store.definitionsSince(0)).toEqual([]);
    return error;
  }

  it("an unknown option value or field, by the same rules as registerTrigger", async () => {
    expect(await refused(hourly("t", { overlap: "allowALL" }))).toMatchObject({
      _tag: "InvalidTriggerOption",
      field: "overlap",
      value: "allowALL",
    });
    expect(await refused(hourly("t", { catchup: "all" }))).toMatchObject({
      _tag: "InvalidTriggerOption",
      field: "catchup",
    });
    expect(await refused(hourly("t", { maxCatchUp: 0 }))).toBeInstanceOf(InvalidTriggerOption);
    expect(await refused(hourly("t", { schedule: "61 * * * *" }))).toBeInstanceOf(InvalidSchedule);
  });

  it("not an object, or a pollFn given as code", async () => {
    expect(await refused("name=t")).toBeInstanceOf(InvalidTriggerDefinition);
    expect(await refused([hourly("t")])).toBeInstanceOf(InvalidTriggerDefinition);
    expect(await refused(hourly("t", { pollFn: () => ({}) }))).toMatchObject({
      _tag: "InvalidTriggerOption",
      field: "pollFn",
    });
    expect(await refused(hourly("t", { pollNsref: 42 }))).toMatchObject({
      _tag: "InvalidTriggerOption",
      field: "pollNsref",
    });
  });

  it("a value JSON cannot carry", async () => {
    const error = await refused(hourly("t", { payload: { n: 10n } }));
    expect(error).toBeInstanceOf(TriggerDefinitionNotJson);
    expect(error).toMatchObject({ path: "definition.payload.n" });
  });

  it("an unknown DAG or poll function, with the nearest names", async () => {
    const dag = await refused(hourly("t", { dagNsref: "report:dga" }));
    expect(dag).toBeInstanceOf(DataTriggerRefUnknown);
    expect(dag).toMatchObject({ field: "dagNsref" });
    expect((dag as DataTriggerRefUnknown).nearest).toContain("report:dag");
    const poll = await refused({ ...hourly("t"), triggerType: "poll", pollNsref: "report:fm" });
    expect(poll).toMatchObject({ field: "pollNsref", nearest: ["report:fn"] });
    const notFn = await refused({ ...hourly("t"), triggerType: "poll", pollNsref: "report:dag" });
    expect(notFn).toMatchObject({ field: "pollNsref" });
    expect((notFn as Error).message).toMatch(/is a DAG/);
  });

  it("a code trigger's name cannot be upserted or removed as data", async () => {
    const error = await refused(hourly("coded"), (h) => h.poll("coded", "report:dag", "0 * * * *"));
    expect(error).toBeInstanceOf(CodeDefinedTrigger);
    const h = harness();
    withReport(h);
    h.poll("coded", "report:dag", "0 * * * *");
    expect(await rejection(h.manager().removeTrigger("coded"))).toMatchObject({
      _tag: "CodeDefinedTrigger",
      operation: "remove",
    });
  });

  it("a stored definition whose DAG the namespace no longer has is reported, not fired", async () => {
    const h = harness();
    withReport(h);
    await h.manager().upsertTrigger(hourly("orphan"));
    const bare = new TriggerManager({
      namespace: new Namespace(),
      store: h.store,
      clock: h.clock,
      onError: (error) => h.errors.push(error),
    });
    await bare.start();
    await h.testClock.advance(2 * HOUR);
    expect(ledger(h, "orphan")).toEqual([]);
    expect(h.errors.some((e) => e instanceof DataTriggerRefUnknown)).toBe(true);
    await bare.stop();
  });
});
