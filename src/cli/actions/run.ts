import type { Command } from "commander";
import { formatDuration } from "../../inspect/formatDuration.js";
import { recordedShape } from "../../inspect/recordedShape.js";
import { runToMermaid } from "../../inspect/runToMermaid.js";
import type { RunRecord } from "../../provenance/DagProvenance.js";
import type { DagShape } from "../../provenance/Provenance.js";
import type { CommandKit } from "../CommandKit.js";
import { RunNotInHistory } from "../errors.js";
import { when } from "../when.js";

/** The `run` command's work, loaded when the command runs (see ../commands/run.ts). */
export async function runAction(
  kit: CommandKit,
  runId: string,
  options: { mermaid?: boolean; json?: boolean },
  command: Command,
): Promise<void> {
  const dbs = await kit.open(command, { mode: "read", triggers: "skip", provenance: "required" });
  try {
    const provenance = dbs.provenance as NonNullable<typeof dbs.provenance>;
    const run = await provenance.getRun(runId, { values: options.json === true });
    if (run === undefined) {
      throw new RunNotInHistory({ runId, path: provenance.store.path });
    }
    const children = await provenance.getChildRuns(runId);
    if (options.mermaid) {
      const shape = (await recordedShape(provenance, runId)) ?? shapeFromRun(run);
      kit.out.io.stdout.write(runToMermaid(shape, run, { children }));
      return;
    }
    if (options.json) {
      kit.out.json({
        ...run,
        nodes: Object.values(run.nodes),
        children: children.map((child) => ({ ...child, nodes: Object.values(child.nodes) })),
      });
      return;
    }
    printRun(kit, run, children);
  } finally {
    await dbs.close();
  }
}

/** A run recorded without its DAG's shape: its nodes, and the edges its data travelled. */
function shapeFromRun(run: RunRecord): DagShape {
  const nodes = Object.values(run.nodes);
  return {
    nodes: nodes.map((node) => `${node.label}=unknown`),
    edges: nodes.flatMap((node) => node.downstream.map((to) => `${node.label}->${to}`)),
  };
}

function printRun(kit: CommandKit, run: RunRecord, children: readonly RunRecord[]): void {
  const out = kit.out;
  const c = out.color;
  out.line(`${c.bold("run")}      ${run.runId}`);
  out.line(`${c.bold("dag")}      ${run.dagNsref ?? "-"}`);
  out.line(`${c.bold("status")}   ${out.status(run.status)}`);
  out.line(`${c.bold("started")}  ${when(run.startedAt)}`);
  out.line(
    `${c.bold("finished")} ${when(run.finishedAt)}${run.finishedAt ? ` (took ${formatDuration(run.finishedAt.getTime() - run.startedAt.getTime())})` : ""}`,
  );
  if (run.error) out.line(`${c.bold("error")}    ${c.red(run.error)}`);
  if (run.parentRunId) out.line(`${c.bold("parent")}   ${run.parentRunId}`);
  out.line();
  out.line(
    out.table(
      ["NODE", "STATUS", "ATTEMPT", "STARTED", "FINISHED", "TOOK", "ERROR"],
      Object.values(run.nodes).map((node) => [
        node.label,
        // A cached node names the run whose output it reused.
        `${out.status(node.status)}${node.cachedFrom ? c.dim(` from ${node.cachedFrom}`) : ""}`,
        String(node.attempt),
        when(node.startedAt),
        when(node.finishedAt),
        node.startedAt && node.finishedAt
          ? formatDuration(node.finishedAt.getTime() - node.startedAt.getTime())
          : c.dim("-"),
        node.error ? c.red(node.error) : "",
      ]),
    ),
  );
  if (children.length === 0) return;
  out.line();
  out.line(c.bold("sub-DAG runs"));
  // Nested by parent: each child under the run that expanded it, by its expansion key.
  const walk = (parentId: string, depth: number) => {
    for (const child of children.filter((r) => r.parentRunId === parentId)) {
      const nodes = Object.values(child.nodes)
        .map((node) => `${node.label}:${node.status}${node.attempt > 1 ? `#${node.attempt}` : ""}`)
        .join(" ");
      out.line(
        `${"  ".repeat(depth)}${child.expansionKey ?? "-"}  ${out.status(child.status)}  ${child.runId}  ${c.dim(nodes)}`,
      );
      walk(child.runId, depth + 1);
    }
  };
  walk(run.runId, 1);
}
