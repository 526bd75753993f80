/**
 * Issue 14, contract 3b, the real-time bound: `stop({ graceMs })` returns within
 * `graceMs` + 1 s even with a poll that never settles and a node that ignores its
 * AbortSignal; the poll is not called again after stop() began, and nothing is left
 * `running`. On the system clock: this is the one bound the issue names in real time.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../src/schedule/Clock.js";
import { Harness, until } from "./harness.js";

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe("stop() within its grace", () => {
  it("returns within graceMs + 1 s with a never-settling poll and a node deaf to its AbortSignal", async () => {
    const h = new Harness({ provenance: true, clock: new SystemClock() });
    harnesses.push(h);
    let polls = 0;
    h.poll(
      "hanging_poll",
      h.dag("p", () => 1),
      "* * * * * *",
      {
        pollTimeout: 60_000,
        pollFn: () => {
          polls += 1;
          return new Promise<never>(() => {});
        },
      },
    );
    h.ns.registerTrigger({
      name: "deaf",
      dagNsref: h.dag("d", () => new Promise<never>(() => {})),
      triggerType: "push",
    });
    const manager = h.manager();
    await manager.activate("hanging_poll");
    await manager.activate("deaf");
    await manager.start();
    const fired = manager.fire("deaf", {});
    fired.catch(() => {});
    await until(() => polls >= 1 && h.count("fired", "deaf") === 1, "a poll and a deaf run");

    const graceMs = 500;
    const began = Date.now();
    const pollsAtStop = polls;
    await manager.stop({ graceMs });
    const tookMs = Date.now() - began;
    // A few more seconds: nothing of the stopped supervisor polls again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const db = new Database(path.join(h.dir, "triggers.db"), { readonly: true });
    const rows = db.prepare("SELECT trigger_name, scheduled_at, status FROM trigger_events").all();
    db.close();
    const failure = JSON.stringify({ tookMs, graceMs, polls, pollsAtStop, rows }, null, 2);
    console.log(`stop bound: ${JSON.stringify({ tookMs, graceMs, polls, pollsAtStop })}`);
    expect(tookMs, failure).toBeLessThan(graceMs + 1_000);
    expect(polls, failure).toBe(pollsAtStop);
    expect(
      rows.filter((row) => (row as { status: string }).status === "running"),
      failure,
    ).toEqual([]);
  });
});
