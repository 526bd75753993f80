// `npm run build` (and `prepack`): compiles src/ and machines/ to dist/ with the
// TypeScript compiler alone — ESM JavaScript, .d.ts, source maps (sources inlined, since
// the tarball ships no .ts) and declaration maps. dist/ is emptied first so a renamed
// source file never leaves a stale module in the package.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
fs.rmSync(path.join(root, "dist"), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], {
  stdio: "inherit",
});
// npm makes a bin executable on install; a clone running dist/ directly needs it too.
fs.chmodSync(path.join(root, "dist/src/cli/main.js"), 0o755);
// The web inspector's pages (HTML, CSS, browser JavaScript) are not TypeScript: tsc
// leaves them, so they are copied next to the compiled server that serves them.
fs.cpSync(path.join(root, "src/ui/assets"), path.join(root, "dist/src/ui/assets"), {
  recursive: true,
});
// Mermaid's self-contained ESM build (no source maps) ships inside the package, so the
// pages draw offline and a user's install gets no Mermaid dependency tree (d3, cytoscape,
// katex, @types/d3…): mermaid is a dev dependency of tickflow, not the user's.
const mermaidDist = path.join(
  path.dirname(createRequire(import.meta.url).resolve("mermaid/package.json")),
  "dist",
);
const vendor = path.join(root, "dist/src/ui/vendor/mermaid");
fs.cpSync(path.join(mermaidDist, "mermaid.esm.min.mjs"), path.join(vendor, "mermaid.esm.min.mjs"));
fs.cpSync(
  path.join(mermaidDist, "chunks/mermaid.esm.min"),
  path.join(vendor, "chunks/mermaid.esm.min"),
  {
    recursive: true,
    filter: (source) => !source.endsWith(".map"),
  },
);
fs.cpSync(path.join(mermaidDist, "../LICENSE"), path.join(vendor, "LICENSE"));
