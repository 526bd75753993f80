/**
 * One contender of `tick_precision` in its own process: `triggers` jobs on a 6-field
 * every-second schedule for `seconds` measured seconds (after two seconds of warm-up);
 * prints the lateness of each fire start after its scheduled instant, summarised.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Dag } from "../src/dag/Dag.js";
import { Namespace } from "../src/namespace/Namespace.js";
import { DagProvenance } from "../src/provenance/DagProvenance.js";
import { TriggerManager } from "../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../src/trigger/TriggerStore.js";
import { childArgs, childDone, cpuMs, quantile, round, rssMb, sleep } from "./lib.js";

export interface TickChildArgs {
  readonly contender: "tickflow" | "croner" | "node-cron";
  readonly triggers: number;
  readonly seconds: number;
  readonly dir: string;
  /**
   * tickflow only (the `scale` scenario): this many more triggers, hourly and none due in
   * the window, beside the `triggers` every-second ones, so the due load stays the same
   * while the number of triggers grows.
   */
  readonly idle?: number;
}

export interface TickChildResult {
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly missed_ticks: number;
  readonly doubled_ticks: number;
  readonly fires: number;
  readonly cpu_percent_of_one_core: number;
  /** Process CPU over the window ÷ fires in it (µs). */
  readonly cpu_us_per_fire: number;
  /** RSS at the end of the window. */
  readonly rss_mb: number;
  /** tickflow only: every trigger activated (issued together), then `start()`. */
  readonly activate_ms?: number;
  readonly start_ms?: number;
  /** tickflow only: the same lateness read from the ledger (`fired_at − scheduled_at`). */
  readonly ledger_p50_ms?: number;
  readonly ledger_p99_ms?: number;
  readonly ledger_max_ms?: number;
  /** tickflow only: ledger rows of the window by status. */
  readonly ledger?: Record<string, number>;
}

const EVERY_SECOND = "* * * * * *";
const WARMUP_MS = 2000;

const args = childArgs<TickChildArgs>();
// The window begins WARMUP_MS after the contender is set up (activating 50,000 triggers
// takes seconds); ticks before it are not counted.
let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.POSITIVE_INFINITY;
const inWindow = (scheduled: number) => scheduled >= windowStart && scheduled < windowEnd;

const lateness: number[] = [];
const seen = new Set<string>();
let doubled = 0;
const record = (job: number | string, scheduled: number, at: number) => {
  if (!inWindow(scheduled)) return;
  const key = `${job}@${scheduled}`;
  if (seen.has(key)) doubled += 1;
  seen.add(key);
  lateness.push(at - scheduled);
};

/** A peer's callback knows only "now": its tick is the nearest whole second. */
const nearestSecond = (now: number) => Math.round(now / 1000) * 1000;

let stop: () => Promise<void> = async () => {};
let timing: Pick<TickChildResult, "activate_ms" | "start_ms"> = {};
let ledger: () => Pick<
  TickChildResult,
  "ledger" | "ledger_p50_ms" | "ledger_p99_ms" | "ledger_max_ms"
> = () => ({});

if (args.contender === "tickflow") {
  const ns = new Namespace();
  const dag = new Dag();
  dag.node(() => null, { label: "noop" });
  ns.register(dag, { nsref: "bench:noop" });
  for (let k = 0; k < args.triggers; k++) {
    ns.registerTrigger({
      name: `tick${k}`,
      dagNsref: "bench:noop",
      triggerType: "poll",
      schedule: EVERY_SECOND,
    });
  }
  // Hourly, at the minute half an hour away: nothing of these is due in the window.
  const hourly = `${(new Date().getMinutes() + 30) % 60} * * * *`;
  const idle = args.idle ?? 0;
  for (let k = 0; k < idle; k++) {
    ns.registerTrigger({
      name: `idle${k}`,
      dagNsref: "bench:noop",
      triggerType: "poll",
      schedule: hourly,
    });
  }
  const store = new TriggerStore(path.join(args.dir, "triggers.db"));
  const provenance = new DagProvenance(path.join(args.dir, "provenance.db"));
  const manager = new TriggerManager({
    namespace: ns,
    store,
    provenance,
    onEvent: (event) => {
      if (event.kind === "fired" && event.scheduledAt !== undefined) {
        record(event.trigger, event.scheduledAt.getTime(), event.at.getTime());
      }
    },
    onError: () => {},
  });
  const t0 = performance.now();
  await Promise.all([
    ...Array.from({ length: args.triggers }, (_, k) => manager.activate(`tick${k}`)),
    ...Array.from({ length: idle }, (_, k) => manager.activate(`idle${k}`)),
  ]);
  const t1 = performance.now();
  await manager.start();
  timing = { activate_ms: round(t1 - t0, 0), start_ms: round(performance.now() - t1, 0) };
  stop = () => manager.stop({ graceMs: 2000 });
  ledger = () => {
    const rows = store.store.all<{ status: string; fired_at: string; scheduled_at: string }>(
      "bench: ledger of the window",
      `SELECT status, fired_at, scheduled_at FROM trigger_events
       WHERE scheduled_at >= ? AND scheduled_at < ?`,
      [new Date(windowStart).toISOString(), new Date(windowEnd).toISOString()],
    );
    const byStatus: Record<string, number> = {};
    const late: number[] = [];
    for (const row of rows) {
      byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
      if (row.status === "running" || row.status === "completed" || row.status === "failed") {
        late.push(Date.parse(row.fired_at) - Date.parse(row.scheduled_at));
      }
    }
    store.close();
    provenance.close();
    return {
      ledger: byStatus,
      ledger_p50_ms: round(quantile(late, 0.5)),
      ledger_p99_ms: round(quantile(late, 0.99)),
      ledger_max_ms: round(Math.max(...late)),
    };
  };
} else if (args.contender === "croner") {
  const { Cron } = await import("croner");
  const jobs = Array.from(
    { length: args.triggers },
    (_, k) =>
      new Cron(EVERY_SECOND, () => {
        const now = Date.now();
        record(k, nearestSecond(now), now);
      }),
  );
  stop = async () => {
    for (const job of jobs) job.stop();
  };
} else {
  const cron = (await import("node-cron")).default;
  cron.setLogger({ info: () => {}, warn: () => {}, error: () => {}, debug: () => {} });
  const tasks = Array.from({ length: args.triggers }, (_, k) =>
    cron.schedule(EVERY_SECOND, () => {
      const now = Date.now();
      record(k, nearestSecond(now), now);
    }),
  );
  stop = async () => {
    for (const task of tasks) await task.destroy();
  };
}

windowStart = Math.ceil((Date.now() + 300) / 1000) * 1000 + WARMUP_MS;
windowEnd = windowStart + args.seconds * 1000;
await sleep(windowStart - Date.now());
const cpuStart = process.cpuUsage();
const wallStart = Date.now();
// Fires of the window's last ticks start within the tail (a later one counts as missed).
await sleep(windowEnd - Date.now() + (args.contender === "tickflow" ? 1500 : 600));
const cpu = cpuMs(cpuStart);
const wall = Date.now() - wallStart;
const rss = rssMb();
await stop();
const expected = args.triggers * args.seconds;
const result: TickChildResult = {
  p50_ms: round(quantile(lateness, 0.5)),
  p90_ms: round(quantile(lateness, 0.9)),
  p99_ms: round(quantile(lateness, 0.99)),
  max_ms: round(lateness.length === 0 ? Number.NaN : Math.max(...lateness)),
  missed_ticks: expected - seen.size,
  doubled_ticks: doubled,
  fires: lateness.length,
  cpu_percent_of_one_core: round((100 * cpu) / wall),
  cpu_us_per_fire: round((1000 * cpu) / Math.max(lateness.length, 1), 0),
  rss_mb: round(rss, 1),
  ...timing,
  ...ledger(),
};
childDone(result);
