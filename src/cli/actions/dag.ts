import type { Dag } from "../../dag/Dag.js";
import { dagGraphOf } from "../../inspect/dagGraph.js";
import { dagToMermaid } from "../../inspect/dagToMermaid.js";
import type { CommandKit } from "../CommandKit.js";
import { NotApplicable } from "../errors.js";
import { loadNamespace } from "../loadNamespace.js";

/** The `dag` command's work, loaded when the command runs (see ../commands/dag.ts). */
export async function dagAction(
  kit: CommandKit,
  modulePath: string,
  nsref: string,
  options: { mermaid?: boolean; json?: boolean },
): Promise<void> {
  const node = (await loadNamespace(modulePath, kit.io.cwd)).get(nsref);
  if (node.spec.kind !== "dag") {
    throw new NotApplicable({
      what: `"${nsref}"`,
      reason: "is a function, not a DAG",
      hint: "give the nsref a Dag was registered under",
    });
  }
  const dag = node.spec.dag as Dag;
  if (options.mermaid) {
    kit.out.io.stdout.write(dagToMermaid(dag, { title: nsref }));
    return;
  }
  const graph = dagGraphOf(dag);
  if (options.json) {
    kit.out.json({ nsref, ...graph });
    return;
  }
  const out = kit.out;
  out.line(
    out.table(
      ["NODE", "RUNS", "UPSTREAM"],
      graph.nodes.map((n) => [
        n.label,
        n.runs,
        graph.edges
          .filter((e) => e.to === n.label)
          .map((e) => (e.as === undefined ? e.from : `${e.from} as ${e.as}`))
          .join(", ") || out.color.dim("source"),
      ]),
    ),
  );
}
