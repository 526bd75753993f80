/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most
 * self time and the most total (inclusive) time, with file and line, so a benchmark miss
 * can be traced to its cause in a terminal.
 *
 * Usage: `npx tsx bench/profileSummary.ts FILE.cpuprofile [--top 25] [--filter src/]`
 */
import fs from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: "string", default: "25" }, filter: { type: "string" } },
  allowPositionals: true,
});
const file = positionals[0];
if (file === undefined) {
  console.error("usage: tsx bench/profileSummary.ts FILE.cpuprofile [--top N] [--filter TEXT]");
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);

const keyOf = (node: ProfileNode) => {
  const url = node.callFrame.url.replace(/^file:\/\//, "").replace(process.cwd(), ".");
  return `${node.callFrame.functionName || "(anonymous)"} ${url}:${node.callFrame.lineNumber + 1}`;
};

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  all += dt;
  const node = byId.get(id);
  if (node === undefined) return;
  self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + dt);
  // Inclusive: count each function once per sample even if it recurses.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at);
    if (frame === undefined) break;
    const key = keyOf(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    total.set(key, (total.get(key) ?? 0) + dt);
  }
});

const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (of ${(all / 1000).toFixed(0)} ms sampled)`);
  const rows = [...map.entries()]
    .filter(([key]) => values.filter === undefined || key.includes(values.filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [key, us] of rows) {
    console.log(
      `${((100 * us) / all).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`,
    );
  }
};
show("self time", self);
show("total time", total);
