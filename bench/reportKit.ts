/**
 * What the report's parts share: a row of the table (tickflow's figure, the peers' beside
 * it, the goal) and how figures are shown and goals checked.
 */
import type { Metrics } from "./lib.js";

/** A figure as a scenario reports it (missing: `undefined`; skipped: `null`). */
export type Value = number | string | null | undefined;

/** One row: a metric of tickflow and, in the peers' columns, the same metric of each peer. */
export interface Row {
  readonly scenario: string;
  readonly label: string;
  readonly tickflow: Value;
  readonly croner?: Value;
  readonly nodeCron?: Value;
  readonly bullmq?: Value;
  readonly pgboss?: Value;
  readonly python?: Value;
  readonly goal?: { readonly text: string; readonly met: boolean | undefined };
}

/** The rows and the notes one scenario adds to the report. */
export interface ReportPart {
  readonly rows: Row[];
  readonly notes: string[];
}

/** Builds the part of the report for the scenarios it knows from their metrics. */
export type PartBuilder = (s: (id: string) => Metrics | undefined, part: ReportPart) => void;

/** A finite number, or `undefined`. */
export const num = (v: Value): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/**
 * A figure as the table shows it (3 significant digits, thousands grouped).
 *
 * @example
 * ```ts
 * show(1234.5); // "1,235"
 * ```
 */
export const show = (v: Value): string => {
  if (v === undefined) return "";
  if (v === null) return "skipped";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return "n/a";
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString("en-US");
  return String(Number(v.toPrecision(3)));
};

/**
 * `met` only when every figure it needs is there; `undefined` (unknown) otherwise.
 *
 * @example
 * ```ts
 * check((x) => x <= 150, idle.rss_mb);
 * ```
 */
export const check = (
  ok: (...xs: number[]) => boolean,
  ...values: Value[]
): boolean | undefined => {
  const xs = values.map(num);
  return xs.every((x) => x !== undefined) ? ok(...(xs as number[])) : undefined;
};
