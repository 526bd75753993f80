import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  replayEvents,
  TRIGGER_MACHINE_VERSION,
  type TriggerEvent,
  type TriggerSnapshot,
  triggerMachine,
  triggerStateOf,
} from "../machines/trigger.machine.js";
import { parseSchedule } from "../src/schedule/Schedule.js";
import { SqliteStore } from "../src/store/SqliteStore.js";
import { type Metrics, median, round, runChild, tempDir } from "./lib.js";

/** What `restartChild.mjs` is given. */
export interface RestartChildArgs {
  readonly dir: string;
  readonly triggers: number;
  readonly schedule: string;
}

/** What `restartChild.mjs` measures. */
export interface RestartChildResult {
  readonly start_to_ready_ms: number;
  readonly open_ms: number;
  readonly start_ms: number;
  readonly rss_mb: number;
  /** RSS once the package is imported, before any trigger exists. */
  readonly rss_before_mb: number;
  readonly import_ms: number;
  readonly active_triggers: number;
  readonly scheduled_triggers: number;
  readonly errors: number;
}

/**
 * The size of the database `restart` builds, and how often it restarts on it.
 *
 * @example
 * ```ts
 * const options: RestartOptions = { triggers: 10_000, journalRows: 1_000_000, events: 100_000, repeats: 3 };
 * ```
 */
export interface RestartOptions {
  readonly triggers: number;
  readonly journalRows: number;
  readonly events: number;
  readonly repeats: number;
  readonly dir?: string;
}

const HOUR = 3_600_000;

/**
 * Writes a trigger database as a supervisor that ran for days would leave it, directly
 * with SQL through `SqliteStore`: each trigger active on an hourly schedule, its journal
 * (ACTIVATE, then TICK and RUN_FINISHED per hour, then an empty poll), its last ledger
 * rows, and the snapshot the machine itself produces for that history. `startup` reads
 * one too (`tickflow status`).
 *
 * @example
 * ```ts
 * buildRestartDatabase("/tmp/t/triggers.db", { triggers: 10_000, journalRows: 1_000_000, events: 100_000 }, "17 * * * *");
 * ```
 */
export function buildRestartDatabase(
  file: string,
  options: Pick<RestartOptions, "triggers" | "journalRows" | "events">,
  schedule: string,
): { readonly buildMs: number } {
  const started = performance.now();
  const parsed = parseSchedule(schedule);
  // The latest tick at or before now: nothing is owed at restart.
  const latest = parsed.nextMs(Date.now() - HOUR);
  const journalPerTrigger = Math.max(2, Math.round(options.journalRows / options.triggers));
  const eventsPerTrigger = Math.max(1, Math.round(options.events / options.triggers));
  const firedHours = Math.floor((journalPerTrigger - 2) / 2);
  const config = JSON.stringify({
    schedule: parsed.expression,
    timezone: parsed.timezone,
    overlap: "skip",
    catchUp: "latest",
    maxCatchUp: 100,
    catchUpWindow: null,
    pollTimeout: 30_000,
    hasPollFn: false,
    payload: null,
  });
  const iso = (ms: number) => new Date(ms).toISOString();

  /** Trigger `name`'s journal, oldest first: what the machine was told, in order. */
  const history = (name: string): TriggerEvent[] => {
    const events: TriggerEvent[] = [{ type: "ACTIVATE" }];
    for (let h = firedHours; h >= 1; h--) {
      const runId = `${name}-run-${h}`;
      events.push(
        {
          type: "TICK",
          scheduledAt: latest - h * HOUR,
          runId,
          eventId: `${name}-ev-${h}`,
          payload: {},
        },
        { type: "RUN_FINISHED", runId, status: "completed" },
      );
    }
    events.push({ type: "TICK_SKIPPED", scheduledAt: latest, reason: "poll_empty" });
    return events;
  };

  const store = SqliteStore.open(file);
  try {
    const insertActivation = `INSERT INTO trigger_activations (name, dag_nsref, trigger_type, status,
        last_run_at, next_run_at, last_run_id, created_at, config_json, activated_at, snapshot_json,
        machine_version, state)
      VALUES (?, 'bench:noop', 'poll', 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    const journalInsert = (rows: number) =>
      `INSERT INTO trigger_journal (trigger_name, event_json, state_after, at) VALUES ${Array.from(
        { length: rows },
        () => "(?, ?, ?, ?)",
      ).join(", ")}`;
    const insertEvent = `INSERT INTO trigger_events (event_id, trigger_name, fired_at, scheduled_at,
        run_id, payload_json, status, error, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)`;
    const activatedAt = latest - (firedHours + 1) * HOUR;
    const batch = 500;
    let template: TriggerSnapshot = replayEvents({ name: "t0", overlap: "skip" }, history("t0"));
    for (let from = 0; from < options.triggers; from += batch) {
      store.transaction("bench: build restart database", () => {
        for (let k = from; k < Math.min(options.triggers, from + batch); k++) {
          const name = `t${k}`;
          const events = history(name);
          // The snapshot the machine gives for this history: stepped through all of it
          // for the first and the last trigger, and for the others resolved by the machine
          // from the same state with the trigger's own context (stepping a million events
          // would take minutes; the checks below prove the two paths agree).
          const snapshot =
            k === 0 || k === options.triggers - 1
              ? replayEvents({ name, overlap: "skip" }, events)
              : triggerMachine.resolveState({
                  value: template.value,
                  context: {
                    ...template.context,
                    name,
                    lastRun: { runId: `${name}-run-1`, status: "completed" },
                  },
                });
          if (k === 0 || k === options.triggers - 1) {
            const resolved = triggerMachine.resolveState({
              value: snapshot.value,
              context: { ...snapshot.context },
            });
            const a = JSON.stringify(triggerMachine.getPersistedSnapshot(snapshot));
            const b = JSON.stringify(triggerMachine.getPersistedSnapshot(resolved));
            if (a !== b) throw new Error("restart bench: resolved and stepped snapshots differ");
            if (k === 0) template = snapshot;
          }
          const lastRun = `${name}-run-1`;
          store.run("bench: activation", insertActivation, [
            name,
            iso(latest - HOUR + 50),
            iso(parsed.nextMs(latest)),
            lastRun,
            iso(activatedAt),
            config,
            iso(activatedAt),
            JSON.stringify(triggerMachine.getPersistedSnapshot(snapshot)),
            TRIGGER_MACHINE_VERSION,
            triggerStateOf(snapshot),
          ]);
          // A trigger's journal in one multi-row INSERT (a million single calls take long).
          const params: unknown[] = [];
          let at = activatedAt;
          for (let j = 0; j < journalPerTrigger; j++) {
            const event = events[Math.min(j, events.length - 1)] as TriggerEvent;
            const state = event.type === "TICK" ? "firing" : "active";
            if (event.type === "TICK" || event.type === "TICK_SKIPPED") at = event.scheduledAt;
            params.push(name, JSON.stringify(event), state, iso(at + 5));
          }
          store.run("bench: journal", journalInsert(journalPerTrigger), params);
          for (let e = 0; e < eventsPerTrigger; e++) {
            const h = e;
            if (h === 0) {
              store.run("bench: event", insertEvent, [
                `${name}-ev-0`,
                name,
                iso(latest + 2),
                iso(latest),
                null,
                null,
                "poll_empty",
                null,
              ]);
              continue;
            }
            store.run("bench: event", insertEvent, [
              `${name}-ev-${h}`,
              name,
              iso(latest - h * HOUR + 1),
              iso(latest - h * HOUR),
              `${name}-run-${h}`,
              "{}",
              "completed",
              iso(latest - h * HOUR + 50),
            ]);
          }
        }
      });
    }
  } finally {
    store.close();
  }
  return { buildMs: performance.now() - started };
}

/**
 * `restart`: a trigger database with 10,000 active triggers, a million journal rows and
 * 100,000 ledger rows; a new supervisor in a fresh child process (plain `node` on the
 * built package, dist/: the caller makes sure it is fresh) opens it and starts.
 * `start_to_ready_ms` runs from opening the files to `start()` resolving (snapshots are
 * restored, the journal is not replayed). Median over the repeats; the database is
 * built once.
 */
export async function restart(options: RestartOptions): Promise<Metrics> {
  const dir = tempDir(options.dir, "restart");
  try {
    const minute = (new Date().getMinutes() + 30) % 60;
    const schedule = `${minute} * * * *`;
    const { buildMs } = buildRestartDatabase(path.join(dir, "triggers.db"), options, schedule);
    const runs: RestartChildResult[] = [];
    for (let r = 0; r < options.repeats; r++) {
      const args: RestartChildArgs = { dir, triggers: options.triggers, schedule };
      runs.push(await runChild<RestartChildResult>("restartChild.mjs", args));
    }
    const med = (pick: (r: RestartChildResult) => number) => round(median(runs.map(pick)), 0);
    const last = runs.at(-1);
    const sizeMb = fs.statSync(path.join(dir, "triggers.db")).size / 1024 / 1024;
    return {
      start_to_ready_ms: med((r) => r.start_to_ready_ms),
      open_ms: med((r) => r.open_ms),
      start_ms: med((r) => r.start_ms),
      rss_mb: round(median(runs.map((r) => r.rss_mb)), 1),
      rss_baseline_mb: round(median(runs.map((r) => r.rss_before_mb)), 1),
      import_ms: med((r) => r.import_ms),
      active_triggers: last?.active_triggers ?? 0,
      scheduled_triggers: last?.scheduled_triggers ?? 0,
      restore_errors: last?.errors ?? 0,
      database_mb: round(sizeMb, 0),
      build_ms: round(buildMs, 0),
      triggers: options.triggers,
      journal_rows: options.journalRows,
      events: options.events,
      repeats: options.repeats,
      runtime: 'node dist/ (import "tickflow")',
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
