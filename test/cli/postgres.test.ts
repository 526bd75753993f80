/**
 * The `tickflow` command on PostgreSQL (`--db postgres://…`): two `start` processes share
 * the example module's triggers, `status` names the owner of each, and a wrong URL is one
 * line naming the host without the password. Real processes on the local server; skipped
 * with a one-line reason where none answers.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import { type TickflowResult, tickflow } from "./fixtures/tickflow.js";

const SLOW = 120_000;
const MODULE = "examples/market.ts";
const TRIGGERS = ["market_summary", "orders", "queue_check", "slow_report"];

describePg("tickflow on PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof freshSchema>>;
  /** The schema's URL with a password added: trust auth ignores it; no output may show it. */
  let url: string;

  beforeAll(async () => {
    db = await freshSchema();
    url = db.url.replace("postgres://postgres@", "postgres://postgres:pw-s3cret@");
  });
  afterAll(async () => {
    await db.drop();
  });

  it(
    "two supervisors share the triggers; status names each trigger's owner",
    async () => {
      const a = tickflow(["start", MODULE, "--db", url, "--for", "30"]);
      const b = tickflow(["start", MODULE, "--db", url, "--for", "30"]);
      // While both run: poll status until every trigger has a live owner and both own some.
      let owners: Record<string, string> = {};
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const status = await tickflow(["status", "--db", url, "--json"]);
        if (status.code !== 0) continue;
        const rows = JSON.parse(status.stdout) as {
          name: string;
          owner?: { ownerId: string; live: boolean };
        }[];
        owners = Object.fromEntries(
          rows.filter((r) => r.owner?.live).map((r) => [r.name, r.owner?.ownerId as string]),
        );
        if (Object.keys(owners).length === 4 && new Set(Object.values(owners)).size === 2) break;
      }
      expect(Object.keys(owners).sort()).toEqual(TRIGGERS);
      expect(new Set(Object.values(owners)).size).toBe(2);
      const table = await tickflow(["status", "--db", url]);
      expect(table.code).toBe(0);
      expect(table.stdout.split("\n")[0]).toMatch(/ OWNER /);
      for (const owner of new Set(Object.values(owners))) expect(table.stdout).toContain(owner);

      const results: TickflowResult[] = await Promise.all([a, b]);
      for (const result of results) {
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/sharing the triggers with the other supervisors/);
        expect(result.stdout).toContain("postgres://postgres:***@");
        expect(result.stdout).not.toContain("pw-s3cret");
      }
      // Each tick once, fired by one of the two.
      const events = await tickflow([
        "events",
        "market_summary",
        "--db",
        url,
        "--json",
        "-n",
        "200",
      ]);
      const page = JSON.parse(events.stdout) as { events: { scheduledAt?: string }[] };
      const ticks = page.events.map((r) => r.scheduledAt).filter((t) => t !== undefined);
      expect(ticks.length).toBeGreaterThan(2);
      expect(new Set(ticks).size).toBe(ticks.length);
    },
    SLOW,
  );

  it(
    "a URL that cannot be reached is one line naming host and reason, never the password",
    async () => {
      const result = await tickflow([
        "start",
        MODULE,
        "--db",
        "postgres://bob:pw-s3cret@127.0.0.1:1/test",
        "--for",
        "1",
      ]);
      expect(result.code).toBe(1);
      const lines = result.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^tickflow: .*127\.0\.0\.1:1/);
      expect(lines[0]).toMatch(/refused|ECONNREFUSED/i);
      expect(result.stderr + result.stdout).not.toContain("pw-s3cret");
    },
    SLOW,
  );
});
