/**
 * Stored trigger snapshots of older machine versions, brought up to the current one.
 * Pure: JSON in, JSON out; the supervisor and the inspection read models call it before
 * restoring or reading a snapshot whose stored version is older than
 * `TRIGGER_MACHINE_VERSION`.
 *
 * @module
 */
import { TRIGGER_MACHINE_VERSION } from "./trigger.machine.js";

/** A persisted snapshot as parsed from JSON: only `context` is looked into. */
type Persisted = { readonly context?: unknown } & Record<string, unknown>;

/** One step up: from the version it is keyed by to the next. */
const STEPS: Record<number, (persisted: Persisted) => Persisted> = {
  // Version 2 keeps a list of fires in flight and of pending fires (one each, or none,
  // in version 1), the runs being cancelled (none) and the `allowAll` limit (none).
  1: (persisted) => {
    const context = (persisted.context ?? {}) as Record<string, unknown>;
    const list = (value: unknown) => (value === null || value === undefined ? [] : [value]);
    return {
      ...persisted,
      context: {
        ...context,
        maxConcurrent: null,
        inFlight: list(context.inFlight),
        pending: list(context.pending),
        cancelling: [],
      },
    };
  },
};

/**
 * A persisted trigger snapshot written by machine version `version`, as the current
 * version would have written it. Throws a `RangeError` for a version it cannot migrate
 * (newer than this tickflow, or unknown); the caller reports the trigger as broken.
 *
 * @example
 * ```ts
 * const persisted = migrateTriggerSnapshot(JSON.parse(row.snapshotJson), row.machineVersion);
 * triggerMachine.resolveState(persisted as never);
 * ```
 */
export function migrateTriggerSnapshot(persisted: unknown, version: number | undefined): unknown {
  if (version === undefined) throw new RangeError("its machine version is not stored");
  if (!Number.isInteger(version) || version < 1 || version > TRIGGER_MACHINE_VERSION) {
    throw new RangeError(
      `it was written by machine version ${version}; this tickflow reads versions 1 to ${TRIGGER_MACHINE_VERSION}`,
    );
  }
  if (typeof persisted !== "object" || persisted === null) {
    throw new RangeError("the snapshot is not an object");
  }
  let current = persisted as Persisted;
  for (let v = version; v < TRIGGER_MACHINE_VERSION; v++) {
    current = (STEPS[v] as (p: Persisted) => Persisted)(current);
  }
  return current;
}
