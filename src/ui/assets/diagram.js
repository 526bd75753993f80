// Draws Mermaid text into a container. Mermaid (its ESM build, served by the inspector
// from the `mermaid` package) is imported only on pages that draw, the first time they
// draw; without it, the page shows the diagram's text.
import { fill, h } from "./dom.js";

let loading;
let counter = 0;

function loadMermaid() {
  if (loading === undefined) {
    loading = import("../vendor/mermaid/mermaid.esm.min.mjs").then((module) => {
      const mermaid = module.default;
      mermaid.initialize({
        startOnLoad: false,
        securityLevel: "strict",
        theme: "neutral",
        fontFamily: "system-ui, sans-serif",
      });
      return mermaid;
    });
  }
  return loading;
}

/** Renders `text` into `container`; falls back to the text when Mermaid is unavailable. */
export async function draw(container, text) {
  try {
    const mermaid = await loadMermaid();
    counter += 1;
    const { svg } = await mermaid.render(`diagram-${counter}`, text);
    // Mermaid's SVG, sanitized by Mermaid itself (securityLevel "strict"); the labels
    // in `text` were escaped by the server (mermaidText), and the page's CSP forbids
    // inline scripts, so nothing in it can run.
    const template = document.createElement("template");
    template.innerHTML = svg;
    fill(container, template.content);
    container.dataset.drawn = "svg";
  } catch (error) {
    fill(
      container,
      h(
        "p",
        { class: "muted" },
        `Diagram as text (Mermaid could not draw it: ${error?.message ?? error}).`,
      ),
      h("pre", { class: "mermaid-source" }, text),
    );
    container.dataset.drawn = "text";
  }
}
