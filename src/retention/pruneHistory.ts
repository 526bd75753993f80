import {
  TRIGGER_MACHINE_VERSION,
  triggerMachine,
  triggerStateOf,
} from "../../machines/trigger.machine.js";
import { checkpointSnapshot, replayInputOf, replayJournal } from "../inspect/replayJournal.js";
import type { WriteGuard } from "../provenance/Provenance.js";
import type { Fence } from "../trigger/TriggerBackend.js";
import type { StoredActivation, TriggerStore } from "../trigger/TriggerStore.js";

/** The run history as retention needs it (`DagProvenance` has it; `NullProvenance` not). */
export interface PrunableHistory {
  pruneRuns(
    before: number,
    limit: number,
    keep: readonly string[],
    guard?: WriteGuard,
  ): Promise<number>;
  countPrunableRuns(before: number, keep: readonly string[]): Promise<number>;
  /** Cached node outputs past their TTL (absent on a history without a cache). */
  pruneExpiredCache?(now: number, limit: number, guard?: WriteGuard): Promise<number>;
  countExpiredCache?(now: number): Promise<number>;
  readonly pg?: unknown;
}

/**
 * Where pruning writes and under which fence. `null` from a fence function means "not
 * ours": that trigger's rows (or the run history) are left to their owner; `undefined`
 * means unfenced (the CLI holding the database lease for the whole call, or SQLite).
 */
export interface PruneTarget {
  readonly store: TriggerStore;
  readonly history: PrunableHistory | undefined;
  readonly fenceFor: (trigger: string) => Fence | null | undefined;
  readonly runsFence: () => Fence | null | undefined;
  /** Checked between batches: a stopping supervisor stops pruning. */
  readonly stopped?: () => boolean;
}

/** The cut-off instants (epoch ms) per kind; a kind left out is not pruned. */
export interface PruneCut {
  readonly events?: number;
  readonly journal?: number;
  readonly runs?: number;
}

/**
 * What a prune did (or, with `dryRun`, would do): rows deleted per kind and the
 * triggers whose journal got a checkpoint.
 *
 * @example
 * ```ts
 * const report: PruneReport = await manager.prune({ olderThan: "30d", dryRun: true });
 * console.log(report.events, report.journal, report.runs);
 * ```
 */
export interface PruneReport {
  readonly dryRun: boolean;
  readonly events: number;
  readonly journal: number;
  readonly runs: number;
  /** Cached node outputs past their TTL (pruned with the runs, whatever their age). */
  readonly cache: number;
  /** Triggers whose journal was compacted, with the checkpoint's sequence number. */
  readonly checkpoints: readonly { readonly trigger: string; readonly seq: number }[];
}

/** Lets timers and I/O run between two batches, so a due tick is not held back. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Prunes the history older than `cut` in batches of `batchSize` rows, one transaction
 * each (fenced), yielding to the event loop between batches. With `dryRun` it only
 * counts. See `RetentionOptions` for what is never pruned.
 *
 * @example
 * ```ts
 * await pruneHistory(target, { events: now - 30 * DAY }, { batchSize: 500, now });
 * ```
 */
export async function pruneHistory(
  target: PruneTarget,
  cut: PruneCut,
  options: { readonly batchSize: number; readonly now: number; readonly dryRun?: boolean },
): Promise<PruneReport> {
  const backend = target.store.backend;
  const dryRun = options.dryRun ?? false;
  let events = 0;
  let journal = 0;
  let runs = 0;
  let cache = 0;
  const checkpoints: { trigger: string; seq: number }[] = [];
  const activations = await backend.listActivations();
  // Snapshots once per pass (the machine input of a first compaction), not per batch.
  let stored: Map<string, StoredActivation> | undefined;
  const storedOf = async (name: string) => {
    stored ??= new Map((await backend.loadActivations()).map((a) => [a.record.name, a]));
    return stored.get(name);
  };
  for (const { name } of activations) {
    const fence = target.fenceFor(name);
    if (fence === null) continue;
    if (dryRun) {
      const counts = await backend.countPrunable(name, {
        ...(cut.events === undefined ? {} : { events: cut.events }),
        ...(cut.journal === undefined ? {} : { journal: cut.journal }),
      });
      events += counts.events;
      journal += counts.journal;
      continue;
    }
    const hooks = fence === undefined ? {} : { fence };
    while (cut.events !== undefined && !target.stopped?.()) {
      const ids = await backend.prunableEvents(name, cut.events, options.batchSize);
      if (ids.length === 0) break;
      await backend.commit(
        "prune ledger",
        ids.map((eventId) => ({ kind: "deleteEvent", eventId }) as const),
        hooks,
      );
      events += ids.length;
      await yieldTurn();
    }
    while (cut.journal !== undefined && !target.stopped?.()) {
      const entries = await backend.prunableJournal(name, cut.journal, options.batchSize);
      const last = entries.at(-1);
      if (last === undefined) break;
      const snapshot = await snapshotAfter(target.store, name, await storedOf(name), entries);
      if (snapshot === undefined) break;
      await backend.commit(
        "compact journal",
        [
          {
            kind: "checkpoint",
            name,
            seq: last.seq,
            snapshot: triggerMachine.getPersistedSnapshot(snapshot),
            machineVersion: TRIGGER_MACHINE_VERSION,
            state: triggerStateOf(snapshot),
            at: last.at.getTime(),
            prunedAt: options.now,
          },
          { kind: "deleteJournal", name, throughSeq: last.seq },
        ],
        hooks,
      );
      journal += entries.length;
      const known = checkpoints.find((c) => c.trigger === name);
      if (known === undefined) checkpoints.push({ trigger: name, seq: last.seq });
      else known.seq = last.seq;
      await yieldTurn();
    }
  }
  const history = target.history;
  const runsFence = target.runsFence();
  if (cut.runs !== undefined && history !== undefined && runsFence !== null) {
    // The last run of each trigger stays: `status` and `explain` show it.
    const keep = activations.flatMap((a) => (a.lastRunId === undefined ? [] : [a.lastRunId]));
    if (dryRun) {
      runs = await history.countPrunableRuns(cut.runs, keep);
    } else {
      const guard = runsFence === undefined ? undefined : guardOf(target, runsFence);
      while (!target.stopped?.()) {
        const n = await history.pruneRuns(cut.runs, options.batchSize, keep, guard);
        runs += n;
        if (n < options.batchSize) break;
        await yieldTurn();
      }
    }
  }
  if (cut.runs !== undefined && history?.pruneExpiredCache !== undefined && runsFence !== null) {
    if (dryRun) {
      cache = (await history.countExpiredCache?.(options.now)) ?? 0;
    } else {
      const guard = runsFence === undefined ? undefined : guardOf(target, runsFence);
      while (!target.stopped?.()) {
        const n = await history.pruneExpiredCache(options.now, options.batchSize, guard);
        cache += n;
        if (n < options.batchSize) break;
        await yieldTurn();
      }
    }
  }
  return { dryRun, events, journal, runs, cache, checkpoints };
}

/**
 * The machine snapshot after the last of `entries` (the oldest journal rows left): the
 * previous checkpoint, or the initial state, with `entries` folded in. `undefined` when
 * the previous checkpoint cannot be read (another machine version): the journal is then
 * kept as it is rather than compacted wrongly.
 */
async function snapshotAfter(
  store: TriggerStore,
  name: string,
  stored: StoredActivation | undefined,
  entries: Parameters<typeof replayJournal>[1],
) {
  const previous = await store.backend.getCheckpoint(name);
  const from = previous === undefined ? undefined : checkpointSnapshot(previous);
  if (typeof from === "string") return undefined;
  const steps = replayJournal(replayInputOf(name, stored), entries, from);
  return steps.at(-1)?.after;
}

/** A run-history guard checking `fence` (as the fire path's run writes do). */
function guardOf(target: PruneTarget, fence: Fence): WriteGuard {
  const backend = target.store.backend;
  const samePool = target.history?.pg !== undefined && target.history.pg === target.store.pg;
  return {
    sync: () => backend.checkFenceSync?.(fence),
    onTransaction: (tx) => backend.checkFence(fence, samePool ? tx : undefined),
  };
}
