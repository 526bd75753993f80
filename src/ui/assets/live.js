// The live feed: one EventSource on api/live, shared by the page's listeners. The
// server sends the whole trigger list whenever it changed (polling the database about
// once a second while a page is open).
let source;
const listeners = new Set();

/** Calls `listener(triggers)` with each new trigger list; returns the unsubscribe. */
export function onTriggers(listener) {
  listeners.add(listener);
  if (source === undefined) {
    source = new EventSource("api/live");
    const indicator = document.getElementById("live");
    source.addEventListener("open", () => {
      indicator?.classList.add("on");
      indicator?.replaceChildren("● live");
    });
    source.addEventListener("error", () => {
      indicator?.classList.remove("on");
      indicator?.replaceChildren("○ reconnecting");
    });
    source.addEventListener("triggers", (event) => {
      const triggers = JSON.parse(event.data);
      for (const each of listeners) each(triggers);
    });
  }
  return () => listeners.delete(listener);
}
