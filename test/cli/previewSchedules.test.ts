import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir } from "../store/tempDir.js";
import { ROOT, tickflow } from "./fixtures/tickflow.js";

// `tickflow preview` of schedules beyond cron: "every 15m" on the command line, and a
// module's trigger with every, jitter, startAt and endAt.

const SLOW = 90_000;
const temp = makeTempDir();
afterAll(() => temp.cleanup());

const MODULE = `
import { Dag, Namespace } from ${JSON.stringify(path.join(ROOT, "src/index.ts"))};
const ns = new Namespace();
ns.register(() => 1, { nsref: "jobs:one" });
const dag = new Dag();
dag.node(ns.get("jobs:one"));
ns.register(dag, { nsref: "jobs:dag" });
ns.registerTrigger({
  name: "windowed",
  dagNsref: "jobs:dag",
  triggerType: "cron",
  every: "15m",
  jitter: "1m",
  timezone: "UTC",
  startAt: "2026-01-05T00:05:00Z",
  endAt: "2026-01-05T01:00:00Z",
});
export default ns;
`;

describe("tickflow preview beyond cron", () => {
  it(
    "previews 'every 15m', and a trigger's interval with jitter inside its window",
    async () => {
      const file = path.join(temp.dir, "schedules.ts");
      fs.writeFileSync(file, MODULE);
      const [every, windowed, human] = await Promise.all([
        tickflow([
          "preview",
          "every 15m",
          "--tz",
          "UTC",
          "--after",
          "2026-01-05T00:07:00Z",
          "-n",
          "2",
          "--json",
        ]),
        tickflow([
          "preview",
          "windowed",
          "--module",
          file,
          "--after",
          "2026-01-01T00:00:00Z",
          "-n",
          "10",
          "--json",
        ]),
        tickflow(["preview", "windowed", "--module", file, "--after", "2026-01-01T00:00:00Z"]),
      ]);
      expect(every.code).toBe(0);
      const parsed = JSON.parse(every.stdout);
      expect(parsed).toMatchObject({ schedule: "every 15m", timezone: "UTC", every: 900_000 });
      expect(parsed.entries.map((e: { at: string }) => e.at)).toEqual([
        "2026-01-05T00:15:00.000Z",
        "2026-01-05T00:30:00.000Z",
      ]);
      expect(windowed.code).toBe(0);
      const shaped = JSON.parse(windowed.stdout);
      expect(shaped).toMatchObject({
        every: 900_000,
        jitter: 60_000,
        startAt: "2026-01-05T00:05:00.000Z",
        endAt: "2026-01-05T01:00:00.000Z",
      });
      // Anchored at startAt: 00:05, 00:20, 00:35, 00:50, each up to a minute late; then the end.
      const ticks = shaped.entries.map((e: { at: string; note: string }) => ({
        at: Date.parse(e.at),
        note: e.note,
      }));
      expect(ticks).toHaveLength(4);
      ticks.forEach((tick: { at: number; note: string }, i: number) => {
        const nominal = Date.UTC(2026, 0, 5, 0, 5 + 15 * i);
        expect(tick.at - nominal).toBeGreaterThanOrEqual(0);
        expect(tick.at - nominal).toBeLessThan(60_000);
        expect(tick.note).toMatch(
          /^jitter \+\d+s? after 2026-01-05T00:\d\d:00\+00:00$|^jitter \+0s after/,
        );
      });
      expect(human.code).toBe(0);
      expect(human.stdout).toContain(
        "every 15m in UTC, jitter 60000 ms, from 2026-01-05T00:05:00.000Z",
      );
    },
    SLOW,
  );
});
