import type { Dag } from "../dag/Dag.js";
import type { RunRecord } from "../provenance/DagProvenance.js";
import type { DagShape, NodeStatus } from "../provenance/Provenance.js";
import { dagGraphOf } from "./dagGraph.js";
import type { MermaidOptions } from "./dagToMermaid.js";
import { mermaidText } from "./mermaidText.js";

/** One colour per node status; the fill says the outcome, a dashed border "not run here". */
const STYLES: Readonly<Record<NodeStatus, string>> = {
  completed: "fill:#d3f9d8,stroke:#2b8a3e,color:#000",
  failed: "fill:#ffe3e3,stroke:#c92a2a,color:#000",
  running: "fill:#d0ebff,stroke:#1971c2,color:#000",
  pending: "fill:#f1f3f5,stroke:#868e96,color:#000",
  skipped: "fill:#f8f9fa,stroke:#adb5bd,stroke-dasharray:4 2,color:#000",
  cached: "fill:#e6fcf5,stroke:#0ca678,stroke-dasharray:4 2,color:#000",
  interrupted: "fill:#fff4e6,stroke:#e8590c,color:#000",
  paused: "fill:#fff9db,stroke:#f08c00,color:#000",
};

/**
 * A run as a Mermaid flowchart: the DAG's boxes coloured by each node's status in the
 * run (a `classDef` per status that occurs), with status and attempt in the box, solid
 * arrows for edges the run's data travelled and dotted ones for the rest. Pass the
 * `Dag`, or the shape the run recorded (`DagProvenance` keeps it with every run).
 * A node the run has no record of is drawn `pending`; a `cached` one names the run its
 * output came from (the first 8 characters of its id).
 *
 * @example
 * ```ts
 * const run = await provenance.getRun(runId);
 * if (run) console.log(runToMermaid(dag, run));
 * // flowchart LR
 * //   n0["fetch<br/><small>completed</small>"]:::completed
 * //   n1["total<br/><small>failed · attempt 3</small>"]:::failed
 * //   n0 --> n1
 * //   classDef completed fill:#d3f9d8,stroke:#2b8a3e,color:#000
 * //   classDef failed fill:#ffe3e3,stroke:#c92a2a,color:#000
 * ```
 */
export function runToMermaid(
  dag: Dag | DagShape,
  run: RunRecord,
  options: MermaidOptions & {
    /** Sub-DAG runs (`provenance.getChildRuns`): drawn nested, as subgraphs. */
    readonly children?: readonly RunRecord[];
  } = {},
): string {
  const graph = dagGraphOf(dag);
  const ids = new Map(graph.nodes.map((node, i) => [node.label, `n${i}`]));
  const used = new Set<NodeStatus>();
  const lines: string[] = [
    `%% ${mermaidText(options.title ?? `run ${run.runId}${run.dagNsref ? ` of ${run.dagNsref}` : ""}: ${run.status}`)}`,
    `flowchart ${options.direction ?? "LR"}`,
  ];
  for (const node of graph.nodes) {
    const record = run.nodes[node.label];
    const status: NodeStatus = record?.status ?? "pending";
    used.add(status);
    const attempt =
      record !== undefined && record.attempt > 1 ? ` · attempt ${record.attempt}` : "";
    const from = record?.cachedFrom ? ` · from ${mermaidText(record.cachedFrom.slice(0, 8))}` : "";
    lines.push(
      `  ${ids.get(node.label)}["${mermaidText(node.label)}<br/><small>${status}${attempt}${from}</small>"]:::${status}`,
    );
  }
  for (const edge of graph.edges) {
    const travelled = run.nodes[edge.to]?.upstream.includes(edge.from) ?? false;
    const arrow = travelled ? "-->" : "-.->";
    const label = edge.as === undefined ? "" : `|${mermaidText(edge.as)}|`;
    lines.push(
      `  ${ids.get(edge.from) ?? "missing"} ${arrow}${label} ${ids.get(edge.to) ?? "missing"}`,
    );
  }
  lines.push(...childSubgraphs(run, options.children ?? [], ids, used));
  for (const status of Object.keys(STYLES) as NodeStatus[]) {
    if (used.has(status)) lines.push(`  classDef ${status} ${STYLES[status]}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Each sub-DAG run as a subgraph titled by its expansion key (`counts[2]`, `report:long`),
 * nested under its parent's subgraph, with a dotted link from the node that expanded it.
 */
function childSubgraphs(
  root: RunRecord,
  children: readonly RunRecord[],
  rootIds: ReadonlyMap<string, string>,
  used: Set<NodeStatus>,
): string[] {
  const lines: string[] = [];
  const draw = (parent: RunRecord, parentIds: ReadonlyMap<string, string>, depth: number) => {
    const indent = "  ".repeat(depth + 1);
    children
      .filter((child) => child.parentRunId === parent.runId)
      .forEach((child, i) => {
        const id = `${parentIds.get("")}c${i}`;
        const ids = new Map<string, string>([["", id]]);
        lines.push(
          `${indent}subgraph ${id}["${mermaidText(child.expansionKey ?? child.runId)} · ${child.status}"]`,
        );
        Object.values(child.nodes).forEach((node, k) => {
          const nodeId = `${id}n${k}`;
          ids.set(node.label, nodeId);
          used.add(node.status);
          lines.push(
            `${indent}  ${nodeId}["${mermaidText(node.label)}<br/><small>${node.status}</small>"]:::${node.status}`,
          );
        });
        for (const node of Object.values(child.nodes)) {
          for (const to of node.downstream) {
            lines.push(`${indent}  ${ids.get(node.label)} --> ${ids.get(to) ?? "missing"}`);
          }
        }
        draw(child, ids, depth + 1);
        lines.push(`${indent}end`);
        // The node that expanded it: the key's label part ("counts[2]" → counts).
        const owner = (child.expansionKey ?? "").split(/[[:]/)[0] ?? "";
        const from = parentIds.get(owner);
        if (from !== undefined) lines.push(`${indent}${from} -.- ${id}`);
      });
  };
  draw(root, new Map([...rootIds, ["", "r"]]), 0);
  return lines;
}
