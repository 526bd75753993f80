/**
 * The report's `scale` rows: each figure at every size, smallest to largest, and how much
 * it grew.
 */
import { check, type PartBuilder, show } from "./reportKit.js";

const FIGURES = [
  ["p50_ms", "tick lateness p50 ms"],
  ["p99_ms", "tick lateness p99 ms"],
  ["max_ms", "tick lateness max ms"],
  ["ledger_p99_ms", "ledger fired_at lateness p99 ms"],
  ["missed_ticks", "missed ticks"],
  ["cpu_us_per_tick", "CPU µs per fired tick"],
  ["tick_rss_mb", "RSS MB while ticking (src via tsx)"],
  ["rss_mb", "RSS MB idle (node dist/)"],
  ["heap_mb", "heap MB idle, after GC"],
  ["idle_cpu_percent", "idle CPU % of one core"],
  ["activate_ms", "activate all ms"],
  ["start_ms", "start ms"],
] as const;

/**
 * Adds the `scale` scenario's rows: one per figure, its value at each size.
 *
 * @example
 * ```ts
 * scaleRows((id) => scenarios[id], { rows, notes });
 * ```
 */
export const scaleRows: PartBuilder = (s, { rows, notes }) => {
  const scale = s("scale");
  if (scale === undefined || scale.error !== undefined) return;
  const sizes = String(scale.sizes ?? "")
    .split(",")
    .filter((n) => n !== "");
  const across = (metric: string) => sizes.map((n) => show(scale[`${metric}_at_${n}`])).join(" → ");
  const n = `${sizes.map((size) => show(Number(size))).join(" → ")} triggers, ${show(scale.due)} due every second`;
  rows.push({ scenario: "scale", label: `triggers (${n})`, tickflow: "" });
  for (const [metric, label] of FIGURES) {
    rows.push({ scenario: "scale", label, tickflow: across(metric) });
  }
  rows.push({
    scenario: "scale",
    label: "CPU per tick, largest ÷ smallest n (O(due · log n): flat)",
    tickflow: scale.cpu_us_per_tick_growth,
    goal: { text: "≤ 2", met: check((x) => x <= 2, scale.cpu_us_per_tick_growth) },
  });
  rows.push({
    scenario: "scale",
    label: "RSS / activation time, largest ÷ smallest n",
    tickflow: `${show(scale.rss_mb_growth)} / ${show(scale.activate_ms_growth)}`,
  });
  notes.push(
    "scale: the due load is the same at every size (the rest of the triggers are hourly, none due), so what grows with n is the scheduler's and the memory's share.",
  );
};
