import {
  TRIGGER_MACHINE_VERSION,
  type TriggerContext,
  type TriggerStateValue,
  triggerStateOf,
} from "../../machines/trigger.machine.js";
import { migrateTriggerSnapshot } from "../../machines/trigger.migrations.js";
import type { StoredActivation } from "../trigger/TriggerStore.js";

/**
 * A trigger's stored machine snapshot as read back for inspection: its state and
 * context, or why it cannot be read (none stored, another machine version, bad JSON).
 *
 * @example
 * ```ts
 * const snapshot = readStoredSnapshot(stored);
 * if (snapshot.ok) console.log(snapshot.state, snapshot.context.inFlight[0]?.runId);
 * ```
 */
export type StoredSnapshot =
  | {
      readonly ok: true;
      readonly state: TriggerStateValue;
      readonly value: unknown;
      readonly context: TriggerContext;
    }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads the snapshot of a stored activation without restoring an actor: inspection
 * must work on a database whose supervisor is running (or gone), and must say what is
 * wrong with a snapshot rather than throw, since that is often what a user is looking
 * for.
 *
 * @example
 * ```ts
 * for (const stored of store.loadActivations()) console.log(readStoredSnapshot(stored));
 * ```
 */
export function readStoredSnapshot(stored: StoredActivation): StoredSnapshot {
  if (stored.snapshotJson === undefined) {
    return { ok: false, problem: "no machine snapshot is stored" };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored.snapshotJson);
  } catch (error) {
    return {
      ok: false,
      problem: `the snapshot is not JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  let persisted: { value?: unknown; context?: unknown };
  try {
    // An older version's snapshot reads as the current version would have written it.
    persisted = migrateTriggerSnapshot(parsed, stored.machineVersion) as typeof persisted;
  } catch {
    return {
      ok: false,
      problem: `the snapshot was written by machine version ${stored.machineVersion}, this tickflow runs version ${TRIGGER_MACHINE_VERSION}`,
    };
  }
  let state: TriggerStateValue;
  try {
    state = triggerStateOf({ value: persisted?.value });
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
  if (typeof persisted.context !== "object" || persisted.context === null) {
    return { ok: false, problem: "the snapshot has no context" };
  }
  return {
    ok: true,
    state,
    value: persisted.value,
    context: persisted.context as TriggerContext,
  };
}
