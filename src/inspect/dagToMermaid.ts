import type { Dag } from "../dag/Dag.js";
import type { DagShape } from "../provenance/Provenance.js";
import { dagGraphOf } from "./dagGraph.js";
import { mermaidText } from "./mermaidText.js";

/**
 * Options of {@link dagToMermaid}.
 *
 * @example
 * ```ts
 * dagToMermaid(dag, { direction: "TD", title: "pipelines:market_summary" });
 * ```
 */
export interface MermaidOptions {
  /** Flow direction: left to right (default) or top down. */
  readonly direction?: "LR" | "TD";
  /** Written as a comment on the first line. */
  readonly title?: string;
}

/**
 * A DAG (or a run's recorded shape) as a Mermaid flowchart: one box per node with its
 * label and what it runs, one arrow per edge (labelled with its fan-in name).
 * Node ids are `n0`, `n1`, … in the DAG's order, so any label is safe.
 *
 * @example
 * ```ts
 * console.log(dagToMermaid(ns.get("pipelines:market_summary").spec.dag));
 * // flowchart LR
 * //   n0["fetch<br/><small>market:fetch</small>"]
 * //   n1["total<br/><small>market:total</small>"]
 * //   n0 --> n1
 * ```
 */
export function dagToMermaid(dag: Dag | DagShape, options: MermaidOptions = {}): string {
  const graph = dagGraphOf(dag);
  const ids = new Map(graph.nodes.map((node, i) => [node.label, `n${i}`]));
  const lines: string[] = [];
  if (options.title !== undefined) lines.push(`%% ${mermaidText(options.title)}`);
  lines.push(`flowchart ${options.direction ?? "LR"}`);
  for (const node of graph.nodes) {
    lines.push(
      `  ${ids.get(node.label)}["${mermaidText(node.label)}<br/><small>${mermaidText(node.runs)}</small>"]`,
    );
  }
  for (const edge of graph.edges) {
    const label = edge.as === undefined ? "" : `|${mermaidText(edge.as)}|`;
    lines.push(`  ${ids.get(edge.from) ?? "missing"} -->${label} ${ids.get(edge.to) ?? "missing"}`);
  }
  return `${lines.join("\n")}\n`;
}
