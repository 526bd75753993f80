/**
 * The smaller examples run as a user runs them (`npm run demo:compose`,
 * `npm run demo:composable`, `node --import tsx examples/effect-service.ts`) and print what
 * they promise.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

function runExample(file: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", path.join("examples", file)], {
    encoding: "utf8",
    env: { ...process.env, TICKFLOW_DATA: mkdtempSync(path.join(tmpdir(), "tickflow-example-")) },
    timeout: 60_000,
  });
}

describe("examples", () => {
  it("compose-basics: a fan-out/fan-in DAG runs, directly and through the namespace", () => {
    const out = runExample("compose-basics.ts");
    expect(out).toContain("topological order: fetch → total → top → report");
    expect(out).toMatch(/run [0-9a-f-]{36}: completed/);
    expect(out).toContain("Portfolio value: $735.50; largest position: MSFT");
    expect(out).toContain("via namespace: completed");
  });

  it("per-customer-schedules: triggers as data are created, changed and removed at run time, and survive a restart", () => {
    const out = runExample("per-customer-schedules.ts");
    for (const line of [
      "created customer_acme (version 1)",
      "created customer_globex (version 2)",
      "created customer_initech (version 3)",
      "updated customer_acme (version 4)",
      "removed customer_globex (version 5)",
      "fired: acme yes, initech yes, globex after leaving: none",
      "  customer_acme data active * * * * * *",
      "  customer_globex data disabled * * * * * *",
      "  customer_initech data active */2 * * * * *",
      "  hourly_digest code active 0 * * * *",
      "customer_acme journal: upsert, upsert by billing-api",
    ]) {
      expect(out).toContain(line);
    }
  }, 60_000);

  it("composable-dags: map, call and switch run as keyed child runs", () => {
    const out = runExample("composable-dags.ts");
    expect(out).toContain("completed { report: 'long text: 9 words' }");
    for (const key of ["counts[0]", "counts[1]", "counts[2]", "enrich", "report:long"]) {
      expect(out).toContain(`  ${key}: completed`);
    }
  }, 60_000);

  it("effect-service: the supervisor layer runs under Layer.launch and stops on SIGTERM", () => {
    const out = runExample("effect-service.ts");
    expect(out).toContain('on_demand: completed {"report":"AAPL at $185.00"}');
    expect(out).toContain("on_demand: failed, UnknownSymbol for XYZ");
    expect(out).toContain("every_second: run completed");
    expect(out).toContain("health: ok=true role=leader");
    expect(out.trimEnd().endsWith("stopped gracefully")).toBe(true);
  }, 60_000);
});
