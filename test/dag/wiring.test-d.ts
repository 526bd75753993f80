import { Data, Effect } from "effect";
import { describe, expectTypeOf, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { DagNode } from "../../src/dag/DagNode.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import type { NamespaceNode } from "../../src/namespace/NamespaceNode.js";
import type { DagRunResult } from "../../src/run/DagRunner.js";

const dag = new Dag();
const makeNumber = dag.node(() => 42, { label: "makeNumber" });
const makeText = dag.node(async () => "AAPL", { label: "makeText" });
const double = dag.node((n: number) => n * 2, { label: "double" });
const shout = dag.node((s: string) => s.toUpperCase(), { label: "shout" });
const length = dag.node(async (s: string) => s.length, { label: "length" });
const anything = dag.node((x: unknown) => String(x), { label: "anything" });
const either = dag.node((x: number | string) => typeof x, { label: "either" });
const quote = dag.node(() => ({ symbol: "AAPL", price: 185 }), { label: "quote" });
const needsSymbol = dag.node((q: { symbol: string }) => q.symbol, { label: "needsSymbol" });
const needsVolume = dag.node((q: { symbol: string; volume: number }) => q.volume, {
  label: "needsVolume",
});

describe("dag.node types", () => {
  it("takes an Effect node's success type as its output, for downstream wiring", () => {
    class Missing extends Data.TaggedError("Missing")<{ readonly symbol: string }> {}
    const fetchPrice = dag.node(
      (symbol: string): Effect.Effect<number, Missing> =>
        symbol === "" ? Effect.fail(new Missing({ symbol })) : Effect.succeed(1),
      { label: "fetchPrice" },
    );
    expectTypeOf(fetchPrice).toEqualTypeOf<DagNode<string, number>>();
    expectTypeOf(fetchPrice.to(double)).toEqualTypeOf<typeof double>();
    // @ts-expect-error the Effect's number is not a string
    fetchPrice.to(shout);
    const ns = new Namespace();
    const registered = ns.register((n: number) => Effect.succeed(String(n)), {
      nsref: "effects:show",
    });
    expectTypeOf(registered).toEqualTypeOf<NamespaceNode<number, string>>();
  });

  it("takes the input and output types from the function", () => {
    expectTypeOf(double).toEqualTypeOf<DagNode<number, number>>();
    expectTypeOf(shout).toEqualTypeOf<DagNode<string, string>>();
  });

  it("unwraps an async function's promise", () => {
    expectTypeOf(makeText).toEqualTypeOf<DagNode<unknown, string>>();
    expectTypeOf(length).toEqualTypeOf<DagNode<string, number>>();
  });

  it("types the second argument as the node context", () => {
    dag.node(
      (n: number, ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<NodeContext>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
        return n;
      },
      { label: "withCtx" },
    );
  });

  it("carries the types of a registered function through the namespace", () => {
    const ns = new Namespace();
    const registered = ns.register((s: string) => s.length, { nsref: "text:length" });
    expectTypeOf(registered).toEqualTypeOf<NamespaceNode<string, number>>();
    const inner = new Dag();
    expectTypeOf(inner.node(registered)).toEqualTypeOf<DagNode<string, number>>();
  });

  it("types a registered DAG's call as resolving to a DagRunResult", () => {
    const ns = new Namespace();
    const sub = new Dag();
    sub.node(() => 1);
    const registered = ns.register(sub, { nsref: "pipelines:sub" });
    expectTypeOf(registered.call).returns.toEqualTypeOf<Promise<DagRunResult>>();
  });
});

describe("dag.run", () => {
  it("resolves to a result with the fields of a DagRunResult", () => {
    type Result = Awaited<ReturnType<Dag["run"]>>;
    expectTypeOf<Result["outputs"]>().toEqualTypeOf<Readonly<Record<string, unknown>>>();
    expectTypeOf<Result["status"]>().toEqualTypeOf<DagRunResult["status"]>();
    expectTypeOf<Result["failedNode"]>().toEqualTypeOf<string | undefined>();
    // What the runner resolves to fits what dag.run promises.
    expectTypeOf<DagRunResult>().toMatchTypeOf<Result>();
  });
});

describe(".to() wiring checked by the compiler", () => {
  it("accepts an output into an input of the same type, returning the argument", () => {
    expectTypeOf(makeNumber.to(double)).toEqualTypeOf<typeof double>();
    expectTypeOf(makeText.to(shout)).toEqualTypeOf<typeof shout>();
    expectTypeOf(makeText.to(shout).to(length).to(double)).toEqualTypeOf<typeof double>();
  });

  it("accepts an output into a wider input", () => {
    expectTypeOf(makeNumber.to(either)).toEqualTypeOf<typeof either>();
    expectTypeOf(makeText.to(anything)).toEqualTypeOf<typeof anything>();
  });

  it("accepts an object with extra fields into an input that needs fewer", () => {
    expectTypeOf(quote.to(needsSymbol)).toEqualTypeOf<typeof needsSymbol>();
  });

  it("rejects a number output into a string input", () => {
    // @ts-expect-error number is not a string
    makeNumber.to(shout);
  });

  it("rejects a string output into a number input, also at the end of a chain", () => {
    // @ts-expect-error string is not a number
    makeText.to(double);
    // @ts-expect-error shout's string output cannot feed double
    makeText.to(shout).to(double);
  });

  it("rejects an object missing a field the input needs", () => {
    // @ts-expect-error quote has no volume
    quote.to(needsVolume);
  });

  it("rejects a wider output into a narrower input", () => {
    const numberOrText = dag.node((): number | string => 1, { label: "numberOrText" });
    // @ts-expect-error number | string is not a number
    numberOrText.to(double);
  });

  it("rejects a registered function of the wrong input type", () => {
    const ns = new Namespace();
    const registered = ns.register((s: string) => s.length, { nsref: "text:length" });
    const inner = new Dag();
    const number = inner.node(() => 1, { label: "n" });
    // @ts-expect-error number is not a string
    number.to(inner.node(registered));
  });

  it("lets a fan-in edge with `as` through: the input is an object of upstreams", () => {
    const report = dag.node((x: { left: number; right: string }) => x, { label: "report" });
    expectTypeOf(makeNumber.to(report, { as: "left" })).toEqualTypeOf<typeof report>();
    expectTypeOf(makeText.to(report, { as: "right" })).toEqualTypeOf<typeof report>();
  });
});
