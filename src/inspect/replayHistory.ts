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
import { HistoryPruned, type TriggerNotInStore } from "./errors.js";
import { findStoredTrigger } from "./findStoredTrigger.js";
import { readStoredSnapshot } from "./readStoredSnapshot.js";
import {
  checkpointSnapshot,
  initialSnapshotOf,
  replayInputOf,
  replayJournal,
} from "./replayJournal.js";

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
  /**
   * Where retention compacted the journal: the replay started from this checkpoint
   * (the snapshot after entry `seq`) instead of the initial state.
   */
  readonly checkpoint:
    | { readonly seq: number; readonly at: Date | undefined; readonly prunedAt: Date }
    | undefined;
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
): Effect.Effect<ReplayReport, StoreFailure | TriggerNotInStore | HistoryPruned> {
  return Effect.gen(function* () {
    const stored = yield* findStoredTrigger(store, name);
    const until = options.until;
    const journal = yield* storePromise(store.location, "get journal", () =>
      store.getJournal(name, typeof until === "number" ? { untilSeq: until } : {}),
    );
    const entries = until instanceof Date ? journal.filter((entry) => entry.at <= until) : journal;
    const checkpoint = yield* storePromise(store.location, "get checkpoint", () =>
      store.backend.getCheckpoint(name),
    );
    if (
      checkpoint !== undefined &&
      (typeof until === "number"
        ? until < checkpoint.seq
        : until instanceof Date && checkpoint.at !== undefined && until < checkpoint.at)
    ) {
      return yield* Effect.fail(
        new HistoryPruned({ name, seq: checkpoint.seq, prunedAt: checkpoint.prunedAt }),
      );
    }
    // A compacted journal replays from its checkpoint (the snapshot at its last pruned
    // entry); a checkpoint this tickflow cannot read is reported as the snapshot problem.
    const from = checkpoint === undefined ? undefined : checkpointSnapshot(checkpoint);
    const input = replayInputOf(name, stored);
    const start = from === undefined || typeof from === "string" ? initialSnapshotOf(input) : from;
    const steps = replayJournal(input, entries, start);
    const final = steps.at(-1)?.after ?? start;
    const state = triggerStateOf(final);
    const read = readStoredSnapshot(stored);
    const snapshot: typeof read = typeof from === "string" ? { ok: false, problem: from } : read;
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
      lastSeq: entries.at(-1)?.seq ?? checkpoint?.seq,
      checkpoint:
        checkpoint === undefined
          ? undefined
          : { seq: checkpoint.seq, at: checkpoint.at, prunedAt: checkpoint.prunedAt },
    };
  });
}

/**
 * Rebuilds a trigger's machine state from its journal alone: every journaled event is
 * fed through the trigger machine (up to `until`, a journal sequence number or an
 * instant), and the result is compared with the stored snapshot. A journal compacted by
 * retention replays from its checkpoint; `until` before it fails with `HistoryPruned`. A mismatch means the
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
