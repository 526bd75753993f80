import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isStoreFailure } from "../../src/store/errors.js";
import { PgStore } from "../../src/store/PgStore.js";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import { LeaseLost } from "../../src/trigger/LeaseLost.js";
import { PgTriggerBackend } from "../../src/trigger/PgTriggerBackend.js";
import { thisProcess } from "../../src/trigger/ProcessIdentity.js";
import type { TriggerEventRecord } from "../../src/trigger/records.js";
import { SqliteTriggerBackend } from "../../src/trigger/SqliteTriggerBackend.js";
import type { HeldLease, TriggerBackend } from "../../src/trigger/TriggerBackend.js";
import type { TriggerWrite } from "../../src/trigger/TriggerWrite.js";
import { deadPid } from "../store/deadPid.js";
import { pgSkipReason, pgUrl } from "../store/pgAvailable.js";
import { makeTempDir } from "../store/tempDir.js";
import { rejection } from "../supervisor/harness.js";

/**
 * The contract every `TriggerBackend` keeps: ONE suite body, run against SQLite (a temp
 * file, always) and PostgreSQL (a fresh schema per test, dropped after it; skipped with
 * the reason when no server is reachable). Real databases only.
 */

/** A fresh database for one test, and more backends on that same database. */
interface Database {
  /** Another backend (its own connection or pool) on the same database. */
  readonly open: () => TriggerBackend;
  readonly cleanup: () => Promise<void>;
}

interface Factory {
  readonly name: "sqlite" | "postgres";
  /** Why the suite is skipped for this backend, if it is. */
  readonly skip: string | undefined;
  readonly create: () => Database;
}

const sqliteFactory: Factory = {
  name: "sqlite",
  skip: undefined,
  create: () => {
    const { dir, cleanup } = makeTempDir();
    const file = path.join(dir, "triggers.db");
    const opened: TriggerBackend[] = [];
    return {
      open: () => {
        const backend = new SqliteTriggerBackend(SqliteStore.open(file));
        opened.push(backend);
        return backend;
      },
      cleanup: async () => {
        for (const backend of opened.splice(0)) await backend.close().catch(() => {});
        cleanup();
      },
    };
  },
};

const postgresFactory: Factory = {
  name: "postgres",
  skip: pgSkipReason,
  create: () => {
    const url = pgUrl;
    const schema = `tf_${Math.random().toString(36).slice(2, 10)}`;
    const opened: TriggerBackend[] = [];
    return {
      open: () => {
        const backend = new PgTriggerBackend(PgStore.connect(url, { schema, max: 4 }));
        opened.push(backend);
        return backend;
      },
      cleanup: async () => {
        for (const backend of opened.splice(0)) await backend.close().catch(() => {});
        // A plain client: a PgStore would first check (and migrate) the public schema,
        // which is not this test's to touch (and may hold another version).
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        try {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await admin.end();
        }
      },
    };
  },
};

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const MINUTE = 60_000;
const TTL = 15_000;

const activation = (name: string, at = T0, dagNsref = "pipelines:market"): TriggerWrite => ({
  kind: "upsertActivation",
  name,
  dagNsref,
  triggerType: "poll",
  status: "active",
  config: { every: "1m", name },
  at,
});

const fire = (
  eventId: string,
  name: string,
  firedAt: number,
  scheduledAt: number | null = firedAt,
  fireKind?: string,
): TriggerWrite => ({
  kind: "insertEvent",
  eventId,
  name,
  firedAt,
  scheduledAt,
  runId: `run-${eventId}`,
  payload: { eventId },
  status: "running",
  error: null,
  ...(fireKind === undefined ? {} : { fireKind }),
});

const journal = (name: string, type: string, at = T0): TriggerWrite => ({
  kind: "journal",
  name,
  event: { type },
  stateAfter: "idle",
  at,
});

const names = (held: readonly HeldLease[]) => held.map((l) => l.triggerName);

/** Runs one statement on the backend's own database (to set up a holder's identity). */
async function exec(backend: TriggerBackend, statement: string): Promise<void> {
  if (backend instanceof SqliteTriggerBackend) backend.store.run("test setup", statement);
  else if (backend instanceof PgTriggerBackend) await backend.store.query("test setup", statement);
}

/** A process identity as stored: host, pid, start (SQL literals). */
function identity(host: string, pid: number, started: string): string {
  return `holder_host = '${host}', holder_pid = ${pid}, holder_started = '${started}'`;
}

describe.each([sqliteFactory, postgresFactory])("TriggerBackend contract: $name", (factory) => {
  if (factory.skip !== undefined) {
    it.skip(`skipped: ${factory.skip}`, () => {});
    return;
  }

  let db: Database;
  let b: TriggerBackend;

  beforeEach(async () => {
    db = factory.create();
    b = db.open();
    await b.ready();
  });
  afterEach(async () => {
    await db.cleanup();
  });

  it("is the backend it says", () => {
    expect(b.kind).toBe(factory.name);
    expect(b.location).not.toBe("");
  });

  it("upserts, lists and gets activations", async () => {
    await b.commit("activate", [activation("zeta"), activation("alpha"), activation("Beta")], {});
    expect((await b.listActivations()).map((a) => a.name)).toEqual(["Beta", "alpha", "zeta"]);

    const alpha = await b.getActivation("alpha");
    expect(alpha).toMatchObject({
      name: "alpha",
      dagNsref: "pipelines:market",
      triggerType: "poll",
      status: "active",
      lastRunAt: undefined,
      nextRunAt: undefined,
      lastRunId: undefined,
      config: { every: "1m", name: "alpha" },
    });
    expect(alpha?.createdAt.getTime()).toBe(T0);
    expect(await b.getActivation("nope")).toBeUndefined();

    // A second upsert changes the definition but keeps created_at.
    await b.commit(
      "re-activate",
      [
        activation("alpha", T0 + MINUTE, "pipelines:other"),
        { kind: "setStatus", name: "alpha", status: "disabled" },
        { kind: "nextRun", name: "alpha", nextRunAt: T0 + 2 * MINUTE },
        { kind: "runEnded", name: "alpha", runId: "run-1", at: T0 + 90_000 },
        { kind: "snapshot", name: "alpha", snapshot: { v: 1 }, machineVersion: 3, state: "idle" },
      ],
      {},
    );
    const changed = await b.getActivation("alpha");
    expect(changed).toMatchObject({
      dagNsref: "pipelines:other",
      status: "disabled",
      lastRunId: "run-1",
    });
    expect(changed?.createdAt.getTime()).toBe(T0);
    expect(changed?.nextRunAt?.getTime()).toBe(T0 + 2 * MINUTE);
    expect(changed?.lastRunAt?.getTime()).toBe(T0 + 90_000);

    const [stored] = await b.loadActivations(["alpha"]);
    expect(stored?.record.name).toBe("alpha");
    expect(stored?.activatedAt).toBe(T0 + MINUTE);
    expect(stored?.snapshotJson).toBe(JSON.stringify({ v: 1 }));
    expect(stored?.machineVersion).toBe(3);
    expect((await b.loadActivations()).length).toBe(3);
    expect(await b.loadActivations([])).toEqual([]);

    await b.commit("clear next run", [{ kind: "nextRun", name: "alpha", nextRunAt: null }], {});
    expect((await b.getActivation("alpha"))?.nextRunAt).toBeUndefined();
  });

  it("hands every activation to eachActivation once, in name order, across pages", async () => {
    // More rows than one page of the SQLite backend (250), names out of insertion order.
    const names = Array.from(
      { length: 620 },
      (_, i) => `t${String((i * 7) % 620).padStart(4, "0")}`,
    );
    const writes: TriggerWrite[] = names.flatMap((name, i) => [
      activation(name),
      { kind: "snapshot", name, snapshot: { i }, machineVersion: 2, state: "active" },
    ]);
    await b.commit("many", writes, {});
    const seen: string[] = [];
    await b.eachActivation((stored) => {
      seen.push(stored.record.name);
      expect(stored.snapshotJson).toBe(JSON.stringify({ i: names.indexOf(stored.record.name) }));
    });
    expect(seen).toEqual([...names].sort());
    const all = await b.loadActivations();
    expect(seen).toEqual(all.map((a) => a.record.name));
  });

  it("applies writes to one row in order, however many a commit holds", async () => {
    const writes: TriggerWrite[] = [activation("t")];
    for (let i = 1; i <= 300; i++) {
      writes.push(
        { kind: "snapshot", name: "t", snapshot: { i }, machineVersion: i, state: `s${i}` },
        journal("t", `E${i}`),
        fire(`e${i}`, "t", T0 + i * MINUTE),
        { kind: "updateEvent", eventId: `e${i}`, status: "completed", finishedAt: T0 + i },
        { kind: "updateEvent", eventId: `e${i}`, status: "failed", error: `boom ${i}` },
      );
    }
    writes.push(
      { kind: "setStatus", name: "t", status: "disabled" },
      { kind: "setStatus", name: "t", status: "active" },
    );
    await b.commit("big", writes, {});

    const [stored] = await b.loadActivations(["t"]);
    expect(stored?.snapshotJson).toBe(JSON.stringify({ i: 300 }));
    expect(stored?.machineVersion).toBe(300);
    expect(stored?.record.status).toBe("active");
    const entries = await b.getJournal("t", {});
    expect(entries.map((e) => (e.event as { type: string }).type)).toEqual(
      Array.from({ length: 300 }, (_, i) => `E${i + 1}`),
    );
    const e7 = await b.loadEvent("e7");
    expect(e7).toMatchObject({ status: "failed", error: "boom 7", runId: "run-e7" });
    // COALESCE: the later update without finishedAt keeps the earlier one's.
    expect(e7?.finishedAt?.getTime()).toBe(T0 + 7);
    expect(await b.countEvents("t")).toEqual({ failed: 300 });
  });

  it("applies an interleaved group commit as if write by write", async () => {
    // The shape of a group commit: each due trigger brings its own writes.
    const triggers = Array.from({ length: 200 }, (_, i) => `g${String(i).padStart(3, "0")}`);
    await b.commit(
      "activate",
      triggers.map((n) => activation(n)),
      {},
    );
    const writes: TriggerWrite[] = [];
    for (const [i, name] of triggers.entries()) {
      writes.push(
        // An update before the row exists changes nothing; the insert after it lands.
        { kind: "updateEvent", eventId: `ev-${name}`, status: "failed", error: "too early" },
        fire(`ev-${name}`, name, T0 + MINUTE, T0 - i * MINUTE),
        { kind: "snapshot", name, snapshot: { i }, machineVersion: 1, state: "firing" },
        journal(name, `fire-${i}`),
        { kind: "setStatus", name, status: "disabled" },
        activation(name, T0 + 2 * MINUTE), // status back to active
        { kind: "nextRun", name, nextRunAt: T0 + 2 * MINUTE },
        journal(name, `next-${i}`),
      );
    }
    await b.commit("group", writes, {});

    const first = await b.loadEvent("ev-g000");
    expect(first).toMatchObject({ status: "running", error: undefined });
    const stored = await b.loadActivations(["g007"]);
    expect(stored[0]?.record.status).toBe("active");
    expect(stored[0]?.snapshotJson).toBe(JSON.stringify({ i: 7 }));
    expect(stored[0]?.record.nextRunAt?.getTime()).toBe(T0 + 2 * MINUTE);
    expect((await b.getJournal("g007", {})).map((e) => (e.event as { type: string }).type)).toEqual(
      ["fire-7", "next-7"],
    );
    // Journal seqs follow write order across triggers.
    const seqs: number[] = [];
    for (const name of ["g000", "g001", "g100", "g199"]) {
      seqs.push(...(await b.getJournal(name, {})).map((e) => e.seq));
    }
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    const counts = await Promise.all(triggers.map((n) => b.countEvents(n)));
    expect(counts.every((c) => c.running === 1 && Object.keys(c).length === 1)).toBe(true);
  });

  it("inserts, updates and loads fire-ledger rows", async () => {
    await b.commit("fire", [activation("t"), fire("e1", "t", T0)], {});
    const e1 = await b.loadEvent("e1");
    expect(e1).toEqual({
      eventId: "e1",
      triggerName: "t",
      firedAt: new Date(T0),
      scheduledAt: new Date(T0),
      status: "running",
      runId: "run-e1",
      payload: { eventId: "e1" },
      error: undefined,
      finishedAt: undefined,
    });
    await b.commit(
      "finish",
      [
        {
          kind: "updateEvent",
          eventId: "e1",
          status: "failed",
          error: "boom",
          firedAt: T0 + 5,
          finishedAt: T0 + 10,
        },
      ],
      {},
    );
    const updated = await b.loadEvent("e1");
    expect(updated).toMatchObject({ status: "failed", error: "boom" });
    expect(updated?.firedAt.getTime()).toBe(T0 + 5);
    expect(updated?.finishedAt?.getTime()).toBe(T0 + 10);
    expect(await b.loadEvent("nope")).toBeUndefined();
  });

  it("records why a fire fired (kind) and reads rows written without one as undefined", async () => {
    await b.commit(
      "fire",
      [
        activation("t"),
        fire("tick", "t", T0, T0, "catchUp"),
        fire("push", "t", T0 + 1, null, "push"),
        fire("old", "t", T0 + 2, T0 + MINUTE),
      ],
      {},
    );
    expect((await b.loadEvent("tick"))?.kind).toBe("catchUp");
    expect((await b.loadEvent("old"))?.kind).toBeUndefined();
    const events = await b.getEvents("t", {});
    expect(events.map((e) => [e.eventId, e.kind])).toEqual([
      ["old", undefined],
      ["push", "push"],
      ["tick", "catchUp"],
    ]);
  });

  it("keeps one fire per (trigger, key): a second one fails its whole transaction", async () => {
    const keyed = (eventId: string, name: string, fireKey: string): TriggerWrite => ({
      ...(fire(eventId, name, T0, null, "push") as TriggerWrite & { kind: "insertEvent" }),
      fireKey,
    });
    await b.commit("fire", [activation("t"), activation("u"), keyed("k1", "t", "hook-1")], {});
    // The same key on another trigger, and fires without a key, never collide.
    await b.commit(
      "fire",
      [keyed("k2", "u", "hook-1"), fire("n1", "t", T0, null), fire("n2", "t", T0, null)],
      {},
    );
    await rejection(b.commit("fire again", [journal("t", "FIRE"), keyed("k3", "t", "hook-1")], {}));
    expect(await b.loadEvent("k3")).toBeUndefined();
    expect(await b.getJournal("t", {})).toEqual([]);
    expect((await b.loadEventByKey("t", "hook-1"))?.eventId).toBe("k1");
    expect((await b.loadEventByKey("u", "hook-1"))?.key).toBe("hook-1");
    expect(await b.loadEventByKey("t", "hook-2")).toBeUndefined();
    // A fire command carries its key.
    const seq = await b.requestCommand("t", "fire", { id: 1 }, T0, "hook-9");
    expect((await b.getCommand(seq))?.key).toBe("hook-9");
  });

  it("adds maxFires counts in the fire's commit (several in one batch add up), and a failed commit adds none", async () => {
    await b.commit("activate", [activation("t"), activation("u")], {});
    expect((await b.getActivation("t"))?.firesUsed).toBe(0);
    await b.commit(
      "fires",
      [
        fire("c1", "t", T0),
        { kind: "countFires", name: "t", count: 1 },
        fire("c2", "t", T0 + MINUTE),
        { kind: "countFires", name: "t", count: 2 },
        { kind: "countFires", name: "u", count: 1 },
      ],
      {},
    );
    expect((await b.getActivation("t"))?.firesUsed).toBe(3);
    expect((await b.getActivation("u"))?.firesUsed).toBe(1);
    // The same tick again: the unique key fails the commit, and its count with it.
    await rejection(
      b.commit("again", [fire("c3", "t", T0), { kind: "countFires", name: "t", count: 1 }], {}),
    );
    expect((await b.getActivation("t"))?.firesUsed).toBe(3);
    // Re-activation keeps the count.
    await b.commit("activate again", [activation("t", T0 + 2 * MINUTE)], {});
    expect((await b.getActivation("t"))?.firesUsed).toBe(3);
  });

  it("keeps the note of a status change with its activation, and replaces it", async () => {
    await b.commit("activate", [activation("t")], {});
    expect((await b.getActivation("t"))?.statusNote).toBeUndefined();
    await b.commit(
      "deactivate",
      [
        { kind: "setStatus", name: "t", status: "disabled" },
        { kind: "statusNote", name: "t", note: "INC-42", by: "alice", at: T0 + MINUTE },
      ],
      {},
    );
    expect(await b.getActivation("t")).toMatchObject({
      status: "disabled",
      statusNote: { note: "INC-42", by: "alice", at: new Date(T0 + MINUTE) },
    });
    // In one commit with the activation's own upsert (a group commit orders them).
    await b.commit(
      "activate",
      [
        activation("t", T0 + 2 * MINUTE),
        { kind: "statusNote", name: "t", note: null, by: null, at: T0 + 2 * MINUTE },
      ],
      {},
    );
    expect((await b.getActivation("t"))?.statusNote).toEqual({
      note: undefined,
      by: undefined,
      at: new Date(T0 + 2 * MINUTE),
    });
  });

  it("pages events most recent first without skipping rows that share fired_at", async () => {
    // A catch-up: five ticks recorded at one instant, then two later fires.
    const writes: TriggerWrite[] = [activation("t"), activation("other")];
    for (let i = 0; i < 5; i++) writes.push(fire(`c${i}`, "t", T0 + MINUTE, T0 - i * MINUTE));
    writes.push(fire("late1", "t", T0 + 2 * MINUTE), fire("late2", "t", T0 + 3 * MINUTE));
    writes.push(fire("x", "other", T0 + 9 * MINUTE));
    await b.commit("fires", writes, {});

    const all = await b.getEvents("t", {});
    expect(all.map((e) => e.eventId)).toEqual(["late2", "late1", "c4", "c3", "c2", "c1", "c0"]);

    const seen: string[] = [];
    let before: TriggerEventRecord | undefined;
    for (let page = 0; page < 10; page++) {
      const rows: readonly TriggerEventRecord[] = await b.getEvents("t", { limit: 3, before });
      if (rows.length === 0) break;
      seen.push(...rows.map((e) => e.eventId));
      before = rows.at(-1);
    }
    expect(seen).toEqual(all.map((e) => e.eventId));

    // An instant is exclusive: rows fired at it are not included.
    const older = await b.getEvents("t", { before: new Date(T0 + 2 * MINUTE) });
    expect(older.map((e) => e.eventId)).toEqual(["c4", "c3", "c2", "c1", "c0"]);
    expect((await b.getEvents("t", { limit: 1 })).map((e) => e.eventId)).toEqual(["late2"]);
  });

  it("refuses a second row for the same tick and keeps the first intact", async () => {
    await b.commit("fire", [activation("t"), fire("e1", "t", T0, T0)], {});
    const error = await rejection(b.commit("double fire", [fire("e2", "t", T0 + 5, T0)], {}));
    expect(isStoreFailure(error)).toBe(true);
    expect((error as { _tag: string })._tag).toBe("StoreError");

    expect(await b.loadEvent("e2")).toBeUndefined();
    expect((await b.loadEvent("e1"))?.firedAt.getTime()).toBe(T0);
    expect(await b.countEvents("t")).toEqual({ running: 1 });

    // Fires without a scheduled instant (push, manual) never collide; other ticks do not.
    await b.commit(
      "push fires",
      [fire("p1", "t", T0, null), fire("p2", "t", T0, null), fire("e3", "t", T0 + 1, T0 + MINUTE)],
      {},
    );
    expect(await b.countEvents("t")).toEqual({ running: 4 });
  });

  it("stores backfills: made, advanced with their fires, finished once; one row per tick per backfill", async () => {
    const made: TriggerWrite = {
      kind: "insertBackfill",
      id: "b1",
      name: "t",
      from: T0 - 10 * MINUTE,
      to: T0,
      refire: true,
      overlap: 2,
      at: T0,
    };
    const byB1 = (eventId: string, at: number): TriggerWrite => ({
      ...(fire(eventId, "t", T0, at, "backfill") as TriggerWrite & { kind: "insertEvent" }),
      backfillId: "b1",
    });
    // A tick on record outside the backfill, then the backfill's fire of the same tick
    // beside it (refire), with the position moved in the same transaction.
    await b.commit("tick", [activation("t"), fire("live", "t", T0 - 5 * MINUTE)], {});
    await b.commit("make", [made, { ...made, at: T0 + 1 }], {}); // made twice: the first stays
    const advance = (position: number, fired: number, skipped: number): TriggerWrite => ({
      kind: "backfillProgress",
      id: "b1",
      position,
      fired,
      skipped,
      at: T0 + 2,
    });
    await b.commit("fire", [byB1("b1-5", T0 - 5 * MINUTE), advance(T0 - 5 * MINUTE, 1, 0)], {});
    expect(await b.getBackfill("b1")).toMatchObject({
      id: "b1",
      triggerName: "t",
      from: new Date(T0 - 10 * MINUTE),
      to: new Date(T0),
      position: new Date(T0 - 5 * MINUTE),
      refire: true,
      overlap: 2,
      status: "running",
      fired: 1,
      skipped: 0,
      createdAt: new Date(T0),
      updatedAt: new Date(T0 + 2),
      finishedAt: undefined,
    });
    expect((await b.loadEvent("b1-5"))?.backfillId).toBe("b1");
    expect((await b.loadEvent("live"))?.backfillId).toBeUndefined();
    // The same backfill cannot fire the same tick twice: the commit fails whole.
    const twice = await rejection(
      b.commit("again", [byB1("b1-5b", T0 - 5 * MINUTE), advance(T0 - 4 * MINUTE, 1, 0)], {}),
    );
    expect(isStoreFailure(twice)).toBe(true);
    expect(await b.getBackfill("b1")).toMatchObject({
      fired: 1,
      position: new Date(T0 - 5 * MINUTE),
    });
    // A plain second row of a tick is still refused.
    expect(
      isStoreFailure(
        await rejection(b.commit("double", [fire("x", "t", T0, T0 - 5 * MINUTE)], {})),
      ),
    ).toBe(true);
    expect(await b.hasEventAt("t", T0 - 5 * MINUTE)).toBe(true);
    expect(await b.hasEventAt("t", T0 - 6 * MINUTE)).toBe(false);
    expect(await b.hasEventAt("u", T0 - 5 * MINUTE)).toBe(false);
    // Finished once: a second finish (cancel after completion) changes nothing.
    await b.commit("skip", [advance(T0 - MINUTE, 0, 3)], {});
    await b.commit(
      "done",
      [{ kind: "finishBackfill", id: "b1", status: "completed", at: T0 + 3 }],
      {},
    );
    await b.commit(
      "late",
      [{ kind: "finishBackfill", id: "b1", status: "cancelled", at: T0 + 4 }],
      {},
    );
    const done = await b.getBackfill("b1");
    expect(done).toMatchObject({
      status: "completed",
      fired: 1,
      skipped: 3,
      finishedAt: new Date(T0 + 3),
    });
    await b.commit("other", [{ ...made, id: "b2", name: "u", at: T0 + 5 }], {});
    expect((await b.listBackfills()).map((r) => r.id)).toEqual(["b2", "b1"]);
    expect((await b.listBackfills("t")).map((r) => r.id)).toEqual(["b1"]);
    expect(await b.getBackfill("nope")).toBeUndefined();
  });

  it("keeps the journal in order and reads ranges", async () => {
    await b.commit("j1", [activation("t"), journal("t", "A"), journal("t", "B")], {});
    await b.commit("j2", [journal("other", "X"), journal("t", "C"), journal("t", "D")], {});
    const all = await b.getJournal("t", {});
    expect(all.map((e) => (e.event as { type: string }).type)).toEqual(["A", "B", "C", "D"]);
    const seqs = all.map((e) => e.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(4);
    expect(all[0]).toMatchObject({ triggerName: "t", stateAfter: "idle" });
    expect(all[0]?.at.getTime()).toBe(T0);

    const [a, bb, c, d] = seqs as [number, number, number, number];
    expect((await b.getJournal("t", { afterSeq: a })).map((e) => e.seq)).toEqual([bb, c, d]);
    expect((await b.getJournal("t", { untilSeq: c })).map((e) => e.seq)).toEqual([a, bb, c]);
    expect((await b.getJournal("t", { afterSeq: a, untilSeq: c })).map((e) => e.seq)).toEqual([
      bb,
      c,
    ]);
    expect(await b.getJournal("t", { afterSeq: d })).toEqual([]);
  });

  it("counts events by status", async () => {
    expect(await b.countEvents("t")).toEqual({});
    await b.commit(
      "fires",
      [
        activation("t"),
        fire("e1", "t", T0),
        fire("e2", "t", T0 + MINUTE),
        fire("e3", "t", T0 + 2 * MINUTE),
        { kind: "updateEvent", eventId: "e1", status: "completed" },
        fire("o1", "other", T0),
      ],
      {},
    );
    expect(await b.countEvents("t")).toEqual({ completed: 1, running: 2 });
    // Every trigger's counts in one query: the same as one trigger's, statuses in order.
    const all = await b.countAllEvents();
    expect([...all.keys()]).toEqual(["other", "t"]);
    expect(all.get("t")).toEqual(await b.countEvents("t"));
    expect(Object.keys(all.get("t") ?? {})).toEqual(["completed", "running"]);
    expect(all.get("other")).toEqual({ running: 1 });
  });

  it("commits atomically: a failing write rolls back the earlier ones", async () => {
    await b.commit("fire", [activation("t"), fire("e1", "t", T0)], {});
    const error = await rejection(
      b.commit(
        "doomed",
        [
          activation("new"),
          journal("t", "before"),
          { kind: "snapshot", name: "t", snapshot: { lost: true }, machineVersion: 9, state: "x" },
          fire("e2", "t", T0 + MINUTE),
          fire("e3", "t", T0 + 5, T0), // the same tick as e1: refused
          journal("t", "after"),
        ],
        {},
      ),
    );
    expect(isStoreFailure(error)).toBe(true);
    expect(await b.getActivation("new")).toBeUndefined();
    expect(await b.getJournal("t", {})).toEqual([]);
    expect(await b.loadEvent("e2")).toBeUndefined();
    expect((await b.loadActivations(["t"]))[0]?.snapshotJson).toBeUndefined();

    // The afterWrites hook runs inside the transaction: its throw rolls everything back.
    const hookError = new Error("crash before COMMIT");
    const thrown = await rejection(
      b.commit("hooked", [activation("hooked")], {
        afterWrites: () => {
          throw hookError;
        },
      }),
    );
    expect(thrown).toBe(hookError);
    expect(await b.getActivation("hooked")).toBeUndefined();
  });

  it("takes, renews and releases the database lease, and fences commits by it", async () => {
    expect(await b.leaseHolder()).toBeUndefined();
    expect(await b.acquireLease("A", T0, TTL)).toEqual({ epoch: 1 });
    await b.commit("A writes", [activation("t")], {
      fence: { kind: "database", owner: "A", epoch: 1 },
    });
    expect(await b.acquireLease("B", T0 + 1, TTL)).toEqual({ holder: "A", expiresAt: T0 + TTL });
    await b.renewLease("A", 1, T0 + 5_000, TTL);
    expect((await b.leaseHolder())?.expiresAt.getTime()).toBe(T0 + 5_000 + TTL);

    // A pauses past its lease; B takes it with a new epoch.
    expect(await b.acquireLease("B", T0 + 5_000 + TTL, TTL)).toEqual({ epoch: 2 });
    const holder = await b.leaseHolder();
    expect(holder).toMatchObject({ ownerId: "B", epoch: 2 });

    const fenced = await rejection(
      b.commit("A late", [activation("late"), journal("t", "late")], {
        fence: { kind: "database", owner: "A", epoch: 1 },
      }),
    );
    expect(fenced).toBeInstanceOf(LeaseLost);
    expect(fenced).toMatchObject({ ownerId: "A", epoch: 1, holder: "B", holderEpoch: 2 });
    expect((fenced as LeaseLost).trigger).toBeUndefined();
    expect(await b.getActivation("late")).toBeUndefined();
    expect(await b.getJournal("t", {})).toEqual([]);
    expect(await rejection(b.renewLease("A", 1, T0 + 30_000, TTL))).toBeInstanceOf(LeaseLost);

    // Re-acquiring one's own lease bumps the epoch too; releasing frees it at once.
    expect(await b.acquireLease("B", T0 + 21_000, TTL)).toEqual({ epoch: 3 });
    await b.releaseLease("A", 1, T0 + 22_000); // not A's: no effect
    expect((await b.leaseHolder())?.ownerId).toBe("B");
    await b.releaseLease("B", 3, T0 + 22_000);
    expect(await b.acquireLease("A", T0 + 22_000, TTL)).toEqual({ epoch: 4 });
  });

  it("takes the database lease at once from a holder on this host whose process is gone, never from a live one", async () => {
    const me = thisProcess();
    const dead = await deadPid();
    const reused = `${me.started.split(":")[0]}:0`; // this pid, another start: reused
    expect(await b.acquireLease("A", T0, TTL)).toEqual({ epoch: 1 });
    // A is this very process: alive, so B waits for the lease like before.
    expect(await b.acquireLease("B", T0 + 1, TTL)).toEqual({ holder: "A", expiresAt: T0 + TTL });
    // A holder on another host: its liveness cannot be seen from here; waited for.
    await exec(b, `UPDATE supervisor_lease SET ${identity("elsewhere", dead, me.started)}`);
    expect(await b.acquireLease("B", T0 + 2, TTL)).toEqual({ holder: "A", expiresAt: T0 + TTL });
    // A lease recorded before tickflow kept identities: waited for.
    await exec(
      b,
      "UPDATE supervisor_lease SET holder_host = NULL, holder_pid = NULL, holder_started = NULL",
    );
    expect(await b.acquireLease("B", T0 + 3, TTL)).toEqual({ holder: "A", expiresAt: T0 + TTL });
    // A dead process of this host: taken over at once, with a new epoch that fences A.
    await exec(b, `UPDATE supervisor_lease SET ${identity(me.host, dead, me.started)}`);
    expect(await b.acquireLease("B", T0 + 4, TTL)).toEqual({ epoch: 2 });
    expect(
      await rejection(
        b.commit("A late", [activation("t")], {
          fence: { kind: "database", owner: "A", epoch: 1 },
        }),
      ),
    ).toBeInstanceOf(LeaseLost);
    // B's pid now runs another process (the pid was reused): B is gone too.
    if (!me.started.startsWith("ms:")) {
      await exec(b, `UPDATE supervisor_lease SET ${identity(me.host, process.pid, reused)}`);
      expect(await b.acquireLease("C", T0 + 5, TTL)).toEqual({ epoch: 3 });
    }
  });

  it("expires the trigger leases of a supervisor on this host whose process is gone, at the next heartbeat", async () => {
    const me = thisProcess();
    await b.commit("activate", [activation("t1"), activation("t2")], {});
    await b.heartbeat("A", T0, TTL);
    expect(names(await b.claimTriggers("A", T0, TTL, 2))).toEqual(["t1", "t2"]);
    // A is alive (this process): B's heartbeat counts it and B claims nothing.
    expect(await b.heartbeat("B", T0 + 1, TTL)).toEqual({ supervisors: 2, triggers: 2 });
    expect(await b.claimTriggers("B", T0 + 1, TTL, 2)).toEqual([]);
    // A's process is gone: B's next heartbeat expires A and its leases; B claims both
    // with bumped epochs, and A's fenced commit is refused.
    await exec(
      b,
      `UPDATE supervisors SET ${identity(me.host, await deadPid(), me.started)} WHERE owner_id = 'A'`,
    );
    expect(await b.heartbeat("B", T0 + 2, TTL)).toEqual({ supervisors: 1, triggers: 2 });
    expect(await b.claimTriggers("B", T0 + 2, TTL, 2)).toEqual([
      { triggerName: "t1", epoch: 2 },
      { triggerName: "t2", epoch: 2 },
    ]);
    const fenced = await rejection(
      b.commit("A late", [journal("t1", "late")], {
        fence: { kind: "triggers", owner: "A", epochs: new Map([["t1", 1]]) },
      }),
    );
    expect(fenced).toBeInstanceOf(LeaseLost);
  });

  it("claims a named trigger before its first activation, once, and writes under that lease", async () => {
    // No activation row yet: a heartbeat claim does not see it, a claim by name does.
    expect(await b.claimTriggers("A", T0, TTL, 10)).toEqual([]);
    const [first, second] = await Promise.all([
      b.claimTriggers("A", T0, TTL, 1, ["fresh"]),
      b.claimTriggers("B", T0, TTL, 1, ["fresh"]),
    ]);
    const winners = [first, second].filter((held) => held.length === 1);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toEqual([{ triggerName: "fresh", epoch: 1 }]);
    const owner = first.length === 1 ? "A" : "B";
    await b.commit("activate under the lease", [activation("fresh")], {
      fence: { kind: "triggers", owner, epochs: new Map([["fresh", 1]]) },
    });
    expect((await b.getActivation("fresh"))?.status).toBe("active");
    expect((await b.triggerLeases()).map((l) => [l.triggerName, l.ownerId])).toEqual([
      ["fresh", owner],
    ]);
  });

  it("shares triggers by per-trigger leases and fences commits by them", async () => {
    await b.commit(
      "activate",
      ["t1", "t2", "t3", "t4"].map((n) => activation(n)),
      {},
    );

    const a = await b.claimTriggers("A", T0, TTL, 2);
    expect(a).toEqual([
      { triggerName: "t1", epoch: 1 },
      { triggerName: "t2", epoch: 1 },
    ]);
    const bee = await b.claimTriggers("B", T0, TTL, 10);
    expect(names(bee)).toEqual(["t3", "t4"]);
    // Every lease is live: nothing to claim.
    expect(await b.claimTriggers("C", T0 + 1, TTL, 10)).toEqual([]);
    expect(await b.claimTriggers("A", T0 + 1, TTL, 0)).toEqual([]);

    // The owner commits under its lease.
    const epochsA = new Map(a.map((l) => [l.triggerName, l.epoch]));
    await b.commit("A fires", [fire("a1", "t1", T0 + 2)], {
      fence: { kind: "triggers", owner: "A", epochs: epochsA },
    });
    expect(await b.loadEvent("a1")).toBeDefined();

    // B keeps its leases; A stops renewing. After expiry B takes t1 with a bumped epoch.
    expect(names(await b.renewTriggerLeases("B", T0 + 10_000, TTL))).toEqual(["t3", "t4"]);
    const taken = await b.claimTriggers("B", T0 + TTL, TTL, 10, ["t1"]);
    expect(taken).toEqual([{ triggerName: "t1", epoch: 2 }]);

    const fenced = await rejection(
      b.commit("A late", [fire("a2", "t1", T0 + TTL + 1), journal("t1", "late")], {
        fence: { kind: "triggers", owner: "A", epochs: epochsA },
      }),
    );
    expect(fenced).toBeInstanceOf(LeaseLost);
    expect(fenced).toMatchObject({
      trigger: "t1",
      ownerId: "A",
      epoch: 1,
      holder: "B",
      holderEpoch: 2,
    });
    expect(await b.loadEvent("a2")).toBeUndefined();
    expect(await b.getJournal("t1", {})).toEqual([]);

    // A renewing now keeps only what it still holds (t2, expired but not taken).
    expect(await b.renewTriggerLeases("A", T0 + TTL + 2, TTL)).toEqual([
      { triggerName: "t2", epoch: 1 },
    ]);
    // A fence on a trigger nobody leased fails too.
    await b.commit("activate t5", [activation("t5")], {});
    const unleased = await rejection(
      b.commit("no lease", [journal("t5", "x")], {
        fence: { kind: "triggers", owner: "A", epochs: new Map([["t5", 1]]) },
      }),
    );
    expect(unleased).toMatchObject({ _tag: "LeaseLost", trigger: "t5", holder: undefined });
    // An empty trigger fence checks nothing.
    await b.commit("nothing fenced", [journal("t5", "ok")], {
      fence: { kind: "triggers", owner: "A", epochs: new Map() },
    });

    const leases = await b.triggerLeases();
    expect(leases.map((l) => [l.triggerName, l.ownerId, l.epoch])).toEqual([
      ["t1", "B", 2],
      ["t2", "A", 1],
      ["t3", "B", 1],
      ["t4", "B", 1],
    ]);
    expect(leases[0]?.expiresAt.getTime()).toBe(T0 + 2 * TTL);
  });

  it("releases trigger leases so another can claim them at once", async () => {
    await b.commit(
      "activate",
      ["t1", "t2", "t3"].map((n) => activation(n)),
      {},
    );
    expect(names(await b.claimTriggers("A", T0, TTL, 10))).toEqual(["t1", "t2", "t3"]);
    await b.releaseTriggerLeases("B", ["t1"], T0 + 1); // not B's: no effect
    await b.releaseTriggerLeases("A", ["t1", "t3"], T0 + 1);
    await b.releaseTriggerLeases("A", [], T0 + 1);
    expect(await b.claimTriggers("B", T0 + 1, TTL, 10)).toEqual([
      { triggerName: "t1", epoch: 2 },
      { triggerName: "t3", epoch: 2 },
    ]);
    expect(await b.renewTriggerLeases("A", T0 + 2, TTL)).toEqual([{ triggerName: "t2", epoch: 1 }]);
  });

  it("counts live supervisors by heartbeat and forgets dead ones", async () => {
    await b.commit(
      "activate",
      ["t1", "t2", "t3"].map((n) => activation(n)),
      {},
    );
    expect(await b.heartbeat("A", T0, TTL)).toEqual({ supervisors: 1, triggers: 3 });
    expect(await b.heartbeat("B", T0 + 1_000, TTL)).toEqual({ supervisors: 2, triggers: 3 });
    expect(await b.heartbeat("A", T0 + 10_000, TTL)).toEqual({ supervisors: 2, triggers: 3 });
    // B stops beating: once its row expires it no longer counts.
    expect(await b.heartbeat("A", T0 + 1_000 + TTL, TTL)).toEqual({ supervisors: 1, triggers: 3 });
    // Long dead, its row is deleted: a heartbeat of C far later counts only the living.
    expect(await b.heartbeat("C", T0 + 1_000 + 12 * TTL, TTL)).toEqual({
      supervisors: 1,
      triggers: 3,
    });
    expect(await b.heartbeat("A", T0 + 1_000 + 12 * TTL, TTL)).toEqual({
      supervisors: 2,
      triggers: 3,
    });
    await b.leaveSupervisors("C");
    expect(await b.heartbeat("A", T0 + 2_000 + 12 * TTL, TTL)).toEqual({
      supervisors: 1,
      triggers: 3,
    });
  });

  it("hands each trigger to exactly one of several concurrent claimers", async () => {
    const all = Array.from({ length: 30 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    await b.commit(
      "activate",
      all.map((n) => activation(n)),
      {},
    );
    const claimers = [db.open(), db.open(), db.open()];
    await Promise.all(claimers.map((c) => c.ready()));

    const rounds = await Promise.all(
      claimers.map((c, i) => c.claimTriggers(`owner-${i}`, T0, TTL, 10)),
    );
    const claimed = rounds.flatMap(names);
    expect(claimed.length).toBe(30);
    expect(new Set(claimed).size).toBe(30);
    for (const round of rounds) expect(round.length).toBeLessThanOrEqual(10);

    const leases = await b.triggerLeases();
    expect(leases.length).toBe(30);
    for (const lease of leases) expect(lease.epoch).toBe(1);
    rounds.forEach((round, i) => {
      for (const held of round) {
        expect(leases.find((l) => l.triggerName === held.triggerName)?.ownerId).toBe(`owner-${i}`);
      }
    });

    // All expired at once and claimed again concurrently, each up to 20: still disjoint.
    const later = T0 + TTL;
    const again = await Promise.all(
      claimers.map((c, i) => c.claimTriggers(`next-${i}`, later, TTL, 20)),
    );
    const reclaimed = again.flatMap(names);
    expect(new Set(reclaimed).size).toBe(reclaimed.length);
    expect(reclaimed.length).toBe(30);
    for (const lease of await b.triggerLeases()) expect(lease.epoch).toBe(2);
  });

  it("lets fenced commits and claims race without a deadlock or a double owner", async () => {
    const all = Array.from({ length: 20 }, (_, i) => `r${String(i).padStart(2, "0")}`);
    await b.commit(
      "activate",
      all.map((n) => activation(n)),
      {},
    );
    expect((await b.claimTriggers("A", T0, TTL, 20)).length).toBe(20);
    const other = db.open();
    await other.ready();

    // A's leases just expired: A still commits under them while B takes them over.
    const later = T0 + TTL;
    const commits = all.map((name) =>
      b
        .commit(
          "A fires",
          [
            journal(name, "A"),
            { kind: "snapshot", name, snapshot: { by: "A" }, machineVersion: 1, state: "firing" },
          ],
          {
            fence: { kind: "triggers", owner: "A", epochs: new Map([[name, 1]]) },
          },
        )
        .then(
          () => "committed",
          (error: unknown) => error,
        ),
    );
    const claims = [0, 1, 2, 3].map(() => other.claimTriggers("B", later, TTL, 5));
    const outcomes = await Promise.all(commits);
    const claimed = (await Promise.all(claims)).flatMap(names);
    // A claim may leave a trigger whose commit was in flight for a later round.
    claimed.push(...names(await other.claimTriggers("B", later + 1, TTL, 20)));

    expect([...claimed].sort()).toEqual(all);
    for (const [i, outcome] of outcomes.entries()) {
      const entries = await b.getJournal(all[i] as string, {});
      if (outcome === "committed") {
        expect(entries.length).toBe(1);
      } else {
        expect(outcome).toBeInstanceOf(LeaseLost);
        expect(entries).toEqual([]);
      }
    }
    for (const lease of await b.triggerLeases())
      expect([lease.ownerId, lease.epoch]).toEqual(["B", 2]);
  });

  it("queues commands and finishes them by a commandDone write", async () => {
    await b.commit("activate", [activation("t"), activation("u")], {});
    const s1 = await b.requestCommand("t", "fire", { reason: "manual" }, T0);
    const s2 = await b.requestCommand("u", "deactivate", undefined, T0 + 1);
    const s3 = await b.requestCommand("t", "activate", undefined, T0 + 2);
    expect(s2).toBeGreaterThan(s1);
    expect(s3).toBeGreaterThan(s2);

    expect(await b.getCommand(s1)).toEqual({
      seq: s1,
      triggerName: "t",
      kind: "fire",
      payload: { reason: "manual" },
      requestedAt: new Date(T0),
      state: "pending",
      doneAt: undefined,
      runId: undefined,
      error: undefined,
    });
    expect(await b.getCommand(s3 + 100)).toBeUndefined();
    expect((await b.pendingCommands()).map((c) => c.seq)).toEqual([s1, s2, s3]);
    expect((await b.pendingCommands(["t"])).map((c) => c.seq)).toEqual([s1, s3]);
    expect(await b.pendingCommands([])).toEqual([]);

    await b.commit(
      "done",
      [
        { kind: "commandDone", seq: s1, state: "done", runId: "run-9", error: null, at: T0 + 5 },
        { kind: "commandDone", seq: s2, state: "failed", runId: null, error: "nope", at: T0 + 6 },
        // A command is finished once: a second outcome is ignored.
        { kind: "commandDone", seq: s1, state: "failed", runId: null, error: "late", at: T0 + 7 },
      ],
      {},
    );
    expect(await b.getCommand(s1)).toMatchObject({
      state: "done",
      runId: "run-9",
      error: undefined,
    });
    expect((await b.getCommand(s1))?.doneAt?.getTime()).toBe(T0 + 5);
    expect(await b.getCommand(s2)).toMatchObject({ state: "failed", error: "nope" });
    expect((await b.pendingCommands()).map((c) => c.seq)).toEqual([s3]);
  });
});
