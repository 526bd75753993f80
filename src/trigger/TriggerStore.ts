import type { Effect } from "effect";
import type { StoreFailure } from "../store/errors.js";
import { decodeJson, encodeJson } from "../store/jsonValue.js";
import { runTyped } from "../store/runTyped.js";
import { SqliteStore, type SqliteStoreOptions } from "../store/SqliteStore.js";
import { storeEffect } from "../store/storeEffect.js";
import { LeaseLost } from "./LeaseLost.js";
import type { TriggerWrite } from "./TriggerWrite.js";
import {
  type ActivationRow,
  type CommandRow,
  type EventRow,
  type JournalRow,
  type LeaseRow,
  triggerSql as sql,
} from "./triggerSql.js";

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

const iso = (ms: number) => new Date(ms).toISOString();
const dateOf = (text: string | null) => (text === null ? undefined : new Date(text));
const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/**
 * The trigger database: activation records, the fire ledger (`trigger_events`, one
 * row per tick by a unique key), machine snapshots and the journal. May share a file
 * with `DagProvenance`.
 *
 * @example
 * ```ts
 * const store = new TriggerStore("./data/triggers.db");
 * const events = await store.getEvents("hourly_market", { limit: 10 });
 * ```
 */
export class TriggerStore {
  /** The SQLite store underneath. */
  readonly store: SqliteStore;

  /** Opens (creating if needed) the database at `path`, or uses an open store. */
  constructor(pathOrStore: string | SqliteStore, options: SqliteStoreOptions = {}) {
    this.store =
      typeof pathOrStore === "string" ? SqliteStore.open(pathOrStore, options) : pathOrStore;
  }

  /**
   * A trigger's activation record, or `undefined` when it was never activated.
   *
   * @example
   * ```ts
   * (await store.getActivation("hourly_market"))?.lastRunId;
   * ```
   */
  getActivation(name: string): Promise<ActivationRecord | undefined> {
    return runTyped(this.getActivationEffect(name));
  }

  /** The Effect form of `getActivation`. */
  getActivationEffect(name: string): Effect.Effect<ActivationRecord | undefined, StoreFailure> {
    return storeEffect(this.store.path, "get activation", () => {
      const row = this.store.get<ActivationRow>("get activation", sql.selectActivation, [name]);
      return row === undefined ? undefined : toActivation(row);
    });
  }

  /**
   * Every activation record, sorted by name.
   *
   * @example
   * ```ts
   * for (const a of await store.listActivations()) console.log(a.name, a.status);
   * ```
   */
  listActivations(): Promise<readonly ActivationRecord[]> {
    return runTyped(this.listActivationsEffect());
  }

  /** The Effect form of `listActivations`. */
  listActivationsEffect(): Effect.Effect<readonly ActivationRecord[], StoreFailure> {
    return storeEffect(this.store.path, "list activations", () =>
      this.store.all<ActivationRow>("list activations", sql.selectActivations).map(toActivation),
    );
  }

  /**
   * A trigger's fire ledger, most recent first (`limit` default 100).
   *
   * @example
   * ```ts
   * const [latest] = await store.getEvents("hourly_market", { limit: 1 });
   * ```
   */
  getEvents(name: string, query: EventsQuery = {}): Promise<readonly TriggerEventRecord[]> {
    return runTyped(this.getEventsEffect(name, query));
  }

  /** The Effect form of `getEvents`. */
  getEventsEffect(
    name: string,
    query: EventsQuery = {},
  ): Effect.Effect<readonly TriggerEventRecord[], StoreFailure> {
    return storeEffect(this.store.path, "get events", () =>
      this.store
        .all<EventRow>("get events", sql.selectEvents, {
          name,
          limit: query.limit ?? 100,
          ...this.#cursor(query.before),
        })
        .map(toEvent),
    );
  }

  /**
   * A trigger's journal in order, optionally between two sequence numbers.
   *
   * @example
   * ```ts
   * const journal = await store.getJournal("hourly_market", { untilSeq: 40 });
   * ```
   */
  getJournal(
    name: string,
    range: { readonly afterSeq?: number; readonly untilSeq?: number } = {},
  ): Promise<readonly JournalEntry[]> {
    return runTyped(
      storeEffect(this.store.path, "get journal", () =>
        this.store
          .all<JournalRow>("get journal", sql.selectJournal, [
            name,
            range.afterSeq ?? 0,
            range.untilSeq ?? Number.MAX_SAFE_INTEGER,
          ])
          .map((row) => ({
            seq: row.seq,
            triggerName: row.trigger_name,
            event: JSON.parse(row.event_json) as unknown,
            stateAfter: row.state_after,
            at: new Date(row.at),
          })),
      ),
    );
  }

  /**
   * Counts of a trigger's ledger rows by status.
   *
   * @example
   * ```ts
   * (await store.countEvents("t")).completed; // 12
   * ```
   */
  countEvents(name: string): Promise<Readonly<Record<string, number>>> {
    return runTyped(
      storeEffect(this.store.path, "count events", () =>
        Object.fromEntries(
          this.store
            .all<{ status: string; n: number }>("count events", sql.countEventsByStatus, [name])
            .map((row) => [row.status, row.n]),
        ),
      ),
    );
  }

  /** Where a page of events starts: before a record (exactly) or before an instant. */
  #cursor(before: Date | TriggerEventRecord | undefined): { firedAt: string; rowid: number } {
    if (before === undefined) return { firedAt: "9999-12-31T23:59:59.999Z", rowid: 0 };
    if (before instanceof Date) return { firedAt: before.toISOString(), rowid: 0 };
    const row = this.store.get<{ rowid: number }>("find event", sql.selectEventRowid, [
      before.eventId,
    ]);
    return { firedAt: before.firedAt.toISOString(), rowid: row?.rowid ?? 0 };
  }

  /** @internal Every activation with its stored snapshot, for the supervisor's start. */
  loadActivations(): readonly StoredActivation[] {
    return this.store.all<ActivationRow>("load activations", sql.selectActivations).map((row) => ({
      record: toActivation(row),
      activatedAt: row.activated_at === null ? undefined : Date.parse(row.activated_at),
      snapshotJson: orUndefined(row.snapshot_json),
      machineVersion: orUndefined(row.machine_version),
    }));
  }

  /** @internal One ledger row by id. */
  loadEvent(eventId: string): TriggerEventRecord | undefined {
    const row = this.store.get<EventRow>("load event", sql.selectEvent, [eventId]);
    return row === undefined ? undefined : toEvent(row);
  }

  /**
   * @internal Applies writes in ONE transaction (the supervisor's write-ahead and group
   * commit). `guard` runs first inside the transaction (the lease's fencing check);
   * `afterWrites` runs last, before COMMIT (a fault hook for tests).
   */
  commit(
    operation: string,
    writes: readonly TriggerWrite[],
    hooks: { readonly guard?: () => void; readonly afterWrites?: () => void } = {},
  ): void {
    this.store.transaction(operation, () => {
      hooks.guard?.();
      for (const write of writes) this.#apply(write);
      hooks.afterWrites?.();
    });
  }

  /**
   * @internal Takes the supervisor lease if it is free, expired, or already ours; returns
   * the new epoch, or the current holder when another supervisor holds it.
   */
  acquireLease(
    owner: string,
    now: number,
    ttlMs: number,
  ): { readonly epoch: number } | { readonly holder: string; readonly expiresAt: number } {
    return this.store.transaction("acquire lease", () => {
      const row = this.store.get<LeaseRow>("read lease", sql.selectLease);
      const params = { owner, now: iso(now), expiresAt: iso(now + ttlMs) };
      if (row === undefined) {
        this.store.run("insert lease", sql.insertLease, params);
        return { epoch: 1 };
      }
      const expiresAt = Date.parse(row.expires_at);
      if (row.owner_id !== owner && expiresAt > now) return { holder: row.owner_id, expiresAt };
      this.store.run("take lease", sql.takeLease, params);
      return { epoch: row.epoch + 1 };
    });
  }

  /** @internal Extends our lease; throws `LeaseLost` when another supervisor holds it now. */
  renewLease(owner: string, epoch: number, now: number, ttlMs: number): void {
    this.store.transaction("renew lease", () => {
      const { changes } = this.store.run("renew lease", sql.renewLease, {
        owner,
        epoch,
        expiresAt: iso(now + ttlMs),
      });
      if (changes !== 1) this.checkLease(owner, epoch);
    });
  }

  /** @internal The fencing check, run inside each fire-path transaction. */
  checkLease(owner: string, epoch: number): void {
    const row = this.store.get<LeaseRow>("check lease", sql.selectLease);
    if (row === undefined || row.owner_id !== owner || row.epoch !== epoch) {
      throw new LeaseLost({
        ownerId: owner,
        epoch,
        holder: row?.owner_id,
        holderEpoch: row?.epoch,
      });
    }
  }

  /** @internal Lets a standby take over at once after a graceful stop. */
  releaseLease(owner: string, epoch: number, now: number): void {
    this.store.transaction("release lease", () => {
      this.store.run("release lease", sql.renewLease, { owner, epoch, expiresAt: iso(now) });
    });
  }

  /**
   * The current lease holder, if any.
   *
   * @example
   * ```ts
   * store.leaseHolder(); // { ownerId: "host-1:4242", epoch: 3, expiresAt: Date }
   * ```
   */
  leaseHolder():
    | { readonly ownerId: string; readonly epoch: number; readonly expiresAt: Date }
    | undefined {
    const row = this.store.get<LeaseRow>("read lease", sql.selectLease);
    return row === undefined
      ? undefined
      : { ownerId: row.owner_id, epoch: row.epoch, expiresAt: new Date(row.expires_at) };
  }

  /**
   * Queues a request for the running supervisor (the CLI's way to reach it): the leader
   * applies it within about a second. Returns the command's sequence number.
   *
   * @example
   * ```ts
   * const seq = store.requestCommand("orders", "fire", { id: 1 }, Date.now());
   * ```
   */
  requestCommand(
    name: string,
    kind: TriggerCommand["kind"],
    payload: Record<string, unknown> | undefined,
    at: number,
  ): number {
    const { lastInsertRowid } = this.store.transaction("request command", () =>
      this.store.run("request command", sql.insertCommand, {
        name,
        kind,
        payload: payload === undefined ? null : encodeJson(payload),
        at: iso(at),
      }),
    );
    return Number(lastInsertRowid);
  }

  /**
   * One queued command and what became of it, or `undefined`.
   *
   * @example
   * ```ts
   * store.getCommand(seq)?.state; // "pending" | "done" | "failed"
   * ```
   */
  getCommand(seq: number): TriggerCommand | undefined {
    const row = this.store.get<CommandRow>("get command", sql.selectCommand, [seq]);
    return row === undefined ? undefined : toCommand(row);
  }

  /** @internal The commands waiting for the leader, oldest first. */
  pendingCommands(): readonly TriggerCommand[] {
    return this.store.all<CommandRow>("pending commands", sql.selectPendingCommands).map(toCommand);
  }

  /** Closes the file. */
  close(): void {
    this.store.close();
  }

  #apply(write: TriggerWrite): void {
    const s = this.store;
    switch (write.kind) {
      case "upsertActivation":
        s.run("activate", sql.upsertActivation, {
          name: write.name,
          dagNsref: write.dagNsref,
          triggerType: write.triggerType,
          status: write.status,
          at: iso(write.at),
          config: JSON.stringify(write.config),
        });
        return;
      case "setStatus":
        s.run("set status", sql.setStatus, { name: write.name, status: write.status });
        return;
      case "snapshot":
        s.run("save snapshot", sql.saveSnapshot, {
          name: write.name,
          snapshot: JSON.stringify(write.snapshot),
          version: write.machineVersion,
          state: write.state,
        });
        return;
      case "journal":
        s.run("append journal", sql.appendJournal, {
          name: write.name,
          event: JSON.stringify(write.event),
          stateAfter: write.stateAfter,
          at: iso(write.at),
        });
        return;
      case "insertEvent":
        s.run("record fire", sql.insertEvent, {
          eventId: write.eventId,
          name: write.name,
          firedAt: iso(write.firedAt),
          scheduledAt: write.scheduledAt === null ? null : iso(write.scheduledAt),
          runId: write.runId,
          payload: encodeJson(write.payload),
          status: write.status,
          error: write.error,
        });
        return;
      case "updateEvent":
        s.run("update fire", sql.updateEvent, {
          eventId: write.eventId,
          status: write.status,
          error: write.error ?? null,
          firedAt: write.firedAt === undefined ? null : iso(write.firedAt),
          finishedAt: write.finishedAt === undefined ? null : iso(write.finishedAt),
        });
        return;
      case "runEnded":
        s.run("record run end", sql.runEnded, {
          name: write.name,
          runId: write.runId,
          at: iso(write.at),
        });
        return;
      case "commandDone":
        s.run("finish command", sql.finishCommand, {
          seq: write.seq,
          state: write.state,
          at: iso(write.at),
          runId: write.runId,
          error: write.error,
        });
        return;
      case "nextRun":
        s.run("record next run", sql.setNextRun, {
          name: write.name,
          nextRunAt: write.nextRunAt === null ? null : iso(write.nextRunAt),
        });
        return;
    }
  }
}

/**
 * A request queued for the running supervisor, and its outcome.
 *
 * @example
 * ```ts
 * const command: TriggerCommand | undefined = store.getCommand(seq);
 * ```
 */
export interface TriggerCommand {
  readonly seq: number;
  readonly triggerName: string;
  readonly kind: "activate" | "deactivate" | "fire";
  readonly payload: Record<string, unknown> | undefined;
  readonly requestedAt: Date;
  readonly state: "pending" | "done" | "failed";
  readonly doneAt: Date | undefined;
  /** For a fire: the run it started. */
  readonly runId: string | undefined;
  readonly error: string | undefined;
}

function toCommand(row: CommandRow): TriggerCommand {
  return {
    seq: row.seq,
    triggerName: row.trigger_name,
    kind: row.kind as TriggerCommand["kind"],
    payload: decodeJson(row.payload_json) as Record<string, unknown> | undefined,
    requestedAt: new Date(row.requested_at),
    state: row.state as TriggerCommand["state"],
    doneAt: dateOf(row.done_at),
    runId: orUndefined(row.run_id),
    error: orUndefined(row.error),
  };
}

function toActivation(row: ActivationRow): ActivationRecord {
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
  };
}

function toEvent(row: EventRow): TriggerEventRecord {
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
  };
}
