import type { Command } from "commander";
import { type StoredHealth, storedHealth } from "../../inspect/storedHealth.js";
import type { CommandKit } from "../CommandKit.js";
import { Unhealthy } from "../errors.js";
import { parseOption } from "../parseOption.js";
import { when } from "../when.js";

/** The `health` command's work, loaded when the command runs (see ../commands/health.ts). */
export async function healthAction(
  kit: CommandKit,
  options: { maxOverdue: string; json?: boolean },
  command: Command,
): Promise<void> {
  const maxOverdueMs = parseOption.duration("--max-overdue", options.maxOverdue);
  // Opening or reading a database that is missing, locked or unreachable fails with the
  // store's typed error: exit 1 as well.
  const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
  const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
  let health: StoredHealth;
  try {
    health = await storedHealth(store, { now: Date.now(), maxOverdueMs });
  } finally {
    await dbs.close();
  }
  if (options.json) kit.out.json(health);
  else printHealth(kit, health);
  if (!health.ok) throw new Unhealthy({ path: store.location, reasons: health.reasons });
}

function printHealth(kit: CommandKit, health: StoredHealth): void {
  const { out } = kit;
  const now = Date.now();
  out.line(health.ok ? out.color.green("healthy") : out.color.red("not healthy"));
  const who =
    health.role === "none"
      ? "no supervisor holds a lease"
      : `${health.role === "leader" ? "leader" : "members"}: ${health.holders.join(", ")}`;
  out.line(
    `  ${who}${health.leaseExpiresAt ? ` (lease until ${when(health.leaseExpiresAt, now, { seconds: true })})` : ""}`,
  );
  out.line(`  last tick: ${when(health.lastTickAt, now, { seconds: true })}`);
  out.line(`  runs in flight: ${health.runsInFlight}`);
  for (const o of health.overdue)
    out.line(`  overdue: ${o.trigger}, due ${when(o.dueAt, now, { seconds: true })}`);
}
