import { encodeJson } from "../store/jsonValue.js";
import type { PgQueryable, PgStore } from "../store/PgStore.js";
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
import { pgTriggerSql as sql } from "./pgTriggerSql.js";
import { batches, columnArrays } from "./pgWriteBatches.js";
import {
  type ActivationRecord,
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
import type {
  CommitHooks,
  DatabaseLease,
  Fence,
  HeldLease,
  TriggerBackend,
  TriggerLease,
} from "./TriggerBackend.js";
import type { TriggerWrite } from "./TriggerWrite.js";
import type {
  ActivationRow,
  CommandRow,
  EventRow,
  JournalRow,
  LeaseRow,
  TriggerLeaseRow,
} from "./triggerSql.js";
import { type HostSupervisorRow, leaseHolderGone, supervisorGone } from "./triggerSql.js";

const iso = (ms: number) => new Date(ms).toISOString();
const retention = retentionSql.pg;
const defs = definitionSql.pg;

/** `COUNT(*)` and identity columns are BIGINT: `pg` gives them as strings. */
type Count = { n: string | number };
type HeldRow = { trigger_name: string; epoch: number | string };
const toHeld = (row: HeldRow): HeldLease => ({
  triggerName: row.trigger_name,
  epoch: Number(row.epoch),
});
/** Rounds of one claim at most (see `claimTriggers`). */
const MAX_CLAIM_ROUNDS = 8;
const byName = (a: HeldLease, b: HeldLease) =>
  a.triggerName < b.triggerName ? -1 : a.triggerName > b.triggerName ? 1 : 0;

/**
 * The PostgreSQL form of {@link TriggerBackend}: the same tables as SQLite (translated
 * migrations) behind a {@link PgStore} pool, so several supervisors on several hosts can
 * share the triggers. Statements are in `pgTriggerSql.ts`, with the invariants they keep.
 *
 * A commit is one transaction that first reads its fence rows `FOR SHARE` (nobody can
 * take the lease before the commit ends), then applies the writes grouped by kind into
 * `unnest` statements with the effect of applying them one by one (see `batches`): a
 * group commit of a thousand writes is a handful of round trips, not a thousand.
 *
 * @example
 * ```ts
 * const backend = new PgTriggerBackend(PgStore.connect("postgres://app@db:5432/scheduler"));
 * await backend.ready();
 * await backend.claimTriggers("host-1:42", Date.now(), 15_000, 10);
 * ```
 */
export class PgTriggerBackend implements TriggerBackend {
  readonly kind = "postgres" as const;

  constructor(readonly store: PgStore) {}

  get location(): string {
    return this.store.location;
  }

  ready(): Promise<void> {
    return this.store.ready();
  }

  async getActivation(name: string): Promise<ActivationRecord | undefined> {
    const [row] = await this.store.query<ActivationRow>("get activation", sql.selectActivation, [
      name,
    ]);
    return row === undefined ? undefined : toActivation(row);
  }

  async listActivations(): Promise<readonly ActivationRecord[]> {
    const rows = await this.store.query<ActivationRow>("list activations", sql.selectActivations);
    return rows.map(toActivation);
  }

  async getEvents(name: string, query: EventsQuery): Promise<readonly TriggerEventRecord[]> {
    const cursor = await this.#cursor(query.before);
    const rows = await this.store.query<EventRow>("get events", sql.selectEvents, [
      name,
      cursor.firedAt,
      cursor.ord,
      query.limit ?? 100,
    ]);
    return rows.map(toEvent);
  }

  /** Where a page of events starts: before a record (exactly) or before an instant. */
  async #cursor(before: EventsQuery["before"]): Promise<{ firedAt: string; ord: string | number }> {
    if (before === undefined) return { firedAt: "9999-12-31T23:59:59.999Z", ord: 0 };
    if (before instanceof Date) return { firedAt: before.toISOString(), ord: 0 };
    const [row] = await this.store.query<{ ord: string }>("find event", sql.selectEventOrd, [
      before.eventId,
    ]);
    return { firedAt: before.firedAt.toISOString(), ord: row?.ord ?? 0 };
  }

  async getJournal(
    name: string,
    range: { readonly afterSeq?: number; readonly untilSeq?: number },
  ): Promise<readonly JournalEntry[]> {
    const rows = await this.store.query<JournalRow>("get journal", sql.selectJournal, [
      name,
      range.afterSeq ?? 0,
      range.untilSeq ?? Number.MAX_SAFE_INTEGER,
    ]);
    return rows.map(toJournal);
  }

  async countEvents(name: string): Promise<Readonly<Record<string, number>>> {
    const rows = await this.store.query<{ status: string } & Count>(
      "count events",
      sql.countEventsByStatus,
      [name],
    );
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }

  async countAllEvents(): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>> {
    return countsByTrigger(
      await this.store.query<{ trigger_name: string; status: string } & Count>(
        "count events",
        sql.countAllEventsByStatus,
      ),
    );
  }

  async loadActivations(names?: readonly string[]): Promise<readonly StoredActivation[]> {
    const rows =
      names === undefined
        ? await this.store.query<ActivationRow>("load activations", sql.selectActivations)
        : await this.store.query<ActivationRow>("load activations", sql.selectActivationsNamed, [
            [...names],
          ]);
    return rows.map(toStoredActivation);
  }

  /** One query, as `loadActivations` (the rows arrive together from the server). */
  async eachActivation(visit: (stored: StoredActivation) => void): Promise<void> {
    for (const stored of await this.loadActivations()) visit(stored);
  }

  async loadEvent(eventId: string): Promise<TriggerEventRecord | undefined> {
    const [row] = await this.store.query<EventRow>("load event", sql.selectEvent, [eventId]);
    return row === undefined ? undefined : toEvent(row);
  }

  async loadEventByKey(name: string, key: string): Promise<TriggerEventRecord | undefined> {
    const [row] = await this.store.query<EventRow>("load event", sql.selectEventByKey, [name, key]);
    return row === undefined ? undefined : toEvent(row);
  }

  async hasEventAt(name: string, at: number): Promise<boolean> {
    const rows = await this.store.query("find tick", backfillSql.pg.eventAt, [name, iso(at)]);
    return rows.length > 0;
  }

  async listBackfills(name?: string) {
    const rows =
      name === undefined
        ? await this.store.query<BackfillRow>("list backfills", backfillSql.pg.selectAll)
        : await this.store.query<BackfillRow>("list backfills", backfillSql.pg.selectOf, [name]);
    return rows.map(toBackfill);
  }

  async getBackfill(id: string) {
    const [row] = await this.store.query<BackfillRow>("get backfill", backfillSql.pg.select, [id]);
    return row === undefined ? undefined : toBackfill(row);
  }

  async prunableEvents(name: string, before: number, limit: number): Promise<readonly string[]> {
    const rows = await this.store.query<{ event_id: string }>(
      "find prunable events",
      retention.prunableEvents,
      [name, iso(before), limit],
    );
    return rows.map((row) => row.event_id);
  }

  async prunableJournal(
    name: string,
    before: number,
    limit: number,
  ): Promise<readonly JournalEntry[]> {
    const rows = await this.store.query<JournalRow>(
      "find prunable journal",
      retention.prunableJournal,
      [name, iso(before), limit],
    );
    return rows.map(toJournal);
  }

  async countPrunable(
    name: string,
    before: { readonly events?: number; readonly journal?: number },
  ): Promise<{ readonly events: number; readonly journal: number }> {
    const count = async (query: string, at: number | undefined) => {
      if (at === undefined) return 0;
      const [row] = await this.store.query<Count>("count prunable", query, [name, iso(at)]);
      return Number(row?.n ?? 0);
    };
    return {
      events: await count(retention.countPrunableEvents, before.events),
      journal: await count(retention.countPrunableJournal, before.journal),
    };
  }

  async getCheckpoint(name: string): Promise<JournalCheckpoint | undefined> {
    const [row] = await this.store.query<CheckpointRow>(
      "get checkpoint",
      retention.selectCheckpoint,
      [name],
    );
    return row === undefined ? undefined : toCheckpoint(row);
  }

  commit(operation: string, writes: readonly TriggerWrite[], hooks: CommitHooks): Promise<void> {
    const alongside = hooks.alongside;
    if (alongside !== undefined && alongside.pg === undefined) {
      return Promise.reject(new Error("a PostgreSQL commit was given writes for SQLite only"));
    }
    return this.store.transaction(operation, async (tx) => {
      if (hooks.fence !== undefined) await this.#check(tx, hooks.fence);
      for (const batch of batches(writes)) {
        await tx.query(batch.shape.operation, batch.shape.sql, columnArrays(batch));
      }
      await alongside?.pg?.(tx);
      hooks.afterWrites?.();
    });
  }

  checkFence(fence: Fence, tx?: PgQueryable): Promise<void> {
    return tx !== undefined
      ? this.#check(tx, fence)
      : this.store.transaction("check fence", (own) => this.#check(own, fence));
  }

  /**
   * The fencing check, inside the commit's transaction: the rows are read `FOR SHARE`,
   * so they cannot change owner before the commit ends.
   */
  async #check(tx: PgQueryable, fence: Fence): Promise<void> {
    if (fence.kind === "database") {
      const [row] = await tx.query<LeaseRow>("check lease", sql.selectLeaseForShare);
      const holderEpoch = row === undefined ? undefined : Number(row.epoch);
      if (row === undefined || row.owner_id !== fence.owner || holderEpoch !== fence.epoch) {
        throw new LeaseLost({
          ownerId: fence.owner,
          epoch: fence.epoch,
          holder: row?.owner_id,
          holderEpoch,
        });
      }
      return;
    }
    if (fence.epochs.size === 0) return;
    const rows = await tx.query<TriggerLeaseRow>("check trigger leases", sql.selectFenceRows, [
      [...fence.epochs.keys()],
    ]);
    const held = new Map(rows.map((row) => [row.trigger_name, row]));
    for (const [trigger, epoch] of fence.epochs) {
      const row = held.get(trigger);
      const holderEpoch = row === undefined ? undefined : Number(row.epoch);
      if (row === undefined || row.owner_id !== fence.owner || holderEpoch !== epoch) {
        throw new LeaseLost({
          ownerId: fence.owner,
          epoch,
          holder: row?.owner_id,
          holderEpoch,
          trigger,
        });
      }
    }
  }

  acquireLease(
    owner: string,
    now: number,
    ttlMs: number,
  ): Promise<{ readonly epoch: number } | { readonly holder: string; readonly expiresAt: number }> {
    return this.store.transaction("acquire lease", async (tx) => {
      const me = thisProcess();
      const params = [owner, iso(now), iso(now + ttlMs), me.host, me.pid, me.started];
      // Inserting first (a no-op when the row exists) lets two first-ever acquirers race
      // safely: one inserts, the other waits for it and then finds the row.
      const [inserted] = await tx.query<{ epoch: number }>("insert lease", sql.insertLease, params);
      if (inserted !== undefined) return { epoch: 1 };
      const [row] = await tx.query<LeaseRow>("read lease", sql.selectLeaseForUpdate);
      if (row === undefined) {
        // Deleted between the two statements (by hand): take it on the next try.
        return { holder: "nobody", expiresAt: now };
      }
      const expiresAt = Date.parse(row.expires_at);
      // A holder on this host whose process is gone is taken over at once (new epoch);
      // one on another host is waited for: its liveness cannot be checked from here.
      if (row.owner_id !== owner && expiresAt > now && !leaseHolderGone(row)) {
        return { holder: row.owner_id, expiresAt };
      }
      const [taken] = await tx.query<{ epoch: number }>("take lease", sql.takeLease, params);
      return { epoch: Number(taken?.epoch ?? Number(row.epoch) + 1) };
    });
  }

  renewLease(owner: string, epoch: number, now: number, ttlMs: number): Promise<void> {
    return this.store.transaction("renew lease", async (tx) => {
      const renewed = await tx.query("renew lease", sql.renewLease, [
        owner,
        epoch,
        iso(now + ttlMs),
      ]);
      if (renewed.length !== 1) await this.#check(tx, { kind: "database", owner, epoch });
    });
  }

  async releaseLease(owner: string, epoch: number, now: number): Promise<void> {
    await this.store.transaction("release lease", (tx) =>
      tx.query("release lease", sql.renewLease, [owner, epoch, iso(now)]),
    );
  }

  async leaseHolder(): Promise<DatabaseLease | undefined> {
    const [row] = await this.store.query<LeaseRow>("read lease", sql.selectLease);
    return row === undefined
      ? undefined
      : { ownerId: row.owner_id, epoch: Number(row.epoch), expiresAt: new Date(row.expires_at) };
  }

  heartbeat(
    owner: string,
    now: number,
    ttlMs: number,
  ): Promise<{ readonly supervisors: number; readonly triggers: number }> {
    return this.store.transaction("supervisor heartbeat", async (tx) => {
      const me = thisProcess();
      await tx.query("record supervisor", sql.upsertSupervisor, [
        owner,
        iso(now),
        iso(now + ttlMs),
        me.host,
        me.pid,
        me.started,
      ]);
      // A supervisor of this host whose process is gone: its row and its trigger leases
      // expire now, so the claim that follows takes its triggers at once (new epochs).
      // Supervisors on other hosts are waited out: their liveness cannot be seen here.
      const local = await tx.query<HostSupervisorRow>(
        "read host supervisors",
        sql.selectHostSupervisors,
        [me.host, owner, iso(now)],
      );
      for (const gone of local.filter(supervisorGone)) {
        await tx.query("expire gone supervisor", sql.expireSupervisor, [gone.owner_id, iso(now)]);
        await tx.query("expire gone supervisor's leases", sql.expireTriggerLeasesOf, [
          gone.owner_id,
          iso(now),
        ]);
      }
      // Rows of supervisors dead for a long while are only noise.
      await tx.query("forget dead supervisors", sql.deleteDeadSupervisors, [iso(now - 10 * ttlMs)]);
      const [live] = await tx.query<Count>("count supervisors", sql.countLiveSupervisors, [
        iso(now),
      ]);
      const [triggers] = await tx.query<Count>("count triggers", sql.countActivations);
      return {
        supervisors: live === undefined ? 1 : Number(live.n),
        triggers: triggers === undefined ? 0 : Number(triggers.n),
      };
    });
  }

  renewTriggerLeases(owner: string, now: number, ttlMs: number): Promise<readonly HeldLease[]> {
    return this.store.transaction("renew trigger leases", async (tx) => {
      const rows = await tx.query<HeldRow>("renew trigger leases", sql.renewTriggerLeases, [
        owner,
        iso(now + ttlMs),
      ]);
      return rows.map(toHeld).sort(byName);
    });
  }

  claimTriggers(
    owner: string,
    now: number,
    ttlMs: number,
    max: number,
    only?: readonly string[],
  ): Promise<readonly HeldLease[]> {
    return this.store.transaction("claim triggers", async (tx): Promise<readonly HeldLease[]> => {
      const held: HeldLease[] = [];
      const tried: string[] = [];
      // A candidate can be lost to a claimer that committed after this statement's
      // snapshot (its lease is live after all): look again, past the names tried, while
      // there is room and something new to try (a handful of rounds at most).
      for (let round = 0; round < MAX_CLAIM_ROUNDS && held.length < max; round++) {
        const taken = await this.#claimRound(tx, owner, now, ttlMs, max - held.length, only, tried);
        if (taken === undefined) break;
        held.push(...taken);
      }
      return held.sort(byName);
    });
  }

  /**
   * One round of a claim: locks up to `max` candidates (skipping those others hold),
   * then their lease rows (skipping those a commit is reading), then takes the leases
   * still free. `undefined` when there was no candidate left.
   */
  async #claimRound(
    tx: PgQueryable,
    owner: string,
    now: number,
    ttlMs: number,
    max: number,
    only: readonly string[] | undefined,
    tried: string[],
  ): Promise<readonly HeldLease[] | undefined> {
    // Named triggers may be claimed before their first activation (the activating
    // supervisor takes the lease, then writes the row under it); two claimers of one new
    // name meet on the lease's primary key, and only one upsert takes it.
    // Otherwise SKIP LOCKED: concurrent claimers take disjoint candidate sets without
    // waiting.
    const candidateNames =
      only !== undefined
        ? only.filter((name) => !tried.includes(name)).slice(0, max)
        : (
            await tx.query<{ name: string }>("claimable triggers", sql.selectClaimable, [
              iso(now),
              max,
              null,
              tried,
            ])
          ).map((row) => row.name);
    if (candidateNames.length === 0) return undefined;
    tried.push(...candidateNames);
    const leases = await tx.query<{ name: string; leased: boolean; locked: boolean }>(
      "lock claimable leases",
      sql.lockClaimableLeases,
      [candidateNames],
    );
    const names = leases.filter((row) => !row.leased || row.locked).map((row) => row.name);
    if (names.length === 0) return [];
    const rows = await tx.query<HeldRow>("claim triggers", sql.claimTriggerLeases, [
      names,
      owner,
      iso(now),
      iso(now + ttlMs),
    ]);
    return rows.map(toHeld);
  }

  async releaseTriggerLeases(owner: string, names: readonly string[], now: number): Promise<void> {
    if (names.length === 0) return;
    await this.store.transaction("release trigger leases", (tx) =>
      tx.query("release trigger leases", sql.releaseTriggerLeases, [[...names], owner, iso(now)]),
    );
  }

  async leaveSupervisors(owner: string): Promise<void> {
    await this.store.transaction("leave supervisors", (tx) =>
      tx.query("delete supervisor", sql.deleteSupervisor, [owner]),
    );
  }

  async triggerLeases(): Promise<readonly TriggerLease[]> {
    const rows = await this.store.query<TriggerLeaseRow>("trigger leases", sql.selectTriggerLeases);
    return rows.map((row) => ({
      triggerName: row.trigger_name,
      ownerId: row.owner_id,
      epoch: Number(row.epoch),
      expiresAt: new Date(row.expires_at),
    }));
  }

  async requestCommand(
    name: string,
    kind: TriggerCommand["kind"],
    payload: Record<string, unknown> | undefined,
    at: number,
    key?: string,
  ): Promise<number> {
    const [row] = await this.store.transaction("request command", (tx) =>
      tx.query<{ seq: string }>("request command", sql.insertCommand, [
        name,
        kind,
        payload === undefined ? null : encodeJson(payload),
        iso(at),
        key ?? null,
      ]),
    );
    return Number(row?.seq);
  }

  async getCommand(seq: number): Promise<TriggerCommand | undefined> {
    const [row] = await this.store.query<CommandRow>("get command", sql.selectCommand, [seq]);
    return row === undefined ? undefined : toCommand(row);
  }

  async pendingCommands(names?: readonly string[]): Promise<readonly TriggerCommand[]> {
    const rows = await this.store.query<CommandRow>("pending commands", sql.selectPendingCommands, [
      names === undefined ? null : [...names],
    ]);
    return rows.map(toCommand);
  }

  writeDefinition(change: DefinitionWrite): Promise<number> {
    return this.store.transaction("write trigger definition", async (tx) => {
      await tx.query("lock definition journal", defs.lockJournal);
      const [row] = await tx.query<{ seq: string }>("journal definition", defs.insertChange, [
        change.name,
        change.json === null ? "remove" : "upsert",
        change.json,
        change.by,
        iso(change.at),
      ]);
      const version = Number(row?.seq);
      await tx.query("write definition", defs.upsertDefinition, [
        change.name,
        change.json,
        version,
        iso(change.at),
        change.by,
        change.json === null ? iso(change.at) : null,
      ]);
      return version;
    });
  }

  async definitionsSince(version: number): Promise<readonly StoredDefinition[]> {
    const rows = await this.store.query<DefinitionRow>("read definitions", defs.selectSince, [
      version,
    ]);
    return rows.map(toStoredDefinition);
  }

  async definitionJournal(name: string): Promise<readonly DefinitionChange[]> {
    const rows = await this.store.query<DefinitionChangeRow>(
      "read definition journal",
      defs.selectJournal,
      [name],
    );
    return rows.map(toDefinitionChange);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
