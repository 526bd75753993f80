/**
 * Before/after in the same session: runs scenarios of this suite on an older commit and on
 * the working tree, alternating round by round (so a slow moment of a shared machine hits
 * both), and prints each metric's medians and their ratio.
 *
 * The older commit is checked out in a temporary git worktree and measured with *this*
 * tree's `bench/` copied over it, so both sides run the same measuring code and only
 * `src/` differs (a scenario that needs an API the older commit lacks fails there, and
 * says so).
 *
 * ```sh
 * npx tsx bench/ab.ts --base 33dc3c8 --only fire_throughput --quick --rounds 3
 * ```
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { median } from "./lib.js";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    rounds: { type: "string", default: "3" },
    json: { type: "string" },
  },
});
if (values.base === undefined || values.only === undefined) {
  console.error(
    "usage: npx tsx bench/ab.ts --base <commit> --only <scenario,...> [--quick] [--rounds n] [--json file]",
  );
  process.exit(2);
}
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds must be a whole number ≥ 1, not ${values.rounds}`);
  process.exit(2);
}

const head = process.cwd();
const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: head, encoding: "utf8" }).trim();
const baseSha = git("rev-parse", "--short", values.base);
const headSha = `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "src").length > 0 ? "+changes" : ""}`;
const baseTree = path.join(os.tmpdir(), `tickflow-ab-${baseSha}`);

if (!fs.existsSync(baseTree)) git("worktree", "add", "--detach", baseTree, baseSha);
const modules = path.join(baseTree, "node_modules");
if (!fs.existsSync(modules)) fs.symlinkSync(path.join(head, "node_modules"), modules);
fs.rmSync(path.join(baseTree, "bench"), { recursive: true, force: true });
fs.cpSync(path.join(head, "bench"), path.join(baseTree, "bench"), { recursive: true });

type Scenarios = Record<string, Record<string, unknown>>;
const runs: Record<"base" | "head", Scenarios[]> = { base: [], head: [] };
const loads: string[] = [];

for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? (["base", "head"] as const) : (["head", "base"] as const);
  for (const side of order) {
    const out = path.join(os.tmpdir(), `tickflow-ab-${side}-${round}.json`);
    const args = ["--import", "tsx", "bench/main.ts", "--only", values.only, "--json", out];
    if (values.quick) args.push("--quick");
    loads.push(os.loadavg()[0]?.toFixed(1) ?? "?");
    process.stdout.write(`round ${round + 1}/${rounds} ${side} … `);
    const result = spawnSync(process.execPath, args, {
      cwd: side === "base" ? baseTree : head,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (result.status !== 0 || !fs.existsSync(out)) {
      console.log(`failed (exit ${result.status}): ${result.stderr.slice(-500)}`);
      continue;
    }
    runs[side].push(
      (JSON.parse(fs.readFileSync(out, "utf8")) as { scenarios: Scenarios }).scenarios,
    );
    fs.rmSync(out);
    console.log("done");
  }
}

const numbersOf = (side: "base" | "head", scenario: string, metric: string) =>
  runs[side]
    .map((s) => s[scenario]?.[metric])
    .filter((v): v is number => typeof v === "number" && Number.isFinite(v));

const rows: string[][] = [];
const figures: Record<string, Record<string, { base: number; head: number }>> = {};
for (const scenario of values.only.split(",")) {
  const metrics = new Set(runs.head.flatMap((s) => Object.keys(s[scenario] ?? {})));
  for (const metric of metrics) {
    const b = median(numbersOf("base", scenario, metric));
    const h = median(numbersOf("head", scenario, metric));
    if (Number.isNaN(h)) continue;
    figures[scenario] ??= {};
    (figures[scenario] as Record<string, { base: number; head: number }>)[metric] = {
      base: b,
      head: h,
    };
    const ratio = Number.isNaN(b) || b === 0 ? "" : (h / b).toFixed(2);
    rows.push([scenario, metric, fmt(b), fmt(h), ratio]);
  }
}

function fmt(x: number): string {
  if (Number.isNaN(x)) return "-";
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en-US") : x.toPrecision(3);
}

const header = ["scenario", "metric", `base ${baseSha}`, `head ${headSha}`, "head ÷ base"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]) =>
  cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
console.log(
  `\nmedians of ${rounds} alternating rounds; load average (1 min) at each run: ${loads.join(", ")}\n`,
);
console.log(line(header));
for (const row of rows) console.log(line(row));
if (values.json !== undefined) {
  fs.writeFileSync(
    values.json,
    `${JSON.stringify({ base: baseSha, head: headSha, rounds, loads, figures }, null, 2)}\n`,
  );
}
