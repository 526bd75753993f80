// Fire / activate / deactivate from a trigger's page, shown only when the server was
// started with --allow-actions. Each action carries the token (from the link printed at
// start, `#token=…`, kept for this tab only) and a note saying why.
import { fill, h } from "./dom.js";

const KEY = "tickflow-token";
const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromLink) {
  sessionStorage.setItem(KEY, fromLink);
  history.replaceState(null, "", location.pathname + location.search);
}

/** The actions panel for trigger `name`; `after` runs when one succeeded. */
export function actionsPanel(name, after) {
  const token = h("input", {
    type: "password",
    placeholder: "token",
    value: sessionStorage.getItem(KEY) ?? "",
    class: "token",
    "aria-label": "token",
  });
  const note = h("input", {
    type: "text",
    placeholder: "note: why (kept in the server's log)",
    class: "note",
    "aria-label": "note",
  });
  const payload = h("input", {
    type: "text",
    placeholder: "fire payload, JSON object",
    value: "{}",
    class: "payload",
    "aria-label": "payload",
  });
  const result = h("div", { class: "action-result", role: "status" });
  const act = async (kind) => {
    sessionStorage.setItem(KEY, token.value);
    fill(result, `${kind}…`);
    let body;
    try {
      body = {
        note: note.value,
        ...(kind === "fire" ? { payload: JSON.parse(payload.value || "{}") } : {}),
      };
    } catch {
      fill(result, h("span", { class: "error" }, "the payload is not JSON"));
      return;
    }
    const response = await fetch(`api/triggers/${encodeURIComponent(name)}/${kind}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token.value}` },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      fill(
        result,
        h("span", { class: "error" }, `${kind} refused: ${answer.error ?? response.status}`),
      );
      return;
    }
    const run = answer.outcome?.runId
      ? ` run ${answer.outcome.runId} ${answer.outcome.status ?? ""}`
      : "";
    fill(result, h("span", { class: "ok" }, `${kind} done${run}`));
    after?.();
  };
  return h(
    "section",
    { class: "actions" },
    h("h2", {}, "Actions"),
    h(
      "p",
      { class: "muted small" },
      "With a supervisor running, each action is queued for it and applied within about a second (fire waits for the run's end); with none, it is applied directly. Every action needs the token printed when the inspector started.",
    ),
    h("div", { class: "row" }, token, note),
    h("div", { class: "row" }, payload),
    h(
      "div",
      { class: "row" },
      ["fire", "activate", "deactivate"].map((kind) =>
        h("button", { type: "button", "data-action": kind, onclick: () => act(kind) }, kind),
      ),
    ),
    result,
  );
}
