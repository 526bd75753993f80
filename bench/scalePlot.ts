/**
 * Draws the `scale` scenario as an SVG: one small panel per figure (tick lateness, CPU
 * per fired tick, idle RSS, activation time) against the number of triggers, both axes
 * on a log scale, so that a flat line reads "does not grow with n" and a 45° line
 * "grows in proportion to n".
 */

/** One figure of `scale` to draw, read as `<metric>_at_<n>`. */
interface Panel {
  readonly title: string;
  readonly series: readonly { readonly metric: string; readonly label: string }[];
  readonly unit: string;
}

const PANELS: readonly Panel[] = [
  {
    title: "tick lateness (ms)",
    series: [
      { metric: "p50_ms", label: "p50" },
      { metric: "p99_ms", label: "p99" },
    ],
    unit: "ms",
  },
  {
    title: "CPU per fired tick (µs)",
    series: [{ metric: "cpu_us_per_tick", label: "CPU µs" }],
    unit: "µs",
  },
  {
    title: "RSS, all idle, node dist/ (MB)",
    series: [
      { metric: "rss_mb", label: "RSS" },
      { metric: "heap_mb", label: "heap after GC" },
    ],
    unit: "MB",
  },
  {
    title: "activate all + start (ms)",
    series: [
      { metric: "activate_ms", label: "activate" },
      { metric: "start_ms", label: "start" },
    ],
    unit: "ms",
  },
];

const COLORS = ["#2563eb", "#dc2626"] as const;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (v: number) => (v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString("en-US"));

/**
 * The SVG text of the `scale` plot from its metrics (`sizes` lists the numbers of
 * triggers; each figure is `<metric>_at_<n>`), with `caption` under the title.
 *
 * @example
 * ```ts
 * fs.writeFileSync("docs/scale.svg", scaleSvg(results.scenarios.scale, "2026-12-03, 2 CPUs"));
 * ```
 */
export function scaleSvg(scale: Readonly<Record<string, unknown>>, caption: string): string {
  const sizes = String(scale.sizes ?? "")
    .split(",")
    .map(Number)
    .filter((n) => Number.isFinite(n) && n > 0);
  const value = (metric: string, n: number): number | undefined => {
    const v = scale[`${metric}_at_${n}`];
    return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const panelW = 380;
  const panelH = 210;
  const pad = { left: 60, right: 20, top: 40, bottom: 40 };
  const cols = 2;
  const width = cols * panelW + 20;
  const top = 60;
  const height = top + Math.ceil(PANELS.length / cols) * panelH + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<title id="title">How tick lateness, CPU per tick, RSS and activation time grow with the number of triggers (log-log)</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="24" font-size="15" font-weight="600">tickflow at ${esc(sizes.map((n) => n.toLocaleString("en-US")).join(", "))} triggers (${esc(String(scale.due))} due every second; log-log)</text>`,
    `<text x="20" y="44" fill="#4b5563">${esc(caption)}</text>`,
  ];
  const lx = (n: number, x0: number, w: number) => {
    const a = Math.log10(sizes[0] ?? 1);
    const b = Math.log10(sizes.at(-1) ?? 10);
    return x0 + (b === a ? w / 2 : ((Math.log10(n) - a) / (b - a)) * w);
  };
  PANELS.forEach((panel, i) => {
    const x0 = (i % cols) * panelW + 10 + pad.left;
    const y0 = top + Math.floor(i / cols) * panelH + pad.top;
    const w = panelW - pad.left - pad.right;
    const h = panelH - pad.top - pad.bottom;
    const all = panel.series.flatMap((s) =>
      sizes.map((n) => value(s.metric, n)).filter((v): v is number => v !== undefined),
    );
    parts.push(
      `<text x="${x0}" y="${y0 - 14}" font-weight="600">${esc(panel.title)}</text>`,
      `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#d1d5db"/>`,
    );
    for (const n of sizes) {
      const x = lx(n, x0, w).toFixed(1);
      parts.push(
        `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + h}" stroke="#f3f4f6"/>`,
        `<text x="${x}" y="${y0 + h + 14}" text-anchor="middle" fill="#4b5563">${n.toLocaleString("en-US")}</text>`,
      );
    }
    if (all.length === 0) {
      parts.push(`<text x="${x0 + 8}" y="${y0 + 20}" fill="#9ca3af">no figures</text>`);
      return;
    }
    // A decade either side of the figures at least, so a flat line looks flat.
    const lo = Math.floor(Math.log10(Math.min(...all)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...all))));
    const ly = (v: number) => y0 + h - ((Math.log10(v) - lo) / (hi - lo)) * h;
    for (let d = lo; d <= hi; d++) {
      const y = ly(10 ** d).toFixed(1);
      parts.push(
        `<line x1="${x0}" y1="${y}" x2="${x0 + w}" y2="${y}" stroke="#f3f4f6"/>`,
        `<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#4b5563">${fmt(10 ** d)}</text>`,
      );
    }
    panel.series.forEach((s, j) => {
      const color = COLORS[j % COLORS.length] as string;
      const points = sizes
        .map((n) => [n, value(s.metric, n)] as const)
        .filter((p): p is readonly [number, number] => p[1] !== undefined);
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points
          .map(([n, v]) => `${lx(n, x0, w).toFixed(1)},${ly(v).toFixed(1)}`)
          .join(" ")}"/>`,
        ...points.map(
          ([n, v]) =>
            `<circle cx="${lx(n, x0, w).toFixed(1)}" cy="${ly(v).toFixed(1)}" r="3" fill="${color}"/><text x="${(lx(n, x0, w) + 5).toFixed(1)}" y="${(ly(v) - 5).toFixed(1)}" fill="${color}">${fmt(v)}</text>`,
        ),
        `<text x="${x0 + w - 4}" y="${y0 + 14 + 13 * j}" text-anchor="end" fill="${color}">${esc(s.label)}</text>`,
      );
    });
  });
  parts.push(
    `<text x="20" y="${height - 10}" fill="#6b7280">Generated by bench/plot.ts from the scale scenario of npm run bench -- --json.</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}
