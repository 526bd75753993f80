import { randomUUID } from "node:crypto";
import type { TriggerEvent } from "../../machines/trigger.machine.js";
import type { BackfillRecord } from "../trigger/backfillRecords.js";
import type { TriggerCommand } from "../trigger/records.js";
import type { TriggerWrite } from "../trigger/TriggerWrite.js";
import type { BackfillHandle, BackfillOptions } from "./BackfillOptions.js";
import { BackfillNeedsSchedule, BackfillNotFound } from "./backfillErrors.js";
import { checkBackfillOptions } from "./checkBackfillOptions.js";
import { NotOwner, TriggerNotActive } from "./errors.js";
import { type Live, serial, stateOf } from "./Live.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/** Most ticks found on record that one commit moves a backfill past. */
const SKIP_BATCH = 1_000;

/** A backfill this supervisor works (or waits to work: not its trigger's owner yet). */
interface Running {
  readonly id: string;
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly refire: boolean;
  readonly overlap: number;
  /** The last tick handled (committed); `undefined` before the first. */
  position: number | undefined;
  status: BackfillRecord["status"];
  /** Event ids of this backfill's fires the machine still holds (in flight or pending). */
  readonly fires: Set<string>;
  /** A pump is working this backfill; `again` asks it to look once more when it ends. */
  pumping: boolean;
  again: boolean;
  readonly waiters: ((record: BackfillRecord) => void)[];
}

/**
 * Backfills: every tick of a trigger's schedule in `[from, to)` fired once, in order,
 * through the trigger's own machine and fire path (a FIRE that carries its tick's
 * instant, `kind: "backfill"`), so a backfill run is a run like any other: written ahead,
 * resumed after a crash, ended by the machine.
 *
 * Invariants:
 * 1. The ledger is the truth: a backfill's position moves in the same write-ahead commit
 *    as the ledger row of the tick it fires, so after a crash the next start goes on
 *    after the last tick on disk — never firing one twice, never losing one.
 * 2. Live ticks first: a backfill tick is stepped only when the trigger has no owed tick
 *    waiting (backlog, poll) and the machine would start it at once (never skipping,
 *    buffering or cancelling for it), and only ticks the live schedule has passed
 *    (at or before `lastScheduledAt` or the activation), so a live tick never meets a
 *    backfill tick of the same instant.
 * 3. At most `overlap` runs of one backfill are in flight at once.
 *
 * @example
 * ```ts
 * const handle = await core.backfills.create("hourly", { from, to });
 * ```
 */
export class Backfills {
  readonly #running = new Map<string, Running>();
  /** Triggers restored this turn, whose backfills `resume` looks up together. */
  readonly #resuming = new Set<string>();
  #resumeQueued = false;

  constructor(readonly core: SupervisorCore) {}

  /** See `TriggerManager.backfill`. */
  async create(name: string, options: BackfillOptions): Promise<BackfillHandle> {
    const core = this.core;
    core.activation.refuseStandby();
    const definition = core.namespace.getTrigger(name);
    if (definition.schedule === undefined) {
      throw new BackfillNeedsSchedule({ name, triggerType: definition.triggerType });
    }
    const checked = checkBackfillOptions(name, options);
    await core.loader.ensureLoaded();
    if (checked.id !== undefined) {
      const known = await core.store.getBackfill(checked.id);
      if (known !== undefined) return this.#handle(known);
    }
    if (core.mode === "trigger" && !(await core.shares.ensureOwned(name))) {
      throw new NotOwner({
        ownerId: core.ownerId,
        trigger: name,
        holder: core.shares.ownerOf(name),
      });
    }
    const live = core.live.get(name);
    const status = live === undefined ? "inactive" : stateOf(live);
    if (live === undefined || (status !== "active" && status !== "firing")) {
      throw new TriggerNotActive({ name, status });
    }
    const now = core.clock.now();
    const id = checked.id ?? randomUUID();
    // Ticks later than now belong to the live schedule: the range is cut there.
    const to = Math.max(checked.from, Math.min(checked.to, now));
    const record: TriggerWrite = {
      kind: "insertBackfill",
      id,
      name,
      from: checked.from,
      to,
      refire: checked.refire,
      overlap: checked.overlap,
      at: now,
    };
    const made = {
      type: "BACKFILL",
      id,
      from: checked.from,
      to,
      refire: checked.refire,
      overlap: checked.overlap,
    };
    // In the trigger's turn: the journal row says the state as it is when it commits.
    await serial(live, () =>
      core.fires.group.commit([record, backfillJournal(live, now, made)], () => {}, name),
    );
    const stored = await core.store.getBackfill(id);
    if (stored === undefined) throw new BackfillNotFound({ id });
    const handle = this.#handle(stored);
    this.#pump(this.#adopt(stored));
    return handle;
  }

  /** See `TriggerManager.cancelBackfill`. */
  async cancel(id: string): Promise<BackfillRecord> {
    const core = this.core;
    const stored = await core.store.getBackfill(id);
    if (stored === undefined) throw new BackfillNotFound({ id });
    if (stored.status !== "running") return stored;
    core.activation.refuseStandby();
    const name = stored.triggerName;
    await core.loader.ensureLoaded();
    if (core.mode === "trigger" && !(await core.shares.ensureOwned(name))) {
      throw new NotOwner({
        ownerId: core.ownerId,
        trigger: name,
        holder: core.shares.ownerOf(name),
      });
    }
    const now = core.clock.now();
    const writes: TriggerWrite[] = [{ kind: "finishBackfill", id, status: "cancelled", at: now }];
    const live = core.live.get(name);
    if (live !== undefined) {
      await serial(live, () => {
        writes.push(backfillJournal(live, now, { type: "BACKFILL_CANCELLED", id }));
        return core.fires.group.commit(writes, () => {}, name);
      });
    } else {
      await core.fires.group.commit(writes, () => {}, name);
    }
    const final = (await core.store.getBackfill(id)) ?? stored;
    const running = this.#running.get(id);
    if (running !== undefined) this.#settle(running, final);
    return final;
  }

  /**
   * A queued `tickflow backfill` (its options, with the id the CLI chose, are the
   * command's payload) or `tickflow backfill --cancel` (`{ id }`).
   */
  async applyCommand(command: TriggerCommand): Promise<void> {
    const payload = command.payload ?? {};
    if (command.kind === "cancelBackfill") {
      await this.cancel(String(payload.id));
      return;
    }
    await this.create(command.triggerName, payload as unknown as BackfillOptions);
  }

  /**
   * After a trigger was restored (a start, a takeover, a lease won): its backfills still
   * `running` on disk go on from their stored position, their fires in flight counted.
   * The triggers restored in one turn share one query (a start restores them all).
   */
  resume(live: Live): void {
    this.#resuming.add(live.name);
    if (this.#resumeQueued) return;
    this.#resumeQueued = true;
    setImmediate(() => {
      this.#resumeQueued = false;
      const names = new Set(this.#resuming);
      this.#resuming.clear();
      this.#resumeAll(names).catch((error: unknown) => this.core.onError(error, undefined));
    });
  }

  async #resumeAll(names: ReadonlySet<string>): Promise<void> {
    const core = this.core;
    if (!core.active) return;
    for (const record of await core.store.listBackfills()) {
      const live = core.live.get(record.triggerName);
      if (!names.has(record.triggerName) || live === undefined) continue;
      const known = this.#running.get(record.id);
      if (record.status !== "running") {
        // Finished by another supervisor while this one did not own the trigger.
        if (known !== undefined) this.#settle(known, record);
        continue;
      }
      const running = this.#adopt(record);
      // Another owner may have moved it on meanwhile (positions only move forward).
      const at = record.position?.getTime();
      if (at !== undefined && (running.position === undefined || at > running.position)) {
        running.position = at;
      }
      const held = [...live.snapshot.context.inFlight, ...live.snapshot.context.pending];
      for (const fire of held) {
        if (running.fires.has(fire.eventId)) continue;
        const row = await core.store.loadEvent(fire.eventId);
        if (row?.backfillId === record.id) running.fires.add(fire.eventId);
      }
      this.#pump(running);
    }
  }

  /**
   * A step of `live` was committed (a run ended, a tick fired or was skipped, the
   * trigger was activated): its backfills look again once the step's follow-ups (the
   * backlog's next tick) have been queued.
   */
  stepped(live: Live): void {
    if (this.#running.size === 0) return;
    for (const running of this.#running.values()) {
      if (running.name === live.name && running.status === "running") {
        setImmediate(() => this.#pump(running));
      }
    }
  }

  /** The handle of a stored backfill: `done` settles when it completes or is cancelled. */
  #handle(record: BackfillRecord): BackfillHandle {
    if (record.status !== "running") {
      return { id: record.id, record, done: Promise.resolve(record) };
    }
    const running = this.#adopt(record);
    const done = new Promise<BackfillRecord>((resolve) => running.waiters.push(resolve));
    return { id: record.id, record, done };
  }

  /** The in-memory copy of a stored backfill (made once). */
  #adopt(record: BackfillRecord): Running {
    let running = this.#running.get(record.id);
    if (running === undefined) {
      running = {
        id: record.id,
        name: record.triggerName,
        from: record.from.getTime(),
        to: record.to.getTime(),
        refire: record.refire,
        overlap: record.overlap,
        position: record.position?.getTime(),
        status: record.status,
        fires: new Set(),
        pumping: false,
        again: false,
        waiters: [],
      };
      this.#running.set(record.id, running);
    }
    return running;
  }

  /** Hands the backfill's next ticks to the machine while it may (see the invariants). */
  #pump(running: Running): void {
    if (running.pumping) {
      running.again = true;
      return;
    }
    const core = this.core;
    const live = core.live.get(running.name);
    if (live === undefined || running.status !== "running") return;
    running.pumping = true;
    running.again = false;
    void serial(live, () => this.#advance(running, live))
      .catch((error: unknown) => core.onError(error, running.name))
      .finally(() => {
        running.pumping = false;
        if (running.again) this.#pump(running);
      });
  }

  /** One pump's work, inside the trigger's turn (`serial`). */
  async #advance(running: Running, live: Live): Promise<void> {
    const core = this.core;
    const schedule = live.definition?.schedule;
    for (;;) {
      if (running.status !== "running" || schedule === undefined) return;
      if (!core.owns(live) || live.lost || core.live.get(live.name) !== live) return;
      const state = stateOf(live);
      if (state !== "active" && state !== "firing") return;
      const { inFlight, pending } = live.snapshot.context;
      const held = new Set([...inFlight, ...pending].map((fire) => fire.eventId));
      for (const eventId of running.fires) if (!held.has(eventId)) running.fires.delete(eventId);
      const next = schedule.nextMs(running.position ?? running.from - 1);
      if (!Number.isFinite(next) || next >= running.to) {
        if (running.fires.size === 0) await this.#complete(running, live);
        return;
      }
      if (running.fires.size >= running.overlap) return;
      // Live first: owed ticks, a poll in flight, and ticks the schedule has not passed.
      if (live.backlog.length > 0 || live.draining || live.polling) return;
      if (next > horizonOf(live)) return;
      if (!running.refire && (await core.store.hasEventAt(live.name, next))) {
        await this.#skipOnRecord(running, live, next);
        continue;
      }
      if (!(await this.#fire(running, live, next))) return;
    }
  }

  /** Moves past `first` and the ticks after it that are on record (one commit). */
  async #skipOnRecord(running: Running, live: Live, first: number): Promise<void> {
    const core = this.core;
    const schedule = live.definition?.schedule;
    let last = first;
    let count = 1;
    while (schedule !== undefined && count < SKIP_BATCH) {
      const tick = schedule.nextMs(last);
      if (!Number.isFinite(tick) || tick >= running.to) break;
      if (tick > horizonOf(live)) break;
      if (!(await core.store.hasEventAt(live.name, tick))) break;
      last = tick;
      count++;
    }
    const progress: TriggerWrite = {
      kind: "backfillProgress",
      id: running.id,
      position: last,
      fired: 0,
      skipped: count,
      at: core.clock.now(),
    };
    await core.fires.group.commit([progress], () => {}, live.name);
    running.position = last;
  }

  /**
   * Fires one tick if the machine starts it at once: the ledger row (kind `backfill`,
   * naming this backfill) and the new position commit together. False when it would not
   * start now (the trigger is busy): the tick waits for the next pump.
   */
  async #fire(running: Running, live: Live, tick: number): Promise<boolean> {
    const core = this.core;
    const event: TriggerEvent = {
      type: "FIRE",
      runId: randomUUID(),
      eventId: randomUUID(),
      payload: live.definition?.payload ?? {},
      scheduledAt: tick,
    };
    const [, actions] = core.stepper.step(live.snapshot, event);
    const starts = actions.some(
      (action) =>
        action.type === "startRun" &&
        (action.params as { fire?: { eventId: string } } | undefined)?.fire?.eventId ===
          event.eventId,
    );
    if (!starts) return false;
    live.kinds.set(event.eventId, "backfill");
    live.backfillIds.set(event.eventId, running.id);
    const progress: TriggerWrite = {
      kind: "backfillProgress",
      id: running.id,
      position: tick,
      fired: 1,
      skipped: 0,
      at: core.clock.now(),
    };
    try {
      await core.fires.step(live, event, [progress]);
    } catch (error) {
      // Nothing was written: the tick stays next, tried again at the next pump.
      live.kinds.delete(event.eventId);
      throw error;
    } finally {
      live.backfillIds.delete(event.eventId);
    }
    running.position = tick;
    running.fires.add(event.eventId);
    return true;
  }

  /** Every tick handled and no run of it in flight: recorded `completed`. */
  async #complete(running: Running, live: Live): Promise<void> {
    const core = this.core;
    const now = core.clock.now();
    await core.fires.group.commit(
      [
        { kind: "finishBackfill", id: running.id, status: "completed", at: now },
        backfillJournal(live, now, { type: "BACKFILL_COMPLETED", id: running.id }),
      ],
      () => {},
      live.name,
    );
    const final = await core.store.getBackfill(running.id);
    if (final !== undefined) this.#settle(running, final);
  }

  /** The backfill ended (completed or cancelled): its waiters hear it, and it is forgotten. */
  #settle(running: Running, final: BackfillRecord): void {
    running.status = final.status;
    for (const resolve of running.waiters.splice(0)) resolve(final);
    this.#running.delete(running.id);
  }
}

/**
 * A journal row for a backfill's life (made, completed, cancelled): not a machine event
 * (the machine ignores it; the state after is the trigger's state now), but part of the
 * trigger's history for `explain`.
 */
function backfillJournal(live: Live, at: number, event: Record<string, unknown>): TriggerWrite {
  return { kind: "journal", name: live.name, event, stateAfter: stateOf(live), at };
}

/**
 * The last instant the live schedule has passed: ticks up to it never fire live again
 * (the machine's last scheduled tick, or the activation, whichever is later).
 */
function horizonOf(live: Live): number {
  return Math.max(
    live.snapshot.context.lastScheduledAt ?? Number.NEGATIVE_INFINITY,
    live.activatedAt,
  );
}
