// Small DOM helpers for the inspector's pages. Every string from the database reaches
// the page through text nodes and attribute values set here, never through HTML
// parsing, so a trigger named "<img src=x onerror=…>" is shown as those characters.

/**
 * Makes an element: `h("a", { href: "runs", class: "x" }, "text", child)`. Attributes
 * whose value is a function are event listeners (`onclick`); `null`/`undefined`/`false`
 * attributes and children are left out.
 */
export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** GET a JSON endpoint under the inspector's base; an error answer throws its message. */
export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

/** A status as a coloured badge (`completed`, `failed`, `firing`, `missed`, …). */
export function badge(status) {
  const text = status ?? "unknown";
  return h("span", { class: `badge s-${String(text).replace(/[^a-z_]/gi, "_")}` }, text);
}

/** An instant as local date and time, with the ISO form on hover. */
export function instant(iso) {
  if (iso === undefined || iso === null) return h("span", { class: "muted" }, "–");
  const date = new Date(iso);
  return h("time", { datetime: date.toISOString(), title: date.toISOString() }, formatTime(date));
}

export function formatTime(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** "in 3 s", "12 min ago": relative to now. */
export function relative(iso) {
  if (iso === undefined || iso === null) return "";
  const ms = new Date(iso).getTime() - Date.now();
  const abs = Math.abs(ms);
  const text =
    abs < 60_000
      ? `${Math.round(abs / 1000)} s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 86_400_000
          ? `${Math.round(abs / 3_600_000)} h`
          : `${Math.round(abs / 86_400_000)} d`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** How long from `start` to `end` (or now). */
export function duration(start, end) {
  if (!start) return "";
  const ms = (end ? new Date(end) : new Date()).getTime() - new Date(start).getTime();
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A link to a trigger's page. */
export function triggerLink(name) {
  return h("a", { href: `triggers/${encodeURIComponent(name)}`, class: "trigger-link" }, name);
}

/** A link to a run's page (the run id shortened, whole on hover). */
export function runLink(runId) {
  if (!runId) return h("span", { class: "muted" }, "–");
  return h(
    "a",
    { href: `runs/${encodeURIComponent(runId)}`, title: runId, class: "mono" },
    runId.slice(0, 8),
  );
}

/** A block of preformatted text (JSON previews, errors). */
export function pre(text, cls) {
  return h("pre", { class: cls ?? "" }, text);
}

/** A message in place of a page's content. */
export function notice(text, cls) {
  return h("p", { class: `notice ${cls ?? ""}` }, text);
}

/** A trigger's last run: status, link and how long ago ("–" when none). */
export function lastRun(run) {
  if (!run) return h("span", { class: "muted" }, "–");
  return [
    badge(run.status ?? "unknown"),
    " ",
    runLink(run.runId),
    " ",
    h("span", { class: "muted small" }, relative(run.at)),
  ];
}

/** A value preview from the server (`{ text, truncated }`) folded under `label`. */
export function folded(label, value) {
  if (!value) return null;
  return h(
    "details",
    {},
    h("summary", {}, `${label}${value.truncated ? " (truncated)" : ""}`),
    pre(value.text),
  );
}
