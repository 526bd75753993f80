import { trace } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/cli/createLogger.js";
import { Dag } from "../../src/dag/Dag.js";
import { DagRunner } from "../../src/run/DagRunner.js";
import type { Logger } from "../../src/run/Logger.js";
import { named, registerTestSdk, type TestSdk } from "./otelTestSdk.js";

let sdk: TestSdk;
beforeEach(async () => {
  sdk = await registerTestSdk();
});
afterEach(async () => {
  await sdk.shutdown();
});

/** A logger that keeps each line as its merged bindings and message. */
function recordingLogger(
  lines: Record<string, unknown>[],
  bound: Record<string, unknown> = {},
): Logger {
  const line = (bindings: Record<string, unknown>, msg: string) =>
    lines.push({ ...bound, ...bindings, msg });
  return {
    debug: line,
    info: line,
    warn: line,
    error: line,
    child: (bindings) => recordingLogger(lines, { ...bound, ...bindings }),
  };
}

describe("log lines join their traces", () => {
  it("every line of a traced run carries its run span's trace_id and span_id", async () => {
    const lines: Record<string, unknown>[] = [];
    const dag = new Dag();
    dag.node(() => 1, { label: "a" }).to(dag.node((n: number) => n + 1, { label: "b" }));
    await new DagRunner(dag, { logger: recordingLogger(lines), dagNsref: "logs:dag" }).run({});
    const [run] = named(sdk.spans(), "tickflow.run");
    expect(lines.map((l) => l.msg)).toEqual([
      "run started",
      "node started",
      "node completed",
      "node started",
      "node completed",
      "run finished",
    ]);
    for (const l of lines) {
      expect(l).toMatchObject({
        trace_id: run?.spanContext().traceId,
        span_id: run?.spanContext().spanId,
        dagNsref: "logs:dag",
      });
    }
  });

  it("the CLI's pino logger adds the active span's ids, and nothing outside a span", () => {
    const written: string[] = [];
    const logger = createLogger("info", { write: (text: string) => written.push(text) });
    logger.info({ trigger: "t" }, "outside");
    const ids = trace.getTracer("test").startActiveSpan("work", (span) => {
      logger.info({ trigger: "t" }, "inside");
      span.end();
      return span.spanContext();
    });
    const [outside, inside] = written.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(outside).not.toHaveProperty("trace_id");
    expect(inside).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, msg: "inside" });
  });
});
