import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { BackfillNotFound } from "../../supervisor/backfillErrors.js";
import { checkBackfillOptions } from "../../supervisor/checkBackfillOptions.js";
import type { BackfillRecord } from "../../trigger/backfillRecords.js";
import type { CommandKit } from "../CommandKit.js";
import { InvalidOption } from "../errors.js";
import { parseOption } from "../parseOption.js";
import { viaSupervisor } from "../viaSupervisor.js";
import { withManager } from "../withManager.js";
import { directOrQueued } from "./triggerActions.js";

/** The flags of `tickflow backfill`. */
export interface BackfillFlags {
  readonly module?: string;
  readonly from?: string;
  readonly to?: string;
  readonly refire?: boolean;
  readonly overlap?: string;
  readonly list?: boolean;
  readonly cancel?: string;
  readonly json?: boolean;
}

const EXAMPLE =
  "tickflow backfill hourly --module m.ts --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z";

/** The `backfill` command's work, loaded when the command runs (see ../commands/backfill.ts). */
export async function backfillAction(
  kit: CommandKit,
  trigger: string | undefined,
  options: BackfillFlags,
  command: Command,
): Promise<void> {
  if (options.list) return list(kit, trigger, options, command);
  if (options.cancel !== undefined) return cancel(kit, options.cancel, options, command);
  const missing = (option: string, reason: string): never => {
    throw new InvalidOption({ option, value: "", reason, example: EXAMPLE });
  };
  if (trigger === undefined) return missing("<trigger>", "is missing (which trigger to backfill)");
  if (options.module === undefined) return missing("--module", "is missing");
  if (options.from === undefined) return missing("--from", "is missing");
  if (options.to === undefined) return missing("--to", "is missing");
  const overlap =
    options.overlap === undefined ? 1 : parseOption.count("--overlap", options.overlap);
  // The id is chosen here, so the same backfill is named whether it is made in this
  // process or by the running supervisor; the options are checked before anything opens.
  const request = {
    id: randomUUID(),
    from: options.from,
    to: options.to,
    refire: options.refire === true,
    overlap,
  };
  checkBackfillOptions(trigger, request);
  const modulePath = options.module;
  const queued = await directOrQueued(
    async () => {
      await withManager(kit, command, modulePath, (m) => m.backfill(trigger, request));
      return false;
    },
    async () => {
      await viaSupervisor(kit, command, "backfill", trigger, request);
      return true;
    },
  );
  const record = await readBackfill(kit, command, request.id);
  if (options.json) {
    kit.out.json({ ...jsonOf(record), viaSupervisor: queued });
    return;
  }
  kit.out.line(
    `backfill ${record.id} of ${record.triggerName}: ticks in [${record.from.toISOString()}, ${record.to.toISOString()})${record.refire ? ", refire" : ""} — ${record.status}`,
  );
  if (!queued && record.status === "running") {
    kit.out.line("it runs while a supervisor runs on this database (tickflow start)");
  }
}

async function readBackfill(kit: CommandKit, command: Command, id: string) {
  const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
  try {
    const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
    const record = await store.getBackfill(id);
    if (record === undefined) throw new BackfillNotFound({ id });
    return record;
  } finally {
    await dbs.close();
  }
}

async function list(
  kit: CommandKit,
  trigger: string | undefined,
  options: BackfillFlags,
  command: Command,
): Promise<void> {
  const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
  let all: readonly BackfillRecord[];
  try {
    all = await (dbs.triggers as NonNullable<typeof dbs.triggers>).listBackfills(trigger);
  } finally {
    await dbs.close();
  }
  if (options.json) {
    kit.out.json(all.map(jsonOf));
    return;
  }
  if (all.length === 0) {
    kit.out.line(`No backfills${trigger === undefined ? "" : ` of ${trigger}`}.`);
    return;
  }
  kit.out.line(
    kit.out.table(
      ["ID", "TRIGGER", "RANGE", "POSITION", "STATUS", "FIRED", "ON RECORD"],
      all.map((b) => [
        b.id,
        b.triggerName,
        `${b.from.toISOString()}\n${b.to.toISOString()}`,
        b.position?.toISOString() ?? "-",
        `${kit.out.status(b.status)}${b.refire ? " (refire)" : ""}`,
        String(b.fired),
        String(b.skipped),
      ]),
    ),
  );
}

async function cancel(
  kit: CommandKit,
  id: string,
  options: BackfillFlags,
  command: Command,
): Promise<void> {
  const known = await readBackfill(kit, command, id);
  const queued = await directOrQueued(
    async () => {
      await withManager(kit, command, options.module, (m) => m.cancelBackfill(id));
      return false;
    },
    async () => {
      await viaSupervisor(kit, command, "cancelBackfill", known.triggerName, { id });
      return true;
    },
  );
  const record = await readBackfill(kit, command, id);
  if (options.json) {
    kit.out.json({ ...jsonOf(record), viaSupervisor: queued });
    return;
  }
  kit.out.line(`backfill ${id} of ${record.triggerName}: ${record.status} (${record.fired} fired)`);
}

/** A record for `--json`: every field present (`null` where there is none yet). */
function jsonOf(record: BackfillRecord): Record<string, unknown> {
  return { ...record, position: record.position ?? null, finishedAt: record.finishedAt ?? null };
}
