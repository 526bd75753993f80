// A run's page: its DAG drawn with each node coloured by status (child runs of map and
// switch nodes nested), then per node its attempts, times, error and output (cut on
// the server to a preview), and each child run the same way.
import { draw } from "./diagram.js";
import { badge, duration, fill, folded, getJson, h, instant, pre, runLink } from "./dom.js";

export async function render(main, runId) {
  document.title = `run ${runId.slice(0, 8)} · tickflow`;
  const view = await getJson(`api/runs/${encodeURIComponent(runId)}`);
  const run = view.run;
  const diagram = h("div", { class: "diagram", id: "dag" });
  fill(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "runs" }, "Runs"), " / "),
    h("h1", {}, "Run ", h("span", { class: "mono" }, run.runId), " ", badge(run.status)),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "DAG"),
      h("dd", {}, run.dagNsref ? h("code", {}, run.dagNsref) : "–"),
      h("dt", {}, "Started"),
      h("dd", {}, instant(run.startedAt)),
      h("dt", {}, "Took"),
      h("dd", {}, run.finishedAt ? duration(run.startedAt, run.finishedAt) : "still running"),
      run.parentRunId
        ? [
            h("dt", {}, "Parent run"),
            h(
              "dd",
              {},
              h("a", { href: `runs/${encodeURIComponent(run.parentRunId)}` }, run.parentRunId),
            ),
          ]
        : null,
    ),
    run.error
      ? h("div", { class: "run-error" }, h("h2", {}, "Error"), pre(run.error, "error"))
      : null,
    h("h2", {}, "DAG"),
    diagram,
    h("h2", {}, "Nodes"),
    nodesTable(run.nodes),
    folded("run input", run.input),
    view.children.length > 0
      ? [
          h("h2", {}, `Child runs (${view.children.length})`),
          view.children.map((child) =>
            h(
              "section",
              { class: "child", "data-run": child.runId, style: null },
              h(
                "h3",
                {},
                child.expansionKey ?? child.runId,
                " ",
                badge(child.status),
                " ",
                h("a", { href: `runs/${encodeURIComponent(child.runId)}`, class: "small" }, "open"),
              ),
              child.error ? pre(child.error, "error") : null,
              nodesTable(child.nodes),
            ),
          ),
        ]
      : null,
  );
  if (view.mermaid) await draw(diagram, view.mermaid);
  else fill(diagram, h("p", { class: "muted" }, "This run recorded no DAG shape to draw."));
}

function nodesTable(nodes) {
  return h(
    "table",
    { class: "grid nodes" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Node", "Status", "Attempt", "Started", "Took", "Error / output"].map((t) =>
          h("th", {}, t),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      nodes.map((node) =>
        h(
          "tr",
          {
            "data-node": node.label,
            "data-status": node.status,
            class: `node s-row-${node.status}`,
          },
          h("td", {}, h("code", {}, node.label)),
          // A cached node links the run whose output it reused.
          h(
            "td",
            {},
            badge(node.status),
            node.cachedFrom
              ? h("span", { class: "small" }, " from ", runLink(node.cachedFrom))
              : null,
          ),
          h("td", {}, node.attempt),
          h("td", {}, instant(node.startedAt)),
          h("td", {}, node.finishedAt ? duration(node.startedAt, node.finishedAt) : ""),
          h(
            "td",
            { class: "values" },
            node.error ? pre(node.error, "error node-error") : null,
            folded("output", node.output),
            folded("input", node.input),
          ),
        ),
      ),
    ),
  );
}
