import type { FireKind } from "../dag/NodeContext.js";
import { decodeJson } from "../store/jsonValue.js";
import type { ActivationRow, CommandRow, EventRow, JournalRow } from "./triggerSql.js";

/**
 * A trigger's activation record (the seed's `trigger_activations` row).
 *
 * @example
 * ```ts
 * const activation = await store.getActivation("hourly_market");
 * activation?.status; // "active"
 * ```
 */
export interface ActivationRecord {
  readonly name: string;
  readonly dagNsref: string;
  readonly triggerType: "poll" | "push";
  readonly status: "active" | "disabled";
  readonly lastRunAt: Date | undefined;
  readonly nextRunAt: Date | undefined;
  readonly lastRunId: string | undefined;
  readonly createdAt: Date;
  readonly config: Readonly<Record<string, unknown>>;
  /** Why the trigger was last activated or deactivated, if that was said (`--note`). */
  readonly statusNote: StatusNote | undefined;
  /** A poll trigger's last committed cursor (`ctx.cursor`); `undefined` when none. */
  readonly cursor: unknown;
  /**
   * Scheduled fires (tick, catchUp) made while the trigger had a `maxFires` limit: its
   * remaining fires are `maxFires` minus this. 0 for a trigger that never had one.
   */
  readonly firesUsed: number;
}

/**
 * The note of a trigger's last status change: `manager.deactivate(name, { note, by })`.
 *
 * @example
 * ```ts
 * const { statusNote } = (await store.getActivation("hourly"))!;
 * statusNote?.note; // "paused: upstream API down"
 * ```
 */
export interface StatusNote {
  /** Why (as given). */
  readonly note: string | undefined;
  /** Who, when given. */
  readonly by: string | undefined;
  /** When the change was made (the manager's clock). */
  readonly at: Date;
}

/**
 * Statuses of a fire ledger row: a run's status (`running`, `completed`, `failed`,
 * `interrupted`, `paused`), or why a tick did not run (`skipped_overlap`, `poll_empty`,
 * `poll_failed`, `missed`), or a tick kept for later (`buffered`) and then dropped by
 * deactivation (`cancelled`).
 */
export type EventStatus =
  | "running"
  | "completed"
  | "failed"
  | "interrupted"
  | "paused"
  | "skipped_overlap"
  | "buffered"
  | "cancelled"
  | "poll_empty"
  | "poll_failed"
  | "missed";

/**
 * One row of the fire ledger (`trigger_events`).
 *
 * @example
 * ```ts
 * for (const e of await store.getEvents("hourly_market")) console.log(e.firedAt, e.status, e.runId);
 * ```
 */
export interface TriggerEventRecord {
  readonly eventId: string;
  readonly triggerName: string;
  readonly firedAt: Date;
  /** The tick's scheduled instant; `undefined` for a push or manual fire. */
  readonly scheduledAt: Date | undefined;
  readonly status: EventStatus;
  readonly runId: string | undefined;
  readonly payload: unknown;
  readonly error: string | undefined;
  readonly finishedAt: Date | undefined;
  /**
   * Why it fired (`tick`, `catchUp`, `backfill`, `push`, `manual`); for a tick that did not
   * fire, the kind it would have had. `undefined` for rows written before tickflow
   * recorded kinds.
   */
  readonly kind: FireKind | undefined;
  /** An idempotent push's key (`manager.fire(…, { key })`); `undefined` for other fires. */
  readonly key: string | undefined;
  /** The backfill that fired it (`manager.backfill`); absent for other fires. */
  readonly backfillId?: string;
}

/**
 * One machine event as journaled.
 *
 * @example
 * ```ts
 * const entries = await store.getJournal("hourly_market");
 * ```
 */
export interface JournalEntry {
  readonly seq: number;
  readonly triggerName: string;
  readonly event: unknown;
  readonly stateAfter: string;
  readonly at: Date;
}

/**
 * Paging of `getEvents`: most recent first. `before` is the last record of the previous
 * page (exact: rows sharing its `firedAt` are not skipped) or an instant (exclusive).
 *
 * @example
 * ```ts
 * await store.getEvents("t", { limit: 20, before: lastPage.at(-1) });
 * ```
 */
export interface EventsQuery {
  readonly limit?: number;
  readonly before?: Date | TriggerEventRecord | undefined;
}

/** @internal The supervisor's view of an activation row: the record plus its snapshot. */
export interface StoredActivation {
  readonly record: ActivationRecord;
  readonly activatedAt: number | undefined;
  readonly snapshotJson: string | undefined;
  readonly machineVersion: number | undefined;
}

/**
 * A request queued for the running supervisor, and its outcome.
 *
 * @example
 * ```ts
 * const command: TriggerCommand | undefined = await store.getCommand(seq);
 * ```
 */
export interface TriggerCommand {
  readonly seq: number;
  readonly triggerName: string;
  readonly kind: "activate" | "deactivate" | "fire" | "backfill" | "cancelBackfill";
  readonly payload: Record<string, unknown> | undefined;
  readonly requestedAt: Date;
  /** `expired`: not applied in time, and withdrawn so that it never will be. */
  readonly state: "pending" | "done" | "failed" | "expired";
  readonly doneAt: Date | undefined;
  /** For a fire: the run it started. */
  readonly runId: string | undefined;
  readonly error: string | undefined;
  /** For a fire: its idempotency key (`tickflow fire --key`). */
  readonly key: string | undefined;
}

export function toCommand(row: CommandRow): TriggerCommand {
  return {
    seq: Number(row.seq),
    triggerName: row.trigger_name,
    kind: row.kind as TriggerCommand["kind"],
    payload: decodeJson(row.payload_json) as Record<string, unknown> | undefined,
    requestedAt: new Date(row.requested_at),
    state: row.state as TriggerCommand["state"],
    doneAt: dateOf(row.done_at),
    runId: orUndefined(row.run_id),
    error: orUndefined(row.error),
    key: orUndefined(row.fire_key ?? null),
  };
}

export function toActivation(row: ActivationRow): ActivationRecord {
  return {
    name: row.name,
    dagNsref: row.dag_nsref,
    triggerType: row.trigger_type as "poll" | "push",
    status: row.status as "active" | "disabled",
    lastRunAt: dateOf(row.last_run_at),
    nextRunAt: dateOf(row.next_run_at),
    lastRunId: orUndefined(row.last_run_id),
    createdAt: new Date(row.created_at),
    config:
      row.config_json === null ? {} : (JSON.parse(row.config_json) as Record<string, unknown>),
    statusNote:
      row.status_at === null || row.status_at === undefined
        ? undefined
        : {
            note: orUndefined(row.status_note ?? null),
            by: orUndefined(row.status_by ?? null),
            at: new Date(row.status_at),
          },
    cursor: decodeJson(row.poll_cursor ?? null),
    firesUsed: Number(row.fires_used ?? 0),
  };
}

export function toEvent(row: EventRow): TriggerEventRecord {
  return {
    eventId: row.event_id,
    triggerName: row.trigger_name,
    firedAt: new Date(row.fired_at),
    scheduledAt: dateOf(row.scheduled_at),
    status: row.status as EventStatus,
    runId: orUndefined(row.run_id),
    payload: decodeJson(row.payload_json),
    error: orUndefined(row.error),
    finishedAt: dateOf(row.finished_at),
    kind: orUndefined(row.kind ?? null) as FireKind | undefined,
    key: orUndefined(row.fire_key ?? null),
    ...(row.backfill_id == null ? {} : { backfillId: row.backfill_id }),
  };
}

const dateOf = (text: string | null) => (text === null ? undefined : new Date(text));
const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/** An activation row with its snapshot, as the supervisor loads it. */
export function toStoredActivation(row: ActivationRow): StoredActivation {
  return {
    record: toActivation(row),
    activatedAt: row.activated_at === null ? undefined : Date.parse(row.activated_at),
    snapshotJson: orUndefined(row.snapshot_json),
    machineVersion: row.machine_version === null ? undefined : Number(row.machine_version),
  };
}

/** A journal row as a {@link JournalEntry}. */
export function toJournal(row: JournalRow): JournalEntry {
  return {
    seq: Number(row.seq),
    triggerName: row.trigger_name,
    event: JSON.parse(row.event_json) as unknown,
    stateAfter: row.state_after,
    at: new Date(row.at),
  };
}

/**
 * Ledger counts by trigger and status from `countAllEventsByStatus` rows (PostgreSQL's
 * `COUNT(*)` arrives as a string).
 *
 * @example
 * ```ts
 * countsByTrigger([{ trigger_name: "t", status: "completed", n: 3 }]).get("t"); // { completed: 3 }
 * ```
 */
export function countsByTrigger(
  rows: readonly { trigger_name: string; status: string; n: number | string }[],
): Map<string, Record<string, number>> {
  const counts = new Map<string, Record<string, number>>();
  for (const row of rows) {
    let of = counts.get(row.trigger_name);
    if (of === undefined) {
      of = {};
      counts.set(row.trigger_name, of);
    }
    of[row.status] = Number(row.n);
  }
  return counts;
}
