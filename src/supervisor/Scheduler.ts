import { randomUUID } from "node:crypto";
import type { TriggerEvent } from "../../machines/trigger.machine.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import { ticksBetween } from "../schedule/Schedule.js";
import { sameSchedule, scheduleConfig } from "../schedule/scheduleConfig.js";
import type { StoredActivation } from "../trigger/records.js";
import type { TriggerWrite } from "../trigger/TriggerWrite.js";
import { storeUnreachable } from "./errorCauses.js";
import {
  type BacklogEntry,
  firesExhausted,
  type Live,
  SETTLED,
  serial,
  stateOf,
  tickKind,
} from "./Live.js";
import { configOf, missedRow, skippedRow } from "./ledgerRows.js";
import type { CursorStep, PolledTick, PollOutcome } from "./Poller.js";
import { planOwedTicks } from "./planOwedTicks.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/** Most ticks owed at one wake that get a ledger row each (a week of every-second ticks). */
const MAX_OWED_TICKS = 700_000;

/**
 * The scheduler: one timer for the earliest due tick across all triggers (the timer
 * queue), the owed ticks at each wake planned by the catch-up policy into each trigger's
 * backlog, and the backlog worked through in time order, one tick at a time.
 *
 * @example
 * ```ts
 * core.scheduler.schedule(live);
 * core.scheduler.arm();
 * ```
 */
export class Scheduler {
  #cancelTimer: (() => void) | undefined;
  #armedAt: number | undefined;
  /**
   * At a start, until its triggers are scheduled: the next run each stored row holds (ms,
   * `null` for none), by trigger. A next run equal to the stored one is not written again
   * (10,000 writes queued at once at every restart otherwise); any write forgets it.
   */
  #storedNext: Map<string, number | null> | undefined;

  constructor(readonly core: SupervisorCore) {}

  /** Queues the trigger's next tick (after its last scheduled instant, never "now"). */
  schedule(live: Live): void {
    const schedule = live.definition?.schedule;
    if (schedule === undefined || live.broken !== undefined) return;
    const state = stateOf(live);
    if (state !== "active" && state !== "firing") return;
    const base = Math.max(
      live.snapshot.context.lastScheduledAt ?? Number.NEGATIVE_INFINITY,
      live.activatedAt,
    );
    this.#setNext(live, schedule.nextMs(base));
    this.arm();
  }

  /**
   * Queues (and records) the trigger's next tick; a schedule past its `endAt`, or one
   * that made its `maxFires`, has none.
   */
  #setNext(live: Live, due: number): void {
    const finite = Number.isFinite(due) && !firesExhausted(live);
    if (finite) this.core.timers.set(live.name, due);
    else this.core.timers.delete(live.name);
    const nextRunAt = finite ? due : null;
    if (this.#storedNext?.get(live.name) === nextRunAt) return;
    this.forgetStoredNext(live.name);
    void this.core.fires.commitQuietly(live, [{ kind: "nextRun", name: live.name, nextRunAt }]);
  }

  /** A next run of `name` is written: the stored one read at the start is stale. */
  forgetStoredNext(name: string): void {
    this.#storedNext?.delete(name);
  }

  /**
   * A start: `next` holds the next run stored for triggers just restored (see
   * `#storedNext`), until `storedNextRuns(undefined)` once they are scheduled.
   */
  storedNextRuns(next: Map<string, number | null> | undefined): void {
    this.#storedNext = next;
  }

  /** Arms the one timer for the earliest due tick across all triggers. */
  arm(): void {
    const core = this.core;
    if (!core.active) return;
    const top = core.timers.peek();
    if (top === undefined) {
      this.disarm();
      return;
    }
    if (this.#armedAt === top.due) return;
    this.#cancelTimer?.();
    this.#armedAt = top.due;
    this.#cancelTimer = core.clock.setTimer(top.due, () => this.#wake());
  }

  /** Cancels the timer (stop, step-down). */
  disarm(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#armedAt = undefined;
  }

  /** The timer fired: handle every trigger due by now (the clock is read again here). */
  #wake(): void {
    const core = this.core;
    this.#cancelTimer = undefined;
    this.#armedAt = undefined;
    if (!core.active) return;
    const now = core.clock.now();
    for (const { name } of core.timers.popDue(now)) {
      const live = core.live.get(name);
      if (live !== undefined && core.owns(live)) this.#onDue(live, now);
    }
    this.arm();
  }

  /** A trigger is due: work out which ticks are owed since its last one, by policy. */
  #onDue(live: Live, now: number): void {
    const definition = live.definition;
    const schedule = definition?.schedule;
    if (definition === undefined || schedule === undefined) return;
    const state = stateOf(live);
    if (state !== "active" && state !== "firing") return;
    if (firesExhausted(live)) {
      // Its maxFires are made: the schedule has ended, as past an endAt.
      this.#setNext(live, Number.POSITIVE_INFINITY);
      return;
    }
    if (live.polling) {
      // One poll in flight per trigger: the ticks due meanwhile are planned (by the
      // catch-up policy) once it settles, not queued one per wake behind it.
      live.dueWhilePolling = true;
      return;
    }
    const queuedUpTo = live.backlog.at(-1)?.tick ?? Number.NEGATIVE_INFINITY;
    const base = Math.max(
      live.snapshot.context.lastScheduledAt ?? Number.NEGATIVE_INFINITY,
      live.activatedAt,
      queuedUpTo,
      live.tickedUpTo,
    );
    const ticks = ticksBetween(schedule, base, now, MAX_OWED_TICKS).map((d) => d.getTime());
    const last = ticks.at(-1);
    // The next tick is computed from the last owed one, so the schedule never drifts.
    this.#setNext(live, schedule.nextMs(last ?? base));
    if (last === undefined) return;
    // The ticks owed again after a failed write are planned now (a later failure marks
    // its own tick again).
    const owedAgainFrom = live.owedAgainFrom;
    live.owedAgainFrom = Number.POSITIVE_INFINITY;
    if (ticks.length === 1 && live.backlog.length === 0 && !live.draining && last > live.since) {
      this.#tick(live, last);
      return;
    }
    live.backlog.push(...planOwedTicks(definition, ticks, now, live.since, owedAgainFrom));
    this.drainBacklog(live);
  }

  /**
   * Works through the backlog in time order, so the machine's last scheduled instant only
   * moves forward: a run of missed ticks becomes one TICK_SKIPPED (with a ledger row per
   * tick); a tick to fire waits until the trigger is free.
   */
  drainBacklog(live: Live): void {
    const core = this.core;
    if (!core.owns(live) || live.draining) return;
    const skipped: BacklogEntry[] = [];
    while (live.backlog[0] !== undefined && !live.backlog[0].fire) {
      skipped.push(live.backlog.shift() as BacklogEntry);
    }
    if (skipped.length > 0) {
      // The missed rows first; the next tick fires only once they are on disk, so a
      // failed commit cannot leave them behind a later fire.
      const now = core.clock.now();
      const latest = (skipped.at(-1) as BacklogEntry).tick;
      live.draining = true;
      void serial(live, () =>
        core.fires.step(live, { type: "TICK_SKIPPED", scheduledAt: latest, reason: "missed" }, [
          ...skipped.map((entry) =>
            missedRow(live.name, entry.tick, now, entry.reason, tickKind(live, entry.tick)),
          ),
        ]),
      ).then(
        () => {
          for (const entry of skipped) core.emit(live, "missed", entry.tick, {});
          live.draining = false;
          this.drainBacklog(live);
        },
        (error: unknown) => {
          // Nothing of it was written (a full disk, a lock, an unreachable database):
          // these ticks, and the backlog after them, are owed again from the next wake.
          core.onError(error, live.name);
          live.draining = false;
          this.#owedAgain(live, (skipped[0] as BacklogEntry).tick, error);
        },
      );
      return;
    }
    const head = live.backlog[0];
    if (head === undefined || !this.#takesTick(live)) return;
    live.backlog.shift();
    live.draining = true;
    this.#tick(live, head.tick);
  }

  /**
   * Whether the next owed tick is handed to the machine now. When the trigger is free,
   * always. While it fires, by overlap policy: `bufferAll` keeps it durably (ledger and
   * snapshot) and `cancelOther` lets the newest win, so both take it at once; `allowAll`
   * takes it while there is room (an owed tick waits for room rather than being skipped);
   * `skip` and `bufferOne` wait until the trigger is free (the catch-up policy decided
   * these ticks fire).
   */
  #takesTick(live: Live): boolean {
    const state = stateOf(live);
    if (state === "active") return true;
    if (state !== "firing") return false;
    const { overlap, maxConcurrent, inFlight, pending } = live.snapshot.context;
    if (overlap === "bufferAll" || overlap === "cancelOther") return true;
    return (
      overlap === "allowAll" &&
      pending.length === 0 &&
      (maxConcurrent === null || inFlight.length < maxConcurrent)
    );
  }

  /**
   * `tick` could not be recorded (the database was unreachable, locked, full or
   * read-only): `tick` and every later tick are owed again from the next wake, so each
   * gets its row once writes succeed. The backlog is dropped, so nothing drains past the
   * gap. While the database is unreachable nobody can fire the trigger: those ticks count
   * as missed while down (the catch-up policy decides); after a lock or a full disk they
   * are owed again from `tick` (catch-up `all` fires each; otherwise they are late: the
   * latest fires, earlier ones are recorded missed).
   */
  #owedAgain(live: Live, tick: number, error: unknown): void {
    live.backlog.length = 0;
    live.tickedUpTo = Math.min(live.tickedUpTo, tick - 1);
    live.owedAgainFrom = Math.min(live.owedAgainFrom, tick);
    if (storeUnreachable(error)) live.since = Math.max(live.since, this.core.clock.now());
  }

  /** One scheduled tick: ask the poll function (if any), then fire or record why not. */
  #tick(live: Live, scheduledAt: number): void {
    const core = this.core;
    const definition = live.definition as TriggerDefinition;
    live.tickedUpTo = Math.max(live.tickedUpTo, scheduledAt);
    let owed = false;
    let eventId: string | undefined;
    void serial(live, async () => {
      // Stopped (or stepped down) while this tick waited its turn: it is not even polled.
      if (!core.owns(live)) {
        live.tickedUpTo = Math.min(live.tickedUpTo, scheduledAt - 1);
        return;
      }
      // maxFires made by an earlier tick of this backlog: the schedule has ended, so the
      // ticks after it are no ticks (as past an endAt): neither polled nor recorded.
      if (firesExhausted(live)) {
        live.backlog.length = 0;
        return;
      }
      // One event id for the tick whatever comes of it: the poll function sees the id of
      // the ledger row its answer leads to (a fire, or why not).
      const kind = tickKind(live, scheduledAt);
      const tick = { eventId: randomUUID(), scheduledAt, kind };
      eventId = tick.eventId;
      const polled = definition.pollFn
        ? await this.#pollOnce(live, definition, tick)
        : await core.poller.poll(live, definition, tick);
      if (!core.owns(live)) {
        // Stopped (or stepped down, or the trigger was given up) while this tick waited its
        // turn or polled: no new fire. Nothing was written, so the tick stays owed.
        live.tickedUpTo = Math.min(live.tickedUpTo, scheduledAt - 1);
        return;
      }
      const now = core.clock.now();
      if ("payload" in polled) {
        live.kinds.set(tick.eventId, kind);
        const event: TriggerEvent = {
          type: "TICK",
          scheduledAt,
          runId: randomUUID(),
          eventId: tick.eventId,
          payload: polled.payload,
        };
        // The cursor moves in the fire's own write-ahead commit, and only when the tick
        // fires (starts or is kept); a tick the overlap policy skips leaves it, so its
        // data is polled again.
        const [, actions] = core.stepper.step(live.snapshot, event);
        const fires = actions.some((a) => a.type === "startRun" || a.type === "bufferTick");
        const step = fires ? polled.cursor : undefined;
        await core.fires.step(live, event, cursorWrites(live.name, step));
        if (step !== undefined) live.cursor = step.value;
        // That was the last of its maxFires: no next tick (recorded as such).
        if (firesExhausted(live)) this.#setNext(live, Number.POSITIVE_INFINITY);
        return;
      }
      const reason = polled.error === undefined ? "poll_empty" : "poll_failed";
      const error = polled.error?.message ?? null;
      await core.fires.step(live, { type: "TICK_SKIPPED", scheduledAt, reason }, [
        skippedRow(live.name, scheduledAt, now, reason, error, kind, tick.eventId),
        ...cursorWrites(live.name, polled.cursor),
      ]);
      if (polled.cursor !== undefined) live.cursor = polled.cursor.value;
      core.emit(live, reason, scheduledAt, polled.error ? { error: polled.error.message } : {});
    })
      .catch((error: unknown) => {
        // The commit failed (unreachable, locked, full or read-only): nothing was written,
        // so this tick and the backlog after it are owed again from the next wake.
        owed = true;
        if (eventId !== undefined) live.kinds.delete(eventId);
        this.#owedAgain(live, scheduledAt, error);
        core.onError(error, live.name);
      })
      .finally(() => {
        if (owed) {
          // Nothing drains past a tick without its row; the next wake plans again.
          live.draining = false;
          return;
        }
        // A backlog tick that did not start a run frees the backlog for the next one; so
        // does one the overlap policy took while firing (kept, or run beside).
        if (
          live.draining &&
          ((live.runs.size === 0 && stateOf(live) !== "firing") ||
            (stateOf(live) === "firing" && this.#takesTick(live)))
        ) {
          live.draining = false;
          this.drainBacklog(live);
        }
      });
  }

  /**
   * Polls with the trigger marked `polling`; when the poll settles, the ticks that came
   * due meanwhile are planned at once (after this tick, which is stepped first).
   */
  async #pollOnce(
    live: Live,
    definition: TriggerDefinition,
    tick: PolledTick,
  ): Promise<PollOutcome> {
    live.polling = true;
    try {
      return await this.core.poller.poll(live, definition, tick);
    } finally {
      live.polling = false;
      if (live.dueWhilePolling) {
        live.dueWhilePolling = false;
        queueMicrotask(() => this.#dueAgain(live));
      }
    }
  }

  /** A trigger that came due during its poll: plan it now, as at a wake. */
  #dueAgain(live: Live): void {
    if (!this.core.owns(live) || this.core.live.get(live.name) !== live) return;
    this.#onDue(live, this.core.clock.now());
    this.arm();
  }

  /**
   * After a restore: resume every run in flight from provenance (a run being cancelled
   * is only ended, `cancelled`), then schedule. Pending fires start as runs end.
   */
  resumeAndSchedule(live: Live): void {
    if (live.broken !== undefined || live.definition === undefined) return;
    const state = stateOf(live);
    if (state === "firing" || state === "disabled") {
      for (const fire of live.snapshot.context.inFlight) {
        if (!live.runs.has(fire.runId)) this.core.runs.start(live, fire, true);
      }
    }
    if (state === "active" || state === "firing") this.schedule(live);
    this.core.backfills.resume(live);
  }

  /**
   * Whether `adoptEditedSchedules` may act on `stored`: a start keeps only such rows (few)
   * and lets the others go as they are read. False when the trigger's `Live` has nothing
   * queued, its policy and the row's schedule and `maxFires` are the definition's.
   */
  mayAdopt(stored: StoredActivation): boolean {
    const live = this.core.live.get(stored.record.name);
    const definition = live?.definition;
    if (live === undefined || definition === undefined) return true;
    return (
      live.chain !== SETTLED ||
      !this.core.fires.keepsPolicy(live, definition) ||
      !storedAsDefined(stored, definition)
    );
  }

  /**
   * A definition whose schedule changed since it was stored moves on from now with the
   * new schedule: ticks the old schedule never had are not "owed", so no surprise fire.
   * A changed overlap policy is adopted by the machine (a journaled CONFIGURE). `from`
   * is the instant the new schedule moves on from: this start (`live.since`) by default,
   * now for a data trigger changed while it runs.
   * A changed `maxFires` is a changed schedule too: a limit raised after it ended resumes
   * from then, without firing the ticks it did not have meanwhile.
   */
  async adoptEditedSchedules(all: readonly StoredActivation[], from?: number): Promise<void> {
    const core = this.core;
    for (const stored of all) {
      const live = core.live.get(stored.record.name);
      const definition = live?.definition;
      if (live === undefined || definition === undefined) continue;
      // Nothing queued and the policy as defined: no step to wait for (10,000 awaits at
      // a start otherwise, each leaving its promises to the old generation).
      if (live.chain !== SETTLED || !core.fires.keepsPolicy(live, definition)) {
        await serial(live, () => core.fires.adoptPolicy(live, definition));
      }
      if (storedAsDefined(stored, definition)) continue;
      const config = configOf(definition);
      const at = from ?? live.since;
      live.activatedAt = at;
      const record = {
        kind: "upsertActivation" as const,
        name: live.name,
        dagNsref: definition.dagNsref,
        triggerType: definition.triggerType,
        status: stored.record.status,
        config,
        at,
      };
      await serial(live, () => core.fires.group.commit([record], () => {}, live.name));
    }
  }
}

/** The write of a cursor step, if the poll asked for one. */
function cursorWrites(name: string, step: CursorStep | undefined): TriggerWrite[] {
  return step === undefined ? [] : [{ kind: "cursor", name, cursor: step.value }];
}

/**
 * Whether a stored row's schedule and `maxFires` are the definition's, compared without
 * building the whole configuration (10,000 of them at a start).
 */
function storedAsDefined(stored: StoredActivation, definition: TriggerDefinition): boolean {
  const sameLimit = (stored.record.config.maxFires ?? null) === (definition.maxFires ?? null);
  return sameLimit && sameSchedule(stored.record.config, scheduleConfig(definition.schedule));
}
