import type { Command } from "commander";
import { formatDuration } from "../../inspect/formatDuration.js";
import type { RunStatus } from "../../provenance/Provenance.js";
import type { CommandKit } from "../CommandKit.js";
import { parseOption } from "../parseOption.js";
import { when } from "../when.js";

const RUN_STATUSES: readonly RunStatus[] = [
  "running",
  "completed",
  "failed",
  "interrupted",
  "paused",
];

/**
 * `tickflow runs [--dag nsref] [--status s] [--limit n] [--json]`: recent runs, newest
 * first.
 *
 * @example
 * ```ts
 * runsCommand(program, kit); // tickflow runs --status failed
 * ```
 */
export function runsCommand(program: Command, kit: CommandKit): void {
  program
    .command("runs")
    .description("recent DAG runs, newest first")
    .option("--dag <nsref>", "only runs of this DAG")
    .option("--status <status>", `only runs with this status (${RUN_STATUSES.join(", ")})`)
    .option("-n, --limit <n>", "how many", "20")
    .option("--json", "print JSON for scripts")
    .action(
      async (
        options: { dag?: string; status?: string; limit: string; json?: boolean },
        command: Command,
      ) => {
        const limit = parseOption.count("--limit", options.limit);
        const status =
          options.status === undefined
            ? undefined
            : parseOption.choice("--status", options.status, RUN_STATUSES);
        const dbs = kit.open(command, { mode: "read", triggers: "skip", provenance: "required" });
        try {
          const provenance = dbs.provenance as NonNullable<typeof dbs.provenance>;
          const runs = await provenance.getRecentRuns({
            limit,
            ...(options.dag === undefined ? {} : { dagNsref: options.dag }),
            ...(status === undefined ? {} : { status }),
          });
          if (options.json) {
            kit.out.json(
              runs.map(({ nodes, ...run }) => ({ ...run, nodes: Object.values(nodes) })),
            );
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
      },
    );
}
