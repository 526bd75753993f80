import { randomUUID } from "node:crypto";
import * as Either from "effect/Either";
import * as ParseResult from "effect/ParseResult";
import { type Actor, createActor } from "xstate";
import {
  type FireRef,
  TRIGGER_MACHINE_VERSION,
  type TriggerEvent,
  type TriggerSnapshot,
  triggerMachine,
  triggerStateOf,
} from "../../machines/trigger.machine.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import type { HistoryWrite } from "../provenance/HistoryWrite.js";
import type { DagRunResult } from "../run/DagRunner.js";
import { jsonProblem } from "../store/jsonProblem.js";
import { fireCommitted, startFireSpan } from "../telemetry/fireSpan.js";
import { groupCommitted } from "../telemetry/supervisorMetrics.js";
import { LeaseLost } from "../trigger/LeaseLost.js";
import type { TriggerEventRecord } from "../trigger/records.js";
import type { Fence } from "../trigger/TriggerBackend.js";
import type { TriggerWrite } from "../trigger/TriggerWrite.js";
import { dagOfTrigger } from "./dagOfTrigger.js";
import {
  FireKindInvalid,
  NotOwner,
  PayloadInvalid,
  TriggerBusy,
  TriggerNotActive,
} from "./errors.js";
import { checkFireKey, type FireOutcome, outcomeOnRecord } from "./FireKeys.js";
import { GroupCommit } from "./GroupCommit.js";
import { fireContext, type Live, rejectWaiter, serial, stateOf } from "./Live.js";
import { fireRow, machineInput, scheduledFires } from "./ledgerRows.js";
import type { SupervisorCore } from "./SupervisorCore.js";
import { type FireWrite, type HistoryAlongside, sharedHistory } from "./sharedHistory.js";

/**
 * The fire path: an event for a trigger's machine → the pure step → the writes it
 * implies, committed with others due in the same turn (group commit, fenced by the
 * lease) → only then its effects (a run started, a caller answered).
 *
 * Invariants:
 * 1. Write-ahead: no run starts, and no caller hears of a fire, before the ledger row,
 *    the snapshot and the journal row that allow it are on disk.
 * 2. Memory never runs ahead of the disk: a failed commit reverts the snapshot.
 * 3. A trigger's events are stepped one after another (`serial`), never interleaved.
 * 4. Only the lease holder writes: every commit carries its fence, checked inside the
 *    transaction.
 *
 * @example
 * ```ts
 * await core.fires.pushFire("orders", { id: 1 }, () => []);
 * ```
 */
export class FirePath {
  readonly group: GroupCommit<FireWrite>;
  /** How run-history writes join this path's commits; `undefined`: they cannot. */
  readonly #history: HistoryAlongside | undefined;

  constructor(readonly core: SupervisorCore) {
    this.group = new GroupCommit(
      (writes, triggers) => this.#applyBatch(writes, triggers),
      () => core.clock.now(),
    );
    this.#history = sharedHistory(core);
  }

  /** Whether run-history writes can ride in this path's commits (one connection). */
  get sharesHistory(): boolean {
    return this.#history !== undefined;
  }

  /**
   * A push fire; `extra(runId, runs)` adds writes to its write-ahead commit (a command's
   * completion): `runs` says whether the fire starts or keeps a run (`false`: the
   * trigger was busy and the fire is recorded `skipped_overlap`, no run will exist).
   * Resolves once that commit landed, with the run's result to come. With a `key`
   * already on record for the trigger, nothing is stepped: the answer is that fire's.
   */
  async pushFire(
    name: string,
    payload: Record<string, unknown>,
    extra: (runId: string, runs: boolean) => readonly FireWrite[],
    options: { readonly kind?: "push" | "manual"; readonly key?: string } = {},
  ): Promise<FireOutcome> {
    const core = this.core;
    core.activation.refuseStandby();
    await core.loader.ensureLoaded();
    const definition = core.getTrigger(name);
    const kind: unknown = options.kind;
    if (kind !== undefined && kind !== "push" && kind !== "manual") {
      throw new FireKindInvalid({ name, kind });
    }
    const key = options.key === undefined ? undefined : checkFireKey(name, options.key);
    // A key on record answers before anything else: its fire may run in another process.
    const known = key === undefined ? undefined : await core.store.loadEventByKey(name, key);
    if (known !== undefined) return outcomeOnRecord(core, core.live.get(name), definition, known);
    if (core.mode === "trigger" && !(await core.shares.ensureOwned(name))) {
      throw new NotOwner({
        ownerId: core.ownerId,
        trigger: name,
        holder: core.shares.ownerOf(name),
      });
    }
    const live = core.live.get(name);
    const status = live === undefined ? "inactive" : stateOf(live);
    if (live === undefined || status === "inactive" || status === "disabled") {
      throw new TriggerNotActive({ name, status });
    }
    this.checkPayload(definition, payload);
    const fire: FireRef = {
      runId: randomUUID(),
      eventId: randomUUID(),
      scheduledAt: null,
      payload,
    };
    const result = new Promise<DagRunResult>((resolve, reject) =>
      live.waiters.set(fire.runId, { resolve, reject }),
    );
    // A fire from code is a push on a push trigger and manual on a scheduled one, unless
    // the caller says (the CLI's fire is always manual).
    live.kinds.set(
      fire.eventId,
      options.kind ?? (definition.triggerType === "push" ? "push" : "manual"),
    );
    if (key !== undefined) live.keys.set(fire.eventId, key);
    // If the fire's own commit fails, the caller gets that error and `result` is never
    // handed out: its later rejection (the trigger dropped) must not go unhandled.
    result.catch(() => {});
    let earlier: TriggerEventRecord | undefined;
    try {
      await serial(live, async () => {
        // Looked up again in the trigger's turn: a fire with this key stepped meanwhile
        // (in this process) is on disk by now.
        earlier = key === undefined ? undefined : await core.store.loadEventByKey(name, key);
        if (earlier !== undefined) return;
        const event: TriggerEvent = {
          type: "FIRE",
          runId: fire.runId,
          eventId: fire.eventId,
          payload,
        };
        // The outcome, computed purely before the commit: the command's record goes in
        // the same transaction as the fire's own ledger row.
        const [, actions] = core.stepper.step(live.snapshot, event);
        const runs = actions.some((a) => a.type === "startRun" || a.type === "bufferTick");
        return this.step(live, event, extra(fire.runId, runs));
      });
    } catch (error) {
      // Another process committed this key first: the unique index failed this commit
      // (reverted whole, the snapshot with it), so the winner's fire is the answer.
      earlier = key === undefined ? undefined : await core.store.loadEventByKey(name, key);
      if (earlier === undefined) throw error;
    } finally {
      live.keys.delete(fire.eventId);
    }
    if (earlier !== undefined) {
      live.waiters.delete(fire.runId);
      live.kinds.delete(fire.eventId);
      return outcomeOnRecord(core, live, definition, earlier);
    }
    return { runId: fire.runId, result };
  }

  /**
   * `PayloadInvalid` when JSON cannot carry the payload (it would live in the snapshot,
   * the journal and the ledger) or it does not match a source node's input schema.
   */
  checkPayload(definition: TriggerDefinition, payload: Record<string, unknown>): void {
    const problem = jsonProblem(payload);
    if (problem !== undefined) {
      throw new PayloadInvalid({
        name: definition.name,
        nodeLabel: "",
        field: problem.path,
        reason: problem.reason,
      });
    }
    const dag = dagOfTrigger(this.core.namespace, definition);
    for (const source of dag.sources()) {
      const schema = source.spec.options.input;
      if (schema === undefined) continue;
      // ParseResult's decoder, not Schema's: the same check without loading effect/Schema.
      const decoded = ParseResult.decodeUnknownEither(schema)(payload);
      if (Either.isLeft(decoded)) {
        const [first] = ParseResult.ArrayFormatter.formatIssueSync(decoded.left);
        throw new PayloadInvalid({
          name: definition.name,
          nodeLabel: source.label,
          field: (first?.path ?? []).map(String).join("."),
          reason: first?.message ?? "does not match",
        });
      }
    }
  }

  /**
   * One machine transition: computed purely, committed with the ledger writes it implies
   * (and `extra`) in the group transaction, and only then acted on. Call it inside
   * `serial(live, …)` (invariant 3).
   *
   * Only the transition happens here: the rows are made when the group commits, stamped
   * with the batch's one instant (a tick's `fired_at` is when its write-ahead began, not
   * when it was queued behind the other ticks due with it), and the effects (a run
   * started…) run in the group's loop right after the commit, every step of the batch
   * one after another, before any promise continuation.
   */
  async step(live: Live, input: TriggerEvent, extra: readonly FireWrite[] = []): Promise<void> {
    const core = this.core;
    if (live.lost) {
      // Given up (another supervisor owns the trigger now): this copy writes nothing more.
      throw new NotOwner({ ownerId: core.ownerId, trigger: live.name, holder: undefined });
    }
    // The fire's kind as its ledger row will say (tick, catchUp, push, manual…).
    const kind =
      input.type === "TICK" || input.type === "FIRE" ? live.kinds.get(input.eventId) : undefined;
    const traced = startFireSpan(live.name, input, core.clock.now(), extra, kind);
    const event = traced?.event ?? input;
    const before = live.snapshot;
    const [next, actions] = core.stepper.step(before, event);
    const changed = next !== before;
    this.#forgetUnused(live, event, actions);
    const planned = actions.map((action) => this.#plan(live, event, action));
    if (extra.length === 0 && !changed && !planned.some((p) => p.writes !== undefined)) {
      return traced?.end(actions);
    }
    let counted = 0;
    const writes = (at: number): FireWrite[] => {
      const all: FireWrite[] = [...extra];
      if (changed) {
        all.push(
          {
            kind: "snapshot",
            name: live.name,
            snapshot: triggerMachine.getPersistedSnapshot(next),
            machineVersion: TRIGGER_MACHINE_VERSION,
            state: triggerStateOf(next),
          },
          { kind: "journal", name: live.name, event, stateAfter: triggerStateOf(next), at },
        );
      }
      for (const p of planned) if (p.writes !== undefined) all.push(...p.writes(at));
      // maxFires: the scheduled fires of this step are counted in their own write-ahead
      // commit, so the count on disk always equals the fires on record.
      counted = live.definition?.maxFires === undefined ? 0 : scheduledFires(all);
      if (counted > 0) all.push({ kind: "countFires", name: live.name, count: counted });
      return all;
    };
    // Invariant 2: the snapshot moves now (later steps build on it) and moves back if
    // the commit fails.
    live.snapshot = next;
    const commit = this.group.commit(
      writes,
      () => (live.snapshot = before),
      live.name,
      (at) => {
        // Invariant 1: everything here happens only after the commit.
        live.firesUsed += counted;
        if (core.inspect !== undefined && changed) this.#mirror(live, before).send(event);
        for (const p of planned) p.effect?.(at);
        // A backfill of this trigger may go on now (a run ended, the trigger was freed).
        core.backfills.stepped(live);
      },
    );
    await fireCommitted(traced, actions, commit);
  }

  /**
   * What one action of a step writes (made at the batch's instant) and does once that is
   * committed.
   */
  #plan(
    live: Live,
    event: TriggerEvent,
    action: { readonly type: string; readonly params?: unknown },
  ): {
    readonly writes?: (at: number) => readonly FireWrite[];
    readonly effect?: (at: number) => void;
  } {
    const core = this.core;
    const params = (action.params ?? {}) as {
      fire?: FireRef;
      buffered?: boolean;
      runId?: string;
      eventId?: string;
      status?: string;
    };
    const fire = params.fire;
    switch (action.type) {
      case "startRun": {
        if (fire === undefined) return {};
        let startRecorded = false;
        // Read now (its kind, key, backfill), stamped when the batch commits.
        const inserted = params.buffered === true ? undefined : fireRow(live, fire, 0, "running");
        return {
          writes: (at) => {
            // A fire kept pending has its ledger row (`buffered`) already, also after a
            // restart: the machine says so, not this process's memory.
            const row: FireWrite =
              inserted === undefined
                ? { kind: "updateEvent", eventId: fire.eventId, status: "running", firedAt: at }
                : { ...inserted, firedAt: at };
            // The run's start (and its first nodes') in this same write-ahead commit, when
            // the history shares the connection: the run then does not write it again.
            const start = this.#history ? core.runs.prepareStart(live, fire, at) : undefined;
            startRecorded = start !== undefined;
            return start === undefined ? [row] : [row, { kind: "history", write: start }];
          },
          effect: (at) => {
            // Its kind as its ledger row holds it; unknown here (a fire buffered before a
            // restart), the run reads it from that row.
            const kind = live.kinds.get(fire.eventId);
            live.kinds.delete(fire.eventId);
            const context =
              kind === undefined
                ? undefined
                : fireContext(live.name, fire.eventId, fire.scheduledAt, at, kind);
            if (core.abandoning) {
              // stop() (or a step-down) began while this fire's commit was in flight: it
              // is on disk as running and its machine is firing, so the stop records it
              // interrupted and the next start resumes it; no new run starts now.
              rejectWaiter(
                live,
                fire.runId,
                new TriggerNotActive({ name: live.name, status: "stopping" }),
              );
              core.runs.committedDuringStop(live, fire, startRecorded ? at : undefined);
              return;
            }
            core.runs.start(live, fire, false, context, startRecorded);
          },
        };
      }
      case "recordOverlapSkip": {
        if (fire === undefined) return {};
        const row = fireRow(live, fire, 0, "skipped_overlap");
        return {
          writes: (at) => [{ ...row, firedAt: at, runId: null }],
          effect: () => {
            live.kinds.delete(fire.eventId);
            core.emit(live, "skipped_overlap", fire.scheduledAt, {});
            rejectWaiter(
              live,
              fire.runId,
              new TriggerBusy({ name: live.name, eventId: fire.eventId }),
            );
          },
        };
      }
      case "bufferTick": {
        if (fire === undefined) return {};
        const row = fireRow(live, fire, 0, "buffered");
        return {
          writes: (at) => [{ ...row, firedAt: at }],
          effect: () => core.emit(live, "buffered", fire.scheduledAt, { runId: fire.runId }),
        };
      }
      case "dropPending":
        if (fire === undefined) return {};
        return {
          writes: (at) => [
            { kind: "updateEvent", eventId: fire.eventId, status: "cancelled", finishedAt: at },
          ],
          effect: () => {
            // Dropped by deactivation, or replaced by a newer fire (`cancelOther`).
            live.kinds.delete(fire.eventId);
            rejectWaiter(
              live,
              fire.runId,
              event.type === "DEACTIVATE"
                ? new TriggerNotActive({ name: live.name, status: "disabled" })
                : new TriggerBusy({ name: live.name, eventId: fire.eventId }),
            );
          },
        };
      case "cancelRun": {
        const runId = params.runId;
        if (runId === undefined) return {};
        // Only the abort: the run ends by itself (`interrupted`, recorded `cancelled`
        // by the machine) and its RUN_FINISHED starts the pending fire.
        return {
          effect: () => {
            core.emit(live, "cancelling", null, { runId });
            live.runs.get(runId)?.controller.abort();
          },
        };
      }
      case "runEnded": {
        const { runId, eventId } = params;
        if (runId === undefined || eventId === undefined) return {};
        const error = live.runErrors.get(runId);
        return {
          writes: (at) => {
            return [
              {
                kind: "updateEvent",
                eventId,
                status: params.status ?? "completed",
                finishedAt: at,
                ...(error === undefined ? {} : { error }),
              },
              { kind: "runEnded", name: live.name, runId, at },
            ];
          },
          effect: () => live.runErrors.delete(runId),
        };
      }
      default:
        return {};
    }
  }

  /**
   * A TICK or FIRE the machine takes no action on (a duplicate tick, say) never reaches
   * the ledger: its kind is forgotten now.
   */
  #forgetUnused(
    live: Live,
    event: TriggerEvent,
    actions: readonly { readonly params?: unknown }[],
  ) {
    if (event.type !== "TICK" && event.type !== "FIRE") return;
    const used = actions.some(
      (action) =>
        (action.params as { fire?: FireRef } | undefined)?.fire?.eventId === event.eventId,
    );
    if (!used) live.kinds.delete(event.eventId);
  }

  /**
   * The definition's overlap policy (and `maxConcurrent`) differs from the machine's (the
   * code changed since the snapshot was stored): a journaled CONFIGURE moves the machine
   * to it, so a trigger never silently keeps acting on an old policy. Call it inside
   * `serial(live, …)`.
   */
  async adoptPolicy(live: Live, definition: TriggerDefinition): Promise<void> {
    if (this.keepsPolicy(live, definition)) return;
    const wanted = machineInput(definition);
    const wantedMax = wanted.maxConcurrent ?? null;
    await this.step(live, {
      type: "CONFIGURE",
      overlap: wanted.overlap ?? "skip",
      maxConcurrent: wantedMax,
    });
  }

  /** Whether `adoptPolicy` has nothing to do: broken, or the policy is `definition`'s. */
  keepsPolicy(live: Live, definition: TriggerDefinition): boolean {
    if (live.broken !== undefined) return true;
    const { overlap, maxConcurrent } = live.snapshot.context;
    const wanted = machineInput(definition);
    return overlap === wanted.overlap && maxConcurrent === (wanted.maxConcurrent ?? null);
  }

  /** Commits writes that nothing waits on; a failure is reported, not thrown. */
  async commitQuietly(live: Live, writes: readonly FireWrite[]): Promise<void> {
    await this.group
      .commit(writes, () => {}, live.name)
      .catch((error: unknown) => this.core.onError(error, live.name));
  }

  /**
   * One group transaction, fenced (invariant 4), with the fault steps around it.
   * Database lease: a started supervisor writes only under its lease (a standby holds
   * none, so its check always fails); a stopped one (activating before start) writes
   * unfenced. Trigger leases: always fenced by the lease of every trigger written.
   */
  async #applyBatch(all: readonly FireWrite[], triggers: readonly string[]): Promise<void> {
    const core = this.core;
    core.fault("commit:before", triggers);
    let fence: Fence | undefined;
    if (core.mode === "trigger") {
      fence = {
        kind: "triggers",
        owner: core.ownerId,
        epochs: new Map(triggers.map((name) => [name, core.owned.get(name) ?? -1])),
      };
    } else if (core.state !== "stopped") {
      fence = { kind: "database", owner: core.ownerId, epoch: core.epoch ?? -1 };
    }
    const writes: TriggerWrite[] = [];
    const history: HistoryWrite[] = [];
    for (const write of all) {
      if (write.kind === "history") history.push(write.write);
      else writes.push(write);
    }
    if (history.length > 0 && this.#history === undefined) {
      throw new Error("run-history writes reached a fire-path commit that cannot carry them");
    }
    const alongside = history.length > 0 ? this.#history?.(history) : undefined;
    const startedAt = core.clock.now();
    try {
      await core.store.backend.commit("trigger transition", writes, {
        ...(fence ? { fence } : {}),
        ...(alongside ? { alongside } : {}),
        afterWrites: () => core.fault("commit:inside", triggers),
      });
    } catch (error) {
      if (error instanceof LeaseLost) {
        if (core.mode === "trigger") {
          if (error.trigger !== undefined) core.shares.drop(error.trigger, "lost", error);
        } else core.lease.stepDown(error);
      }
      throw error;
    }
    groupCommitted(all.length, core.clock.now() - startedAt);
    core.fault("commit:after", triggers);
  }

  /** The inspection actor of a trigger, started from `snapshot` the first time. */
  #mirror(live: Live, snapshot: TriggerSnapshot): Actor<typeof triggerMachine> {
    if (live.inspector === undefined) {
      const inspect = this.core.inspect;
      live.inspector = createActor(triggerMachine, {
        snapshot: triggerMachine.getPersistedSnapshot(snapshot) as never,
        input: { name: live.name },
        id: live.name,
        ...(inspect ? { inspect } : {}),
      });
      live.inspector.start();
    }
    return live.inspector;
  }
}
