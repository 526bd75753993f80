/**
 * `tickflow ui`: serves the inspector over the databases, reads only (the files are
 * byte for byte the same after browsing), refuses a non-loopback address without a
 * token in one line, and a missing database like the other read commands.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DagProvenance, TriggerManager, TriggerStore } from "../../src/index.js";
import { ns } from "../ui/fixtures/uiNamespace.js";
import { CLI, ROOT, tickflow } from "./fixtures/tickflow.js";

const dir = mkdtempSync(path.join(tmpdir(), "tickflow-cli-ui-"));
const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

beforeAll(async () => {
  const store = new TriggerStore(path.join(dir, "triggers.db"));
  const provenance = new DagProvenance(path.join(dir, "provenance.db"));
  const manager = new TriggerManager({ namespace: ns, store, provenance, onError: () => {} });
  await manager.activate("broken");
  await manager.fire("broken", {});
  await store.close();
  await provenance.close();
});

describe("tickflow ui", () => {
  it("serves the pages and the JSON, and never writes to the databases", async () => {
    const files = ["triggers.db", "provenance.db"].map((f) => path.join(dir, f));
    const before = files.map(digest);
    const ui = spawn(process.execPath, [...CLI, "ui", "--data", dir, "--port", "0"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = "";
        ui.stdout?.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
          const found = /tickflow ui: (http:\S+)/.exec(text);
          if (found?.[1]) resolve(found[1]);
        });
        ui.once("exit", (code) => reject(new Error(`tickflow ui exited (${code})`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect((await fetch(url)).headers.get("content-security-policy")).toContain(
        "script-src 'self'",
      );
      const triggers = (await (await fetch(`${url}api/triggers`)).json()) as { name: string }[];
      expect(triggers.map((t) => t.name)).toEqual(["broken"]);
      const runs = (await (await fetch(`${url}api/runs`)).json()) as {
        runs: { status: string; parentRunId?: string }[];
      };
      // The failed run and its map node's three child runs.
      expect(runs.runs.filter((r) => r.parentRunId === undefined).map((r) => r.status)).toEqual([
        "failed",
      ]);
      expect(runs.runs).toHaveLength(4);
      await fetch(`${url}api/triggers/broken/ledger`);
      expect((await fetch(`${url}api/triggers/broken/fire`, { method: "POST" })).status).toBe(403);
    } finally {
      ui.kill("SIGTERM");
      await new Promise((resolve) => ui.once("exit", resolve));
    }
    expect(files.map(digest)).toEqual(before);
  });

  it("refuses an address beyond this machine without a token, in one line", async () => {
    const result = await tickflow(["ui", "--data", dir, "--host", "0.0.0.0", "--port", "0"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^tickflow: Refusing to serve on 0\.0\.0\.0 without a token/);
  });

  it("says what is wrong with a bad port or a missing database", async () => {
    const port = await tickflow(["ui", "--data", dir, "--port", "http"]);
    expect(port.code).toBe(1);
    expect(port.stderr).toMatch(/--port/);
    const missing = await tickflow(["ui", "--data", path.join(dir, "nowhere"), "--port", "0"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/There is no trigger database at/);
  });
});
