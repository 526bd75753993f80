/**
 * One suite, run against every backend of the run history: SQLite (a temp file) always,
 * PostgreSQL when the server answers (each test on a fresh schema). Whatever passes
 * here behaves the same on both.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Effect } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { DagProvenance, type RunRecord } from "../../src/provenance/DagProvenance.js";
import type { RunStart } from "../../src/provenance/Provenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import { isStoreFailure } from "../../src/store/errors.js";
import { PgStore } from "../../src/store/PgStore.js";
import { freshSchema, pgSkipReason } from "../store/pgAvailable.js";

interface Backend {
  readonly name: string;
  /** Makes a fresh, empty database for one test. */
  setup(): Promise<void>;
  /** Closes what `open` opened and removes the database. */
  teardown(): Promise<void>;
  /** A DagProvenance on the test's database (a new connection each call). */
  open(): DagProvenance;
  /** The path or URL `DagProvenance.layer` takes. */
  target(): string;
}

/** Closes every DagProvenance a backend handed out. */
const closeAll = async (opened: DagProvenance[]) => {
  for (const provenance of opened.splice(0)) await provenance.close();
};

const sqliteBackend = (): Backend => {
  let dir = "";
  const opened: DagProvenance[] = [];
  return {
    name: "SQLite",
    setup: async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-contract-"));
    },
    teardown: async () => {
      await closeAll(opened);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    open: () => {
      const provenance = new DagProvenance(path.join(dir, "runs.db"));
      opened.push(provenance);
      return provenance;
    },
    target: () => path.join(dir, "runs.db"),
  };
};

const pgBackend = (): Backend => {
  let scratch: Awaited<ReturnType<typeof freshSchema>> | undefined;
  const opened: DagProvenance[] = [];
  return {
    name: "PostgreSQL",
    setup: async () => {
      scratch = await freshSchema(true);
    },
    teardown: async () => {
      await closeAll(opened);
      await scratch?.drop();
    },
    open: () => {
      const provenance = new DagProvenance((scratch as { url: string }).url, { max: 4 });
      opened.push(provenance);
      return provenance;
    },
    target: () => (scratch as { url: string }).url,
  };
};

const backends: Backend[] = [sqliteBackend(), ...(pgSkipReason === undefined ? [pgBackend()] : [])];
if (pgSkipReason !== undefined) {
  describe.skip(`run history on PostgreSQL (skipped: ${pgSkipReason})`, () => {
    it("needs a PostgreSQL server", () => {});
  });
}

/** A promise with its resolve function. */
const signal = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

/** Commits made through a provenance's store. */
const commitsOf = (provenance: DagProvenance): number =>
  provenance.pg !== undefined ? provenance.pg.commitCount : provenance.store.commitCount;

/**
 * fetch → (prices, volumes) → merge → publish; `merge` fails while `state.broken`.
 * `fetch` returns a Date, a Map, a BigInt and nested objects, so that a restart must
 * feed downstream what it decoded from the database.
 */
function marketDag(state: { broken: boolean }, calls: Record<string, number>) {
  const count = (ctx: NodeContext) => {
    calls[ctx.nodeLabel] = (calls[ctx.nodeLabel] ?? 0) + 1;
  };
  const dag = new Dag();
  const fetch = dag.node(
    (input: { day: string }, ctx: NodeContext) => {
      count(ctx);
      return {
        asOf: new Date(`${input.day}T00:00:00.000Z`),
        raw: new Map([["AAPL", 185]]),
        volume: 10n ** 20n,
        meta: { source: { name: "feed", tags: ["a", "b"] }, ok: true, none: null },
      };
    },
    { label: "fetch" },
  );
  const prices = dag.node(
    (x: { asOf: Date; raw: Map<string, number> }, ctx: NodeContext) => {
      count(ctx);
      return { asOf: x.asOf, price: x.raw.get("AAPL") ?? 0 };
    },
    { label: "prices" },
  );
  const volumes = dag.node(
    (x: { volume: bigint }, ctx: NodeContext) => {
      count(ctx);
      return Number(x.volume / 10n ** 17n);
    },
    { label: "volumes" },
  );
  const merge = dag.node(
    (x: { p: { asOf: Date; price: number }; v: number }, ctx: NodeContext) => {
      count(ctx);
      if (state.broken) throw new Error("merge: price feed schema changed");
      return { day: x.p.asOf.toISOString().slice(0, 10), value: x.p.price * x.v };
    },
    { label: "merge" },
  );
  const publish = dag.node(
    (x: { day: string; value: number }, ctx: NodeContext) => {
      count(ctx);
      return `${x.day}: ${x.value}`;
    },
    { label: "publish" },
  );
  fetch.to(prices);
  fetch.to(volumes);
  prices.to(merge, { as: "p" });
  volumes.to(merge, { as: "v" });
  merge.to(publish);
  return dag;
}

/** chunks → each (map of prep → work); `work` fails for the chunks in `broken`. */
function chunkPipeline(broken: Set<string>, calls: Record<string, number>) {
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const perChunk = new Dag<string, number>();
  perChunk
    .node(
      (chunk: string) => {
        count(`prep:${chunk}`);
        return chunk.trim();
      },
      { label: "prep" },
    )
    .to(
      perChunk.node(
        (chunk: string) => {
          count(`work:${chunk}`);
          if (broken.has(chunk)) throw new Error(`cannot count ${chunk}`);
          return chunk.split(" ").length;
        },
        { label: "work" },
      ),
    );
  const dag = new Dag();
  dag
    .node(() => ["a", "b c", "d e f", "g h i j"], { label: "chunks" })
    // One element at a time: the failure stops the map before the last element starts.
    .to(dag.map(perChunk, { label: "each", concurrency: 1 }))
    .to(dag.node((counts: number[]) => counts.reduce((a, b) => a + b, 0), { label: "total" }));
  return dag;
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

/** A run start written straight through the service, at a chosen time. */
const startAt = (runId: string, startedAt: number, dagNsref = "p:recent"): RunStart => ({
  runId,
  dagNsref,
  parentRunId: undefined,
  expansionKey: undefined,
  fingerprint: "f",
  shape: { nodes: ["a=function"], edges: [] },
  startedAt,
  input: { n: 1 },
  nodes: [{ label: "a", isSource: true, isSink: true }],
});

describe.each(backends)("run history on $name", (backend) => {
  beforeEach(() => backend.setup());
  afterEach(() => backend.teardown());

  it("records a fan-out / fan-in run: run, nodes in DAG order, edges, values round-trip", async () => {
    const provenance = backend.open();
    const calls: Record<string, number> = {};
    const result = await new DagRunner(marketDag({ broken: false }, calls), {
      provenance,
      dagNsref: "market:daily",
    }).run({ day: "2026-03-02" });
    expect(result).toMatchObject({
      status: "completed",
      outputs: { publish: "2026-03-02: 185000" },
    });

    const run = (await provenance.getRun(result.runId, { values: true })) as RunRecord;
    expect(run).toMatchObject({
      runId: result.runId,
      dagNsref: "market:daily",
      parentRunId: undefined,
      status: "completed",
      error: undefined,
    });
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(typeof run.fingerprint).toBe("string");
    expect(Object.keys(run.nodes)).toEqual(["fetch", "prices", "volumes", "merge", "publish"]);
    expect(run.nodes.fetch).toMatchObject({
      status: "completed",
      isSource: true,
      isSink: false,
      attempt: 1,
    });
    expect(run.nodes.publish).toMatchObject({ isSource: false, isSink: true });
    expect([...(run.nodes.fetch?.downstream ?? [])].sort()).toEqual(["prices", "volumes"]);
    expect([...(run.nodes.merge?.upstream ?? [])].sort()).toEqual(["prices", "volumes"]);
    expect(run.input).toEqual({ day: "2026-03-02" });
    expect(run.outputs).toEqual({ publish: "2026-03-02: 185000" });
    // Date, Map, BigInt and nested objects come back as they went in.
    const fetched = run.nodes.fetch?.output as {
      asOf: Date;
      raw: Map<string, number>;
      volume: bigint;
      meta: unknown;
    };
    expect(fetched.asOf).toBeInstanceOf(Date);
    expect(fetched.asOf.toISOString()).toBe("2026-03-02T00:00:00.000Z");
    expect(fetched.raw).toEqual(new Map([["AAPL", 185]]));
    expect(fetched.volume).toBe(10n ** 20n);
    expect(fetched.meta).toEqual({
      source: { name: "feed", tags: ["a", "b"] },
      ok: true,
      none: null,
    });

    // Without { values: true } no values are loaded.
    const bare = (await provenance.getRun(result.runId)) as RunRecord;
    expect(bare.input).toBeUndefined();
    expect(bare.nodes.fetch?.output).toBeUndefined();

    const nodes = await provenance.getNodeExecutions(result.runId);
    expect(nodes.map((n) => n.label)).toEqual(["fetch", "prices", "volumes", "merge", "publish"]);
    expect(nodes[3]?.input).toMatchObject({ p: { price: 185 }, v: 1000 });
    expect(await provenance.getRun("no-such-run")).toBeUndefined();
    expect(await provenance.getNodeExecutions("no-such-run")).toEqual([]);
  });

  it("commits a 3-node chain at most 5 times, each write before the run goes on", async () => {
    const provenance = backend.open();
    await new DagRunner(chainDag(), { provenance }).run(0); // connect and migrate first
    const before = commitsOf(provenance);
    const result = await new DagRunner(chainDag(), { provenance }).run(1);
    expect(result.outputs).toEqual({ c: 4 });
    expect(commitsOf(provenance) - before).toBeLessThanOrEqual(5);
    expect(commitsOf(provenance) - before).toBeGreaterThanOrEqual(1);
  });

  it("pages recent runs newest first, filtered, through runs started in the same millisecond", async () => {
    const provenance = backend.open();
    const t = Date.parse("2026-01-01T00:00:00.000Z");
    const write = (start: RunStart) =>
      Effect.runPromise(
        provenance.service.runStarted(start, [
          { label: "a", input: 1, attempt: 1, startedAt: start.startedAt },
        ]),
      );
    await write(startAt("early", t - 1000));
    for (const id of ["s1", "s2", "s3", "s4", "s5"]) await write(startAt(id, t));
    await write(startAt("late", t + 1000));
    await write(startAt("other", t + 2000, "p:other"));
    await Effect.runPromise(
      provenance.service.runFinished("late", {
        status: "completed",
        finishedAt: t + 1500,
        outputs: { a: 1 },
        error: undefined,
        nodes: [],
      }),
    );

    const all = await provenance.getRecentRuns({ dagNsref: "p:recent" });
    expect(all).toHaveLength(7);
    expect(all[0]?.runId).toBe("late");
    expect(all.at(-1)?.runId).toBe("early");
    expect((await provenance.getRecentRuns()).map((r) => r.runId)[0]).toBe("other");
    expect((await provenance.getRecentRuns({ status: "completed" })).map((r) => r.runId)).toEqual([
      "late",
    ]);
    expect(
      (await provenance.getRecentRuns({ dagNsref: "p:recent", before: new Date(t) })).map(
        (r) => r.runId,
      ),
    ).toEqual(["early"]);

    // Pages of 2, each continuing after the last run of the previous page.
    const seen: string[] = [];
    let page = await provenance.getRecentRuns({ dagNsref: "p:recent", limit: 2 });
    while (page.length > 0) {
      seen.push(...page.map((r) => r.runId));
      page = await provenance.getRecentRuns({
        dagNsref: "p:recent",
        limit: 2,
        before: page.at(-1),
      });
    }
    expect(seen).toEqual(all.map((r) => r.runId));
    expect(new Set(seen).size).toBe(7);
    expect(all[1]?.nodes.a?.status).toBe("running");
  });

  it("finds unfinished runs: started but never ended", async () => {
    const provenance = backend.open();
    const done = await new DagRunner(chainDag(), { provenance }).run(1);
    await Effect.runPromise(
      provenance.service.runStarted(startAt("left-running", Date.now()), [
        { label: "a", input: 1, attempt: 1, startedAt: Date.now() },
      ]),
    );
    const unfinished = await provenance.findUnfinishedRuns();
    expect(unfinished.map((r) => r.runId)).toEqual(["left-running"]);
    expect(unfinished[0]?.nodes.a?.status).toBe("running");
    expect(unfinished.map((r) => r.runId)).not.toContain(done.runId);
  });

  it("ends every node still running on record when its run ends (a node left by a dead process)", async () => {
    const provenance = backend.open();
    const t = Date.now();
    // A process started a and b and died; the next one resumed the run and was stopped
    // before it launched either: its end names no node, yet none may stay running.
    await Effect.runPromise(
      provenance.service.runStarted(startAt("cut-off", t), [
        { label: "a", input: 1, attempt: 1, startedAt: t },
      ]),
    );
    await Effect.runPromise(
      provenance.service.runFinished("cut-off", {
        status: "interrupted",
        finishedAt: t + 5,
        outputs: {},
        error: undefined,
        nodes: [],
      }),
    );
    const run = (await provenance.getRun("cut-off")) as RunRecord;
    expect(run.status).toBe("interrupted");
    expect(run.nodes.a?.status).toBe("interrupted");
    expect(run.nodes.a?.attempt).toBe(1);
  });

  it("records a map's elements as child runs, and a restart reuses the completed ones", async () => {
    const provenance = backend.open();
    const broken = new Set(["d e f"]);
    const calls: Record<string, number> = {};
    const runner = new DagRunner(chunkPipeline(broken, calls), { provenance, dagNsref: "p:words" });
    const first = await runner.run();
    expect(first.status).toBe("failed");

    const children = await provenance.getChildRuns(first.runId);
    expect(children.map((c) => c.expansionKey).sort()).toEqual(["each[0]", "each[1]", "each[2]"]);
    for (const child of children) {
      expect(child.parentRunId).toBe(first.runId);
      expect(Object.keys(child.nodes)).toEqual(["prep", "work"]);
    }
    const failedChild = children.find((c) => c.expansionKey === "each[2]") as RunRecord;
    expect(failedChild.status).toBe("failed");
    expect(failedChild.nodes.prep?.status).toBe("completed");
    const second = children.find((c) => c.expansionKey === "each[1]") as RunRecord;
    const record = (await provenance.getRun(second.runId, { values: true })) as RunRecord;
    expect(record.input).toBe("b c");
    expect(record.outputs).toEqual({ work: 2 });

    const snapshot = { ...calls };
    broken.clear();
    const again = await runner.restart(first.runId);
    expect(again).toMatchObject({
      runId: first.runId,
      status: "completed",
      outputs: { total: 10 },
    });
    const ranAgain = Object.fromEntries(
      Object.entries(calls)
        .map(([name, n]) => [name, n - (snapshot[name] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    // The failed element's failed node again, and the element that never started.
    expect(ranAgain).toEqual({ "work:d e f": 1, "prep:g h i j": 1, "work:g h i j": 1 });
    const after = await provenance.getChildRuns(first.runId);
    expect(after).toHaveLength(4);
    expect(after.map((c) => c.runId)).toEqual(expect.arrayContaining(children.map((c) => c.runId)));
    expect(after.every((c) => c.status === "completed")).toBe(true);
  });

  it("restarts a failed run from another connection, skipping the completed nodes", async () => {
    const calls: Record<string, number> = {};
    const before = backend.open();
    const first = await new DagRunner(marketDag({ broken: true }, calls), {
      provenance: before,
    }).run({ day: "2026-03-03" });
    expect(first.status).toBe("failed");
    const failed = (await before.getRun(first.runId)) as RunRecord;
    expect(failed.nodes.merge).toMatchObject({ status: "failed", attempt: 1 });
    expect(failed.nodes.publish?.status).toBe("pending");
    await before.close();

    const after = backend.open();
    const fixed: Record<string, number> = {};
    const result = await new DagRunner(marketDag({ broken: false }, fixed), {
      provenance: after,
    }).restart(first.runId);
    expect(result).toMatchObject({
      status: "completed",
      outputs: { publish: "2026-03-03: 185000" },
    });
    expect(fixed).toEqual({ merge: 1, publish: 1 });
    const done = (await after.getRun(first.runId)) as RunRecord;
    expect(done.nodes.merge).toMatchObject({ status: "completed", attempt: 2 });
    expect(done.nodes.fetch).toMatchObject({ status: "completed", attempt: 1 });
  });

  it("records an interrupted run, and a restart resumes it without repeating finished nodes", async () => {
    const provenance = backend.open();
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
    expect(await pending).toMatchObject({ runId: "to-interrupt", status: "interrupted" });
    const run = (await provenance.getRun("to-interrupt")) as RunRecord;
    expect(run.status).toBe("interrupted");
    expect(run.nodes.a?.status).toBe("completed");
    expect(run.nodes.b?.status).toBe("interrupted");
    expect(run.nodes.c?.status).toBe("pending");
    expect(await provenance.findUnfinishedRuns()).toEqual([]);

    hang = false;
    const again = await runner.restart("to-interrupt");
    expect(again).toMatchObject({ runId: "to-interrupt", status: "completed", outputs: { c: 21 } });
    expect(calls).toEqual({ a: 1, b: 2, c: 1 });
    const after = (await provenance.getRun("to-interrupt")) as RunRecord;
    expect(after.nodes.b?.attempt).toBe(2);
  });

  it("provides Provenance through DagProvenance.layer(target) in the Effect form", async () => {
    const runner = new DagRunner(chainDag(), { dagNsref: "p:effect" });
    const result = await Effect.runPromise(
      runner.runEffect(1).pipe(Effect.provide(DagProvenance.layer(backend.target()))),
    );
    expect(result.status).toBe("completed");
    const run = await backend.open().getRun(result.runId, { values: true });
    expect(run).toMatchObject({ status: "completed", dagNsref: "p:effect", outputs: { c: 4 } });
  });
});

describe.skipIf(pgSkipReason !== undefined)("DagProvenance on PostgreSQL specifics", () => {
  it("takes a PgStore, exposes it as .pg, and refuses .store with a clear error", async () => {
    const scratch = await freshSchema(false);
    const pg = PgStore.connect(scratch.url.replace(/[?&]options=[^&]*/, ""), {
      schema: scratch.schema,
    });
    const provenance = new DagProvenance(pg);
    try {
      expect(provenance.pg).toBe(pg);
      expect(provenance.backend).toBe("postgres");
      expect(provenance.location).toBe(pg.location);
      expect(() => provenance.store).toThrow(/PostgreSQL.*DagProvenance\.pg/);
      const result = await new DagRunner(chainDag(), { provenance }).run(1);
      expect((await provenance.getRun(result.runId))?.status).toBe("completed");
    } finally {
      await provenance.close();
      await provenance.close();
      await scratch.drop();
    }
  });

  it("fails reads and runs with DatabaseUnreachable when the server is away", async () => {
    const provenance = new DagProvenance("postgres://u:s3cret@127.0.0.1:1/test", {
      connectTimeoutMs: 1000,
    });
    try {
      const error = await provenance.getRun("x").catch((e: unknown) => e);
      expect(isStoreFailure(error)).toBe(true);
      expect(error).toMatchObject({ _tag: "DatabaseUnreachable", host: "127.0.0.1", port: 1 });
      expect((error as Error).message).not.toContain("s3cret");
      const result = await new DagRunner(chainDag(), { provenance })
        .run(1)
        .catch((e: unknown) => e);
      expect(result).toMatchObject({ _tag: "DatabaseUnreachable" });
    } finally {
      await provenance.close();
    }
  });
});
