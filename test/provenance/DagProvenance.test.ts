import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { Effect, Either } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { DagProvenance, type RunRecord } from "../../src/provenance/DagProvenance.js";
import { NullProvenance } from "../../src/provenance/NullProvenance.js";
import type { RunStart } from "../../src/provenance/Provenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import { DatabaseReadOnly, NotADatabase, SchemaTooNew } from "../../src/store/errors.js";
import { SqliteStore } from "../../src/store/SqliteStore.js";

let dir: string;
let file: string;
const opened: DagProvenance[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-"));
  file = path.join(dir, "provenance.db");
});
afterEach(() => {
  for (const provenance of opened.splice(0)) provenance.close();
  fs.chmodSync(dir, 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A DagProvenance that afterEach closes. */
const open = (at = file, options?: ConstructorParameters<typeof DagProvenance>[1]) => {
  const provenance = new DagProvenance(at, options);
  opened.push(provenance);
  return provenance;
};

/** A raw read-only connection, to look at the rows as a person with `sqlite3` would. */
const raw = <T>(sql: string, params: unknown[] = [], at = file): T[] => {
  const db = new Database(at, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
};

/** The rejection of a promise (fails the test if it resolves). */
const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, the promise resolved");
};

/** What `fn` throws (fails the test if it returns). */
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw, none happened");
};

/** A promise with its resolve function, to hand a moment from one node to the test. */
const signal = <T = void>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

/**
 * fetch → (left, right) → join: fan-out then fan-in. Each function counts its calls in
 * `calls`.
 */
function fanDag(calls: Record<string, number> = {}) {
  const count = (label: string) => {
    calls[label] = (calls[label] ?? 0) + 1;
  };
  const dag = new Dag();
  const fetch = dag.node(
    (input: { n: number }) => {
      count("fetch");
      return input.n;
    },
    { label: "fetch" },
  );
  const left = dag.node(
    (n: number) => {
      count("left");
      return n + 1;
    },
    { label: "left" },
  );
  const right = dag.node(
    async (n: number) => {
      count("right");
      return n * 2;
    },
    { label: "right" },
  );
  const join = dag.node(
    (x: { left: number; right: number }) => {
      count("join");
      return { sum: x.left + x.right };
    },
    { label: "join" },
  );
  fetch.to(left);
  fetch.to(right);
  left.to(join, { as: "left" });
  right.to(join, { as: "right" });
  return { dag, calls };
}

/** a → b → c, each adding one. */
function chainDag() {
  const dag = new Dag();
  dag
    .node((x: number) => x + 1, { label: "a" })
    .to(dag.node((x: number) => x + 1, { label: "b" }))
    .to(dag.node((x: number) => x + 1, { label: "c" }));
  return dag;
}

describe("schema", () => {
  it("creates the seed's tables with the seed's column names, plus attempt", () => {
    open();
    const columns = (table: string) =>
      raw<{ name: string }>(`PRAGMA table_info(${table})`).map((c) => c.name);
    expect(columns("dag_runs")).toEqual(
      expect.arrayContaining([
        "run_id",
        "dag_nsref",
        "parent_run_id",
        "status",
        "started_at",
        "finished_at",
        "source_inputs_json",
        "sink_outputs_json",
      ]),
    );
    expect(columns("node_executions")).toEqual(
      expect.arrayContaining([
        "run_id",
        "node_label",
        "status",
        "is_source",
        "is_sink",
        "input_json",
        "output_json",
        "started_at",
        "finished_at",
        "error",
        "attempt",
      ]),
    );
    expect(columns("edge_traversals")).toEqual([
      "run_id",
      "upstream_label",
      "downstream_label",
      "traversed_at",
    ]);
  });

  it.each([
    ["child runs", "SELECT * FROM dag_runs WHERE parent_run_id = 'x'"],
    [
      "runs of one DAG, newest first",
      "SELECT * FROM dag_runs WHERE dag_nsref = 'x' ORDER BY started_at DESC",
    ],
    ["unfinished runs", "SELECT * FROM dag_runs WHERE status = 'running'"],
    ["a run's nodes", "SELECT * FROM node_executions WHERE run_id = 'x'"],
    ["a run's edges", "SELECT * FROM edge_traversals WHERE run_id = 'x'"],
  ])("answers the query for %s from an index, not a table scan", (_name, query) => {
    open();
    const plan = raw<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`)
      .map((row) => row.detail)
      .join("; ");
    expect(plan).toMatch(/USING (COVERING )?INDEX|USING PRIMARY KEY/);
    expect(plan).not.toMatch(/^SCAN \w+$/);
  });

  it("uses WAL so readers and a writer on other connections do not block each other", () => {
    open();
    expect(raw<{ journal_mode: string }>("PRAGMA journal_mode")[0]?.journal_mode).toBe("wal");
  });
});

describe("recording a fan-out / fan-in run", () => {
  it("records the run, every node and every edge traversed", async () => {
    const provenance = open();
    const { dag, calls } = fanDag();
    const before = Date.now();
    const result = await new DagRunner(dag, { provenance, dagNsref: "pipelines:fan" }).run({
      n: 3,
    });
    const after = Date.now();
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ join: { sum: 10 } });
    expect(calls).toEqual({ fetch: 1, left: 1, right: 1, join: 1 });

    const run = (await provenance.getRun(result.runId)) as RunRecord;
    expect(run.runId).toBe(result.runId);
    expect(run.dagNsref).toBe("pipelines:fan");
    expect(run.parentRunId).toBeUndefined();
    expect(run.status).toBe("completed");
    expect(run.error).toBeUndefined();
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.startedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(run.finishedAt?.getTime()).toBeLessThanOrEqual(after);
    expect(run.startedAt.getTime()).toBeLessThanOrEqual(run.finishedAt?.getTime() ?? -1);

    expect(Object.keys(run.nodes)).toEqual(["fetch", "left", "right", "join"]);
    for (const node of Object.values(run.nodes)) {
      expect(node.status).toBe("completed");
      expect(node.attempt).toBe(1);
      expect(node.error).toBeUndefined();
      expect(node.startedAt).toBeInstanceOf(Date);
      expect(node.finishedAt).toBeInstanceOf(Date);
      expect(node.startedAt?.getTime()).toBeLessThanOrEqual(node.finishedAt?.getTime() ?? -1);
      expect(node.startedAt?.getTime()).toBeGreaterThanOrEqual(run.startedAt.getTime());
    }
    const { fetch, left, right, join } = run.nodes;
    expect([fetch?.isSource, fetch?.isSink]).toEqual([true, false]);
    expect([left?.isSource, left?.isSink]).toEqual([false, false]);
    expect([join?.isSource, join?.isSink]).toEqual([false, true]);
    expect(fetch?.downstream).toEqual(["left", "right"]);
    expect(fetch?.upstream).toEqual([]);
    expect(right?.upstream).toEqual(["fetch"]);
    expect([...(join?.upstream ?? [])].sort()).toEqual(["left", "right"]);
    // A node waits for its upstream: left starts no earlier than fetch finished.
    expect(left?.startedAt?.getTime()).toBeGreaterThanOrEqual(fetch?.finishedAt?.getTime() ?? 0);

    const edges = raw<{ upstream_label: string; downstream_label: string; traversed_at: string }>(
      "SELECT upstream_label, downstream_label, traversed_at FROM edge_traversals WHERE run_id = ?",
      [result.runId],
    );
    expect(edges.map((e) => `${e.upstream_label}->${e.downstream_label}`).sort()).toEqual([
      "fetch->left",
      "fetch->right",
      "left->join",
      "right->join",
    ]);
    for (const edge of edges)
      expect(new Date(edge.traversed_at).toISOString()).toBe(edge.traversed_at);
  });

  it("loads inputs and outputs only when asked with { values: true }", async () => {
    const provenance = open();
    const result = await new DagRunner(fanDag().dag, { provenance }).run({ n: 3 });

    const lean = (await provenance.getRun(result.runId)) as RunRecord;
    expect("input" in lean).toBe(false);
    expect("outputs" in lean).toBe(false);
    expect("output" in (lean.nodes.join ?? {})).toBe(false);

    const full = (await provenance.getRun(result.runId, { values: true })) as RunRecord;
    expect(full.input).toEqual({ n: 3 });
    expect(full.outputs).toEqual({ join: { sum: 10 } });
    expect(full.nodes.fetch?.input).toEqual({ n: 3 });
    expect(full.nodes.fetch?.output).toBe(3);
    expect(full.nodes.right?.output).toBe(6);
    expect(full.nodes.join?.input).toEqual({ left: 4, right: 6 });
    expect(full.nodes.join?.output).toEqual({ sum: 10 });
  });

  it("getNodeExecutions lists the nodes in the DAG's order, with values", async () => {
    const provenance = open();
    const result = await new DagRunner(fanDag().dag, { provenance }).run({ n: 1 });
    const nodes = await provenance.getNodeExecutions(result.runId);
    expect(nodes.map((n) => [n.label, n.status, n.output])).toEqual([
      ["fetch", "completed", 1],
      ["left", "completed", 2],
      ["right", "completed", 2],
      ["join", "completed", { sum: 4 }],
    ]);
    expect(await provenance.getNodeExecutions("no-such-run")).toEqual([]);
  });

  it("returns undefined for a run that is not recorded", async () => {
    expect(await open().getRun("no-such-run")).toBeUndefined();
  });

  it("has the node's start on disk before its function is called (write-ahead)", async () => {
    const provenance = open();
    const seen: { status: string; input_json: string | null; attempt: number }[] = [];
    const dag = new Dag();
    dag
      .node(() => ({ id: 7 }), { label: "first" })
      .to(
        dag.node(
          (x: { id: number }, ctx: NodeContext) => {
            // Another connection, as a second process would see the file.
            seen.push(
              ...raw<{ status: string; input_json: string | null; attempt: number }>(
                "SELECT status, input_json, attempt FROM node_executions WHERE run_id = ? AND node_label = ?",
                [ctx.runId, ctx.nodeLabel],
              ),
            );
            return x.id;
          },
          { label: "second" },
        ),
      );
    await new DagRunner(dag, { provenance }).run();
    expect(seen).toEqual([{ status: "running", input_json: '{"id":7}', attempt: 1 }]);
  });

  it("records each retry's attempt, with one extra commit per retry", async () => {
    const provenance = open();
    const seenOnDisk: number[] = [];
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) => {
        seenOnDisk.push(
          raw<{ attempt: number }>(
            "SELECT attempt FROM node_executions WHERE run_id = ? AND node_label = 'flaky'",
            [ctx.runId],
          )[0]?.attempt ?? -1,
        );
        if (ctx.attempt < 3) throw new Error(`try ${ctx.attempt} failed`);
        return "ok";
      },
      { label: "flaky", retry: { attempts: 3, backoffMs: 1 } },
    );
    const before = provenance.store.commitCount;
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.status).toBe("completed");
    expect(seenOnDisk).toEqual([1, 2, 3]);
    const run = (await provenance.getRun(result.runId)) as RunRecord;
    expect(run.nodes.flaky).toMatchObject({ status: "completed", attempt: 3, error: undefined });
    // start, 2 retry starts, completion, end
    expect(provenance.store.commitCount - before).toBeLessThanOrEqual(5);
  });

  it("records a failed node's error, and the interrupted sibling, in the run", async () => {
    const provenance = open();
    const dag = new Dag();
    const rightStarted = signal();
    const source = dag.node(() => 1, { label: "source" });
    source.to(
      dag.node(
        async () => {
          await rightStarted.promise;
          throw new Error("quota exceeded");
        },
        { label: "left" },
      ),
    );
    source.to(
      dag.node(
        (_: number, ctx: NodeContext) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener("abort", () => reject(new Error("aborted")));
            rightStarted.resolve();
          }),
        { label: "right" },
      ),
    );
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.status).toBe("failed");
    const run = (await provenance.getRun(result.runId)) as RunRecord;
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/quota exceeded/);
    expect(run.nodes.left?.status).toBe("failed");
    expect(run.nodes.left?.error).toMatch(/Node "left" failed on attempt 1: quota exceeded/);
    expect(run.nodes.left?.finishedAt).toBeInstanceOf(Date);
    expect(run.nodes.right?.status).toBe("interrupted");
    expect(run.nodes.source?.status).toBe("completed");
  });
});

describe("getRecentRuns", () => {
  /** Records a run straight through the service, with a chosen start time. */
  const record = async (
    provenance: DagProvenance,
    runId: string,
    startedAt: number,
    dagNsref: string,
    status: "completed" | "failed",
  ) => {
    const start: RunStart = {
      runId,
      dagNsref,
      parentRunId: undefined,
      expansionKey: undefined,
      fingerprint: "f",
      shape: { nodes: [], edges: [] },
      startedAt,
      input: {},
      nodes: [],
    };
    await Effect.runPromise(provenance.service.runStarted(start, []));
    await Effect.runPromise(
      provenance.service.runFinished(runId, {
        status,
        finishedAt: startedAt + 5,
        outputs: {},
        error: status === "failed" ? "boom" : undefined,
        nodes: [],
      }),
    );
  };
  const ids = (runs: readonly RunRecord[]) => runs.map((r) => r.runId);

  it("lists the newest first and filters by DAG and by status", async () => {
    const provenance = open();
    const t = Date.UTC(2026, 0, 1);
    await record(provenance, "a1", t + 1000, "p:a", "completed");
    await record(provenance, "b1", t + 2000, "p:b", "failed");
    await record(provenance, "a2", t + 3000, "p:a", "failed");
    await record(provenance, "a3", t + 4000, "p:a", "completed");

    expect(ids(await provenance.getRecentRuns())).toEqual(["a3", "a2", "b1", "a1"]);
    expect(ids(await provenance.getRecentRuns({ dagNsref: "p:a" }))).toEqual(["a3", "a2", "a1"]);
    expect(ids(await provenance.getRecentRuns({ status: "failed" }))).toEqual(["a2", "b1"]);
    expect(ids(await provenance.getRecentRuns({ dagNsref: "p:a", status: "failed" }))).toEqual([
      "a2",
    ]);
    expect(ids(await provenance.getRecentRuns({ dagNsref: "p:none" }))).toEqual([]);
    const [newest] = await provenance.getRecentRuns({ limit: 1 });
    expect(newest?.startedAt).toEqual(new Date(t + 4000));
    expect(newest?.finishedAt).toEqual(new Date(t + 4005));
    expect(newest?.status).toBe("completed");
  });

  it("pages with limit and before (strictly earlier start)", async () => {
    const provenance = open();
    const t = Date.UTC(2026, 0, 1);
    for (let i = 1; i <= 5; i++)
      await record(provenance, `r${i}`, t + i * 1000, "p:a", "completed");

    const first = await provenance.getRecentRuns({ limit: 2 });
    expect(ids(first)).toEqual(["r5", "r4"]);
    const second = await provenance.getRecentRuns({ limit: 2, before: first.at(-1)?.startedAt });
    expect(ids(second)).toEqual(["r3", "r2"]);
    const third = await provenance.getRecentRuns({ limit: 2, before: second.at(-1)?.startedAt });
    expect(ids(third)).toEqual(["r1"]);
    expect(ids(await provenance.getRecentRuns({ before: new Date(t + 1000) }))).toEqual([]);
    expect(
      ids(await provenance.getRecentRuns({ before: new Date(t + 3500), dagNsref: "p:a" })),
    ).toEqual(["r3", "r2", "r1"]);
  });

  it("pages through runs that started in the same millisecond, each exactly once", async () => {
    // Triggers that fall due together start their runs together: a page boundary can
    // fall between two runs with the same start time.
    const provenance = open();
    const t = Date.UTC(2026, 0, 1);
    const all: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const id = `same${i}`;
      all.push(id);
      await record(provenance, id, i <= 5 ? t : t + 1, "p:a", "completed");
    }
    const seen: string[] = [];
    let page = await provenance.getRecentRuns({ limit: 2 });
    while (page.length > 0) {
      seen.push(...ids(page));
      page = await provenance.getRecentRuns({ limit: 2, before: page.at(-1) });
    }
    expect(seen).toHaveLength(7);
    expect([...seen].sort()).toEqual([...all].sort());
    // Newest first: the two later runs lead.
    expect(seen.slice(0, 2).sort()).toEqual(["same6", "same7"]);
  });
});

describe("child runs", () => {
  it("records a call node's sub-DAG as a child run, two levels deep", async () => {
    const provenance = open();
    const inner = new Dag();
    inner.node((x: number) => x * 10, { label: "times10" });
    const middle = new Dag();
    middle.node((x: number) => x + 1, { label: "plus1" }).to(middle.node(inner, { label: "deep" }));
    const outer = new Dag();
    outer
      .node((input: { n: number }) => input.n, { label: "start" })
      .to(outer.node(middle, { label: "enrich" }))
      .to(outer.node((x: unknown) => ({ total: x }), { label: "finish" }));

    const result = await new DagRunner(outer, { provenance, dagNsref: "p:outer" }).run({ n: 2 });
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ finish: { total: 30 } });

    const children = await provenance.getChildRuns(result.runId);
    expect(children).toHaveLength(2);
    const [child, grandchild] = children as [RunRecord, RunRecord];
    expect(child.parentRunId).toBe(result.runId);
    expect(child.expansionKey).toBe("enrich");
    expect(child.status).toBe("completed");
    expect(Object.keys(child.nodes)).toEqual(["plus1", "deep"]);
    expect(grandchild.parentRunId).toBe(child.runId);
    expect(grandchild.expansionKey).toBe("deep");
    expect(grandchild.status).toBe("completed");
    expect(Object.keys(grandchild.nodes)).toEqual(["times10"]);
    expect(new Set([result.runId, child.runId, grandchild.runId]).size).toBe(3);

    expect(ids(await provenance.getChildRuns(child.runId))).toEqual([grandchild.runId]);
    expect(await provenance.getChildRuns(grandchild.runId)).toEqual([]);
    // Child runs are runs too, but the parent's record stays its own.
    const parent = (await provenance.getRun(result.runId, { values: true })) as RunRecord;
    expect(parent.nodes.enrich?.output).toBe(30);
    const grand = (await provenance.getRun(grandchild.runId, { values: true })) as RunRecord;
    expect(grand.input).toBe(3);
    expect(grand.outputs).toEqual({ times10: 30 });
  });

  const ids = (runs: readonly RunRecord[]) => runs.map((r) => r.runId);
});

describe("findUnfinishedRuns", () => {
  it("finds a run whose start was recorded but whose end never was", async () => {
    const provenance = open();
    const done = await new DagRunner(chainDag(), { provenance }).run(1);
    const start: RunStart = {
      runId: "left-running",
      dagNsref: "p:a",
      parentRunId: undefined,
      expansionKey: undefined,
      fingerprint: "f",
      shape: { nodes: ["a=function"], edges: [] },
      startedAt: Date.now(),
      input: 1,
      nodes: [{ label: "a", isSource: true, isSink: true }],
    };
    await Effect.runPromise(
      provenance.service.runStarted(start, [
        { label: "a", input: 1, attempt: 1, startedAt: Date.now() },
      ]),
    );
    const unfinished = await provenance.findUnfinishedRuns();
    expect(unfinished.map((r) => r.runId)).toEqual(["left-running"]);
    expect(unfinished[0]?.status).toBe("running");
    expect(unfinished[0]?.nodes.a?.status).toBe("running");
    expect(unfinished.map((r) => r.runId)).not.toContain(done.runId);
  });

  it("finds the run of a process killed mid-run, and restart({ allowRunning }) finishes it", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/dieMidRun.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", fixture, file], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const runId = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += String(chunk);
        const match = /second started (\S+)\n/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const provenance = open();
    const unfinished = await provenance.findUnfinishedRuns();
    expect(unfinished.map((r) => r.runId)).toEqual([runId]);
    const run = unfinished[0] as RunRecord;
    expect(run.dagNsref).toBe("crash:demo");
    expect(run.nodes.first?.status).toBe("completed");
    expect(run.nodes.second?.status).toBe("running");
    expect(run.nodes.third?.status).toBe("pending");

    // The supervisor's move: resume it. Same shape as the fixture's DAG.
    const calls: string[] = [];
    const attempts: number[] = [];
    const dag = new Dag();
    dag
      .node(
        (input: { n: number }) => {
          calls.push("first");
          return input.n + 1;
        },
        { label: "first" },
      )
      .to(
        dag.node(
          (n: number, ctx: NodeContext) => {
            calls.push("second");
            attempts.push(ctx.attempt);
            return n * 10;
          },
          { label: "second" },
        ),
      )
      .to(
        dag.node(
          (n: number) => {
            calls.push("third");
            return n * 2;
          },
          { label: "third" },
        ),
      );
    const runner = new DagRunner(dag, { provenance, dagNsref: "crash:demo" });
    const refused = await rejection(runner.restart(runId));
    expect(refused).toMatchObject({ _tag: "RunNotRestartable", status: "running" });

    const resumed = await runner.restart(runId, { allowRunning: true });
    expect(resumed).toMatchObject({ runId, status: "completed", outputs: { third: 40 } });
    expect(calls).toEqual(["second", "third"]);
    expect(attempts).toEqual([2]);
    expect((await provenance.getRun(runId))?.nodes.second?.attempt).toBe(2);
    expect(await provenance.findUnfinishedRuns()).toEqual([]);
  });
});

describe("commits per run", () => {
  it("commits a 3-node chain at most 5 times: start, 3 completions, end", async () => {
    const provenance = open();
    const runner = new DagRunner(chainDag(), { provenance });
    await runner.run(0); // warm the statement cache
    const before = provenance.store.commitCount;
    const result = await runner.run(0);
    expect(result.status).toBe("completed");
    const commits = provenance.store.commitCount - before;
    expect(commits).toBeLessThanOrEqual(5);
    // The start and the end cannot share a commit: the start is write-ahead.
    expect(commits).toBeGreaterThanOrEqual(2);
  });

  it("commits a fan-out / fan-in run once per node plus start and end", async () => {
    const provenance = open();
    const runner = new DagRunner(fanDag().dag, { provenance });
    const before = provenance.store.commitCount;
    await runner.run({ n: 1 });
    expect(provenance.store.commitCount - before).toBeLessThanOrEqual(4 + 2);
  });

  it("commits a failed chain's failure and its end together", async () => {
    const provenance = open();
    const dag = new Dag();
    dag
      .node(() => 1, { label: "a" })
      .to(
        dag.node(
          () => {
            throw new Error("no");
          },
          { label: "b" },
        ),
      )
      .to(dag.node((x: unknown) => x, { label: "c" }));
    const before = provenance.store.commitCount;
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.status).toBe("failed");
    // start (with a's start), a's completion (with b's start), b's failure with the end.
    expect(provenance.store.commitCount - before).toBeLessThanOrEqual(3);
  });
});

describe("values JSON cannot hold", () => {
  it("stores a function, a cycle, a BigInt, a Date and a Map in the documented forms", async () => {
    const provenance = open();
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const at = new Date("2026-05-01T12:00:00.000Z");
    function helper() {}
    const outputs: Record<string, unknown> = {
      fn: helper,
      cycle: cyclic,
      big: 12345678901234567890n,
      date: at,
      map: new Map([["k", 1]]),
    };
    const dag = new Dag();
    const received: unknown[] = [];
    for (const [label, value] of Object.entries(outputs)) {
      dag
        .node(() => value, { label })
        .to(
          dag.node(
            (v: unknown) => {
              received.push(v);
              return label;
            },
            { label: `after_${label}` },
          ),
        );
    }
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result.status).toBe("completed");
    // Downstream got the live values, not their stored forms.
    expect(received).toEqual(expect.arrayContaining([helper, cyclic, at]));

    const stored = Object.fromEntries(
      raw<{ node_label: string; output_json: string }>(
        "SELECT node_label, output_json FROM node_executions WHERE run_id = ?",
        [result.runId],
      ).map((row) => [row.node_label, JSON.parse(row.output_json) as unknown]),
    );
    expect(stored.fn).toEqual({ $unstorable: "function", text: "helper" });
    expect(stored.cycle).toEqual({ name: "loop", self: { $cycle: "$" } });
    expect(stored.big).toEqual({ $bigint: "12345678901234567890" });
    expect(stored.date).toEqual({ $date: "2026-05-01T12:00:00.000Z" });
    expect(stored.map).toEqual({ $map: [["k", 1]] });

    const run = (await provenance.getRun(result.runId, { values: true })) as RunRecord;
    expect(run.nodes.date?.output).toBeInstanceOf(Date);
    expect((run.nodes.date?.output as Date | undefined)?.getTime()).toBe(at.getTime());
    expect(run.nodes.big?.output).toBe(12345678901234567890n);
    expect(run.nodes.map?.output).toEqual(new Map([["k", 1]]));
    expect(run.nodes.fn?.output).toEqual({ $unstorable: "function", text: "helper" });
    // The input of the node after the Date was stored as a Date too.
    expect(run.nodes.after_date?.input).toEqual(at);
  });

  it("completes a run whose output has a getter that throws, and stores the rest", async () => {
    const provenance = open();
    const dag = new Dag();
    const lazy = {
      id: 3,
      get details(): string {
        throw new Error("lazy field was never loaded");
      },
    };
    dag
      .node(() => lazy, { label: "load" })
      .to(dag.node((x: { id: number }) => x.id * 2, { label: "use" }));
    const result = await new DagRunner(dag, { provenance }).run();
    expect(result).toMatchObject({ status: "completed", outputs: { use: 6 } });
    const run = (await provenance.getRun(result.runId, { values: true })) as RunRecord;
    expect(run.nodes.load?.output).toEqual({
      id: 3,
      details: { $unstorable: "property", text: "reading it threw: lazy field was never loaded" },
    });
    expect(await provenance.findUnfinishedRuns()).toEqual([]);
  });

  it("stores a run input and sink outputs that JSON cannot hold", async () => {
    const provenance = open();
    const dag = new Dag();
    dag.node((input: { when: Date }) => ({ when: input.when, n: 1n }), { label: "only" });
    const when = new Date(0);
    const result = await new DagRunner(dag, { provenance }).run({ when, again: () => 1 });
    expect(result.status).toBe("completed");
    const run = (await provenance.getRun(result.runId, { values: true })) as RunRecord;
    expect(run.input).toEqual({ when, again: { $unstorable: "function", text: "again" } });
    expect(run.outputs).toEqual({ only: { when, n: 1n } });
  });
});

describe("two DagProvenance objects on one file", () => {
  it("both write, and each reads what the other wrote", async () => {
    const first = open();
    const second = open();
    const [a, b] = await Promise.all([
      new DagRunner(fanDag().dag, { provenance: first, dagNsref: "p:first" }).run({ n: 1 }),
      new DagRunner(fanDag().dag, { provenance: second, dagNsref: "p:second" }).run({ n: 2 }),
    ]);
    expect(a.status).toBe("completed");
    expect(b.status).toBe("completed");
    expect((await first.getRun(b.runId))?.dagNsref).toBe("p:second");
    expect((await second.getRun(a.runId))?.dagNsref).toBe("p:first");
    expect((await first.getRun(b.runId, { values: true }))?.outputs).toEqual({ join: { sum: 7 } });
    expect((await second.getRecentRuns()).map((r) => r.runId).sort()).toEqual(
      [a.runId, b.runId].sort(),
    );
    // Several rounds, interleaved.
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        new DagRunner(chainDag(), { provenance: i % 2 === 0 ? first : second }).run(i),
      ),
    );
    expect(runs.every((r) => r.status === "completed")).toBe(true);
    expect(await first.getRecentRuns({ limit: 100 })).toHaveLength(12);
    expect(await second.getRecentRuns({ status: "completed", limit: 100 })).toHaveLength(12);
  });
});

describe("databases that cannot be used", () => {
  it("refuses a text file with NotADatabase and leaves it unchanged", () => {
    fs.writeFileSync(file, "these are my notes, not a database\n".repeat(20));
    const error = thrown(() => open());
    expect(error).toBeInstanceOf(NotADatabase);
    expect((error as NotADatabase).path).toBe(file);
    expect(fs.readFileSync(file, "utf8")).toBe("these are my notes, not a database\n".repeat(20));
  });

  it("refuses a database from a newer tickflow with SchemaTooNew naming both versions", async () => {
    const first = open();
    const result = await new DagRunner(chainDag(), { provenance: first }).run(1);
    first.close();
    const db = new Database(file);
    db.prepare(
      "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', ?)",
    ).run(new Date().toISOString());
    db.close();

    const error = thrown(() => open());
    expect(error).toBeInstanceOf(SchemaTooNew);
    expect(error).toMatchObject({ found: 999, supported: SqliteStore.supportedSchemaVersion });
    expect((error as SchemaTooNew).message).toContain("999");
    expect((error as SchemaTooNew).message).toContain(String(SqliteStore.supportedSchemaVersion));
    // Nothing was lost.
    expect(
      raw<{ n: number }>("SELECT COUNT(*) AS n FROM dag_runs WHERE run_id = ?", [result.runId])[0]
        ?.n,
    ).toBe(1);
  });

  it("reads from a read-only store, and a run on it fails with DatabaseReadOnly writing nothing", async () => {
    const writer = open();
    const earlier = await new DagRunner(chainDag(), { provenance: writer }).run(1);
    writer.close();

    const reader = open(file, { readonly: true });
    expect((await reader.getRun(earlier.runId))?.status).toBe("completed");
    const calls: number[] = [];
    const dag = new Dag();
    dag.node(
      (x: number) => {
        calls.push(x);
        return x;
      },
      { label: "a" },
    );
    const error = await rejection(new DagRunner(dag, { provenance: reader }).run(5));
    expect(error).toBeInstanceOf(DatabaseReadOnly);
    expect((error as DatabaseReadOnly).operation).toBe("record run start");
    // Write-ahead: the node never ran, since its start could not be recorded.
    expect(calls).toEqual([]);
    expect(raw<{ n: number }>("SELECT COUNT(*) AS n FROM dag_runs")[0]?.n).toBe(1);
  });

  it.skipIf(process.getuid?.() === 0)(
    "refuses for writing a file without write permission with DatabaseReadOnly",
    () => {
      open().close();
      fs.chmodSync(file, 0o444);
      const error = thrown(() => open());
      expect(error).toBeInstanceOf(DatabaseReadOnly);
    },
  );
});

describe("interruption", () => {
  it("records an interrupted run and its in-flight node, and restart completes it", async () => {
    const provenance = open();
    const calls: Record<string, number> = {};
    const count = (label: string) => {
      calls[label] = (calls[label] ?? 0) + 1;
    };
    let hang = true;
    const entered = signal();
    const dag = new Dag();
    dag
      .node(
        (x: number) => {
          count("a");
          return x + 1;
        },
        { label: "a" },
      )
      .to(
        dag.node(
          (x: number) => {
            count("b");
            if (!hang) return x * 10;
            entered.resolve();
            return new Promise<number>(() => {});
          },
          { label: "b" },
        ),
      )
      .to(
        dag.node(
          (x: number) => {
            count("c");
            return x + 1;
          },
          { label: "c" },
        ),
      );
    const runner = new DagRunner(dag, { provenance });
    const controller = new AbortController();
    const pending = runner.run(1, { signal: controller.signal, runId: "to-interrupt" });
    await entered.promise;
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ runId: "to-interrupt", status: "interrupted" });

    const run = (await provenance.getRun("to-interrupt")) as RunRecord;
    expect(run.status).toBe("interrupted");
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.nodes.a?.status).toBe("completed");
    expect(run.nodes.b?.status).toBe("interrupted");
    expect(run.nodes.b?.finishedAt).toBeInstanceOf(Date);
    expect(run.nodes.c?.status).toBe("pending");
    expect(await provenance.findUnfinishedRuns()).toEqual([]);

    hang = false;
    const again = await runner.restart("to-interrupt");
    expect(again).toMatchObject({ runId: "to-interrupt", status: "completed", outputs: { c: 21 } });
    expect(calls).toEqual({ a: 1, b: 2, c: 1 });
    const after = (await provenance.getRun("to-interrupt")) as RunRecord;
    expect(after.status).toBe("completed");
    expect(after.nodes.b?.attempt).toBe(2);
    expect(after.nodes.c?.attempt).toBe(1);
  });
});

describe("Effect form", () => {
  it("DagProvenance.layer(path) provides Provenance to runEffect and records the run", async () => {
    const { dag } = fanDag();
    const runner = new DagRunner(dag, { dagNsref: "p:effect" });
    const result = await Effect.runPromise(
      runner.runEffect({ n: 2 }).pipe(Effect.provide(DagProvenance.layer(file))),
    );
    expect(result.status).toBe("completed");
    // The layer closed its file; a new object on it sees the run.
    const run = await open().getRun(result.runId, { values: true });
    expect(run?.status).toBe("completed");
    expect(run?.dagNsref).toBe("p:effect");
    expect(run?.outputs).toEqual({ join: { sum: 7 } });
  });

  it("records a call node's child run through the layer too", async () => {
    const inner = new Dag();
    inner.node((x: number) => x * 2, { label: "double" });
    const outer = new Dag();
    outer.node(() => 4, { label: "start" }).to(outer.node(inner, { label: "sub" }));
    const result = await Effect.runPromise(
      new DagRunner(outer).runEffect().pipe(Effect.provide(DagProvenance.layer(file))),
    );
    expect(result.outputs).toEqual({ sub: 8 });
    const children = await open().getChildRuns(result.runId);
    expect(children.map((c) => [c.expansionKey, c.status])).toEqual([["sub", "completed"]]);
  });

  it("fails the layer with NotADatabase for a text file, as a typed error", async () => {
    fs.writeFileSync(file, "plain text");
    const outcome = await Effect.runPromise(
      new DagRunner(chainDag())
        .runEffect(1)
        .pipe(Effect.provide(DagProvenance.layer(file)), Effect.either),
    );
    expect(Either.isLeft(outcome) && outcome.left._tag).toBe("NotADatabase");
  });

  it("NullProvenance.layer runs the same DAG and records nothing", async () => {
    const result = await Effect.runPromise(
      new DagRunner(chainDag()).runEffect(1).pipe(Effect.provide(NullProvenance.layer)),
    );
    expect(result).toMatchObject({ status: "completed", outputs: { c: 4 } });
  });
});
