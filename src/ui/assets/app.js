// The inspector's entry: reads which page this is from the path (under the <base>),
// loads that page's module, and keeps the live-updates indicator.
import { fill, notice } from "./dom.js";

const base = new URL(document.baseURI).pathname;
const path = `/${decodeURIComponent(location.pathname.startsWith(base) ? location.pathname.slice(base.length) : "")}`;
const main = document.getElementById("main");

const pages = [
  { pattern: /^\/$/, module: "./triggersPage.js", nav: "triggers" },
  { pattern: /^\/triggers\/(.+)$/, module: "./triggerPage.js", nav: "triggers" },
  { pattern: /^\/runs$/, module: "./runsPage.js", nav: "runs" },
  { pattern: /^\/runs\/(.+)$/, module: "./runPage.js", nav: "runs" },
];

async function start() {
  for (const page of pages) {
    const match = page.pattern.exec(path);
    if (match === null) continue;
    document.querySelector(`[data-nav="${page.nav}"]`)?.classList.add("current");
    const module = await import(page.module);
    await module.render(main, match[1]);
    return;
  }
  fill(main, notice("No such page."));
}

start().catch((error) => {
  fill(main, notice(`Could not show this page: ${error?.message ?? error}`, "error"));
});
