import { initialTransition, transition } from "xstate";
import {
  TRIGGER_MACHINE_VERSION,
  type TriggerEvent,
  type TriggerInput,
  type TriggerSnapshot,
  triggerMachine,
  triggerStateOf,
} from "../../machines/trigger.machine.js";
import { OVERLAP_POLICIES } from "../../machines/trigger.types.js";
import type { JournalCheckpoint } from "../trigger/JournalCheckpoint.js";
import type { JournalEntry, StoredActivation } from "../trigger/TriggerStore.js";
import { readStoredSnapshot } from "./readStoredSnapshot.js";

/**
 * One journal entry folded through the trigger machine: the snapshots around it and
 * the named actions (side effects) the transition implied.
 *
 * @example
 * ```ts
 * const [first] = replayJournal({ name: "t" }, journal);
 * first?.after.value; // "active"
 * ```
 */
export interface ReplayedEntry {
  readonly entry: JournalEntry;
  readonly event: TriggerEvent;
  readonly before: TriggerSnapshot;
  readonly after: TriggerSnapshot;
  readonly actions: readonly { readonly type: string; readonly params: unknown }[];
}

/**
 * The machine input a trigger's journal replays from. The journal does not record the
 * input the supervisor created the machine with, so the overlap policy and its
 * `maxConcurrent` are taken from the stored snapshot (a journaled CONFIGURE is replayed
 * on top, and ends where the snapshot is), else from the stored definition, else the
 * defaults.
 *
 * @example
 * ```ts
 * replayInputOf("t", stored); // { name: "t", overlap: "allowAll", maxConcurrent: 2 }
 * ```
 */
export function replayInputOf(name: string, stored: StoredActivation | undefined): TriggerInput {
  const snapshot = stored === undefined ? undefined : readStoredSnapshot(stored);
  if (snapshot?.ok) {
    const { overlap, maxConcurrent } = snapshot.context;
    return { name, overlap, maxConcurrent };
  }
  const config = stored?.record.config;
  const overlap = OVERLAP_POLICIES.find((policy) => policy === config?.overlap) ?? "skip";
  const maxConcurrent = typeof config?.maxConcurrent === "number" ? config.maxConcurrent : null;
  return { name, overlap, maxConcurrent };
}

/**
 * Folds journal entries through the trigger machine with XState's pure `transition`,
 * keeping every step; from `from` (a compaction checkpoint) or the initial state. Nothing is executed: the actions are only reported.
 *
 * @example
 * ```ts
 * const steps = replayJournal({ name: "t" }, await store.getJournal("t"));
 * steps.at(-1)?.after.value;
 * ```
 */
export function replayJournal(
  input: TriggerInput,
  entries: readonly JournalEntry[],
  from?: TriggerSnapshot,
): readonly ReplayedEntry[] {
  let snapshot = from ?? initialTransition(triggerMachine, input)[0];
  const out: ReplayedEntry[] = [];
  for (const entry of entries) {
    const event = entry.event as TriggerEvent;
    const [after, actions] = transition(triggerMachine, snapshot, event);
    out.push({
      entry,
      event,
      before: snapshot,
      after,
      actions: actions.map((action) => ({ type: action.type, params: action.params })),
    });
    snapshot = after;
  }
  return out;
}

/** @internal The initial snapshot for `input`: the state before any journal entry. */
export function initialSnapshotOf(input: TriggerInput): TriggerSnapshot {
  return initialTransition(triggerMachine, input)[0];
}

/**
 * The machine snapshot a compaction checkpoint holds (where a replay of a pruned journal
 * starts), or why it cannot be used (another machine version, bad JSON).
 *
 * @example
 * ```ts
 * const start = checkpointSnapshot(checkpoint);
 * if (typeof start !== "string") replayJournal(input, entries, start);
 * ```
 */
export function checkpointSnapshot(checkpoint: JournalCheckpoint): TriggerSnapshot | string {
  if (checkpoint.machineVersion !== TRIGGER_MACHINE_VERSION) {
    return `the checkpoint was written by machine version ${checkpoint.machineVersion}, this tickflow runs version ${TRIGGER_MACHINE_VERSION}`;
  }
  try {
    const persisted = JSON.parse(checkpoint.snapshotJson) as unknown;
    const snapshot = triggerMachine.resolveState(
      persisted as Parameters<typeof triggerMachine.resolveState>[0],
    ) as TriggerSnapshot;
    triggerStateOf(snapshot);
    return snapshot;
  } catch (error) {
    return `the checkpoint cannot be read (${error instanceof Error ? error.message : String(error)})`;
  }
}
