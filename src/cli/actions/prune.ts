import type { Command } from "commander";
import { Namespace } from "../../namespace/Namespace.js";
import type { DagProvenance } from "../../provenance/DagProvenance.js";
import type { PruneReport } from "../../retention/pruneHistory.js";
import { TriggerManager } from "../../supervisor/TriggerManager.js";
import type { CommandKit } from "../CommandKit.js";
import { parseOption } from "../parseOption.js";
import { withManager } from "../withManager.js";

/** The `prune` command's work, loaded when the command runs (see ../commands/prune.ts). */
export async function pruneAction(
  kit: CommandKit,
  options: { olderThan?: string; dryRun?: boolean; json?: boolean },
  command: Command,
): Promise<void> {
  // Checked first, with the option's own typed error (`InvalidOption`).
  const olderThanMs =
    options.olderThan === undefined
      ? undefined
      : parseOption.duration("--older-than", options.olderThan, "d");
  // In ms: a bare number the option reads as seconds is no duration to `prune` itself.
  const how = olderThanMs === undefined ? {} : { olderThan: `${olderThanMs}ms` };
  let report: PruneReport;
  if (options.dryRun) {
    // Counting writes nothing: it needs no lease and works beside a running supervisor.
    const dbs = await kit.open(command, {
      mode: "read",
      triggers: "required",
      provenance: "optional",
    });
    try {
      const manager = new TriggerManager({
        namespace: new Namespace(),
        store: dbs.triggers as NonNullable<typeof dbs.triggers>,
        ...(dbs.provenance === undefined ? {} : { provenance: dbs.provenance as DagProvenance }),
      });
      report = await manager.prune({ ...how, dryRun: true });
    } finally {
      await dbs.close();
    }
  } else {
    // Holding the database lease (or refusing beside a running supervisor, which prunes
    // by its own retention option), like every other by-hand write.
    report = await withManager(kit, command, undefined, (m) => m.prune(how));
  }
  if (options.json) {
    kit.out.json(report);
    return;
  }
  const verb = report.dryRun ? "would prune" : "pruned";
  kit.out.line(
    `${verb} ${report.events} ledger rows, ${report.journal} journal entries, ${report.runs} runs, ${report.cache} expired cached outputs`,
  );
  for (const c of report.checkpoints) {
    kit.out.line(`  ${c.trigger}: journal compacted into a checkpoint at seq ${c.seq}`);
  }
}
