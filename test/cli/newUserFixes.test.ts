/**
 * Small CLI fixes a new user asked for: errors name the flag as typed (`-n`), `cursor
 * --set --clear` says to choose one, a bad `prune --older-than` suggests every unit of
 * the duration grammar, and a long pause note does not widen `status`'s STATE column.
 * The CLI runs in this process (`runCli`), against real SQLite files.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/runCli.js";
import { harnessPerTest } from "../supervisor/harness.js";

const harness = harnessPerTest();

/** One run of the `tickflow` command line in this process. */
async function cli(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

describe("errors name the flag as typed", () => {
  it.each([
    [["runs", "-n", "x"], '-n "x" is not a whole number of at least 1. Write it like -n 20.'],
    [["runs", "-nx"], '-n "x" is not a whole number of at least 1. Write it like -n 20.'],
    [
      ["runs", "--limit", "x"],
      '--limit "x" is not a whole number of at least 1. Write it like --limit 20.',
    ],
    [["runs", "-n", "3", "--limit=0"], '--limit "0" is not'],
    [["events", "t", "-n", "0"], '-n "0" is not a whole number'],
    [["explain", "t", "-n", "-2"], '-n "-2" is not a whole number'],
    [["preview", "* * * * *", "-n", "1.5"], '-n "1.5" is not a whole number'],
    [["preview", "* * * * *", "--count", "1.5"], '--count "1.5" is not a whole number'],
  ])("tickflow %j", async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });
});

describe("cursor --set with --clear", () => {
  it("is refused with a typed 'choose one' error that shows both command lines", async () => {
    const h = harness();
    const result = await cli([
      "--data",
      h.dir,
      "cursor",
      "inbox",
      "--set",
      '{"since": 42}',
      "--clear",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `tickflow: --set and --clear cannot be given together: choose one. Set the cursor: tickflow cursor inbox --set '{"since": 42}', or clear it: tickflow cursor inbox --clear.\n`,
    );
  });
});

describe("prune --older-than", () => {
  it("refuses 30x suggesting 30d and every unit of the grammar", async () => {
    const h = harness();
    const result = await cli(["--data", h.dir, "prune", "--older-than", "30x"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      '--older-than "30x" is not a duration. Write it like --older-than 30d or --older-than 1h30m (a number and a unit: ms, s, m (or min), h, d; several units largest first).',
    );
  });

  it("takes a bare number as seconds, as it says (prune itself reads units only)", async () => {
    const h = harness();
    h.poll(
      "t",
      h.dag("quick", () => 1),
      "* * * * *",
    );
    await h.manager().activate("t");
    const result = await cli([
      "--data",
      h.dir,
      "prune",
      "--older-than",
      "30",
      "--dry-run",
      "--json",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ events: 0 });
  });
});

describe("status with a long pause note", () => {
  it("cuts the note with … in the table (STATE stays narrow); --json and explain give it whole", async () => {
    const h = harness();
    h.poll(
      "orders_sync",
      h.dag("sync", () => 1),
      "* * * * *",
    );
    h.poll(
      "b",
      h.dag("other", () => 1),
      "0 * * * *",
    );
    const manager = h.manager();
    await manager.activate("orders_sync");
    await manager.activate("b");
    const note = `paused: vendor API returns 503 since the migration; ${"see INC-4242 for details. ".repeat(8)}`;
    await manager.deactivate("orders_sync", { note, by: "alice" });

    const table = await cli(["--data", h.dir, "status"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.split("\n");
    const head = lines[0] as string;
    const stateWidth = head.indexOf("SCHEDULE") - head.indexOf("STATE") - 2;
    expect(stateWidth).toBeLessThanOrEqual(36);
    expect(table.stdout).toContain(`"${note.slice(0, 33)}…"`);
    expect(table.stdout).toContain("by alice, ");
    expect(table.stdout).not.toContain(note);

    const json = await cli(["--data", h.dir, "status", "--json"]);
    const row = (JSON.parse(json.stdout) as { name: string; statusNote: unknown }[]).find(
      (t) => t.name === "orders_sync",
    );
    expect(row?.statusNote).toMatchObject({ note, by: "alice" });
    const explained = await cli(["--data", h.dir, "explain", "orders_sync"]);
    expect(explained.stdout).toContain(JSON.stringify(note));
  });
});
