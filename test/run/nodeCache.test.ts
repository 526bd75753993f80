/**
 * Issue 17, item 5: cached nodes. A registered function's output is reused for an equal
 * input within its TTL, on the run history's database (SQLite always, PostgreSQL when it
 * answers, each test on a fresh schema), and recorded `cached` with the run it came from.
 * Time is Effect's TestClock: the runner reads the time only through Effect's Clock.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { it as effectIt } from "@effect/vitest";
import { Effect, TestClock } from "effect";
import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { runToMermaid } from "../../src/inspect/runToMermaid.js";
import { InvalidCacheOptions } from "../../src/namespace/errors.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance, type RunRecord } from "../../src/provenance/DagProvenance.js";
import { NullProvenance } from "../../src/provenance/NullProvenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import { cacheKey } from "../../src/run/nodeCache.js";
import { freshSchema, pgSkipReason } from "../store/pgAvailable.js";

interface Backend {
  readonly name: string;
  /** A fresh, empty run history and how to remove it. */
  open(): Promise<{ provenance: DagProvenance; close: () => Promise<void> }>;
}

const sqlite: Backend = {
  name: "SQLite",
  open: async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-cache-"));
    const provenance = new DagProvenance(path.join(dir, "runs.db"));
    return {
      provenance,
      close: async () => {
        await provenance.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: Backend = {
  name: "PostgreSQL",
  open: async () => {
    const scratch = await freshSchema(true);
    const provenance = new DagProvenance(scratch.url, { max: 2 });
    return {
      provenance,
      close: async () => {
        await provenance.close();
        await scratch.drop();
      },
    };
  },
};

const backends = [sqlite, ...(pgSkipReason === undefined ? [postgres] : [])];

/** A namespace with `geo:lookup` cached for an hour, and a DAG lookup → shout. */
function pipeline(version?: string, shoutFails = { now: false }) {
  const calls: unknown[] = [];
  const ns = new Namespace();
  const lookup = ns.register(
    (input: { city: string; country: string }) => {
      calls.push(input);
      if (input.city === "fail") throw new Error("lookup service down");
      return { where: `${input.city}, ${input.country}` };
    },
    {
      nsref: "geo:lookup",
      cache: version === undefined ? { ttl: "1h" } : { ttl: "1h", version },
    },
  );
  const shout = ns.register(
    (found: { where: string }) => {
      if (shoutFails.now) throw new Error("shout failed");
      return found.where.toUpperCase();
    },
    { nsref: "geo:shout" },
  );
  const dag = new Dag();
  dag.node(lookup).to(dag.node(shout));
  ns.register(dag, { nsref: "pipelines:geo" });
  return { calls, ns, dag };
}

/** Runs the pipeline once on `provenance` (fails with the node's error). */
const runOnce = (dag: Dag, provenance: DagProvenance, input: unknown) =>
  new DagRunner(dag, { dagNsref: "pipelines:geo" })
    .runEffect(input)
    .pipe(Effect.provide(provenance.layer));

/** `use` on a fresh run history of `backend`, removed afterwards whatever happens. */
const withHistory = <A, E>(
  backend: Backend,
  use: (provenance: DagProvenance) => Effect.Effect<A, E>,
) =>
  Effect.acquireUseRelease(
    Effect.promise(() => backend.open()),
    ({ provenance }) => use(provenance),
    ({ close }) => Effect.promise(close),
  );

const oslo = { city: "Oslo", country: "NO" };

for (const backend of backends) {
  describe(`cached nodes on ${backend.name}`, () => {
    effectIt.effect("reuse within the TTL, recorded cached with the source run", () =>
      Effect.gen(function* () {
        yield* withHistory(backend, (provenance) =>
          Effect.gen(function* () {
            const { calls, dag } = pipeline();
            const first = yield* runOnce(dag, provenance, oslo);
            expect(first.outputs).toEqual({ shout: "OSLO, NO" });
            yield* TestClock.adjust("59 minutes");
            // The same input with its keys in another order is the same input.
            const second = yield* runOnce(dag, provenance, { country: "NO", city: "Oslo" });
            expect(second.outputs).toEqual({ shout: "OSLO, NO" });
            expect(calls).toEqual([oslo]);
            const run = yield* Effect.promise(() =>
              provenance.getRun(second.runId, { values: true }),
            );
            expect(run?.status).toBe("completed");
            expect(run?.nodes.lookup).toMatchObject({
              status: "cached",
              cachedFrom: first.runId,
              output: { where: "Oslo, NO" },
            });
            // Downstream of a hit runs as usual, on the reused output.
            expect(run?.nodes.shout).toMatchObject({ status: "completed", cachedFrom: undefined });
            const source = yield* Effect.promise(() => provenance.getRun(first.runId));
            expect(source?.nodes.lookup).toMatchObject({
              status: "completed",
              cachedFrom: undefined,
            });
            // The run's picture says so too.
            expect(runToMermaid(dag, run as RunRecord)).toContain(
              `lookup<br/><small>cached · from ${first.runId.slice(0, 8)}</small>"]:::cached`,
            );
            // A third hit still names the run that computed the output.
            const third = yield* runOnce(dag, provenance, oslo);
            const thirdRun = yield* Effect.promise(() => provenance.getRun(third.runId));
            expect(thirdRun?.nodes.lookup?.cachedFrom).toBe(first.runId);
            expect(calls).toHaveLength(1);
          }),
        );
      }),
    );

    effectIt.effect("a miss once the TTL has passed; the new output is cached from its run", () =>
      Effect.gen(function* () {
        yield* withHistory(backend, (provenance) =>
          Effect.gen(function* () {
            const { calls, dag } = pipeline();
            yield* runOnce(dag, provenance, oslo);
            yield* TestClock.adjust("1 hours");
            const after = yield* runOnce(dag, provenance, oslo);
            expect(calls).toHaveLength(2);
            const run = yield* Effect.promise(() => provenance.getRun(after.runId));
            expect(run?.nodes.lookup?.status).toBe("completed");
            const again = yield* runOnce(dag, provenance, oslo);
            const againRun = yield* Effect.promise(() => provenance.getRun(again.runId));
            expect(againRun?.nodes.lookup).toMatchObject({
              status: "cached",
              cachedFrom: after.runId,
            });
            expect(calls).toHaveLength(2);
          }),
        );
      }),
    );

    effectIt.effect(
      "retention deletes expired outputs only; a deleted output is computed again",
      () =>
        Effect.gen(function* () {
          yield* withHistory(backend, (provenance) =>
            Effect.gen(function* () {
              const { calls, dag } = pipeline();
              yield* runOnce(dag, provenance, oslo); // cached until 01:00 (TestClock starts at 0)
              const halfHour = 30 * 60_000;
              const twoHours = 2 * 3_600_000;
              expect(yield* Effect.promise(() => provenance.countExpiredCache(halfHour))).toBe(0);
              expect(yield* Effect.promise(() => provenance.pruneExpiredCache(halfHour, 500))).toBe(
                0,
              );
              yield* runOnce(dag, provenance, oslo);
              expect(calls).toHaveLength(1); // still reused
              expect(yield* Effect.promise(() => provenance.countExpiredCache(twoHours))).toBe(1);
              expect(yield* Effect.promise(() => provenance.pruneExpiredCache(twoHours, 500))).toBe(
                1,
              );
              expect(yield* Effect.promise(() => provenance.countExpiredCache(twoHours))).toBe(0);
              yield* runOnce(dag, provenance, oslo);
              expect(calls).toHaveLength(2); // gone: the function ran again
            }),
          );
        }),
    );

    effectIt.effect("a miss for another input, or another version of the node", () =>
      Effect.gen(function* () {
        yield* withHistory(backend, (provenance) =>
          Effect.gen(function* () {
            const v1 = pipeline("1");
            yield* runOnce(v1.dag, provenance, oslo);
            yield* runOnce(v1.dag, provenance, { city: "Bergen", country: "NO" });
            expect(v1.calls).toHaveLength(2);
            yield* runOnce(v1.dag, provenance, oslo);
            expect(v1.calls).toHaveLength(2);
            // The same nsref at version 2 (another process, the same database).
            const v2 = pipeline("2");
            const fresh = yield* runOnce(v2.dag, provenance, oslo);
            expect(v2.calls).toEqual([oslo]);
            const run = yield* Effect.promise(() => provenance.getRun(fresh.runId));
            expect(run?.nodes.lookup?.status).toBe("completed");
          }),
        );
      }),
    );

    effectIt.effect("a failure is not cached: the next run calls the function again", () =>
      Effect.gen(function* () {
        yield* withHistory(backend, (provenance) =>
          Effect.gen(function* () {
            const { calls, dag } = pipeline();
            const failing = { city: "fail", country: "XX" };
            const error = yield* runOnce(dag, provenance, failing).pipe(Effect.flip);
            expect(error).toMatchObject({ _tag: "NodeFailed", nodeLabel: "lookup" });
            yield* runOnce(dag, provenance, failing).pipe(Effect.flip);
            expect(calls).toHaveLength(2);
          }),
        );
      }),
    );

    effectIt.effect("a restart keeps a cached node's output and does not call it", () =>
      Effect.gen(function* () {
        yield* withHistory(backend, (provenance) =>
          Effect.gen(function* () {
            const shoutFails = { now: false };
            const { calls, dag } = pipeline(undefined, shoutFails);
            const first = yield* runOnce(dag, provenance, oslo);
            shoutFails.now = true;
            const runner = new DagRunner(dag, { dagNsref: "pipelines:geo" });
            const error = yield* runner
              .runEffect(oslo, { runId: "second" })
              .pipe(Effect.provide(provenance.layer), Effect.flip);
            expect(error).toMatchObject({ _tag: "NodeFailed", nodeLabel: "shout" });
            shoutFails.now = false;
            const restarted = yield* runner
              .restartEffect("second")
              .pipe(Effect.provide(provenance.layer));
            expect(restarted).toMatchObject({ runId: "second", status: "completed" });
            expect(restarted.outputs).toEqual({ shout: "OSLO, NO" });
            expect(calls).toHaveLength(1);
            const run = yield* Effect.promise(() => provenance.getRun("second"));
            expect(run?.nodes.lookup).toMatchObject({ status: "cached", cachedFrom: first.runId });
            // A replay that re-runs the cached node asks for a fresh output: the function
            // runs, and its output replaces the cached entry (the next run reuses it).
            const replayed = yield* runner
              .replayEffect("second", { rerun: ["lookup"] })
              .pipe(Effect.provide(provenance.layer));
            const replay = yield* Effect.promise(() => provenance.getRun(replayed.runId));
            expect(replay?.nodes.lookup?.status).toBe("completed");
            expect(replay?.nodes.lookup?.cachedFrom).toBeUndefined();
            expect(calls).toHaveLength(2);
            const after = yield* runOnce(dag, provenance, oslo);
            const afterRun = yield* Effect.promise(() => provenance.getRun(after.runId));
            expect(afterRun?.nodes.lookup).toMatchObject({
              status: "cached",
              cachedFrom: replayed.runId,
            });
            expect(calls).toHaveLength(2);
          }),
        );
      }),
    );
  });
}

describe("cache options", () => {
  it("a TTL that is not a duration is InvalidCacheOptions at register", () => {
    const ns = new Namespace();
    for (const ttl of ["abc", "0s", -5, "1 fortnight"]) {
      let error: unknown;
      try {
        ns.register(() => 1, { nsref: "a:f", cache: { ttl } });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidCacheOptions);
      expect(error).toMatchObject({ nsref: "a:f", field: "ttl", value: ttl });
      expect((error as Error).message).toContain('{ ttl: "1h" }');
    }
    expect(ns.has("a:f")).toBe(false);
  });

  it("a cache on a DAG is InvalidCacheOptions", () => {
    const ns = new Namespace();
    const dag = new Dag();
    dag.node(() => 1);
    expect(() => ns.register(dag, { nsref: "a:d", cache: { ttl: "1h" } })).toThrow(
      InvalidCacheOptions,
    );
  });

  it("the key is the same for the same input in any key order, and differs by version", () => {
    const a = cacheKey("geo:lookup", "1", { b: [1, { y: 2, x: 1 }], a: "x" });
    const b = cacheKey("geo:lookup", "1", { a: "x", b: [1, { x: 1, y: 2 }] });
    expect(a).toBe(b);
    expect(cacheKey("geo:lookup", "2", { a: "x" })).not.toBe(
      cacheKey("geo:lookup", "1", { a: "x" }),
    );
    expect(cacheKey("geo:other", "1", { a: "x" })).not.toBe(
      cacheKey("geo:lookup", "1", { a: "x" }),
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(cacheKey("geo:lookup", "1", cyclic)).toBeUndefined();
  });

  it("an Effect node is cached by its success value", async () => {
    await Effect.runPromise(
      withHistory(sqlite, (provenance) =>
        Effect.gen(function* () {
          let calls = 0;
          const ns = new Namespace();
          const square = ns.register(
            (n: number) =>
              Effect.sync(() => {
                calls += 1;
                return n * n;
              }),
            { nsref: "math:square", cache: { ttl: "5m" } },
          );
          const dag = new Dag();
          dag.node(square);
          const runner = new DagRunner(dag, { provenance });
          const first = yield* Effect.promise(() => runner.run(7));
          const second = yield* Effect.promise(() => runner.run(7));
          expect([first.outputs, second.outputs]).toEqual([{ square: 49 }, { square: 49 }]);
          expect(calls).toBe(1);
          const run = yield* Effect.promise(() => provenance.getRun(second.runId));
          expect(run?.nodes.square).toMatchObject({ status: "cached", cachedFrom: first.runId });
        }),
      ),
    );
  });

  it("without a run history nothing is cached", async () => {
    const { calls, dag } = pipeline();
    await new DagRunner(dag, { provenance: NullProvenance }).run(oslo);
    await new DagRunner(dag, { provenance: NullProvenance }).run(oslo);
    expect(calls).toHaveLength(2);
  });
});
