// The triggers page: every trigger with its machine state, schedule, next fires (with
// daylight-saving notes), last run, run in flight, owner and ledger counts — redrawn
// from the live feed whenever it changes, without a reload.
import {
  badge,
  fill,
  getJson,
  h,
  instant,
  lastRun,
  notice,
  relative,
  runLink,
  triggerLink,
} from "./dom.js";
import { onTriggers } from "./live.js";

export async function render(main) {
  document.title = "Triggers · tickflow";
  const body = h("tbody");
  const updated = h("span", { class: "muted", id: "updated" });
  fill(
    main,
    h("h1", {}, "Triggers ", updated),
    h(
      "table",
      { class: "grid", id: "triggers" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          [
            "Trigger",
            "State",
            "Schedule",
            "Next fires",
            "Last run",
            "In flight",
            "Owner",
            "Ledger",
          ].map((title) => h("th", {}, title)),
        ),
      ),
      body,
    ),
  );
  const show = (triggers) => {
    if (triggers.length === 0) {
      fill(
        body,
        h(
          "tr",
          {},
          h(
            "td",
            { colspan: 8 },
            notice("No triggers are stored yet. Start a supervisor: tickflow start <module>"),
          ),
        ),
      );
    } else {
      fill(body, triggers.map(row));
    }
    fill(updated, `· updated ${new Date().toLocaleTimeString()}`);
  };
  show(await getJson("api/triggers"));
  onTriggers(show);
}

function row(t) {
  const total = Object.values(t.counts).reduce((a, b) => a + b, 0);
  const state = t.state === undefined || t.state === null ? "unreadable" : t.state;
  return h(
    "tr",
    { "data-trigger": t.name, "data-state": state },
    h(
      "td",
      {},
      triggerLink(t.name),
      t.definitionPresent === false ? h("div", { class: "warn" }, "not in module") : null,
    ),
    h(
      "td",
      { class: "state" },
      badge(t.status === "not activated" ? "not activated" : state),
      t.problem ? h("div", { class: "error small" }, t.problem) : null,
    ),
    h(
      "td",
      {},
      t.schedule === undefined || t.schedule === null
        ? h("span", { class: "muted" }, "push")
        : [
            h("code", {}, t.schedule),
            t.timezone ? h("div", { class: "muted small" }, t.timezone) : null,
          ],
    ),
    h("td", { class: "next" }, nextFires(t)),
    h("td", {}, lastRun(t.lastRun)),
    h(
      "td",
      {},
      t.inFlight.length > 0
        ? t.inFlight.map((f) =>
            h(
              "div",
              {},
              "run ",
              runLink(f.runId),
              t.cancelling.includes(f.runId) ? h("span", { class: "muted" }, " cancelling") : null,
            ),
          )
        : h("span", { class: "muted" }, "–"),
      t.pending.length > 0 ? h("div", { class: "small" }, `+${t.pending.length} buffered`) : null,
    ),
    h(
      "td",
      { class: "small" },
      t.owner?.live
        ? [t.owner.ownerId, h("div", { class: "muted" }, `epoch ${t.owner.epoch}`)]
        : h("span", { class: "muted" }, "–"),
    ),
    h(
      "td",
      { class: "ledger", "data-total": total },
      Object.entries(t.counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([status, n]) => h("div", {}, badge(status), ` ${n}`)),
      total === 0 ? h("span", { class: "muted" }, "none") : null,
    ),
  );
}

function nextFires(t) {
  if (t.nextFireAt === undefined || t.nextFireAt === null)
    return h("span", { class: "muted" }, "–");
  const overdue = new Date(t.nextFireAt).getTime() < Date.now() - 5000;
  const fires = t.nextFires.length > 0 ? t.nextFires : [{ at: t.nextFireAt, local: t.nextFireAt }];
  return [
    ...fires.map((fire) =>
      h(
        "div",
        { class: "small" },
        instant(fire.at),
        " ",
        h("span", { class: "muted" }, relative(fire.at)),
        fire.note ? h("div", { class: "warn" }, `DST: ${fire.note}`) : null,
      ),
    ),
    overdue ? h("div", { class: "warn" }, "overdue: no supervisor running?") : null,
  ];
}
