/**
 * Issue 15, goal 1: when the trigger store and the run history share one SQLite file, a
 * fire's run start rides in its write-ahead commit and its end (with the last node's
 * completion) in the ledger's end commit. Read at the fire path's fault steps: what is
 * on disk between the commits, and that a failed write-ahead commit leaves no run.
 * With two files, each store commits on its own, as before.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { PgStore } from "../../src/store/PgStore.js";
import type { SqliteStore } from "../../src/store/SqliteStore.js";
import type { FaultHook, FaultStep } from "../../src/supervisor/FaultStep.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A push trigger on a 3-node chain a → b → c, on one file or two. */
async function setUp(files: "one" | "two", faults?: FaultHook) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-shared-"));
  dirs.push(dir);
  const ns = new Namespace();
  const dag = new Dag();
  dag
    .node(({ i }: { i: number }) => i + 1, { label: "a" })
    .to(dag.node((x: number) => x * 10, { label: "b" }))
    .to(dag.node((x: number) => x + 5, { label: "c" }));
  ns.register(dag, { nsref: "chain:dag" });
  ns.registerTrigger({ name: "push", dagNsref: "chain:dag", triggerType: "push" });
  const failing = new Dag();
  failing
    .node(() => 1, { label: "ok" })
    .to(
      failing.node(
        () => {
          throw new Error("boom");
        },
        { label: "bad" },
      ),
    );
  ns.register(failing, { nsref: "boom:dag" });
  ns.registerTrigger({ name: "fails", dagNsref: "boom:dag", triggerType: "push" });
  const store = new TriggerStore(path.join(dir, files === "one" ? "tickflow.db" : "triggers.db"));
  const provenance =
    files === "one"
      ? new DagProvenance(store.store)
      : new DagProvenance(path.join(dir, "provenance.db"));
  const errors: unknown[] = [];
  const manager = new TriggerManager({
    namespace: ns,
    store,
    provenance,
    onError: (error) => errors.push(error),
    ...(faults ? { faults } : {}),
  });
  await manager.activate("push");
  await manager.activate("fails");
  await manager.start();
  closers.push(async () => {
    await manager.stop();
    store.close();
    if (files === "two") provenance.close();
  });
  const stores: SqliteStore[] = files === "one" ? [store.store] : [store.store, provenance.store];
  const commits = () => stores.reduce((sum, s) => sum + s.commitCount, 0);
  return { manager, store, provenance, commits, errors };
}

/** The run's and the ledger's statuses as the history file holds them now. */
function onDisk(history: SqliteStore, runId: string | undefined) {
  const run = history.get<{ status: string }>(
    "test run",
    "SELECT status FROM dag_runs WHERE run_id = ?",
    [runId ?? ""],
  );
  const nodes = history.all<{ node_label: string; status: string; attempt: number }>(
    "test nodes",
    "SELECT node_label, status, attempt FROM node_executions WHERE run_id = ? AND status <> 'pending' ORDER BY node_label",
    [runId ?? ""],
  );
  const ledger = history.get<{ status: string }>(
    "test ledger",
    "SELECT status FROM trigger_events WHERE run_id = ?",
    [runId ?? ""],
  );
  return {
    run: run?.status,
    nodes: nodes.map((n) => `${n.node_label}:${n.status}:${n.attempt}`),
    ledger: ledger?.status,
  };
}

describe("one file: the history rides in the fire's commits", () => {
  it("makes 4 commits per 3-node fire (was 7): write-ahead with the run start, one per node after the first, the end with the ledger's", async () => {
    const seen = new Map<FaultStep, ReturnType<typeof onDisk>>();
    let store: SqliteStore | undefined;
    const { manager, commits, errors } = await setUp("one", (step, at) => {
      if ((step === "run:before" || step === "run:after") && store !== undefined) {
        seen.set(step, onDisk(store, at.runId));
      }
    });
    store = manager.store.store;
    await manager.fire("push", { i: 1 }); // warm: prepared statements
    const before = commits();
    const { runId, outputs } = await manager.fire("push", { i: 1 });
    expect(outputs).toEqual({ c: 25 });
    expect(commits() - before).toBe(4);
    // Write-ahead: the ledger row, the run and its first node's start, in one commit.
    expect(seen.get("run:before")).toEqual({
      run: "running",
      nodes: ["a:running:1"],
      ledger: "running",
    });
    // The run returned: its last completion and its end wait for the ledger's end commit.
    expect(seen.get("run:after")).toEqual({
      run: "running",
      nodes: ["a:completed:1", "b:completed:1", "c:running:1"],
      ledger: "running",
    });
    expect(onDisk(store, runId)).toEqual({
      run: "completed",
      nodes: ["a:completed:1", "b:completed:1", "c:completed:1"],
      ledger: "completed",
    });
    expect(errors).toEqual([]);
  });

  it("a write-ahead commit that fails leaves neither the ledger row nor the run", async () => {
    let failNext = false;
    const { manager, store, errors } = await setUp("one", (step) => {
      if (step === "commit:inside" && failNext) {
        failNext = false;
        throw new Error("injected: the commit fails");
      }
    });
    failNext = true;
    await expect(manager.fire("push", { i: 2 })).rejects.toThrow("injected");
    const runs = store.store.get<{ n: number }>("runs", "SELECT COUNT(*) AS n FROM dag_runs");
    const rows = store.store.get<{ n: number }>("rows", "SELECT COUNT(*) AS n FROM trigger_events");
    expect({ runs: runs?.n, rows: rows?.n }).toEqual({ runs: 0, rows: 0 });
    // The trigger is not left firing: the next fire runs.
    expect((await manager.fire("push", { i: 2 })).status).toBe("completed");
    expect(errors).toEqual([]);
  });

  it("a failing run's end and the ledger's end are one commit too", async () => {
    const { manager, store, commits } = await setUp("one");
    const before = commits();
    const { runId, status } = await manager.fire("fails", {});
    expect(status).toBe("failed");
    // Write-ahead (+ ok's start), ok's completion with bad's start, the end with the ledger's.
    expect(commits() - before).toBe(3);
    expect(onDisk(store.store, runId)).toEqual({
      run: "failed",
      nodes: ["bad:failed:1", "ok:completed:1"],
      ledger: "failed",
    });
  });
});

describe("one file: a stop while the write-ahead commits", () => {
  it("ends the run interrupted with the ledger row, and the next start resumes it (attempt 2)", async () => {
    let stopping: Promise<void> | undefined;
    let armed = false;
    let manager: TriggerManager | undefined;
    const first = await setUp("one", (step) => {
      // The fire's write-ahead is on disk; stop() begins before its run starts.
      if (step === "commit:after" && armed && manager !== undefined) {
        armed = false;
        stopping = manager.stop({ graceMs: 0 });
      }
    });
    manager = first.manager;
    armed = true;
    await expect(manager.fire("push", { i: 3 })).rejects.toThrow();
    await stopping;
    const store = first.store.store;
    const [row] = await first.store.getEvents("push");
    const runId = row?.runId ?? undefined;
    expect(row?.status).toBe("interrupted");
    expect(onDisk(store, runId)).toEqual({
      run: "interrupted",
      nodes: ["a:interrupted:1"],
      ledger: "interrupted",
    });
    // The next start resumes the fire: its first node runs again, attempt 2.
    const seen: number[] = [];
    const again = new TriggerManager({
      namespace: first.manager.namespace,
      store: first.store,
      provenance: first.provenance,
      onEvent: (event) => {
        if (event.kind === "finished") seen.push(1);
      },
    });
    await again.start();
    try {
      for (let waited = 0; seen.length === 0 && waited < 5_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(onDisk(store, runId)).toEqual({
        run: "completed",
        nodes: ["a:completed:2", "b:completed:1", "c:completed:1"],
        ledger: "completed",
      });
    } finally {
      await again.stop();
    }
  });
});

describe("two files: each store commits on its own", () => {
  it("a 3-node fire makes 7 commits, as before", async () => {
    const { manager, commits } = await setUp("two");
    await manager.fire("push", { i: 1 });
    const before = commits();
    expect((await manager.fire("push", { i: 1 })).outputs).toEqual({ c: 25 });
    expect(commits() - before).toBe(7);
  });
});

describePg("one PostgreSQL pool: the history rides in the fire's transactions", () => {
  it("a 3-node fire makes 4 commits; the run, its nodes and the ledger end together", async () => {
    const scratch = await freshSchema();
    const pg = PgStore.connect(scratch.url, { schema: scratch.schema });
    const ns = new Namespace();
    const dag = new Dag();
    dag
      .node(({ i }: { i: number }) => i + 1, { label: "a" })
      .to(dag.node((x: number) => x * 10, { label: "b" }))
      .to(dag.node((x: number) => x + 5, { label: "c" }));
    ns.register(dag, { nsref: "chain:dag" });
    ns.registerTrigger({ name: "push", dagNsref: "chain:dag", triggerType: "push" });
    // A TestClock: no lease heartbeat commits while the fire is counted.
    const clock = new TestClock(Date.UTC(2026, 0, 5));
    const store = new TriggerStore(pg);
    const manager = new TriggerManager({
      namespace: ns,
      store,
      provenance: new DagProvenance(pg),
      clock,
      onError: () => {},
    });
    try {
      await manager.activate("push");
      await manager.start();
      await manager.fire("push", { i: 1 });
      const before = pg.commitCount;
      const { runId, outputs } = await manager.fire("push", { i: 1 });
      expect(outputs).toEqual({ c: 25 });
      expect(pg.commitCount - before).toBe(4);
      const nodes = await pg.query<{ node_label: string; status: string; attempt: number }>(
        "test nodes",
        "SELECT node_label, status, attempt FROM node_executions WHERE run_id = $1 ORDER BY node_label",
        [runId],
      );
      expect(nodes.map((n) => `${n.node_label}:${n.status}:${n.attempt}`)).toEqual([
        "a:completed:1",
        "b:completed:1",
        "c:completed:1",
      ]);
      const [run] = await pg.query<{ status: string }>(
        "test run",
        "SELECT status FROM dag_runs WHERE run_id = $1",
        [runId],
      );
      expect(run?.status).toBe("completed");
      expect((await store.getEvents("push"))[0]?.status).toBe("completed");
    } finally {
      const stopping = manager.stop({ graceMs: 0 });
      await clock.advance(0);
      await stopping;
      await pg.close();
      await scratch.drop();
    }
  });
});
