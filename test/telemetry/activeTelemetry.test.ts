import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import { activeTelemetry } from "../../src/telemetry/activeTelemetry.js";
import { loadOtelApi, otelApi } from "../../src/telemetry/otelApi.js";
import { fromTraceparent, toTraceparent } from "../../src/telemetry/traceparent.js";
import { registerTestSdk } from "./otelTestSdk.js";

describe("telemetry with no SDK registered", () => {
  it("is off: the API is loaded, yet no hook has anything to report to, and runs work", async () => {
    await loadOtelApi();
    expect(otelApi()).toBeDefined();
    expect(activeTelemetry()).toBeUndefined();
    const dag = new Dag();
    dag.node(() => 1, { label: "a" });
    expect((await new DagRunner(dag).run({})).status).toBe("completed");
  });

  it("turns on when an SDK is registered and off again when it is gone", async () => {
    const sdk = await registerTestSdk();
    expect(activeTelemetry()).toBeDefined();
    await sdk.shutdown();
    expect(activeTelemetry()).toBeUndefined();
  });
});

describe("traceparent", () => {
  it("round-trips a span context, and refuses what is not one", async () => {
    const sdk = await registerTestSdk();
    const span = trace.getTracer("test").startSpan("x");
    const context = span.spanContext();
    span.end();
    await sdk.shutdown();
    const text = toTraceparent(context);
    expect(text).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(fromTraceparent(text)).toEqual({ ...context, isRemote: true });
    for (const bad of [undefined, "", "01-abc", `00-${"0".repeat(31)}-${"0".repeat(16)}-01`]) {
      expect(fromTraceparent(bad)).toBeUndefined();
    }
  });
});
