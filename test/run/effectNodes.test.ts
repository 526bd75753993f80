import { Context, Data, Effect } from "effect";
import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { NullProvenance } from "../../src/provenance/NullProvenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import { NodeFailed, NodeTimedOut } from "../../src/run/errors.js";

class QuoteMissing extends Data.TaggedError("QuoteMissing")<{ readonly symbol: string }> {
  override get message() {
    return `no quote for ${this.symbol}`;
  }
}

class Prices extends Context.Tag("test/Prices")<
  Prices,
  { readonly quote: (symbol: string) => Effect.Effect<number, QuoteMissing> }
>() {}

const prices = (table: Record<string, number>) =>
  Context.make(Prices, {
    quote: (symbol) =>
      symbol in table
        ? Effect.succeed(table[symbol] as number)
        : Effect.fail(new QuoteMissing({ symbol })),
  });

/** fetch (an Effect node needing Prices) → double (a plain node). */
function quoteDag() {
  const dag = new Dag();
  const fetch = dag.node(
    (input: { symbol: string }) => Effect.flatMap(Prices, (p) => p.quote(input.symbol)),
    { label: "fetch" },
  );
  fetch.to(dag.node((price: number) => price * 2, { label: "double" }));
  return dag;
}

const provenanceLayer = NullProvenance.layer;

describe("Effect nodes", () => {
  it("give their success value downstream, with requirements from the runner's services", async () => {
    const runner = new DagRunner(quoteDag(), { services: prices({ AAPL: 21 }) });
    const result = await runner.run({ symbol: "AAPL" });
    expect(result).toMatchObject({ status: "completed", outputs: { double: 42 } });
  });

  it("take their requirements from the caller's context in the run's Effect form", async () => {
    const program = new DagRunner(quoteDag())
      .runEffect({ symbol: "MSFT" })
      .pipe(Effect.provide(provenanceLayer), Effect.provide(prices({ MSFT: 5 })));
    const result = await Effect.runPromise(program);
    expect(result.outputs).toEqual({ double: 10 });
  });

  it("keep a typed failure, _tag and data, in NodeFailed's cause", async () => {
    const result = await new DagRunner(quoteDag(), { services: prices({}) }).run({
      symbol: "NOPE",
    });
    expect(result.status).toBe("failed");
    expect(result.failedNode).toBe("fetch");
    const error = result.error as NodeFailed;
    expect(error).toBeInstanceOf(NodeFailed);
    expect(error.cause).toBeInstanceOf(QuoteMissing);
    expect(error.cause).toMatchObject({ _tag: "QuoteMissing", symbol: "NOPE" });
    expect(error.message).toBe('Node "fetch" failed on attempt 1: no quote for NOPE');
  });

  it("let the run's Effect caller catch the typed failure by its tag", async () => {
    const program = new DagRunner(quoteDag(), { services: prices({}) })
      .runEffect({ symbol: "NOPE" })
      .pipe(
        Effect.catchTag("NodeFailed", (failed) =>
          failed.cause instanceof QuoteMissing
            ? Effect.succeed(`missing ${failed.cause.symbol}`)
            : Effect.fail(failed),
        ),
        Effect.provide(provenanceLayer),
      );
    expect(await Effect.runPromise(program)).toBe("missing NOPE");
  });

  it("JSON of a NodeFailed keeps its message and its cause's message and data", async () => {
    const result = await new DagRunner(quoteDag(), { services: prices({}) }).run({
      symbol: "NOPE",
    });
    const json = JSON.parse(JSON.stringify(result.error));
    expect(json).toMatchObject({
      _tag: "NodeFailed",
      nodeLabel: "fetch",
      message: 'Node "fetch" failed on attempt 1: no quote for NOPE',
      cause: { _tag: "QuoteMissing", symbol: "NOPE", message: "no quote for NOPE" },
    });
    const thrown = new NodeFailed({ nodeLabel: "n", attempt: 1, cause: new Error("boom") });
    expect(JSON.parse(JSON.stringify(thrown)).cause).toMatchObject({
      name: "Error",
      message: "boom",
    });
  });

  it("fail with NodeFailed naming the service when a requirement is not provided", async () => {
    const result = await new DagRunner(quoteDag()).run({ symbol: "AAPL" });
    expect(result.status).toBe("failed");
    expect(result.error?._tag).toBe("NodeFailed");
    expect(result.error?.message).toContain("test/Prices");
  });

  it("are retried like Promise nodes, the attempt in the context", async () => {
    const attempts: number[] = [];
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) =>
        Effect.suspend(() => {
          attempts.push(ctx.attempt);
          return ctx.attempt < 3
            ? Effect.fail(new QuoteMissing({ symbol: `try${ctx.attempt}` }))
            : Effect.succeed("third time");
        }),
      { label: "flaky", retry: { attempts: 3, backoffMs: 1 } },
    );
    const result = await new DagRunner(dag).run();
    expect(result).toMatchObject({ status: "completed", outputs: { flaky: "third time" } });
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("give up after the last retry with the last typed failure", async () => {
    const dag = new Dag();
    dag.node(
      (_: unknown, ctx: NodeContext) =>
        Effect.fail(new QuoteMissing({ symbol: `try${ctx.attempt}` })),
      { label: "broken", retry: { attempts: 2, backoffMs: 1 } },
    );
    const result = await new DagRunner(dag).run();
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ attempt: 2, cause: { symbol: "try2" } });
  });

  it("are interrupted by the node's timeout (their finalizers run), then NodeTimedOut", async () => {
    let finalized = false;
    const dag = new Dag();
    dag.node(
      () => Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (finalized = true)))),
      { label: "hangs", timeout: 20 },
    );
    const result = await new DagRunner(dag).run();
    expect(result.status).toBe("failed");
    expect(result.error).toBeInstanceOf(NodeTimedOut);
    expect(finalized).toBe(true);
  });

  it("are interrupted when the run's signal aborts, and the run ends interrupted", async () => {
    let finalized = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const dag = new Dag();
    dag.node(
      () =>
        Effect.sync(started).pipe(
          Effect.zipRight(Effect.never),
          Effect.onInterrupt(() => Effect.sync(() => (finalized = true))),
        ),
      { label: "waits" },
    );
    const controller = new AbortController();
    const run = new DagRunner(dag).run(undefined, { signal: controller.signal });
    await running;
    controller.abort();
    const result = await run;
    expect(result.status).toBe("interrupted");
    expect(finalized).toBe(true);
  });

  it("work as map elements and as registered callables, with the runner's services", async () => {
    const ns = new Namespace();
    const quote = ns.register((symbol: string) => Effect.flatMap(Prices, (p) => p.quote(symbol)), {
      nsref: "market:quote",
    });
    const perSymbol = new Dag();
    perSymbol.node(quote, { label: "quote" });
    const dag = new Dag();
    dag
      .node(() => ["AAPL", "MSFT"], { label: "symbols" })
      .to(dag.map(perSymbol, { label: "quotes" }));
    const result = await new DagRunner(dag, { services: prices({ AAPL: 1, MSFT: 2 }) }).run();
    expect(result).toMatchObject({ status: "completed", outputs: { quotes: [1, 2] } });
  });

  it("record the failure's message in the run history", async () => {
    const provenance = new DagProvenance(":memory:");
    const result = await new DagRunner(quoteDag(), {
      provenance,
      services: prices({}),
    }).run({ symbol: "NOPE" });
    const stored = await provenance.getRun(result.runId);
    expect(JSON.stringify(stored)).toContain("no quote for NOPE");
  });
});
