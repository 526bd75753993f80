import type { Effect } from "effect";
import { isStoreFailure, StoreError, type StoreFailure } from "../store/errors.js";
import { isPostgresUrl } from "../store/isPostgresUrl.js";
import { PgStore, type PgStoreOptions } from "../store/PgStore.js";
import { SqliteStore, type SqliteStoreOptions } from "../store/SqliteStore.js";
import { storePromise } from "../store/storePromise.js";
import type { BackfillRecord } from "./backfillRecords.js";
import type { DefinitionChange, DefinitionWrite, StoredDefinition } from "./definitionSql.js";
import { PgTriggerBackend } from "./PgTriggerBackend.js";
import type {
  ActivationRecord,
  EventsQuery,
  JournalEntry,
  StoredActivation,
  TriggerCommand,
  TriggerEventRecord,
} from "./records.js";
import { SqliteTriggerBackend } from "./SqliteTriggerBackend.js";
import type { DatabaseLease, TriggerBackend, TriggerLease } from "./TriggerBackend.js";
import type { TriggerWrite } from "./TriggerWrite.js";

export type { BackfillRecord, BackfillStatus } from "./backfillRecords.js";
export type {
  ActivationRecord,
  EventStatus,
  EventsQuery,
  JournalEntry,
  StatusNote,
  StoredActivation,
  TriggerCommand,
  TriggerEventRecord,
} from "./records.js";

/** Options of `new TriggerStore(...)`: SQLite's for a path, PostgreSQL's for a URL. */
export type TriggerStoreOptions = SqliteStoreOptions & PgStoreOptions;

/**
 * The trigger database: activation records, the fire ledger (`trigger_events`, one
 * row per tick by a unique key), machine snapshots, the journal, leases and queued
 * commands. A path opens (creating if needed) a SQLite file, the default; a
 * `postgres://` URL uses PostgreSQL, where several supervisors can share the triggers.
 * May share its database with `DagProvenance`.
 *
 * @example
 * ```ts
 * const store = new TriggerStore("./data/triggers.db");
 * const shared = new TriggerStore("postgres://app@db.internal:5432/scheduler");
 * const events = await store.getEvents("hourly_market", { limit: 10 });
 * ```
 */
export class TriggerStore {
  /** The storage underneath (SQLite or PostgreSQL). */
  readonly backend: TriggerBackend;

  constructor(
    target: string | SqliteStore | PgStore | TriggerBackend,
    options: TriggerStoreOptions = {},
  ) {
    this.backend =
      typeof target === "string"
        ? isPostgresUrl(target)
          ? new PgTriggerBackend(PgStore.connect(target, options))
          : new SqliteTriggerBackend(SqliteStore.open(target, options))
        : target instanceof SqliteStore
          ? new SqliteTriggerBackend(target)
          : target instanceof PgStore
            ? new PgTriggerBackend(target)
            : target;
  }

  /**
   * The SQLite store underneath (to share one file with `DagProvenance`). Throws for a
   * PostgreSQL store: use {@link TriggerStore.pg}.
   */
  get store(): SqliteStore {
    if (this.backend instanceof SqliteTriggerBackend) return this.backend.store;
    throw new Error(
      `tickflow: this TriggerStore is on PostgreSQL (${this.location}); it has no SQLite store — use .pg`,
    );
  }

  /** The PostgreSQL store underneath, or `undefined` on SQLite. */
  get pg(): PgStore | undefined {
    return this.backend instanceof PgTriggerBackend ? this.backend.store : undefined;
  }

  /** `sqlite` or `postgres`. */
  get kind(): "sqlite" | "postgres" {
    return this.backend.kind;
  }

  /** The file path, or the URL with its password hidden. */
  get location(): string {
    return this.backend.location;
  }

  /**
   * Connects and brings the schema up to date (PostgreSQL; at once for SQLite). Rejects
   * with `DatabaseUnreachable` (host and reason, never the password) or `SchemaTooNew`.
   *
   * @example
   * ```ts
   * await new TriggerStore(process.env.DATABASE_URL ?? "./data/triggers.db").ready();
   * ```
   */
  ready(): Promise<void> {
    return this.backend.ready();
  }

  #effect<A>(operation: string, f: () => Promise<A>): Effect.Effect<A, StoreFailure> {
    return storePromise(this.location, operation, f);
  }

  #promise<A>(operation: string, f: () => Promise<A>): Promise<A> {
    return f().catch((cause: unknown) => {
      throw isStoreFailure(cause)
        ? cause
        : new StoreError({ operation, path: this.location, cause });
    });
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
    return this.#promise("get activation", () => this.backend.getActivation(name));
  }

  /** The Effect form of `getActivation`. */
  getActivationEffect(name: string): Effect.Effect<ActivationRecord | undefined, StoreFailure> {
    return this.#effect("get activation", () => this.backend.getActivation(name));
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
    return this.#promise("list activations", () => this.backend.listActivations());
  }

  /** The Effect form of `listActivations`. */
  listActivationsEffect(): Effect.Effect<readonly ActivationRecord[], StoreFailure> {
    return this.#effect("list activations", () => this.backend.listActivations());
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
    return this.#promise("get events", () => this.backend.getEvents(name, query));
  }

  /** The Effect form of `getEvents`. */
  getEventsEffect(
    name: string,
    query: EventsQuery = {},
  ): Effect.Effect<readonly TriggerEventRecord[], StoreFailure> {
    return this.#effect("get events", () => this.backend.getEvents(name, query));
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
    return this.#promise("get journal", () => this.backend.getJournal(name, range));
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
    return this.#promise("count events", () => this.backend.countEvents(name));
  }

  /** @internal {@link countEvents} of every trigger with ledger rows, in one query. */
  countAllEvents(): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>> {
    return this.#promise("count events", () => this.backend.countAllEvents());
  }

  /** @internal Activations with their stored snapshots (all, or only `names`). */
  loadActivations(names?: readonly string[]): Promise<readonly StoredActivation[]> {
    return this.#promise("load activations", () => this.backend.loadActivations(names));
  }

  /** @internal Every activation, handed to `visit` one at a time (see the backend). */
  eachActivation(visit: (stored: StoredActivation) => void): Promise<void> {
    return this.#promise("load activations", () => this.backend.eachActivation(visit));
  }

  /** @internal One ledger row by id. */
  loadEvent(eventId: string): Promise<TriggerEventRecord | undefined> {
    return this.#promise("load event", () => this.backend.loadEvent(eventId));
  }

  /** @internal The ledger row of a trigger's fire with `key`, if any. */
  loadEventByKey(name: string, key: string): Promise<TriggerEventRecord | undefined> {
    return this.#promise("load event", () => this.backend.loadEventByKey(name, key));
  }

  /**
   * Backfills (`manager.backfill`), newest first: all of them, or those of `name`.
   *
   * @example
   * ```ts
   * for (const b of await store.listBackfills("hourly")) console.log(b.id, b.status, b.fired);
   * ```
   */
  listBackfills(name?: string): Promise<readonly BackfillRecord[]> {
    return this.#promise("list backfills", () => this.backend.listBackfills(name));
  }

  /** One backfill by id, or `undefined`. */
  getBackfill(id: string): Promise<BackfillRecord | undefined> {
    return this.#promise("get backfill", () => this.backend.getBackfill(id));
  }

  /** @internal Whether the ledger holds any row of `name` at the scheduled instant `at`. */
  hasEventAt(name: string, at: number): Promise<boolean> {
    return this.#promise("find tick", () => this.backend.hasEventAt(name, at));
  }

  /**
   * @internal Applies writes in ONE transaction (the supervisor's write-ahead and group
   * commit), unfenced; the supervisor goes through `backend.commit` with its fence.
   */
  commit(operation: string, writes: readonly TriggerWrite[]): Promise<void> {
    return this.backend.commit(operation, writes, {});
  }

  /**
   * The whole-database lease holder, if any (one supervisor fires everything).
   *
   * @example
   * ```ts
   * await store.leaseHolder(); // { ownerId: "host-1:4242", epoch: 3, expiresAt: Date }
   * ```
   */
  leaseHolder(): Promise<DatabaseLease | undefined> {
    return this.#promise("read lease", () => this.backend.leaseHolder());
  }

  /**
   * Who owns each trigger when several supervisors share them (per-trigger leases).
   *
   * @example
   * ```ts
   * for (const l of await store.triggerLeases()) console.log(l.triggerName, l.ownerId);
   * ```
   */
  triggerLeases(): Promise<readonly TriggerLease[]> {
    return this.#promise("read trigger leases", () => this.backend.triggerLeases());
  }

  /**
   * Queues a request for the running supervisor(s) (the CLI's way to reach them): the
   * owner of the trigger applies it within about a second. Resolves to its sequence
   * number.
   *
   * @example
   * ```ts
   * const seq = await store.requestCommand("orders", "fire", { id: 1 }, Date.now());
   * ```
   */
  requestCommand(
    name: string,
    kind: TriggerCommand["kind"],
    payload: Record<string, unknown> | undefined,
    at: number,
    key?: string,
  ): Promise<number> {
    return this.#promise("request command", () =>
      this.backend.requestCommand(name, kind, payload, at, key),
    );
  }

  /**
   * One queued command and what became of it, or `undefined`.
   *
   * @example
   * ```ts
   * (await store.getCommand(seq))?.state; // "pending" | "done" | "failed"
   * ```
   */
  getCommand(seq: number): Promise<TriggerCommand | undefined> {
    return this.#promise("get command", () => this.backend.getCommand(seq));
  }

  /**
   * Withdraws a queued command nobody applied yet (recorded `expired` with `reason`) and
   * resolves to what became of it: `expired` if withdrawn, or what the supervisor made of
   * it if one took it first (the update only touches a pending row). A caller that gave
   * up prints the returned state, so a command applied later never contradicts it.
   *
   * @example
   * ```ts
   * const row = await store.withdrawCommand(seq, "withdrawn: no answer in 15 s", Date.now());
   * ```
   */
  async withdrawCommand(
    seq: number,
    reason: string,
    at: number,
  ): Promise<TriggerCommand | undefined> {
    await this.#promise("withdraw command", () =>
      this.backend.commit(
        "withdraw command",
        [{ kind: "commandDone", seq, state: "expired", runId: null, error: reason, at }],
        {},
      ),
    );
    return this.getCommand(seq);
  }

  /** @internal The commands waiting for a supervisor, oldest first. */
  pendingCommands(names?: readonly string[]): Promise<readonly TriggerCommand[]> {
    return this.#promise("pending commands", () => this.backend.pendingCommands(names));
  }

  /**
   * Triggers as data: the definitions changed after `version` (removed ones too, with
   * `removedAt`), in version order; `0` reads them all.
   *
   * @example
   * ```ts
   * const all = await store.definitionsSince(0);
   * ```
   */
  definitionsSince(version: number): Promise<readonly StoredDefinition[]> {
    return this.#promise("read definitions", () => this.backend.definitionsSince(version));
  }

  /**
   * Every change of a data trigger's definition (its journal), oldest first.
   *
   * @example
   * ```ts
   * (await store.definitionJournal("customer_42")).map((c) => c.action); // ["upsert", "remove"]
   * ```
   */
  definitionJournal(name: string): Promise<readonly DefinitionChange[]> {
    return this.#promise("read definition journal", () => this.backend.definitionJournal(name));
  }

  /** @internal Journals and writes one change of a data trigger (see `TriggerManager.upsertTrigger`). */
  writeDefinition(change: DefinitionWrite): Promise<number> {
    return this.#promise("write trigger definition", () => this.backend.writeDefinition(change));
  }

  /** Closes the file or the connection pool. */
  close(): Promise<void> {
    return this.backend.close();
  }
}
