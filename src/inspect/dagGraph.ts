import type { Dag } from "../dag/Dag.js";
import type { DagShape } from "../provenance/Provenance.js";

/**
 * A DAG reduced to what a picture needs: nodes (label and what they run) and edges
 * (with the fan-in name an edge gives). Built from a live `Dag`, or from the shape a
 * run recorded (so a run can be drawn without loading the module that defined it).
 *
 * @example
 * ```ts
 * const graph: DagGraphView = dagGraphOf(dag);
 * graph.nodes.map((n) => n.label); // ["fetch", "total"]
 * ```
 */
export interface DagGraphView {
  readonly nodes: readonly { readonly label: string; readonly runs: string }[];
  readonly edges: readonly {
    readonly from: string;
    readonly to: string;
    readonly as: string | undefined;
  }[];
}

/**
 * The graph of a `Dag`, or of a recorded `DagShape` (`nodes: ["label=nsref"]`,
 * `edges: ["from->to"]` or `"from->to:as"`). A shape's edges are split against its
 * known labels, so labels that contain `->` or `:` still read back right.
 *
 * @example
 * ```ts
 * dagGraphOf({ nodes: ["fetch=market:fetch", "total=function"], edges: ["fetch->total"] });
 * // { nodes: [{ label: "fetch", runs: "market:fetch" }, ...], edges: [{ from: "fetch", to: "total", as: undefined }] }
 * ```
 */
export function dagGraphOf(source: Dag | DagShape): DagGraphView {
  if (!isShape(source)) {
    return {
      nodes: source.nodes.map((node) => ({
        label: node.label,
        runs: node.spec.nsref ?? node.spec.kind,
      })),
      edges: source.edges.map((edge) => ({ from: edge.from, to: edge.to, as: edge.as })),
    };
  }
  const nodes = source.nodes.map((text) => {
    // What a node runs is an nsref or a kind, neither of which holds "=": split on the last one.
    const at = text.lastIndexOf("=");
    return at < 0
      ? { label: text, runs: "function" }
      : { label: text.slice(0, at), runs: text.slice(at + 1) };
  });
  const labels = new Set(nodes.map((node) => node.label));
  const edges = source.edges.map((text) => {
    for (const from of labels) {
      if (!text.startsWith(`${from}->`)) continue;
      const rest = text.slice(from.length + 2);
      if (labels.has(rest)) return { from, to: rest, as: undefined };
      for (const to of labels) {
        if (rest.startsWith(`${to}:`)) return { from, to, as: rest.slice(to.length + 1) };
      }
    }
    // A shape written by another version: keep the edge rather than lose it.
    const [from = text, to = ""] = text.split("->");
    return { from, to, as: undefined };
  });
  return { nodes, edges };
}

function isShape(source: Dag | DagShape): source is DagShape {
  return (source.nodes as readonly unknown[]).every((node) => typeof node === "string");
}
