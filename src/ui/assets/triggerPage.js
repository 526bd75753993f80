// A trigger's page: its machine drawn with the current state highlighted, the ledger
// as a colour-coded timeline with explain's reason for each row (paged, newest first),
// and the journal replayed through the machine — state over time, and whether it
// matches the stored snapshot. Follows the live feed: a change reloads the page's data.
import { actionsPanel } from "./actions.js";
import { draw } from "./diagram.js";
import {
  badge,
  duration,
  fill,
  getJson,
  h,
  instant,
  lastRun,
  notice,
  pre,
  relative,
  runLink,
} from "./dom.js";
import { onTriggers } from "./live.js";

const PAGE = 25;
/** Ledger statuses whose `error` is a failure (others carry a note, e.g. why a tick was missed). */
const FAILURES = new Set(["failed", "poll_failed", "interrupted"]);

export async function render(main, encodedName) {
  const name = encodedName;
  document.title = `${name} · tickflow`;
  const meta = await getJson("api/meta");
  const summary = h("section", { class: "summary" });
  const machine = h("div", { class: "diagram", id: "machine" });
  const ledgerBody = h("div", { id: "ledger" });
  const replay = h("section", { id: "replay" });
  fill(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "./" }, "Triggers"), " / "),
    h("h1", { id: "trigger-name" }, name),
    h(
      "div",
      { class: "columns" },
      h("div", {}, summary, meta.actions ? actionsPanel(name, () => refresh(true)) : null),
      h("section", { class: "machine" }, h("h2", {}, "Machine"), machine),
    ),
    h("h2", {}, "Ledger"),
    ledgerBody,
    replay,
  );

  // The ledger's pages: `cursors[i]` is the `before` of page i (undefined: newest).
  const cursors = [undefined];
  let pageIndex = 0;
  let drawnState;
  let lastRow;

  const loadLedger = async () => {
    const before = cursors[pageIndex];
    const query = `limit=${PAGE}${before ? `&before=${encodeURIComponent(before)}` : ""}`;
    const page = await getJson(`api/triggers/${encodeURIComponent(name)}/ledger?${query}`);
    cursors[pageIndex + 1] = page.nextBefore ?? undefined;
    fill(
      ledgerBody,
      page.events.length === 0
        ? notice("Nothing in the ledger yet.")
        : h("ol", { class: "timeline" }, page.events.map(ledgerRow)),
      h(
        "div",
        { class: "pager" },
        h(
          "button",
          { type: "button", disabled: pageIndex === 0, onclick: () => turn(-1) },
          "← newer",
        ),
        h("span", { class: "muted" }, ` page ${pageIndex + 1} `),
        h(
          "button",
          { type: "button", disabled: !page.nextBefore, onclick: () => turn(1) },
          "older →",
        ),
      ),
    );
  };
  const turn = async (by) => {
    pageIndex = Math.max(0, pageIndex + by);
    await loadLedger();
  };

  const refresh = async (withLedger) => {
    const view = await getJson(`api/triggers/${encodeURIComponent(name)}`);
    const t = view.trigger;
    fill(summary, summaryOf(t));
    const state = t.state ?? "unreadable";
    if (state !== drawnState) {
      drawnState = state;
      machine.dataset.state = state;
      await draw(machine, view.machine);
    }
    fill(replay, replayOf(view.replay));
    if (withLedger && pageIndex === 0) await loadLedger();
  };

  await refresh(true);
  onTriggers((triggers) => {
    const row = JSON.stringify(triggers.find((t) => t.name === name) ?? null);
    if (lastRow !== undefined && row !== lastRow) void refresh(true);
    lastRow = row;
  });
}

function summaryOf(t) {
  const facts = [
    [
      "State",
      h(
        "span",
        { id: "trigger-state" },
        badge(t.status === "not activated" ? "not activated" : (t.state ?? "unreadable")),
      ),
    ],
    ["DAG", h("code", {}, t.dagNsref)],
    [
      "Schedule",
      t.schedule ? [h("code", {}, t.schedule), t.timezone ? ` ${t.timezone}` : ""] : "push",
    ],
    [
      "Next fire",
      t.nextFireAt
        ? [instant(t.nextFireAt), " ", h("span", { class: "muted" }, relative(t.nextFireAt))]
        : "–",
    ],
    ["Last run", lastRun(t.lastRun)],
    [
      "In flight",
      t.inFlight.length > 0
        ? t.inFlight.map((f, i) => [
            i > 0 ? ", " : "",
            runLink(f.runId),
            t.cancelling.includes(f.runId) ? " (cancelling)" : "",
          ])
        : "–",
    ],
    ["Buffered", t.pending.length > 0 ? `${t.pending.length} to fire in order` : "–"],
    ["Owner", t.owner?.live ? `${t.owner.ownerId} (epoch ${t.owner.epoch})` : "–"],
  ];
  return [
    h(
      "dl",
      { class: "facts" },
      facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
    ),
    t.problem ? h("p", { class: "error" }, t.problem) : null,
  ];
}

function ledgerRow(event) {
  const kind = event.decisions[0]?.kind ?? event.status;
  return h(
    "li",
    {
      class: `entry k-${String(event.status).replace(/[^a-z_]/gi, "_")}`,
      "data-status": event.status,
    },
    h("div", { class: "when" }, instant(event.firedAt)),
    h(
      "div",
      { class: "what" },
      badge(event.status),
      kind !== event.status ? [" ", h("span", { class: "muted" }, kind)] : null,
      event.scheduledAt
        ? h("span", { class: "small muted" }, " tick ", instant(event.scheduledAt))
        : h("span", { class: "small muted" }, " push/manual"),
      event.runId ? [" ", runLink(event.runId)] : null,
      event.finishedAt
        ? h("span", { class: "small muted" }, ` took ${duration(event.firedAt, event.finishedAt)}`)
        : null,
      event.decisions.map((d) => h("div", { class: "reason" }, d.reason)),
      event.error ? pre(event.error, FAILURES.has(event.status) ? "error" : "note") : null,
      event.payload && event.payload.text !== "{}" && event.payload.text !== "null"
        ? h("details", {}, h("summary", {}, "payload"), pre(event.payload.text))
        : null,
    ),
  );
}

function replayOf(replay) {
  if (replay === undefined || replay === null)
    return [h("h2", {}, "Journal replay"), notice("Not activated: no journal yet.")];
  if (replay.problem) return [h("h2", {}, "Journal replay"), notice(replay.problem, "error")];
  const verdict =
    replay.matchesSnapshot === true
      ? h(
          "span",
          { class: "badge s-completed", id: "replay-verdict" },
          "matches the stored snapshot",
        )
      : replay.matchesSnapshot === false
        ? h(
            "span",
            { class: "badge s-failed", id: "replay-verdict" },
            "differs from the stored snapshot",
          )
        : h(
            "span",
            { class: "badge", id: "replay-verdict" },
            replay.snapshotProblem ?? "not compared",
          );
  return [
    h("h2", {}, "Journal replay"),
    h(
      "p",
      {},
      `${replay.total} journal entries replay to `,
      badge(replay.state),
      " · snapshot ",
      badge(replay.snapshotState ?? "unreadable"),
      " · ",
      verdict,
    ),
    replay.differences.length > 0
      ? h(
          "ul",
          { class: "error" },
          replay.differences.map((d) => h("li", {}, d)),
        )
      : null,
    h(
      "details",
      {},
      h("summary", {}, `state over time (the last ${replay.steps.length})`),
      h(
        "table",
        { class: "grid small" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["#", "at", "event", "from", "to", "journal agrees"].map((t) => h("th", {}, t)),
          ),
        ),
        h(
          "tbody",
          {},
          [...replay.steps]
            .reverse()
            .map((s) =>
              h(
                "tr",
                {},
                h("td", {}, s.seq),
                h("td", {}, instant(s.at)),
                h("td", {}, h("code", {}, s.event)),
                h("td", {}, badge(s.stateBefore)),
                h("td", {}, badge(s.stateAfter)),
                h("td", {}, s.agrees ? "yes" : h("span", { class: "error" }, "no")),
              ),
            ),
        ),
      ),
    ),
  ];
}
