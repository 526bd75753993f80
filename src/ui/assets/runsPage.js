// The runs page: recent runs, newest first, filtered by DAG and status (kept in the
// address, so a filtered list can be linked).
import { badge, duration, fill, getJson, h, instant, notice, runLink } from "./dom.js";

export async function render(main) {
  document.title = "Runs · tickflow";
  const meta = await getJson("api/meta");
  const params = new URLSearchParams(location.search);
  const dag = h("input", {
    type: "text",
    name: "dag",
    placeholder: "DAG nsref, e.g. pipelines:market_summary",
    value: params.get("dag") ?? "",
  });
  const status = h(
    "select",
    { name: "status" },
    h("option", { value: "" }, "any status"),
    meta.runStatuses.map((s) => h("option", { value: s, selected: params.get("status") === s }, s)),
  );
  const limit = h(
    "select",
    { name: "limit" },
    [20, 50, 100, 200].map((n) =>
      h("option", { value: n, selected: String(n) === (params.get("limit") ?? "50") }, `${n} runs`),
    ),
  );
  const list = h("div", { id: "runs" });
  const apply = () => {
    const next = new URLSearchParams();
    if (dag.value.trim()) next.set("dag", dag.value.trim());
    if (status.value) next.set("status", status.value);
    if (limit.value !== "50") next.set("limit", limit.value);
    history.replaceState(null, "", `${location.pathname}${next.size ? `?${next}` : ""}`);
    void load();
  };
  const load = async () => {
    const query = new URLSearchParams(location.search);
    const answer = await getJson(`api/runs?${query}`);
    if (!answer.available) {
      fill(list, notice("No run history here (provenance.db is missing)."));
      return;
    }
    fill(
      list,
      answer.runs.length === 0
        ? notice("No runs match.")
        : h(
            "table",
            { class: "grid" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Run", "DAG", "Status", "Started", "Took", "Nodes", "Error"].map((t) =>
                  h("th", {}, t),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              answer.runs.map((run) =>
                h(
                  "tr",
                  { "data-run": run.runId, "data-status": run.status },
                  h("td", {}, runLink(run.runId)),
                  h("td", {}, [
                    run.dagNsref ? h("code", {}, run.dagNsref) : h("span", { class: "muted" }, "–"),
                    run.parentRunId
                      ? h(
                          "div",
                          { class: "small muted" },
                          `↳ ${run.expansionKey ?? "child"} of `,
                          runLink(run.parentRunId),
                        )
                      : null,
                  ]),
                  h("td", {}, badge(run.status)),
                  h("td", {}, instant(run.startedAt)),
                  h("td", {}, run.finishedAt ? duration(run.startedAt, run.finishedAt) : ""),
                  h(
                    "td",
                    { class: "small" },
                    Object.entries(run.nodeCounts).map(([s, n]) =>
                      h("span", {}, badge(s), ` ${n} `),
                    ),
                  ),
                  h("td", { class: "error small clip" }, run.error ?? ""),
                ),
              ),
            ),
          ),
    );
  };
  fill(
    main,
    h("h1", {}, "Runs"),
    h(
      "div",
      { class: "filters" },
      dag,
      status,
      limit,
      h("button", { type: "button", onclick: apply }, "Filter"),
    ),
    list,
  );
  dag.addEventListener("keydown", (event) => {
    if (event.key === "Enter") apply();
  });
  status.addEventListener("change", apply);
  limit.addEventListener("change", apply);
  await load();
}
