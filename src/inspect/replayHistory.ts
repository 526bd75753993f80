import { isDeepStrictEqual } from "node:util";
import * as Effect from "effect/Effect";
import { triggerStateOf } from "../../machines/trigger.machine.js";
import type {
  TriggerContext,
  TriggerEvent,
  TriggerStateValue,
} from "../../machines/trigger.types.js";
import type { StoreFailure } from "../store/errors.js";
import { runTyped } from "../store/runTyped.js";
import { storePromise } from "../store/storePromise.js";
import type { TriggerStore } from "../trigger/TriggerStore.js";
import type { TriggerNotInStore } from "./errors.js";
import { findStoredTrigger } from "./findStoredTrigger.js";
import { readStoredSnapshot } from "./readStoredSnapshot.js";
import { initialSnapshotOf, replayInputOf, replayJournal } from "./replayJournal.js";

/**
 * Options of {@link replayHistory}.
 *
 * @example
 * ```ts
 * await replayHistory(store, "hourly_market", { until: new Date("2026-01-05T03:00:00Z") });
 * ```
 */
export interface ReplayHistoryOptions {
  /** Stop after this journal sequence number, or after the last entry at or before this instant. */
  readonly until?: number | Date;
}

/**
 * One journal entry as replayed: the state the machine reached, and the state the
 * supervisor journaled when it committed the entry.
 *
 * @example
 * ```ts
 * const step: ReplayStep = report.events[0]!;
 * step.agrees; // true when replay and journal reached the same state
 * ```
 */
export interface ReplayStep {
  readonly seq: number;
  readonly at: Date;
  readonly event: TriggerEvent;
  readonly stateBefore: TriggerStateValue;
  readonly stateAfter: TriggerStateValue;
  /** The `state_after` the supervisor journaled with this entry. */
  readonly journaledState: string;
  readonly agrees: boolean;
  /** The side effects this step implied (`startRun`, `bufferTick`, ...). */
  readonly actions: readonly string[];
}

/**
 * What {@link replayHistory} found.
 *
 * @example
 * ```ts
 * const report: ReplayReport = await replayHistory(store, "hourly_market");
 * if (report.matchesSnapshot === false) console.error(report.differences);
 * ```
 */
export interface ReplayReport {
  readonly name: string;
  /** The state reached by feeding the journal (up to `until`) through the machine. */
  readonly state: TriggerStateValue;
  readonly context: TriggerContext;
  /** The stored snapshot's state; `undefined` when it cannot be read (see `snapshotProblem`). */
  readonly snapshotState: TriggerStateValue | undefined;
  readonly snapshotProblem: string | undefined;
  /**
   * Whether the replayed value and context equal the stored snapshot's. `undefined`
   * with `until` (a past state is not comparable with today's snapshot) or when the
   * snapshot cannot be read.
   */
  readonly matchesSnapshot: boolean | undefined;
  /** What differs between the replayed and the stored snapshot, one line each. */
  readonly differences: readonly string[];
  readonly events: readonly ReplayStep[];
  /** The last journal sequence number replayed (`undefined`: none). */
  readonly lastSeq: number | undefined;
}

/**
 * The Effect form of {@link replayHistory}.
 *
 * @example
 * ```ts
 * const report = yield* replayHistoryEffect(store, "hourly_market");
 * ```
 */
export function replayHistoryEffect(
  store: TriggerStore,
  name: string,
  options: ReplayHistoryOptions = {},
): Effect.Effect<ReplayReport, StoreFailure | TriggerNotInStore> {
  return Effect.gen(function* () {
    const stored = yield* findStoredTrigger(store, name);
    const until = options.until;
    const journal = yield* storePromise(store.location, "get journal", () =>
      store.getJournal(name, typeof until === "number" ? { untilSeq: until } : {}),
    );
    const entries = until instanceof Date ? journal.filter((entry) => entry.at <= until) : journal;
    const input = replayInputOf(name, stored);
    const steps = replayJournal(input, entries);
    const final = steps.at(-1)?.after ?? initialSnapshotOf(input);
    const state = triggerStateOf(final);
    const snapshot = readStoredSnapshot(stored);
    const differences: string[] = [];
    let matchesSnapshot: boolean | undefined;
    if (snapshot.ok && until === undefined) {
      // Compared in their stored (JSON) form: that is what a restart would restore.
      const replayed = JSON.parse(JSON.stringify({ value: final.value, context: final.context }));
      if (!isDeepStrictEqual(replayed.value, snapshot.value)) {
        differences.push(
          `state: replayed ${JSON.stringify(replayed.value)}, stored ${JSON.stringify(snapshot.value)}`,
        );
      }
      const keys = new Set([...Object.keys(replayed.context), ...Object.keys(snapshot.context)]);
      for (const key of [...keys].sort()) {
        const a = replayed.context[key];
        const b = (snapshot.context as unknown as Record<string, unknown>)[key];
        if (!isDeepStrictEqual(a, b)) {
          differences.push(
            `context.${key}: replayed ${JSON.stringify(a) ?? "absent"}, stored ${JSON.stringify(b) ?? "absent"}`,
          );
        }
      }
      matchesSnapshot = differences.length === 0;
    }
    return {
      name,
      state,
      context: final.context,
      snapshotState: snapshot.ok ? snapshot.state : undefined,
      snapshotProblem: snapshot.ok ? undefined : snapshot.problem,
      matchesSnapshot,
      differences,
      events: steps.map((step) => {
        const stateAfter = triggerStateOf(step.after);
        return {
          seq: step.entry.seq,
          at: step.entry.at,
          event: step.event,
          stateBefore: triggerStateOf(step.before),
          stateAfter,
          journaledState: step.entry.stateAfter,
          agrees: step.entry.stateAfter === stateAfter,
          actions: step.actions.map((action) => action.type),
        };
      }),
      lastSeq: entries.at(-1)?.seq,
    };
  });
}

/**
 * Rebuilds a trigger's machine state from its journal alone: every journaled event is
 * fed through the trigger machine (up to `until`, a journal sequence number or an
 * instant), and the result is compared with the stored snapshot. A mismatch means the
 * journal and the snapshot disagree — the report says where.
 *
 * @example
 * ```ts
 * const report = await replayHistory(store, "hourly_market");
 * console.log(report.state, report.matchesSnapshot); // "active" true
 * const then = await replayHistory(store, "hourly_market", { until: 40 });
 * ```
 */
export function replayHistory(
  store: TriggerStore,
  name: string,
  options: ReplayHistoryOptions = {},
): Promise<ReplayReport> {
  return runTyped(replayHistoryEffect(store, name, options));
}
