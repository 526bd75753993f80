import type { Command } from "commander";
import { formatDuration } from "../../inspect/formatDuration.js";
import type { CommandKit } from "../CommandKit.js";
import { flagAsTyped } from "../flagAsTyped.js";
import { parseOption } from "../parseOption.js";
import { RUN_STATUSES } from "../runStatuses.js";
import { when } from "../when.js";

/** The `runs` command's work, loaded when the command runs (see ../commands/runs.ts). */
export async function runsAction(
  kit: CommandKit,
  options: { dag?: string; status?: string; limit: string; json?: boolean },
  command: Command,
): Promise<void> {
  const limit = parseOption.count(flagAsTyped(kit.argv, command, "--limit"), options.limit);
  const status =
    options.status === undefined
      ? undefined
      : parseOption.choice("--status", options.status, RUN_STATUSES);
  const dbs = await kit.open(command, { mode: "read", triggers: "skip", provenance: "required" });
  try {
    const provenance = dbs.provenance as NonNullable<typeof dbs.provenance>;
    const runs = await provenance.getRecentRuns({
      limit,
      ...(options.dag === undefined ? {} : { dagNsref: options.dag }),
      ...(status === undefined ? {} : { status }),
    });
    if (options.json) {
      kit.out.json(runs.map(({ nodes, ...run }) => ({ ...run, nodes: Object.values(nodes) })));
      return;
    }
    const out = kit.out;
    if (runs.length === 0) {
      out.line("No runs match.");
      return;
    }
    out.line(
      out.table(
        ["RUN", "DAG", "STATUS", "STARTED", "TOOK", "ERROR"],
        runs.map((run) => [
          run.runId,
          run.dagNsref ?? out.color.dim("-"),
          out.status(run.status),
          when(run.startedAt),
          run.finishedAt === undefined
            ? out.color.dim("-")
            : formatDuration(run.finishedAt.getTime() - run.startedAt.getTime()),
          run.error ?? "",
        ]),
      ),
    );
  } finally {
    await dbs.close();
  }
}
