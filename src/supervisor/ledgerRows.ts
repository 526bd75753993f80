import { randomUUID } from "node:crypto";
import type { FireRef, TriggerInput } from "../../machines/trigger.machine.js";
import type { FireKind } from "../dag/NodeContext.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import { scheduleConfig } from "../schedule/scheduleConfig.js";
import type { TriggerWrite } from "../trigger/TriggerWrite.js";
import type { Live } from "./Live.js";

/**
 * The trigger machine's input for a definition.
 *
 * @example
 * ```ts
 * stepper.initial(machineInput(definition));
 * ```
 */
export function machineInput(definition: TriggerDefinition): TriggerInput {
  return {
    name: definition.name,
    overlap: definition.overlap,
    maxConcurrent: definition.maxConcurrent ?? null,
  };
}

/**
 * The stored configuration of a definition (what an edit is detected against).
 *
 * @example
 * ```ts
 * configOf(definition).schedule; // "0 * * * *"
 * ```
 */
export function configOf(definition: TriggerDefinition): Record<string, unknown> {
  return {
    ...scheduleConfig(definition.schedule),
    overlap: definition.overlap,
    ...(definition.maxConcurrent === undefined ? {} : { maxConcurrent: definition.maxConcurrent }),
    catchUp: definition.catchUp,
    maxCatchUp: definition.maxCatchUp,
    catchUpWindow: definition.catchUpWindow ?? null,
    pollTimeout: definition.pollTimeout,
    hasPollFn: definition.pollFn !== undefined,
    payload: definition.payload ?? null,
    ...(definition.pauseAfterFailures === undefined
      ? {}
      : { pauseAfterFailures: definition.pauseAfterFailures }),
    ...(definition.maxFires === undefined ? {} : { maxFires: definition.maxFires }),
  };
}

/**
 * The ledger row of a fire (a tick or a push) with its status, its kind and (an
 * idempotent push) its key as the trigger's `Live` holds them.
 *
 * @example
 * ```ts
 * writes.push(fireRow(live, fire, now, "running"));
 * ```
 */
export function fireRow(
  live: Pick<Live, "name" | "kinds" | "keys"> & Partial<Pick<Live, "backfillIds">>,
  fire: FireRef,
  now: number,
  status: "running" | "skipped_overlap" | "buffered",
): TriggerWrite & { kind: "insertEvent" } {
  const name = live.name;
  const kind = live.kinds.get(fire.eventId);
  const key = live.keys.get(fire.eventId);
  const backfillId = live.backfillIds?.get(fire.eventId);
  return {
    kind: "insertEvent",
    eventId: fire.eventId,
    name,
    firedAt: now,
    scheduledAt: fire.scheduledAt,
    runId: fire.runId,
    payload: fire.payload,
    status,
    error: null,
    fireKind: kind ?? null,
    ...(key === undefined ? {} : { fireKey: key }),
    ...(backfillId === undefined ? {} : { backfillId }),
  };
}

/**
 * How many of `writes` record a new scheduled fire (`tick` or `catchUp`, started or
 * kept): what `maxFires` counts. Pushes, manual fires and backfills do not count, nor do
 * ticks that did not fire (skipped, missed, a poll with nothing).
 *
 * @example
 * ```ts
 * scheduledFires([fireRow(live, fire, now, "running")]); // 1 for a tick
 * ```
 */
export function scheduledFires(
  writes: readonly (TriggerWrite | { readonly kind: "history" })[],
): number {
  return writes.filter(
    (w) =>
      w.kind === "insertEvent" &&
      (w.status === "running" || w.status === "buffered") &&
      (w.fireKind === "tick" || w.fireKind === "catchUp"),
  ).length;
}

/**
 * The ledger row of a tick that did not fire: missed, or a poll that gave nothing.
 *
 * @example
 * ```ts
 * writes.push(skippedRow("hourly", tick, now, "poll_failed", "threw: boom", "tick"));
 * ```
 */
export function skippedRow(
  name: string,
  tick: number,
  now: number,
  status: "missed" | "poll_empty" | "poll_failed",
  reason: string | null,
  kind: FireKind,
  eventId: string = randomUUID(),
): TriggerWrite {
  return {
    kind: "insertEvent",
    eventId,
    name,
    firedAt: now,
    scheduledAt: tick,
    runId: null,
    payload: null,
    status,
    error: reason,
    fireKind: kind,
  };
}

/**
 * The ledger row of a missed tick with the reason.
 *
 * @example
 * ```ts
 * writes.push(missedRow("hourly", tick, now, "deactivated before its catch-up fire", "catchUp"));
 * ```
 */
export function missedRow(
  name: string,
  tick: number,
  now: number,
  reason: string,
  kind: FireKind,
): TriggerWrite {
  return skippedRow(name, tick, now, "missed", reason, kind);
}
