import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";

// The seed tutorial, translated (examples/scheduled-triggers.ts), run as a user runs it:
// a child process on real time, SQLite files in TICKFLOW_DATA.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the example, killing it after `timeoutMs`. */
function runDemo(timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", "examples/scheduled-triggers.ts"], {
      cwd: root,
      env: { ...process.env, TICKFLOW_DATA: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The lines between a heading and the next line that does not start with two spaces. */
function section(output: string, heading: string): string[] {
  const lines = output.split("\n");
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start === -1) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("  ")) break;
    out.push(line.trim());
  }
  return out;
}

it("the scheduled-triggers example shows fires, history, deactivation and a poll function skipping and firing", async () => {
  const { code, signal, stdout, stderr } = await runDemo(40_000);
  const context = `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  expect(signal, context).toBeNull();
  expect(code, context).toBe(0);
  expect(stderr, context).not.toMatch(/Error/);

  // Activation writes the record; the trigger then fires on its schedule.
  expect(stdout).toContain("activated: active");
  expect(stdout).toMatch(/hourly_market: fired \(tick \d\d:\d\d:\d\d\.000\)/);
  expect(stdout).toMatch(/hourly_market: finished \(tick [\d:.]+\) \w+ completed/);

  // History: each fire with its status and run id; the last run in provenance.
  const history = section(stdout, "history of hourly_market:");
  expect(history.length, context).toBeGreaterThanOrEqual(1);
  for (const line of history) {
    expect(line).toMatch(/^fired at [\d:.]+, status: completed, run: [0-9a-f]{8}$/);
  }
  expect(stdout).toMatch(
    /last run [0-9a-f]{8}: completed, outputs: \{ summarize: 'Portfolio value: \$325\.00' \}/,
  );

  // The backfill fired the five ticks (every 2 s) of the 10 s before activation.
  expect(stdout).toMatch(/backfill [0-9a-f]{8}: completed, 5 fired, 0 on record/);
  const backfilled = section(stdout, "backfilled ticks (oldest first):").filter((l) =>
    l.startsWith("tick "),
  );
  expect(backfilled, context).toHaveLength(5);
  for (const line of backfilled) expect(line).toMatch(/^tick [\d:.]+: completed \(backfill\)$/);

  // Deactivation stops fires at once.
  expect(stdout).toContain("deactivated: status disabled; fires in the 1.5 s after: 0");

  // The poll function: work on the 1st poll fires, the empty 2nd poll skips its tick.
  expect(stdout).toMatch(/queue_check: poll_empty \(tick [\d:.]+\)/);
  const polls = section(stdout, "history of queue_check");
  expect(
    polls.some((line) => /: poll_empty$/.test(line)),
    context,
  ).toBe(true);
  // Oldest last: the first poll fired, the second was empty.
  const oldestFirst = [...polls].reverse();
  expect(oldestFirst[0]).toMatch(/completed \{"message":"new order #1"\}$/);
  expect(oldestFirst[1]).toMatch(/poll_empty$/);

  // The SQLite files are where TICKFLOW_DATA says.
  expect(fs.existsSync(path.join(dir, "demo-triggers.db"))).toBe(true);
  expect(fs.existsSync(path.join(dir, "demo-provenance.db"))).toBe(true);
}, 60_000);
