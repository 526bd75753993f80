/**
 * `tickflow ui --db postgres://…`: the inspector over PostgreSQL while a supervisor
 * (`tickflow start`, its own process) fires, and after it stopped. Skipped with a
 * one-line reason where no server answers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI, ROOT, tickflow } from "../cli/fixtures/tickflow.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  readonly name: string;
  readonly counts: Record<string, number>;
  readonly owner?: { readonly live: boolean };
  readonly lastRun?: { readonly runId: string };
}

describePg("tickflow ui on PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof freshSchema>>;
  let ui: ChildProcess | undefined;

  beforeAll(async () => {
    db = await freshSchema();
  });
  afterAll(async () => {
    ui?.kill("SIGTERM");
    await db.drop();
  });

  it("shows the triggers while a supervisor fires and after it stopped", async () => {
    const supervisor = tickflow([
      "start",
      "test/ui/fixtures/uiNamespace.ts",
      "--db",
      db.url,
      "--for",
      "8",
    ]);
    // The schema exists once the supervisor migrated it: until then `ui` has nothing to read.
    let url: string | undefined;
    for (let i = 0; i < 40 && url === undefined; i++) {
      await sleep(500);
      ui = spawn(process.execPath, [...CLI, "ui", "--db", db.url, "--port", "0"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "ignore"],
      });
      url = await new Promise<string | undefined>((resolve) => {
        let text = "";
        ui?.stdout?.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
          const found = /tickflow ui: (http:\S+)/.exec(text);
          if (found?.[1]) resolve(found[1]);
        });
        ui?.once("exit", () => resolve(undefined));
      });
    }
    expect(url).toBeDefined();
    const triggers = async () => (await (await fetch(`${url}api/triggers`)).json()) as Row[];
    let live: Row | undefined;
    for (let i = 0; i < 60; i++) {
      live = (await triggers()).find((t) => t.name === "every_second");
      if (live?.owner?.live && (live.counts.completed ?? 0) >= 1) break;
      await sleep(250);
    }
    expect(live?.owner?.live).toBe(true);
    expect(live?.counts.completed).toBeGreaterThanOrEqual(1);

    const result = await supervisor;
    expect(result.code, result.stderr).toBe(0);
    const after = (await triggers()).find((t) => t.name === "every_second");
    expect(after?.owner?.live ?? false).toBe(false);
    const runId = after?.lastRun?.runId as string;
    const run = (await (await fetch(`${url}api/runs/${runId}`)).json()) as { mermaid: string };
    expect(run.mermaid).toContain("flowchart");
    const page = (await (await fetch(`${url}api/triggers/every_second/ledger`)).json()) as {
      events: { decisions: unknown[] }[];
    };
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events[0]?.decisions.length).toBeGreaterThan(0);
  }, 90_000);
});
