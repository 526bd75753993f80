/**
 * `tickflow run <id>` shows a composite run's sub-DAG runs nested under it, in text,
 * JSON and Mermaid, read from a history written by the composable example.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI } from "./fixtures/tickflow.js";

const cli = (args: string[]) =>
  execFileSync(process.execPath, [...CLI, ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });

let dir = "";
let runId = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "tickflow-nested-"));
  execFileSync(process.execPath, ["--import", "tsx", "examples/composable-dags.ts"], {
    env: { ...process.env, TICKFLOW_DATA: dir },
    timeout: 60_000,
  });
  const db = new Database(path.join(dir, "provenance.db"), { readonly: true });
  runId = (
    db.prepare("SELECT run_id FROM dag_runs WHERE parent_run_id IS NULL").get() as {
      run_id: string;
    }
  ).run_id;
  db.close();
}, 90_000);

describe("tickflow run on a composite run", () => {
  it("lists the sub-DAG runs by expansion key under the run", () => {
    const out = cli(["run", runId, "--data", dir]);
    expect(out).toContain("sub-DAG runs");
    for (const key of ["counts[0]", "counts[1]", "counts[2]", "enrich", "report:long"]) {
      expect(out).toMatch(
        new RegExp(`\\n  ${key.replace(/[[\]]/g, "\\$&")}  completed  [0-9a-f-]{36}`),
      );
    }
  }, 60_000);

  it("--json carries the children with their nodes", () => {
    const out = JSON.parse(cli(["run", runId, "--data", dir, "--json"])) as {
      children: { expansionKey: string; parentRunId: string; nodes: { label: string }[] }[];
    };
    expect(out.children.map((c) => c.expansionKey).sort()).toEqual(
      ["counts[0]", "counts[1]", "counts[2]", "enrich", "report:long"].sort(),
    );
    expect(out.children.every((c) => c.parentRunId === runId)).toBe(true);
    expect(
      out.children.find((c) => c.expansionKey === "enrich")?.nodes.map((n) => n.label),
    ).toEqual(["classify"]);
  }, 60_000);

  it("--mermaid draws each child as a subgraph linked to the node that expanded it", () => {
    const out = cli(["run", runId, "--data", dir, "--mermaid"]);
    expect(out).toContain('subgraph rc0["counts[0] · completed"]');
    expect(out).toContain('subgraph rc4["report:long · completed"]');
    expect(out).toMatch(/n1 -\.- rc0/);
    expect(out.match(/\n\s*end\n/g)).toHaveLength(5);
  }, 60_000);
});
