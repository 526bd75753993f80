import { isoTime } from "../store/isoTime.js";
import { encodeJson } from "../store/jsonValue.js";
import { LockRetryQueue } from "../store/LockRetryQueue.js";
import type { SqliteStore } from "../store/SqliteStore.js";
import { applySqliteWrite } from "./applySqliteWrite.js";
import { type BackfillRow, toBackfill } from "./backfillRecords.js";
import { backfillSql } from "./backfillSql.js";
import {
  type DefinitionChange,
  type DefinitionChangeRow,
  type DefinitionRow,
  type DefinitionWrite,
  definitionSql,
  type StoredDefinition,
  toDefinitionChange,
  toStoredDefinition,
} from "./definitionSql.js";
import { type JournalCheckpoint, toCheckpoint } from "./JournalCheckpoint.js";
import { LeaseLost } from "./LeaseLost.js";
import { thisProcess } from "./ProcessIdentity.js";
import {
  countsByTrigger,
  type EventsQuery,
  type JournalEntry,
  type StoredActivation,
  type TriggerCommand,
  type TriggerEventRecord,
  toActivation,
  toCommand,
  toEvent,
  toJournal,
  toStoredActivation,
} from "./records.js";
import { type CheckpointRow, retentionSql } from "./retentionSql.js";
import {
  type CommitHooks,
  type DatabaseLease,
  type Fence,
  fenceKeys,
  type HeldLease,
  type TriggerBackend,
  type TriggerLease,
} from "./TriggerBackend.js";
import type { TriggerWrite } from "./TriggerWrite.js";
import {
  type ActivationRow,
  type CommandRow,
  type EventRow,
  type HostSupervisorRow,
  type JournalRow,
  type LeaseRow,
  leaseHolderGone,
  triggerSql as sql,
  supervisorGone,
  type TriggerLeaseRow,
} from "./triggerSql.js";

const iso = isoTime;
const retention = retentionSql.sqlite;
const defs = definitionSql.sqlite;

/** Activation rows per read of `eachActivation`. */
const ACTIVATION_PAGE = 250;

/**
 * The SQLite form of {@link TriggerBackend}: synchronous better-sqlite3 underneath (one
 * writer at a time, so every transaction is serial), wrapped in promises that are
 * settled at once unless another process holds the lock (then they settle, in call
 * order, once it is gone or the busy timeout has passed — without blocking the loop).
 *
 * @example
 * ```ts
 * const backend = new SqliteTriggerBackend(SqliteStore.open("./data/triggers.db"));
 * await backend.listActivations();
 * ```
 */
export class SqliteTriggerBackend implements TriggerBackend {
  readonly kind = "sqlite" as const;

  /**
   * Every call goes through one queue that waits out another process's lock
   * asynchronously (a few ms inside SQLite per try, then a pause that lets timers,
   * nodes and heartbeats run), in call order, up to the store's `busyTimeoutMs`.
   */
  readonly #queue: LockRetryQueue;
  /** The fences found holding in transaction `tx` (see `#check`), as `fenceKeys` gives them. */
  #held: { readonly tx: number; readonly keys: Set<string> } | undefined;

  constructor(readonly store: SqliteStore) {
    this.#queue = new LockRetryQueue(store);
  }

  get location(): string {
    return this.store.path;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Runs `f` now (or, while a lock is being waited out, after the calls before it); its
   * throw becomes the promise's rejection.
   */
  #now<T>(f: () => T): Promise<T> {
    return this.#queue.run(f);
  }

  getActivation(name: string) {
    return this.#now(() => {
      const row = this.store.get<ActivationRow>("get activation", sql.selectActivation, [name]);
      return row === undefined ? undefined : toActivation(row);
    });
  }

  listActivations() {
    return this.#now(() =>
      this.store.all<ActivationRow>("list activations", sql.selectActivations).map(toActivation),
    );
  }

  getEvents(name: string, query: EventsQuery): Promise<readonly TriggerEventRecord[]> {
    return this.#now(() =>
      this.store
        .all<EventRow>("get events", sql.selectEvents, {
          name,
          limit: query.limit ?? 100,
          ...this.#cursor(query.before),
        })
        .map(toEvent),
    );
  }

  /** Where a page of events starts: before a record (exactly) or before an instant. */
  #cursor(before: EventsQuery["before"]): { firedAt: string; rowid: number } {
    if (before === undefined) return { firedAt: "9999-12-31T23:59:59.999Z", rowid: 0 };
    if (before instanceof Date) return { firedAt: before.toISOString(), rowid: 0 };
    const row = this.store.get<{ rowid: number }>("find event", sql.selectEventRowid, [
      before.eventId,
    ]);
    return { firedAt: before.firedAt.toISOString(), rowid: row?.rowid ?? 0 };
  }

  getJournal(
    name: string,
    range: { readonly afterSeq?: number; readonly untilSeq?: number },
  ): Promise<readonly JournalEntry[]> {
    return this.#now(() =>
      this.store
        .all<JournalRow>("get journal", sql.selectJournal, [
          name,
          range.afterSeq ?? 0,
          range.untilSeq ?? Number.MAX_SAFE_INTEGER,
        ])
        .map(toJournal),
    );
  }

  countEvents(name: string) {
    return this.#now(() =>
      Object.fromEntries(
        this.store
          .all<{ status: string; n: number }>("count events", sql.countEventsByStatus, [name])
          .map((row) => [row.status, row.n]),
      ),
    );
  }

  countAllEvents() {
    return this.#now(() =>
      countsByTrigger(
        this.store.all<{ trigger_name: string; status: string; n: number }>(
          "count events",
          sql.countAllEventsByStatus,
        ),
      ),
    );
  }

  loadActivations(names?: readonly string[]): Promise<readonly StoredActivation[]> {
    return this.#now(() => {
      const rows = this.store.all<ActivationRow>("load activations", sql.selectActivations);
      const wanted = names === undefined ? undefined : new Set(names);
      return rows
        .filter((row) => wanted === undefined || wanted.has(row.name))
        .map(toStoredActivation);
    });
  }

  /**
   * Read a page at a time (`ACTIVATION_PAGE` rows, keyed on the name), the pages back to
   * back in one queued step: a page's rows are garbage before the next is read, where all
   * 10,000 rows at once outlived several collections (~14 MB promoted at a start).
   */
  eachActivation(visit: (stored: StoredActivation) => void): Promise<void> {
    return this.#now(() => {
      let after = "";
      for (;;) {
        const rows = this.store.all<ActivationRow>("load activations", sql.selectActivationPage, [
          after,
          ACTIVATION_PAGE,
        ]);
        for (const row of rows) visit(toStoredActivation(row));
        const last = rows[rows.length - 1];
        if (last === undefined || rows.length < ACTIVATION_PAGE) return;
        after = last.name;
      }
    });
  }

  loadEvent(eventId: string) {
    return this.#now(() => {
      const row = this.store.get<EventRow>("load event", sql.selectEvent, [eventId]);
      return row === undefined ? undefined : toEvent(row);
    });
  }

  loadEventByKey(name: string, key: string) {
    return this.#now(() => {
      const row = this.store.get<EventRow>("load event", sql.selectEventByKey, [name, key]);
      return row === undefined ? undefined : toEvent(row);
    });
  }

  hasEventAt(name: string, at: number): Promise<boolean> {
    return this.#now(
      () =>
        this.store.get<{ found: number }>("find tick", backfillSql.sqlite.eventAt, [
          name,
          iso(at),
        ]) !== undefined,
    );
  }

  listBackfills(name?: string) {
    return this.#now(() =>
      // A database opened read-only before migration 12 has no backfills (nor their table).
      this.store.schemaVersion < 12
        ? []
        : (name === undefined
            ? this.store.all<BackfillRow>("list backfills", backfillSql.sqlite.selectAll)
            : this.store.all<BackfillRow>("list backfills", backfillSql.sqlite.selectOf, [name])
          ).map(toBackfill),
    );
  }

  getBackfill(id: string) {
    return this.#now(() => {
      if (this.store.schemaVersion < 12) return undefined;
      const row = this.store.get<BackfillRow>("get backfill", backfillSql.sqlite.select, [id]);
      return row === undefined ? undefined : toBackfill(row);
    });
  }

  prunableEvents(name: string, before: number, limit: number): Promise<readonly string[]> {
    return this.#now(() =>
      this.store
        .all<{ event_id: string }>("find prunable events", retention.prunableEvents, {
          name,
          before: iso(before),
          limit,
        })
        .map((row) => row.event_id),
    );
  }

  prunableJournal(name: string, before: number, limit: number): Promise<readonly JournalEntry[]> {
    return this.#now(() =>
      this.store
        .all<JournalRow>("find prunable journal", retention.prunableJournal, {
          name,
          before: iso(before),
          limit,
        })
        .map(toJournal),
    );
  }

  countPrunable(name: string, before: { readonly events?: number; readonly journal?: number }) {
    return this.#now(() => {
      const count = (query: string, at: number | undefined) =>
        at === undefined
          ? 0
          : (this.store.get<{ n: number }>("count prunable", query, { name, before: iso(at) })?.n ??
            0);
      return {
        events: count(retention.countPrunableEvents, before.events),
        journal: count(retention.countPrunableJournal, before.journal),
      };
    });
  }

  getCheckpoint(name: string): Promise<JournalCheckpoint | undefined> {
    return this.#now(() => {
      const row = this.store.get<CheckpointRow>("get checkpoint", retention.selectCheckpoint, [
        name,
      ]);
      return row === undefined ? undefined : toCheckpoint(row);
    });
  }

  commit(operation: string, writes: readonly TriggerWrite[], hooks: CommitHooks): Promise<void> {
    const alongside = hooks.alongside;
    if (alongside !== undefined && alongside.sqlite === undefined) {
      return Promise.reject(new Error("a SQLite commit was given writes for PostgreSQL only"));
    }
    return this.#now(() =>
      this.store.transaction(operation, () => {
        if (hooks.fence !== undefined) this.#check(hooks.fence);
        for (const write of writes) applySqliteWrite(this.store, write);
        alongside?.sqlite?.();
        hooks.afterWrites?.();
      }),
    );
  }

  checkFence(fence: Fence): Promise<void> {
    return this.#now(() => this.#check(fence));
  }

  readonly checkFenceSync = (fence: Fence): void => this.#check(fence);

  /**
   * The fencing check, inside the commit's transaction (SQLite has one writer). A fence
   * found holding is not read again in the same transaction: no other connection writes
   * until it ends, and this one's lease writes forget what was found (`#held`). A group
   * transaction of many runs' history writes, each fenced, reads the lease once.
   */
  #check(fence: Fence): void {
    const tx = this.store.transactionId;
    const held = tx !== undefined && this.#held?.tx === tx ? this.#held.keys : undefined;
    const keys = fenceKeys(fence);
    if (held !== undefined && keys.every((key) => held.has(key))) return;
    this.#checkNow(fence);
    if (tx === undefined) return;
    if (held === undefined) this.#held = { tx, keys: new Set(keys) };
    else for (const key of keys) held.add(key);
  }

  #checkNow(fence: Fence): void {
    if (fence.kind === "database") {
      const row = this.store.get<LeaseRow>("check lease", sql.selectLease);
      if (row === undefined || row.owner_id !== fence.owner || row.epoch !== fence.epoch) {
        throw new LeaseLost({
          ownerId: fence.owner,
          epoch: fence.epoch,
          holder: row?.owner_id,
          holderEpoch: row?.epoch,
        });
      }
      return;
    }
    if (fence.epochs.size === 0) return;
    const rows = this.store.all<TriggerLeaseRow>("check trigger leases", sql.selectFenceRows, [
      JSON.stringify([...fence.epochs.keys()]),
    ]);
    const byName = new Map(rows.map((row) => [row.trigger_name, row]));
    for (const [trigger, epoch] of fence.epochs) {
      const row = byName.get(trigger);
      if (row === undefined || row.owner_id !== fence.owner || row.epoch !== epoch) {
        throw new LeaseLost({
          ownerId: fence.owner,
          epoch,
          holder: row?.owner_id,
          holderEpoch: row?.epoch,
          trigger,
        });
      }
    }
  }

  acquireLease(owner: string, now: number, ttlMs: number) {
    return this.#now(() =>
      this.store.transaction(
        "acquire lease",
        ():
          | { readonly epoch: number }
          | { readonly holder: string; readonly expiresAt: number } => {
          this.#held = undefined;
          const row = this.store.get<LeaseRow>("read lease", sql.selectLease);
          const params = holderParams(owner, now, ttlMs);
          if (row === undefined) {
            this.store.run("insert lease", sql.insertLease, params);
            return { epoch: 1 };
          }
          const expiresAt = Date.parse(row.expires_at);
          // A holder on this host whose process is gone (killed, crashed) is taken over
          // at once, with a new epoch that fences anything it might still write.
          if (row.owner_id !== owner && expiresAt > now && !leaseHolderGone(row)) {
            return { holder: row.owner_id, expiresAt };
          }
          this.store.run("take lease", sql.takeLease, params);
          return { epoch: row.epoch + 1 };
        },
      ),
    );
  }

  renewLease(owner: string, epoch: number, now: number, ttlMs: number): Promise<void> {
    return this.#now(() =>
      this.store.transaction("renew lease", () => {
        this.#held = undefined;
        const { changes } = this.store.run("renew lease", sql.renewLease, {
          owner,
          epoch,
          expiresAt: iso(now + ttlMs),
        });
        if (changes !== 1) this.#check({ kind: "database", owner, epoch });
      }),
    );
  }

  releaseLease(owner: string, epoch: number, now: number): Promise<void> {
    return this.#now(() =>
      this.store.transaction("release lease", () => {
        this.#held = undefined;
        this.store.run("release lease", sql.renewLease, { owner, epoch, expiresAt: iso(now) });
      }),
    );
  }

  leaseHolder(): Promise<DatabaseLease | undefined> {
    return this.#now(() => {
      const row = this.store.get<LeaseRow>("read lease", sql.selectLease);
      return row === undefined
        ? undefined
        : { ownerId: row.owner_id, epoch: row.epoch, expiresAt: new Date(row.expires_at) };
    });
  }

  heartbeat(owner: string, now: number, ttlMs: number) {
    return this.#now(() =>
      this.store.transaction("supervisor heartbeat", () => {
        this.#held = undefined;
        const params = holderParams(owner, now, ttlMs);
        this.store.run("record supervisor", sql.upsertSupervisor, params);
        const local = this.store.all<HostSupervisorRow>(
          "read host supervisors",
          sql.selectHostSupervisors,
          { host: params.host, owner, now: params.now },
        );
        for (const gone of local.filter(supervisorGone)) {
          const params = { owner: gone.owner_id, now: iso(now) };
          this.store.run("expire gone supervisor", sql.expireSupervisor, params);
          this.store.run("expire gone supervisor's leases", sql.expireTriggerLeasesOf, params);
        }
        // Rows of supervisors dead for a long while are only noise.
        this.store.run("forget dead supervisors", sql.deleteDeadSupervisors, {
          before: iso(now - 10 * ttlMs),
        });
        const supervisors =
          this.store.get<{ n: number }>("count supervisors", sql.countLiveSupervisors, {
            now: iso(now),
          })?.n ?? 1;
        const triggers =
          this.store.get<{ n: number }>("count triggers", sql.countActivations)?.n ?? 0;
        return { supervisors, triggers };
      }),
    );
  }

  renewTriggerLeases(owner: string, now: number, ttlMs: number): Promise<readonly HeldLease[]> {
    return this.#now(() =>
      this.store.transaction("renew trigger leases", () => {
        this.#held = undefined;
        this.store.run("renew trigger leases", sql.renewTriggerLeases, {
          owner,
          expiresAt: iso(now + ttlMs),
        });
        return this.store
          .all<{ trigger_name: string; epoch: number }>("owned leases", sql.selectOwnedLeases, [
            owner,
          ])
          .map((row) => ({ triggerName: row.trigger_name, epoch: row.epoch }));
      }),
    );
  }

  claimTriggers(
    owner: string,
    now: number,
    ttlMs: number,
    max: number,
    only?: readonly string[],
  ): Promise<readonly HeldLease[]> {
    return this.#now(() =>
      this.store.transaction("claim triggers", () => {
        this.#held = undefined;
        if (max <= 0) return [];
        // Named triggers may be claimed before their first activation (the activating
        // supervisor takes the lease first, then writes the row under it).
        const candidates = (
          only === undefined
            ? this.store.all<{ name: string }>("claimable triggers", sql.selectClaimable, {
                now: iso(now),
              })
            : only.map((name) => ({ name }))
        ).slice(0, max);
        const held: HeldLease[] = [];
        for (const { name } of candidates) {
          const row = this.store.get<{ trigger_name: string; epoch: number }>(
            "claim trigger",
            sql.claimTriggerLease,
            { name, owner, now: iso(now), expiresAt: iso(now + ttlMs) },
          );
          if (row !== undefined) held.push({ triggerName: row.trigger_name, epoch: row.epoch });
        }
        return held;
      }),
    );
  }

  releaseTriggerLeases(owner: string, names: readonly string[], now: number): Promise<void> {
    return this.#now(() =>
      this.store.transaction("release trigger leases", () => {
        this.#held = undefined;
        for (const name of names) {
          this.store.run("release trigger lease", sql.releaseTriggerLease, {
            name,
            owner,
            now: iso(now),
          });
        }
      }),
    );
  }

  leaveSupervisors(owner: string): Promise<void> {
    return this.#now(() => {
      this.store.transaction("leave supervisors", () =>
        this.store.run("delete supervisor", sql.deleteSupervisor, [owner]),
      );
    });
  }

  triggerLeases(): Promise<readonly TriggerLease[]> {
    return this.#now(() =>
      this.store.all<TriggerLeaseRow>("trigger leases", sql.selectTriggerLeases).map((row) => ({
        triggerName: row.trigger_name,
        ownerId: row.owner_id,
        epoch: row.epoch,
        expiresAt: new Date(row.expires_at),
      })),
    );
  }

  requestCommand(
    name: string,
    kind: TriggerCommand["kind"],
    payload: Record<string, unknown> | undefined,
    at: number,
    key?: string,
  ): Promise<number> {
    return this.#now(() => {
      const { lastInsertRowid } = this.store.transaction("request command", () =>
        this.store.run("request command", sql.insertCommand, {
          name,
          kind,
          payload: payload === undefined ? null : encodeJson(payload),
          at: iso(at),
          key: key ?? null,
        }),
      );
      return Number(lastInsertRowid);
    });
  }

  getCommand(seq: number) {
    return this.#now(() => {
      const row = this.store.get<CommandRow>("get command", sql.selectCommand, [seq]);
      return row === undefined ? undefined : toCommand(row);
    });
  }

  pendingCommands(names?: readonly string[]): Promise<readonly TriggerCommand[]> {
    return this.#now(() => {
      const rows =
        names === undefined
          ? this.store.all<CommandRow>("pending commands", sql.selectPendingCommands)
          : this.store.all<CommandRow>("pending commands", sql.selectPendingCommandsOf, [
              JSON.stringify(names),
            ]);
      return rows.map(toCommand);
    });
  }

  writeDefinition(change: DefinitionWrite): Promise<number> {
    return this.#now(() =>
      this.store.transaction("write trigger definition", () => {
        const row = { name: change.name, json: change.json, by: change.by, at: iso(change.at) };
        const action = change.json === null ? "remove" : "upsert";
        const { lastInsertRowid } = this.store.run("journal definition", defs.insertChange, {
          ...row,
          action,
        });
        const version = Number(lastInsertRowid);
        this.store.run("write definition", defs.upsertDefinition, {
          ...row,
          version,
          removedAt: change.json === null ? row.at : null,
        });
        return version;
      }),
    );
  }

  definitionsSince(version: number): Promise<readonly StoredDefinition[]> {
    return this.#now(() =>
      this.store
        .all<DefinitionRow>("read definitions", defs.selectSince, [version])
        .map(toStoredDefinition),
    );
  }

  definitionJournal(name: string): Promise<readonly DefinitionChange[]> {
    return this.#now(() =>
      this.store
        .all<DefinitionChangeRow>("read definition journal", defs.selectJournal, [name])
        .map(toDefinitionChange),
    );
  }

  close(): Promise<void> {
    return this.#now(() => this.store.close());
  }
}

/** A lease or supervisor row's parameters: owner, times, and this process's identity. */
function holderParams(owner: string, now: number, ttlMs: number) {
  const me = thisProcess();
  return {
    owner,
    now: iso(now),
    expiresAt: iso(now + ttlMs),
    host: me.host,
    pid: me.pid,
    started: me.started,
  };
}
