import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreError } from "../../src/store/errors.js";
import { type TriggerEventRecord, TriggerStore } from "../../src/trigger/TriggerStore.js";
import type { TriggerWrite } from "../../src/trigger/TriggerWrite.js";

let dir: string;
let file: string;
const opened: TriggerStore[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-"));
  file = path.join(dir, "triggers.db");
});
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const open = () => {
  const store = new TriggerStore(file);
  opened.push(store);
  return store;
};

/** A raw read-only connection: the rows as a person with `sqlite3` would see them. */
const raw = <T>(sql: string, params: unknown[] = []): T[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
};

const thrown = async (fn: () => unknown): Promise<unknown> => {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw, none happened");
};

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const HOUR_MS = 3_600_000;

const activation = (
  name: string,
  at = T0,
  status: "active" | "disabled" = "active",
): TriggerWrite => ({
  kind: "upsertActivation",
  name,
  dagNsref: "pipelines:market_summary",
  triggerType: "poll",
  status,
  config: { schedule: "0 * * * *", overlap: "skip" },
  at,
});

const event = (
  over: Partial<Extract<TriggerWrite, { kind: "insertEvent" }>> & { eventId: string },
): TriggerWrite => ({
  kind: "insertEvent",
  name: "hourly_market",
  firedAt: T0,
  scheduledAt: T0,
  runId: `run-${over.eventId}`,
  payload: {},
  status: "completed",
  error: null,
  ...over,
});

describe("schema", () => {
  it("has the seed's tables and columns, plus scheduled_at", () => {
    open();
    const columns = (table: string) =>
      raw<{ name: string }>(`PRAGMA table_info(${table})`).map((c) => c.name);
    expect(columns("trigger_activations")).toEqual(
      expect.arrayContaining([
        "name",
        "dag_nsref",
        "trigger_type",
        "status",
        "last_run_at",
        "next_run_at",
        "last_run_id",
        "created_at",
        "config_json",
      ]),
    );
    expect(columns("trigger_events")).toEqual(
      expect.arrayContaining([
        "event_id",
        "trigger_name",
        "fired_at",
        "run_id",
        "payload_json",
        "status",
        "scheduled_at",
      ]),
    );
  });

  it("has a unique index on (trigger_name, scheduled_at)", () => {
    open();
    const indexes = raw<{ name: string; unique: number }>("PRAGMA index_list(trigger_events)");
    const unique = indexes.filter((i) => i.unique === 1);
    const keyed = unique.map((i) =>
      raw<{ name: string }>(`PRAGMA index_info(${i.name})`).map((c) => c.name),
    );
    expect(keyed).toContainEqual(["trigger_name", "scheduled_at"]);
  });
});

describe("the one-row-per-tick key", () => {
  it("refuses a second row for the same (trigger_name, scheduled_at) with a typed StoreError", async () => {
    const store = open();
    await store.commit("fire", [event({ eventId: "e1", payload: { n: 1 } })]);
    const error = await thrown(() =>
      store.commit("fire again", [
        event({ eventId: "e2", payload: { n: 2 }, status: "running", firedAt: T0 + 5 }),
      ]),
    );
    expect(error).toBeInstanceOf(StoreError);
    // The operation named is the statement that failed (the ledger insert).
    expect((error as StoreError).operation).toBe("record fire");
    expect(String((error as StoreError).cause)).toMatch(/UNIQUE/);
    const rows = raw<{ event_id: string; status: string; payload_json: string }>(
      "SELECT event_id, status, payload_json FROM trigger_events",
    );
    expect(rows).toEqual([{ event_id: "e1", status: "completed", payload_json: '{"n":1}' }]);
  });

  it("allows the same instant for another trigger, and another instant for the same trigger", async () => {
    const store = open();
    await store.commit("fires", [
      event({ eventId: "e1" }),
      event({ eventId: "e2", name: "other" }),
      event({ eventId: "e3", scheduledAt: T0 + 3_600_000 }),
    ]);
    expect(raw("SELECT * FROM trigger_events")).toHaveLength(3);
  });

  it("allows any number of push rows (NULL scheduled_at) for one trigger", async () => {
    const store = open();
    await store.commit("push", [event({ eventId: "p1", scheduledAt: null })]);
    await store.commit("push", [event({ eventId: "p2", scheduledAt: null })]);
    await store.commit("push", [
      event({ eventId: "p3", scheduledAt: null }),
      event({ eventId: "p4", scheduledAt: null }),
    ]);
    expect(raw("SELECT * FROM trigger_events WHERE scheduled_at IS NULL")).toHaveLength(4);
  });
});

describe("activations", () => {
  it("getActivation returns undefined for a trigger never activated", async () => {
    const store = open();
    expect(await store.getActivation("nope")).toBeUndefined();
  });

  it("getActivation returns the record with Dates (and undefined where nothing ran yet)", async () => {
    const store = open();
    await store.commit("activate", [activation("hourly_market")]);
    const record = await store.getActivation("hourly_market");
    expect(record).toEqual({
      name: "hourly_market",
      dagNsref: "pipelines:market_summary",
      triggerType: "poll",
      status: "active",
      lastRunAt: undefined,
      nextRunAt: undefined,
      lastRunId: undefined,
      createdAt: new Date(T0),
      config: { schedule: "0 * * * *", overlap: "skip" },
      firesUsed: 0,
    });
    await store.commit("ran", [
      { kind: "runEnded", name: "hourly_market", runId: "run-1", at: T0 + 1_000 },
      { kind: "nextRun", name: "hourly_market", nextRunAt: T0 + 3_600_000 },
    ]);
    const after = await store.getActivation("hourly_market");
    expect(after?.lastRunAt).toEqual(new Date(T0 + 1_000));
    expect(after?.lastRunAt).toBeInstanceOf(Date);
    expect(after?.lastRunId).toBe("run-1");
    expect(after?.nextRunAt).toEqual(new Date(T0 + 3_600_000));
    // Stored as ISO-8601 UTC text, the seed's column names.
    expect(raw("SELECT last_run_at, next_run_at FROM trigger_activations")).toEqual([
      { last_run_at: "2026-01-05T00:00:01.000Z", next_run_at: "2026-01-05T01:00:00.000Z" },
    ]);
  });

  it("re-activation keeps created_at and last run; status moves", async () => {
    const store = open();
    await store.commit("activate", [activation("t")]);
    await store.commit("ran", [{ kind: "runEnded", name: "t", runId: "r1", at: T0 + 10 }]);
    await store.commit("disable", [{ kind: "setStatus", name: "t", status: "disabled" }]);
    expect((await store.getActivation("t"))?.status).toBe("disabled");
    await store.commit("reactivate", [activation("t", T0 + 99_000)]);
    const record = await store.getActivation("t");
    expect(record?.status).toBe("active");
    expect(record?.createdAt).toEqual(new Date(T0));
    expect(record?.lastRunId).toBe("r1");
  });

  it("listActivations lists every record sorted by name", async () => {
    const store = open();
    expect(await store.listActivations()).toEqual([]);
    await store.commit("activate", [
      activation("zeta"),
      activation("alpha", T0, "disabled"),
      activation("mid"),
    ]);
    const list = await store.listActivations();
    expect(list.map((a) => [a.name, a.status])).toEqual([
      ["alpha", "disabled"],
      ["mid", "active"],
      ["zeta", "active"],
    ]);
    expect(list[0]?.createdAt).toBeInstanceOf(Date);
  });

  it("is durable: a second TriggerStore on the file reads what the first wrote", async () => {
    const first = open();
    await first.commit("activate", [activation("t")]);
    await first.commit("fire", [event({ eventId: "e1", name: "t" })]);
    first.close();
    const second = open();
    expect((await second.getActivation("t"))?.status).toBe("active");
    expect(await second.getEvents("t")).toHaveLength(1);
  });
});

describe("getEvents", () => {
  /** Ten hourly ticks of one trigger, fired 1 s after each; plus one of another trigger. */
  const tenTicks = async (store: TriggerStore) => {
    const writes: TriggerWrite[] = [];
    for (let i = 0; i < 10; i++) {
      writes.push(
        event({
          eventId: `e${i}`,
          scheduledAt: T0 + i * 3_600_000,
          firedAt: T0 + i * 3_600_000 + 1_000,
          payload: { i },
          status: i % 3 === 0 ? "failed" : "completed",
        }),
      );
    }
    writes.push(event({ eventId: "x", name: "other", firedAt: T0 + 99 * 3_600_000 }));
    await store.commit("ten", writes);
  };

  it("returns a trigger's events most recent first, with Dates and decoded payloads", async () => {
    const store = open();
    await tenTicks(store);
    const events = await store.getEvents("hourly_market");
    expect(events.map((e) => e.eventId)).toEqual([
      "e9",
      "e8",
      "e7",
      "e6",
      "e5",
      "e4",
      "e3",
      "e2",
      "e1",
      "e0",
    ]);
    const latest = events[0];
    expect(latest).toMatchObject({
      eventId: "e9",
      triggerName: "hourly_market",
      firedAt: new Date(T0 + 9 * 3_600_000 + 1_000),
      scheduledAt: new Date(T0 + 9 * 3_600_000),
      status: "failed",
      runId: "run-e9",
      payload: { i: 9 },
    });
    expect(latest?.firedAt).toBeInstanceOf(Date);
  });

  it("a push row has scheduledAt undefined", async () => {
    const store = open();
    await store.commit("push", [event({ eventId: "p", scheduledAt: null })]);
    const [push] = await store.getEvents("hourly_market");
    expect(push?.scheduledAt).toBeUndefined();
  });

  it("limit caps the page", async () => {
    const store = open();
    await tenTicks(store);
    const page = await store.getEvents("hourly_market", { limit: 3 });
    expect(page.map((e) => e.eventId)).toEqual(["e9", "e8", "e7"]);
  });

  it("before pages backwards, exclusive, without gaps or repeats", async () => {
    const store = open();
    await tenTicks(store);
    const seen: string[] = [];
    let before: Date | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await store.getEvents("hourly_market", { limit: 4, before });
      if (page.length === 0) break;
      seen.push(...page.map((e) => e.eventId));
      before = page.at(-1)?.firedAt;
    }
    expect(seen).toEqual(["e9", "e8", "e7", "e6", "e5", "e4", "e3", "e2", "e1", "e0"]);
    const exclusive = await store.getEvents("hourly_market", {
      before: new Date(T0 + 5 * 3_600_000 + 1_000),
    });
    expect(exclusive[0]?.eventId).toBe("e4");
  });

  // Rows of one trigger share a fired_at millisecond (every tick recorded "missed" at one
  // catch-up gets fired_at = now): paging by an instant alone would skip them, so
  // `before` takes the last record of the previous page as an exact cursor.
  it("paging by the last record sees every row, even rows sharing a fired_at millisecond", async () => {
    const store = open();
    const writes: TriggerWrite[] = [];
    for (let i = 0; i < 5; i++) {
      writes.push(event({ eventId: `m${i}`, scheduledAt: T0 + i * 60_000, firedAt: T0 + HOUR_MS }));
    }
    await store.commit("catch-up", writes);
    const seen: string[] = [];
    let before: TriggerEventRecord | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await store.getEvents("hourly_market", { limit: 2, before });
      if (page.length === 0) break;
      seen.push(...page.map((e) => e.eventId));
      before = page.at(-1);
    }
    expect(seen).toHaveLength(5);
    expect(seen.sort()).toEqual(["m0", "m1", "m2", "m3", "m4"]);
  });

  it("an unknown trigger has no events", async () => {
    const store = open();
    await tenTicks(store);
    expect(await store.getEvents("nope")).toEqual([]);
  });

  it("countEvents counts by status", async () => {
    const store = open();
    await tenTicks(store);
    expect(await store.countEvents("hourly_market")).toEqual({ completed: 6, failed: 4 });
  });
});

describe("commit", () => {
  it("is one transaction: a failing write rolls back the earlier writes of the same call", async () => {
    const store = open();
    await store.commit("activate", [activation("t")]);
    await store.commit("first fire", [event({ eventId: "e1", name: "t" })]);
    const commitsBefore = store.store.commitCount;
    const error = await thrown(() =>
      store.commit("batch", [
        { kind: "runEnded", name: "t", runId: "r-batch", at: T0 + 5 },
        event({ eventId: "e2", name: "t", scheduledAt: T0 + 60_000 }),
        { kind: "setStatus", name: "t", status: "disabled" },
        // The same tick as e1: the unique key refuses it, after three good writes.
        event({ eventId: "e3", name: "t", scheduledAt: T0 }),
      ]),
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(store.store.commitCount).toBe(commitsBefore);
    const record = await store.getActivation("t");
    expect(record?.lastRunId).toBeUndefined();
    expect(record?.status).toBe("active");
    expect((await store.getEvents("t")).map((e) => e.eventId)).toEqual(["e1"]);
  });

  it("counts one commit per call however many writes it holds", async () => {
    const store = open();
    const before = store.store.commitCount;
    const writes: TriggerWrite[] = [activation("t")];
    for (let i = 0; i < 1_000; i++) {
      writes.push(event({ eventId: `e${i}`, name: "t", scheduledAt: T0 + i * 1_000 }));
    }
    await store.commit("a thousand ticks", writes);
    expect(store.store.commitCount).toBe(before + 1);
    expect(raw("SELECT event_id FROM trigger_events")).toHaveLength(1_000);
  });

  it("the fence is checked inside the transaction: a stale epoch writes nothing", async () => {
    const store = open();
    const lease = await store.backend.acquireLease("me", T0, 15_000);
    expect(lease).toEqual({ epoch: 1 });
    const before = store.store.commitCount;
    expect(
      await thrown(() =>
        store.backend.commit("fenced", [activation("t")], {
          fence: { kind: "database", owner: "me", epoch: 0 },
        }),
      ),
    ).toMatchObject({ _tag: "LeaseLost", holder: "me", holderEpoch: 1 });
    expect(store.store.commitCount).toBe(before);
    expect(await store.getActivation("t")).toBeUndefined();
  });

  it("updateEvent moves a row's status and keeps what it does not name", async () => {
    const store = open();
    await store.commit("fire", [event({ eventId: "e1", status: "running" })]);
    await store.commit("end", [
      { kind: "updateEvent", eventId: "e1", status: "failed", error: "boom", finishedAt: T0 + 7 },
    ]);
    await store.commit("end again", [{ kind: "updateEvent", eventId: "e1", status: "failed" }]);
    const [row] = await store.getEvents("hourly_market");
    expect(row).toMatchObject({
      status: "failed",
      error: "boom",
      firedAt: new Date(T0),
      finishedAt: new Date(T0 + 7),
    });
  });
});
