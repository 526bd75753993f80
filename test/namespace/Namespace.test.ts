import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { DagCycle, EmptyDag } from "../../src/dag/errors.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import {
  DuplicateNsref,
  InvalidNsref,
  InvalidTagQuery,
  NsrefNotFound,
} from "../../src/namespace/errors.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { nearest } from "../../src/namespace/nearest.js";
import { InputInvalid, NodeFailed } from "../../src/run/errors.js";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

const fetchPrices = async () => ({ AAPL: 185, MSFT: 410 });
const summarize = (prices: Record<string, number>) =>
  Object.values(prices).reduce((sum, price) => sum + price, 0);

describe("Namespace.register and get", () => {
  it("registers a function and gets it back as a function node", () => {
    const ns = new Namespace();
    const registered = ns.register(fetchPrices, { nsref: "market:fetch" });
    const node = ns.get("market:fetch");
    expect(node).toBe(registered);
    expect(node.nsref).toBe("market:fetch");
    expect(node.kind).toBe("function");
    expect(ns.has("market:fetch")).toBe(true);
    expect(ns.has("market:other")).toBe(false);
  });

  it("registers a DAG and gets it back as a dag node", () => {
    const ns = new Namespace();
    const dag = new Dag();
    dag.node(fetchPrices).to(dag.node(summarize));
    ns.register(dag, { nsref: "pipelines:market_summary" });
    expect(ns.get("pipelines:market_summary").kind).toBe("dag");
  });

  it("keeps the tags given at registration", () => {
    const ns = new Namespace();
    const node = ns.register(fetchPrices, { nsref: "market:fetch", tags: ["io", "market"] });
    expect([...node.tags].sort()).toEqual(["io", "market"]);
  });

  it.each([
    ["fetch", "fetch"],
    ["market:fetch-prices", "fetch-prices"],
    ["market-eu:fetch", "market-eu"],
    ["market:", ""],
    ["a:b:c", "b:c"],
  ])("refuses to register under the invalid nsref %j (part %j)", (nsref, part) => {
    const ns = new Namespace();
    const error = thrown(() => ns.register(fetchPrices, { nsref }));
    expect(error).toBeInstanceOf(InvalidNsref);
    expect(error).toMatchObject({ _tag: "InvalidNsref", nsref, part });
    expect(ns.list()).toHaveLength(0);
  });

  it("rejects an invalid nsref in get() as InvalidNsref, not NsrefNotFound", () => {
    const ns = new Namespace();
    ns.register(fetchPrices, { nsref: "market:fetch" });
    const error = thrown(() => ns.get("market:fetch-prices"));
    expect(error).toMatchObject({ _tag: "InvalidNsref", part: "fetch-prices" });
  });

  it("refuses a second registration of the same nsref with DuplicateNsref", () => {
    const ns = new Namespace();
    const first = ns.register(fetchPrices, { nsref: "market:fetch" });
    const error = thrown(() => ns.register(summarize, { nsref: "market:fetch" }));
    expect(error).toBeInstanceOf(DuplicateNsref);
    expect(error).toMatchObject({ _tag: "DuplicateNsref", nsref: "market:fetch" });
    expect((error as DuplicateNsref).message).toContain('"market:fetch"');
    // The first registration is untouched.
    expect(ns.get("market:fetch")).toBe(first);
  });

  it("refuses a DAG registered under a function's nsref too", () => {
    const ns = new Namespace();
    ns.register(fetchPrices, { nsref: "market:fetch" });
    const dag = new Dag();
    dag.node(fetchPrices);
    expect(thrown(() => ns.register(dag, { nsref: "market:fetch" }))).toBeInstanceOf(
      DuplicateNsref,
    );
  });

  it("refuses to register an invalid DAG", () => {
    const ns = new Namespace();
    expect(thrown(() => ns.register(new Dag(), { nsref: "p:empty" }))).toBeInstanceOf(EmptyDag);
    const cyclic = new Dag();
    const a = cyclic.node((n: number) => n, { label: "a" });
    a.to(cyclic.node((n: number) => n, { label: "b" })).to(a);
    expect(thrown(() => ns.register(cyclic, { nsref: "p:cyclic" }))).toBeInstanceOf(DagCycle);
    expect(ns.has("p:empty")).toBe(false);
    expect(ns.has("p:cyclic")).toBe(false);
  });

  it("throws NsrefNotFound naming the nearest registered nsref", () => {
    const ns = new Namespace();
    ns.register(fetchPrices, { nsref: "market:fetch" });
    ns.register(summarize, { nsref: "market:summarize" });
    ns.register(summarize, { nsref: "ops:cleanup" });
    const error = thrown(() => ns.get("market:fetc"));
    expect(error).toBeInstanceOf(NsrefNotFound);
    expect(error).toMatchObject({
      _tag: "NsrefNotFound",
      nsref: "market:fetc",
      nearest: ["market:fetch"],
    });
    expect((error as NsrefNotFound).message).toContain('Did you mean "market:fetch"');
  });

  it("says when nothing close is registered", () => {
    const ns = new Namespace();
    ns.register(fetchPrices, { nsref: "market:fetch" });
    const error = thrown(() => ns.get("ops:cleanup")) as NsrefNotFound;
    expect(error._tag).toBe("NsrefNotFound");
    expect(error.nearest).toEqual([]);
    expect(error.message).toContain("Nothing close");
  });

  it("throws NsrefNotFound in an empty namespace", () => {
    expect(thrown(() => new Namespace().get("market:fetch"))).toBeInstanceOf(NsrefNotFound);
  });
});

describe("nearest", () => {
  it("lists the closest candidates first, at most the limit", () => {
    const candidates = ["market:fetcher", "market:fetch2", "ops:x", "market:fetch"];
    expect(nearest("market:fetc", candidates)).toEqual([
      "market:fetch",
      "market:fetch2",
      "market:fetcher",
    ]);
    expect(nearest("market:fetc", candidates, 1)).toEqual(["market:fetch"]);
  });

  it("leaves out candidates too far away", () => {
    expect(nearest("market:fetch", ["ops:cleanup"])).toEqual([]);
  });

  it("breaks distance ties alphabetically", () => {
    expect(nearest("a:bb", ["a:cb", "a:ab"])).toEqual(["a:ab", "a:cb"]);
  });
});

describe("Namespace.list and query", () => {
  const build = () => {
    const ns = new Namespace();
    ns.register(summarize, { nsref: "reports:daily", tags: ["report", "daily"] });
    ns.register(fetchPrices, { nsref: "market:fetch", tags: ["market", "io", "daily"] });
    ns.register(fetchPrices, { nsref: "europe:fetch", tags: ["market", "io", "slow"] });
    ns.register(summarize, { nsref: "market:summarize", tags: ["market"] });
    ns.register(summarize, { nsref: "ops:cleanup" });
    return ns;
  };
  const nsrefs = (nodes: readonly { nsref: string }[]) => nodes.map((node) => node.nsref);

  it("lists every node sorted by nsref, whatever the registration order", () => {
    expect(nsrefs(build().list())).toEqual([
      "europe:fetch",
      "market:fetch",
      "market:summarize",
      "ops:cleanup",
      "reports:daily",
    ]);
  });

  it("lists nothing for an empty namespace", () => {
    expect(new Namespace().list()).toEqual([]);
  });

  it("queries one tag", () => {
    expect(nsrefs(build().query("daily"))).toEqual(["market:fetch", "reports:daily"]);
  });

  it("queries with &", () => {
    expect(nsrefs(build().query("market & io"))).toEqual(["europe:fetch", "market:fetch"]);
  });

  it("queries with |", () => {
    expect(nsrefs(build().query("slow | report"))).toEqual(["europe:fetch", "reports:daily"]);
  });

  it("queries with ~", () => {
    expect(nsrefs(build().query("market & ~slow"))).toEqual(["market:fetch", "market:summarize"]);
    // A node without tags matches a pure negation.
    expect(nsrefs(build().query("~market"))).toEqual(["ops:cleanup", "reports:daily"]);
  });

  it("queries with parentheses", () => {
    expect(nsrefs(build().query("(slow | daily) & io"))).toEqual(["europe:fetch", "market:fetch"]);
  });

  it("applies & before | without parentheses", () => {
    // report | (market & slow), not (report | market) & slow.
    expect(nsrefs(build().query("report | market & slow"))).toEqual([
      "europe:fetch",
      "reports:daily",
    ]);
  });

  it("rejects a malformed query with InvalidTagQuery and its position", () => {
    const error = thrown(() => build().query("market & (io"));
    expect(error).toBeInstanceOf(InvalidTagQuery);
    expect(error).toMatchObject({ _tag: "InvalidTagQuery", position: 12 });
  });

  it("returns nothing for an unknown tag", () => {
    expect(build().query("nope")).toEqual([]);
  });
});

describe("NamespaceNode.call", () => {
  it("calls a function and resolves to its output", async () => {
    const ns = new Namespace();
    ns.register(summarize, { nsref: "market:summarize" });
    await expect(ns.get("market:summarize").call({ AAPL: 1, MSFT: 2 })).resolves.toBe(3);
  });

  it("calls a sync function with no input", async () => {
    const ns = new Namespace();
    const node = ns.register(() => "hello", { nsref: "misc:hello" });
    await expect(node.call()).resolves.toBe("hello");
  });

  it("runs a DAG and resolves to its DagRunResult", async () => {
    const ns = new Namespace();
    ns.register(fetchPrices, { nsref: "market:fetch" });
    ns.register(summarize, { nsref: "market:summarize" });
    const dag = new Dag();
    dag.node(ns.get("market:fetch")).to(dag.node(ns.get("market:summarize")));
    ns.register(dag, { nsref: "pipelines:market_summary" });
    const result = await ns.get("pipelines:market_summary").call({}, { runId: "run-1" });
    expect(result).toEqual({ runId: "run-1", status: "completed", outputs: { summarize: 595 } });
  });

  it("resolves a failing DAG's call to a failed result instead of rejecting", async () => {
    const ns = new Namespace();
    const dag = new Dag();
    dag.node(
      () => {
        throw new Error("boom");
      },
      { label: "explode" },
    );
    ns.register(dag, { nsref: "pipelines:broken" });
    const result = await ns.get("pipelines:broken").call();
    expect(result).toMatchObject({ status: "failed", failedNode: "explode" });
  });

  it("gives nodes of a registered DAG the DAG's nsref and the namespace", async () => {
    const ns = new Namespace();
    ns.register((x: number) => x * 10, { nsref: "math:times_ten" });
    const seen: NodeContext[] = [];
    const dag = new Dag();
    dag.node(
      async (input: number, ctx: NodeContext) => {
        seen.push(ctx);
        return ctx.namespace?.get("math:times_ten").call(input);
      },
      { label: "useHelper" },
    );
    ns.register(dag, { nsref: "pipelines:helper" });
    const result = await ns.get("pipelines:helper").call(4);
    expect(result.outputs).toEqual({ useHelper: 40 });
    expect(seen[0]?.dagNsref).toBe("pipelines:helper");
    expect(seen[0]?.namespace).toBe(ns);
  });

  it("applies the registered input schema to a function call", async () => {
    const ns = new Namespace();
    ns.register((q: { symbol: string }) => q.symbol, {
      nsref: "market:symbol",
      input: Schema.Struct({ symbol: Schema.String }),
    });
    await expect(ns.get("market:symbol").call({ symbol: "AAPL" })).resolves.toBe("AAPL");
    const error = await ns
      .get("market:symbol")
      .call({ symbol: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputInvalid);
    expect(error).toMatchObject({ _tag: "InputInvalid", nodeLabel: "symbol", field: "symbol" });
  });

  it("rejects a failing function call with NodeFailed carrying the cause", async () => {
    const ns = new Namespace();
    ns.register(
      () => {
        throw "nope";
      },
      { nsref: "misc:fail" },
    );
    const error = await ns
      .get("misc:fail")
      .call()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeFailed);
    expect(error).toMatchObject({ nodeLabel: "fail", cause: "nope" });
  });

  it("applies the registered retry policy to a function call", async () => {
    const ns = new Namespace();
    let calls = 0;
    ns.register(
      () => {
        calls++;
        if (calls < 2) throw new Error("flaky");
        return calls;
      },
      { nsref: "misc:flaky", retry: { attempts: 2, backoffMs: 1 } },
    );
    await expect(ns.get("misc:flaky").call()).resolves.toBe(2);
  });

  it("uses the registered options when the node is placed in a DAG", async () => {
    const ns = new Namespace();
    ns.register(() => "x", { nsref: "m:text", output: Schema.Number });
    const dag = new Dag();
    dag.node(ns.get("m:text"));
    const result = await dag.run();
    expect(result.status).toBe("failed");
    expect(result.error?._tag).toBe("OutputInvalid");
  });

  it("lets dag.node options override the registered ones", async () => {
    const ns = new Namespace();
    let calls = 0;
    ns.register(
      () => {
        calls++;
        if (calls < 3) throw new Error("flaky");
        return "ok";
      },
      { nsref: "m:flaky", retry: { attempts: 1 } },
    );
    const dag = new Dag();
    dag.node(ns.get("m:flaky"), { retry: { attempts: 3, backoffMs: 1 } });
    const result = await dag.run();
    expect(result.status).toBe("completed");
    expect(calls).toBe(3);
  });

  it("interrupts a DAG call when its signal aborts", async () => {
    const ns = new Namespace();
    const dag = new Dag();
    let aborted = false;
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => {
      started = resolve;
    });
    dag.node(
      (_: unknown, ctx: NodeContext) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
            resolve("too late");
          });
          started();
        }),
      { label: "wait" },
    );
    ns.register(dag, { nsref: "p:wait" });
    const controller = new AbortController();
    const call = ns.get("p:wait").call(undefined, { signal: controller.signal });
    await startedPromise;
    controller.abort();
    await expect(call).resolves.toMatchObject({ status: "interrupted" });
    expect(aborted).toBe(true);
  });
});
