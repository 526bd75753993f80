/**
 * Draws tick lateness per contender (p50, p90, p99, max of `tick_precision`) from a
 * results file of `npm run bench -- --json FILE` as an SVG, on a log scale so that a few
 * milliseconds and the Python original's one-second bound fit one picture.
 *
 * When the results hold the `scale` scenario, it also draws how lateness, CPU, RSS and
 * activation time grow with the number of triggers, beside the lateness plot
 * (`scale.svg` in the same folder; see scalePlot.ts).
 *
 * Usage: `npx tsx bench/plot.ts [RESULTS.json] [OUT.svg]` (defaults: bench/results.json,
 * docs/tick-lateness.svg).
 */
import fs from "node:fs";
import path from "node:path";
import { scaleSvg } from "./scalePlot.js";

interface Results {
  readonly scenarios: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly machine: Readonly<Record<string, unknown>>;
}

const input = process.argv[2] ?? "bench/results.json";
const output = process.argv[3] ?? "docs/tick-lateness.svg";
const results = JSON.parse(fs.readFileSync(input, "utf8")) as Results;
const tick = results.scenarios.tick_precision;
const scale = results.scenarios.scale;
if (tick === undefined && scale === undefined) {
  console.error(`${input} has neither a tick_precision nor a scale scenario`);
  process.exit(1);
}
const machineLine = `${String(results.machine.date ?? "").slice(0, 10)}, ${String(results.machine.cpus)} CPUs, node ${String(results.machine.node)}, load ${String(results.machine.load_average_at_start)}`;
if (scale !== undefined) {
  const scaleOut = path.join(path.dirname(output), "scale.svg");
  fs.writeFileSync(
    scaleOut,
    scaleSvg(scale, `${String(scale.seconds)} s per size, one run each; ${machineLine}`),
  );
  console.log(`wrote ${scaleOut}`);
}
if (tick === undefined) process.exit(0);

const figure = (key: string): number | undefined => {
  const v = tick[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
};

const contenders = [
  { name: "tickflow (durable, SQLite)", prefix: "", color: "#2563eb" },
  { name: "croner (in memory)", prefix: "croner_", color: "#16a34a" },
  { name: "node-cron (in memory)", prefix: "nodecron_", color: "#9333ea" },
  { name: "Python original (1 s poll, bound)", prefix: "python_poll_", color: "#9ca3af" },
] as const;
const stats = [
  { key: "p50_ms", label: "p50", opacity: 1 },
  { key: "p90_ms", label: "p90", opacity: 0.75 },
  { key: "p99_ms", label: "p99", opacity: 0.55 },
  { key: "max_ms", label: "max", opacity: 0.35 },
] as const;

const width = 820;
const left = 250;
const right = 30;
const top = 70;
const barH = 13;
const groupGap = 18;
const plotW = width - left - right;
const minMs = 0.5;
const maxMs = 2000;
const x = (ms: number) =>
  left +
  (plotW * (Math.log10(Math.max(ms, minMs)) - Math.log10(minMs))) /
    (Math.log10(maxMs) - Math.log10(minMs));
const groupH = stats.length * barH + groupGap;
const height = top + contenders.length * groupH + 60;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const parts: string[] = [];
parts.push(
  `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
  `<title id="title">Tick lateness per contender: p50, p90, p99 and max in milliseconds, log scale</title>`,
  `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  `<text x="20" y="24" font-size="15" font-weight="600">Tick lateness: fire start − scheduled instant (ms, log scale)</text>`,
  `<text x="20" y="44" fill="#4b5563">${esc(
    `${String(tick.triggers)} every-second triggers × ${String(tick.seconds)} s, median of ${String(tick.repeats)} run(s); ${machineLine}`,
  )}</text>`,
);
for (const ms of [1, 10, 100, 1000]) {
  const gx = x(ms).toFixed(1);
  parts.push(
    `<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${height - 45}" stroke="#e5e7eb"/>`,
    `<text x="${gx}" y="${height - 30}" text-anchor="middle" fill="#4b5563">${ms >= 1000 ? "1 s" : `${ms} ms`}</text>`,
  );
}
contenders.forEach((c, i) => {
  const y0 = top + i * groupH;
  parts.push(
    `<text x="${left - 10}" y="${y0 + (stats.length * barH) / 2 + 4}" text-anchor="end" font-weight="600">${esc(c.name)}</text>`,
  );
  stats.forEach((s, j) => {
    const value = figure(`${c.prefix}${s.key}`);
    const y = y0 + j * barH;
    if (value === undefined) {
      parts.push(
        `<text x="${left + 4}" y="${y + barH - 3}" fill="#9ca3af">${s.label}: skipped</text>`,
      );
      return;
    }
    const w = Math.max(1, x(value) - left);
    parts.push(
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${c.color}" fill-opacity="${s.opacity}"/>`,
      `<text x="${(left + w + 4).toFixed(1)}" y="${y + barH - 3}" fill="#111827">${s.label} ${value < 10 ? value.toFixed(1) : Math.round(value)}</text>`,
    );
  });
});
parts.push(
  `<text x="20" y="${height - 10}" fill="#6b7280">Below 0.5 ms drawn at 0.5 ms. Generated by bench/plot.ts from ${esc(input)}.</text>`,
  "</svg>",
);
fs.writeFileSync(output, `${parts.join("\n")}\n`);
console.log(`wrote ${output}`);
