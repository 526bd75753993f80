import type { PgQueryable } from "../store/PgStore.js";
import type { BackfillRecord } from "./backfillRecords.js";
import type { DefinitionChange, DefinitionWrite, StoredDefinition } from "./definitionSql.js";
import type { JournalCheckpoint } from "./JournalCheckpoint.js";
import type {
  ActivationRecord,
  EventsQuery,
  JournalEntry,
  StoredActivation,
  TriggerCommand,
  TriggerEventRecord,
} from "./records.js";
import type { TriggerWrite } from "./TriggerWrite.js";

/**
 * What a fire-path commit must find in the database before its writes count (fencing):
 * either the whole database's supervisor lease (one supervisor fires everything), or
 * the lease row of every trigger the commit writes (several supervisors share the
 * triggers). A commit whose fence does not hold is refused as a whole with `LeaseLost`.
 *
 * @example
 * ```ts
 * const fence: Fence = { kind: "triggers", owner: "host-1:42", epochs: new Map([["orders", 3]]) };
 * ```
 */
export type Fence =
  | { readonly kind: "database"; readonly owner: string; readonly epoch: number }
  | {
      readonly kind: "triggers";
      readonly owner: string;
      /** The epoch held for each trigger written; every one must still be ours. */
      readonly epochs: ReadonlyMap<string, number>;
    };

/**
 * What a fence asserts, one key per lease (the database's, or each trigger's): a fence
 * whose keys were all found holding in a transaction holds in it.
 *
 * @example
 * ```ts
 * fenceKeys({ kind: "database", owner: "host-1:42", epoch: 3 }); // one key
 * ```
 */
export function fenceKeys(fence: Fence): string[] {
  if (fence.kind === "database") return [`database\u0000${fence.owner}\u0000${fence.epoch}`];
  return [...fence.epochs].map(
    ([trigger, epoch]) => `trigger\u0000${fence.owner}\u0000${epoch}\u0000${trigger}`,
  );
}

/**
 * What a `TriggerBackend.commit` does besides its writes, inside its transaction.
 *
 * @example
 * ```ts
 * const hooks: CommitHooks = { fence, alongside: { sqlite: () => applyHistory(store) } };
 * ```
 */
export interface CommitHooks {
  readonly fence?: Fence;
  /**
   * Writes of another store on this same connection, after the trigger writes: SQLite
   * calls `sqlite()` (synchronous SQL on the same file), PostgreSQL `pg(tx)` on the same
   * transaction. A backend given only the other kind's refuses the commit.
   */
  readonly alongside?: {
    readonly sqlite?: () => void;
    readonly pg?: (tx: PgQueryable) => Promise<void>;
  };
  readonly afterWrites?: () => void;
}

/**
 * One trigger's lease as stored: who owns the trigger, under which fencing epoch, and
 * until when (the owner's heartbeat moves `expiresAt` forward).
 *
 * @example
 * ```ts
 * for (const l of await store.triggerLeases()) console.log(l.triggerName, l.ownerId, l.epoch);
 * ```
 */
export interface TriggerLease {
  readonly triggerName: string;
  readonly ownerId: string;
  readonly epoch: number;
  readonly expiresAt: Date;
}

/** A trigger lease just taken or kept: the trigger and the epoch now held. */
export interface HeldLease {
  readonly triggerName: string;
  readonly epoch: number;
}

/** The whole-database lease as stored. */
export interface DatabaseLease {
  readonly ownerId: string;
  readonly epoch: number;
  readonly expiresAt: Date;
}

/**
 * The storage a `TriggerStore` stands on: SQLite (the default) or PostgreSQL. Both hold
 * the same tables (numbered migrations, translated) and pass the same contract suite
 * (test/trigger/triggerBackendContract.test.ts). Every method is asynchronous because
 * PostgreSQL is; the SQLite form does its work synchronously and returns a settled
 * promise, except while another process holds the lock (it then waits asynchronously,
 * in call order). Failures are the store's typed errors (`StoreFailure`), `LeaseLost` for a
 * refused fence.
 *
 * Invariants each implementation keeps:
 * - `commit` applies all writes in ONE transaction, checking the fence first, inside it;
 *   the lease rows it checks cannot change hands before it commits (SQLite: one writer;
 *   PostgreSQL: the rows are read `FOR SHARE`).
 * - A trigger lease changes owner only when expired, and every change of owner bumps its
 *   epoch; `claimTriggers` never hands one trigger to two callers.
 * - `trigger_events` refuses a second row for the same (trigger, scheduled instant).
 */
export interface TriggerBackend {
  readonly kind: "sqlite" | "postgres";
  /** The file path, or the URL with its password hidden: for messages. */
  readonly location: string;
  /** Connects and migrates (PostgreSQL); resolves at once for SQLite. */
  ready(): Promise<void>;

  getActivation(name: string): Promise<ActivationRecord | undefined>;
  listActivations(): Promise<readonly ActivationRecord[]>;
  getEvents(name: string, query: EventsQuery): Promise<readonly TriggerEventRecord[]>;
  getJournal(
    name: string,
    range: { readonly afterSeq?: number; readonly untilSeq?: number },
  ): Promise<readonly JournalEntry[]>;
  countEvents(name: string): Promise<Readonly<Record<string, number>>>;
  /** `countEvents` of every trigger with ledger rows, in one query. */
  countAllEvents(): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>>;
  /** Activations with their snapshots: all of them, or only `names`. */
  loadActivations(names?: readonly string[]): Promise<readonly StoredActivation[]>;
  /**
   * Every activation with its snapshot, handed to `visit` one at a time, in name order
   * and all in one synchronous step (no other work of this process runs in between): a
   * start restores 10,000 triggers without holding all their rows at once.
   */
  eachActivation(visit: (stored: StoredActivation) => void): Promise<void>;
  loadEvent(eventId: string): Promise<TriggerEventRecord | undefined>;
  /** The ledger row of a trigger's fire with `key` (an idempotent push), if any. */
  loadEventByKey(name: string, key: string): Promise<TriggerEventRecord | undefined>;
  /** Whether the ledger holds any row of `name` at the scheduled instant `at` (ms). */
  hasEventAt(name: string, at: number): Promise<boolean>;
  /** Backfills, newest first: all of them, or those of `name`. */
  listBackfills(name?: string): Promise<readonly BackfillRecord[]>;
  getBackfill(id: string): Promise<BackfillRecord | undefined>;

  /**
   * Applies `writes` in one transaction after checking `fence` inside it, then the
   * `alongside` writes of another store on this same connection (the run history's: a
   * run's start in its fire's write-ahead commit); `afterWrites` runs last before COMMIT
   * (a fault hook for tests).
   */
  commit(operation: string, writes: readonly TriggerWrite[], hooks: CommitHooks): Promise<void>;

  /**
   * The fencing check alone, for writes that are not the trigger store's (a run's
   * history): on `tx` when the caller's transaction is on this same database (atomic
   * with its write), else on its own connection. Rejects with `LeaseLost`.
   */
  checkFence(fence: Fence, tx?: PgQueryable): Promise<void>;
  /** SQLite only: the same check, synchronously (inside another SQLite transaction). */
  readonly checkFenceSync?: (fence: Fence) => void;

  /**
   * Retention: the ids of up to `limit` ledger rows of `name` fired before `before`
   * that may be pruned (never a run in flight, a buffered tick, or the newest row),
   * oldest first. They are deleted with `deleteEvent` writes through `commit`.
   */
  prunableEvents(name: string, before: number, limit: number): Promise<readonly string[]>;
  /** Retention: up to `limit` journal entries before `before`, oldest first, never the newest. */
  prunableJournal(name: string, before: number, limit: number): Promise<readonly JournalEntry[]>;
  /** How many rows `prunableEvents` / `prunableJournal` would give without a limit. */
  countPrunable(
    name: string,
    before: { readonly events?: number; readonly journal?: number },
  ): Promise<{ readonly events: number; readonly journal: number }>;
  /** Where `name`'s journal was compacted, if it was. */
  getCheckpoint(name: string): Promise<JournalCheckpoint | undefined>;

  /** Takes the database lease if free, expired or ours: the new epoch, or the holder. */
  acquireLease(
    owner: string,
    now: number,
    ttlMs: number,
  ): Promise<{ readonly epoch: number } | { readonly holder: string; readonly expiresAt: number }>;
  /** Extends the database lease; rejects with `LeaseLost` when another holds it. */
  renewLease(owner: string, epoch: number, now: number, ttlMs: number): Promise<void>;
  releaseLease(owner: string, epoch: number, now: number): Promise<void>;
  leaseHolder(): Promise<DatabaseLease | undefined>;

  /**
   * Records `owner` as a live supervisor until `now + ttlMs` and returns how many are
   * live and how many triggers there are to share.
   */
  heartbeat(
    owner: string,
    now: number,
    ttlMs: number,
  ): Promise<{ readonly supervisors: number; readonly triggers: number }>;
  /** Extends every trigger lease `owner` holds; returns the ones still held. */
  renewTriggerLeases(owner: string, now: number, ttlMs: number): Promise<readonly HeldLease[]>;
  /**
   * Takes up to `max` triggers whose lease is free or expired (never one another caller
   * is taking at the same time). Without `only`, the candidates are the activated
   * triggers; with `only`, exactly those names, activated or not yet (a supervisor takes
   * a new trigger's lease before writing its first row). Returns what was taken.
   */
  claimTriggers(
    owner: string,
    now: number,
    ttlMs: number,
    max: number,
    only?: readonly string[],
  ): Promise<readonly HeldLease[]>;
  /** Gives up `names` (if still ours) so others may take them at once. */
  releaseTriggerLeases(owner: string, names: readonly string[], now: number): Promise<void>;
  /** Removes `owner` from the live supervisors (a graceful stop). */
  leaveSupervisors(owner: string): Promise<void>;
  triggerLeases(): Promise<readonly TriggerLease[]>;

  requestCommand(
    name: string,
    kind: TriggerCommand["kind"],
    payload: Record<string, unknown> | undefined,
    at: number,
    key?: string,
  ): Promise<number>;
  getCommand(seq: number): Promise<TriggerCommand | undefined>;
  /** Pending commands, oldest first; only for `names` when given. */
  pendingCommands(names?: readonly string[]): Promise<readonly TriggerCommand[]>;

  /**
   * Triggers as data: journals one change of a definition and writes it (`json` `null`
   * removes it), in one transaction; resolves to its version.
   */
  writeDefinition(change: DefinitionWrite): Promise<number>;
  /** Definitions changed after `version` (removed ones too), in version order. */
  definitionsSince(version: number): Promise<readonly StoredDefinition[]>;
  /** Every change of one definition, oldest first. */
  definitionJournal(name: string): Promise<readonly DefinitionChange[]>;

  close(): Promise<void>;
}
