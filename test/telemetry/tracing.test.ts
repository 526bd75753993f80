import { SpanStatusCode, trace } from "@opentelemetry/api";
import * as Effect from "effect/Effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { NullProvenance } from "../../src/provenance/NullProvenance.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import { gate, Harness, until } from "../supervisor/harness.js";
import { isChildOf, named, registerTestSdk, type TestSdk } from "./otelTestSdk.js";

let sdk: TestSdk;
beforeEach(async () => {
  sdk = await registerTestSdk();
});
afterEach(async () => {
  await sdk.shutdown();
});

/** a → b → c, each adding one; `b` reports the span active while it runs. */
function chain(h: Harness, seen: { active?: string | undefined }): void {
  const dag = new Dag();
  dag
    .node(({ n }: { n: number }) => n + 1, { label: "a" })
    .to(
      dag.node(
        (n: number) => {
          seen.active = trace.getActiveSpan()?.spanContext().spanId;
          return n + 1;
        },
        { label: "b" },
      ),
    )
    .to(dag.node((n: number) => n + 1, { label: "c" }));
  h.ns.register(dag, { nsref: "otel:chain" });
}

describe("traces of a fire", () => {
  it("a push fire inside the caller's span: fire → run → one span per node of the 3-node DAG", async () => {
    const h = new Harness({ provenance: true });
    const seen: { active?: string | undefined } = {};
    chain(h, seen);
    h.ns.registerTrigger({ name: "orders", dagNsref: "otel:chain", triggerType: "push" });
    const manager = h.manager();
    await manager.activate("orders");
    await manager.start();
    const tracer = trace.getTracer("the-caller");
    const result = await tracer.startActiveSpan("handle request", async (span) => {
      try {
        return await manager.fire("orders", { n: 1 });
      } finally {
        span.end();
      }
    });
    await manager.stop();
    expect(result.outputs).toEqual({ c: 4 });

    const spans = sdk.spans();
    const [caller] = named(spans, "handle request");
    const [fire] = named(spans, "tickflow.fire");
    const [run] = named(spans, "tickflow.run");
    const nodes = named(spans, "tickflow.node");
    if (caller === undefined || fire === undefined || run === undefined) throw new Error("missing");
    expect(isChildOf(fire, caller)).toBe(true);
    expect(isChildOf(run, fire)).toBe(true);
    expect(nodes.map((node) => node.attributes["tickflow.node"])).toEqual(["a", "b", "c"]);
    for (const node of nodes) {
      expect(isChildOf(node, run)).toBe(true);
      expect(node.attributes).toMatchObject({
        "tickflow.node.attempt": 1,
        "tickflow.node.status": "completed",
        "tickflow.dag": "otel:chain",
      });
    }
    expect(fire.attributes).toMatchObject({
      "tickflow.trigger": "orders",
      "tickflow.fire.kind": "push",
      "tickflow.fire.outcome": "fired",
      "tickflow.run.id": result.runId,
    });
    expect(run.attributes).toMatchObject({
      "tickflow.dag": "otel:chain",
      "tickflow.run.id": result.runId,
      "tickflow.run.status": "completed",
      "tickflow.run.resumed": false,
    });
    // The node's function runs with its span active: its own spans are the node's children.
    expect(seen.active).toBe(nodes[1]?.spanContext().spanId);
    expect(h.errors).toEqual([]);
  });

  it("a scheduled tick starts its own trace, with its scheduled instant, lateness and the overlap decision", async () => {
    const h = new Harness({ provenance: true });
    const blocker = gate();
    h.ns.register(
      (() => {
        const dag = new Dag();
        dag.node(() => blocker.promise, { label: "slow" });
        return dag;
      })(),
      { nsref: "otel:slow" },
    );
    h.ns.registerTrigger({
      name: "every_minute",
      dagNsref: "otel:slow",
      triggerType: "poll",
      schedule: "* * * * *",
      timezone: "UTC",
    });
    const manager = h.manager();
    await manager.activate("every_minute");
    await manager.start();
    await h.testClock.advance(60_000);
    await until(() => h.count("fired") === 1, "first tick fired");
    await h.testClock.advance(60_000);
    await until(() => h.count("skipped_overlap") === 1, "second tick skipped");
    blocker.open();
    await until(() => h.count("finished") === 1, "run finished");
    await manager.stop();

    const fires = named(sdk.spans(), "tickflow.fire");
    expect(fires.map((span) => span.attributes["tickflow.fire.outcome"])).toEqual([
      "fired",
      "skipped_overlap",
    ]);
    for (const fire of fires) {
      expect(fire.parentSpanContext).toBeUndefined();
      expect(fire.attributes["tickflow.fire.kind"]).toBe("tick");
      expect(fire.attributes["tickflow.fire.lateness_ms"]).toBe(0);
    }
    expect(fires[0]?.attributes["tickflow.fire.scheduled_at"]).toBe("2026-01-05T00:01:00.000Z");
    const polls = named(sdk.spans(), "tickflow.poll");
    expect(polls.map((span) => span.attributes["tickflow.poll.outcome"])).toEqual([
      "payload",
      "payload",
    ]);
  });

  it("a node failing with retries: one span per attempt, each with its exception event; the run span in error", async () => {
    const dag = new Dag();
    let calls = 0;
    dag.node(
      () => {
        calls += 1;
        throw new Error(`flaky ${calls}`);
      },
      { label: "flaky", retry: { attempts: 3, backoffMs: 1 } },
    );
    const result = await new DagRunner(dag, { dagNsref: "otel:flaky" }).run({});
    expect(result.status).toBe("failed");

    const spans = sdk.spans();
    const [run] = named(spans, "tickflow.run");
    const attempts = named(spans, "tickflow.node");
    if (run === undefined) throw new Error("no run span");
    expect(attempts.map((span) => span.attributes["tickflow.node.attempt"])).toEqual([1, 2, 3]);
    for (const [i, span] of attempts.entries()) {
      expect(isChildOf(span, run)).toBe(true);
      expect(span.attributes["tickflow.node.status"]).toBe("failed");
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      const [event] = span.events;
      expect(event?.name).toBe("exception");
      expect(String(event?.attributes?.["exception.message"])).toContain(`flaky ${i + 1}`);
    }
    expect(run.attributes).toMatchObject({
      "tickflow.run.status": "failed",
      "tickflow.run.failed_node": "flaky",
    });
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("a run interrupted by the supervisor's end and resumed by a new one links to the interrupted trace", async () => {
    const h = new Harness({ provenance: true });
    // "b" hangs until its run is cut off the first time, and completes when resumed.
    const aborted = (signal: AbortSignal) =>
      new Promise<never>((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    const dag = new Dag();
    const b = dag.node(
      (_: number, ctx: NodeContext) => (ctx.attempt === 1 ? aborted(ctx.signal) : 2),
      {
        label: "b",
      },
    );
    dag.node(() => 1, { label: "a" }).to(b);
    h.ns.register(dag, { nsref: "otel:resume" });
    h.ns.registerTrigger({ name: "push", dagNsref: "otel:resume", triggerType: "push" });
    const first = h.manager();
    await first.activate("push");
    await first.start();
    const pending = first.fire("push", {});
    await until(() => named(sdk.spans(), "tickflow.node").length === 1, "node a ended");
    await Promise.all([first.stop({ graceMs: 50 }), h.testClock.advance(50)]);
    expect((await pending).status).toBe("interrupted");
    const [fire] = named(sdk.spans(), "tickflow.fire");
    const [interrupted] = named(sdk.spans(), "tickflow.run");
    expect(interrupted?.attributes["tickflow.run.status"]).toBe("interrupted");

    // A new process: a fresh SDK, and nothing in memory but what the database holds.
    await sdk.shutdown();
    sdk = await registerTestSdk();
    const second = h.manager();
    await second.start();
    await h.reportedAtLeast(1, "resumed");
    await until(() => named(sdk.spans(), "tickflow.run").length === 1, "resumed run ended");
    await second.stop();

    const [resumed] = named(sdk.spans(), "tickflow.run");
    expect(resumed?.attributes).toMatchObject({
      "tickflow.run.resumed": true,
      "tickflow.run.status": "completed",
    });
    expect(resumed?.parentSpanContext).toBeUndefined();
    expect(resumed?.links.map((link) => link.context.spanId)).toEqual([fire?.spanContext().spanId]);
    expect(resumed?.links[0]?.context.traceId).toBe(interrupted?.spanContext().traceId);
    const nodes = named(sdk.spans(), "tickflow.node");
    expect(
      nodes.map((n) => [n.attributes["tickflow.node"], n.attributes["tickflow.node.attempt"]]),
    ).toEqual([["b", 2]]);
  });

  it("the Effect form traces too: a run called inside a span is its child, a sub-DAG's run the calling node's", async () => {
    const inner = new Dag();
    inner.node((n: number) => n * 10, { label: "times10" });
    const dag = new Dag();
    dag.node(() => 1, { label: "one" }).to(dag.node(inner, { label: "call" }));
    const result = await trace
      .getTracer("the-caller")
      .startActiveSpan("job", (span) =>
        Effect.runPromise(
          new DagRunner(dag, { dagNsref: "otel:outer" })
            .runEffect({})
            .pipe(Effect.provide(NullProvenance.layer)),
        ).finally(() => span.end()),
      );
    expect(result.outputs).toEqual({ call: 10 });
    const spans = sdk.spans();
    const [job] = named(spans, "job");
    const runs = named(spans, "tickflow.run");
    const outer = runs.find((run) => run.attributes["tickflow.dag"] === "otel:outer");
    const child = runs.find((run) => run !== outer);
    const call = named(spans, "tickflow.node").find(
      (n) => n.attributes["tickflow.node"] === "call",
    );
    if (job === undefined || outer === undefined || child === undefined || call === undefined) {
      throw new Error("missing spans");
    }
    expect(isChildOf(outer, job)).toBe(true);
    expect(isChildOf(child, call)).toBe(true);
  });
});
