import * as Effect from "effect/Effect";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import { Provenance } from "../provenance/Provenance.js";
import { provideFrom } from "../run/ProvenanceProvider.js";
import type { DagRunResult } from "../run/runTypes.js";
import type { TriggerEventRecord } from "../trigger/records.js";
import { dagOfTrigger } from "./dagOfTrigger.js";
import { FireKeyInvalid, TriggerBusy } from "./errors.js";
import type { Live } from "./Live.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/** The longest fire key accepted (a delivery id, a UUID, a hash fit easily). */
export const MAX_FIRE_KEY_LENGTH = 200;

/** How often a fire on record, running in another process, is looked at again. */
const POLL_MS = 200;

/** A fire as `pushFire` answers it: its run's id and the result to come. */
export interface FireOutcome {
  readonly runId: string;
  readonly result: Promise<DagRunResult>;
  /** The key was on record: this fire stepped nothing and wrote nothing. */
  readonly onRecord?: boolean;
}

/**
 * The key of an idempotent push, checked: `FireKeyInvalid` unless it is a non-empty
 * string of at most 200 characters.
 *
 * @example
 * ```ts
 * const key = checkFireKey("orders", options.key); // "delivery-42"
 * ```
 */
export function checkFireKey(name: string, key: unknown): string {
  if (typeof key !== "string") {
    throw new FireKeyInvalid({ name, key, reason: `is a ${typeof key}, not a string` });
  }
  if (key.length === 0) throw new FireKeyInvalid({ name, key, reason: "is empty" });
  if (key.length > MAX_FIRE_KEY_LENGTH) {
    throw new FireKeyInvalid({ name, key, reason: `has ${key.length} characters` });
  }
  return key;
}

/**
 * What a fire whose key is already on record answers: the first fire's run, and its
 * result — awaited when that run is in flight (here, or polled from the ledger when
 * another process runs it), read back from the run history when it has finished. A
 * first fire that did not run (`skipped_overlap`, dropped) answers `TriggerBusy` again.
 * Nothing is stepped or written.
 *
 * @example
 * ```ts
 * const row = await core.store.loadEventByKey("orders", "delivery-42");
 * if (row) return outcomeOnRecord(core, live, definition, row);
 * ```
 */
export function outcomeOnRecord(
  core: SupervisorCore,
  live: Live | undefined,
  definition: TriggerDefinition,
  row: TriggerEventRecord,
): FireOutcome {
  const runId = row.runId;
  if (runId === undefined) {
    const busy = Promise.reject(new TriggerBusy({ name: row.triggerName, eventId: row.eventId }));
    busy.catch(() => {});
    return { runId: "", result: busy, onRecord: true };
  }
  if (live !== undefined && (live.runs.has(runId) || live.waiters.has(runId))) {
    return { runId, result: joinWaiter(live, runId), onRecord: true };
  }
  const result = finishedResult(core, definition, row, runId);
  result.catch(() => {});
  return { runId, result, onRecord: true };
}

/** Waits with the first caller (or alone) for a run in flight in this process. */
function joinWaiter(live: Live, runId: string): Promise<DagRunResult> {
  const first = live.waiters.get(runId);
  return new Promise<DagRunResult>((resolve, reject) => {
    live.waiters.set(runId, {
      resolve: (result) => {
        first?.resolve(result);
        resolve(result);
      },
      reject: (error) => {
        first?.reject(error);
        reject(error);
      },
    });
  });
}

/** The result of a run on record: its ledger row polled until it ended, then its history. */
async function finishedResult(
  core: SupervisorCore,
  definition: TriggerDefinition,
  row: TriggerEventRecord,
  runId: string,
): Promise<DagRunResult> {
  let ended = row;
  while (ended.status === "running" || ended.status === "buffered") {
    await new Promise<void>((resolve) => core.clock.setTimer(core.clock.now() + POLL_MS, resolve));
    ended = (await core.store.loadEvent(row.eventId)) ?? { ...ended, status: "interrupted" };
  }
  const stored = await Effect.runPromise(
    Effect.flatMap(Provenance, (history) => history.loadRunState(runId)).pipe(
      provideFrom(core.provenance),
    ),
  );
  const sinks = dagOfTrigger(core.namespace, definition)
    .sinks()
    .map((node) => node.label);
  const outputs: Record<string, unknown> = {};
  let failedNode: string | undefined;
  for (const node of stored?.nodes.values() ?? []) {
    if (node.status === "failed") failedNode ??= node.label;
    if (sinks.includes(node.label) && (node.status === "completed" || node.status === "cached")) {
      outputs[node.label] = node.output;
    }
  }
  const status =
    stored?.status === "completed" || stored?.status === "failed" || stored?.status === "paused"
      ? stored.status
      : ended.status === "completed" || ended.status === "failed"
        ? ended.status
        : "interrupted";
  return { runId, status, outputs, ...(failedNode === undefined ? {} : { failedNode }) };
}
