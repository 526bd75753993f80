import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir } from "../store/tempDir.js";
import { CLI, ROOT, tickflow } from "./fixtures/tickflow.js";

const temp = makeTempDir();
afterAll(temp.cleanup);
const MODULE = "examples/market.ts";

describe("tickflow start after kill -9", () => {
  it("leads at once: the killed supervisor's lease (same host, process gone) is taken over", async () => {
    const dir = path.join(temp.dir, "data");
    const child = spawn(process.execPath, [...CLI, "start", MODULE, "--data", dir], { cwd: ROOT });
    let stdout = "";
    const supervising = new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk) => {
        stdout += String(chunk);
        if (stdout.includes("supervising")) resolve();
      });
    });
    await supervising;
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));

    // The dead process's lease is valid for another ~15 s; the restart must not wait.
    const started = Date.now();
    const again = await tickflow(["start", MODULE, "--for", "1", "--data", dir]);
    const failure = JSON.stringify({ first: stdout, again, ms: Date.now() - started }, null, 2);
    expect(again.code, failure).toBe(0);
    expect(again.stdout, failure).not.toContain("standby");
    expect(again.stdout, failure).toMatch(/supervising 4 triggers/);
    expect(again.stdout, failure).toMatch(/market_summary +(fired|resumed)/);
  }, 60_000);
});
