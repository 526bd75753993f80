import type { FireRef } from "../../machines/trigger.machine.js";
import type { FireContext } from "../dag/NodeContext.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import type { HistoryWrite } from "../provenance/HistoryWrite.js";
import { DagRunner, type DagRunResult } from "../run/DagRunner.js";
import { RunNotFound, RunNotRestartable } from "../run/errors.js";
import type { RunRecording } from "../run/runTypes.js";
import { expectRun } from "../telemetry/runParents.js";
import { dagOfTrigger } from "./dagOfTrigger.js";
import { finalStatus, findLeaseLost, storeWriteFailed } from "./errorCauses.js";
import { NotOwner, TriggerNotActive } from "./errors.js";
import { failuresBefore, pauseNote } from "./failureStreak.js";
import { fencedProvenance } from "./fencedProvenance.js";
import { fireContext, type Live, rejectWaiter, serial, stateOf } from "./Live.js";
import type { SupervisorCore } from "./SupervisorCore.js";
import type { FireWrite } from "./sharedHistory.js";

/** The run is being cancelled by `cancelOther`: its interruption is recorded `cancelled`. */
const isCancelled = (live: Live, runId: string): boolean =>
  live.snapshot.context.cancelling.includes(runId);

/** After the grace, how long an interrupted run may take to wind down before it is cut off. */
const WIND_DOWN_MS = 500;

/**
 * The runs in flight: starting (or resuming from provenance) the DAG run of a committed
 * fire, committing its end, pausing a run cut off by an unreachable database, and at
 * stop the grace, the interruption and the `interrupted` records.
 *
 * @example
 * ```ts
 * core.runs.start(live, fire, false);
 * await core.runs.settle(10_000);
 * ```
 */
export class RunsInFlight {
  /** One runner per trigger and lease epoch: its history writes are fenced by that epoch. */
  readonly #runners = new Map<string, DagRunner>();
  /** Runs given up by stop() after their wind-down: whatever they do later is not recorded. */
  readonly #cutOff = new Set<string>();

  constructor(readonly core: SupervisorCore) {}

  /** Every run in flight, of every trigger. */
  all(): {
    readonly live: Live;
    readonly runId: string;
    readonly run: { controller: AbortController; done: Promise<void> };
  }[] {
    return [...this.core.live.values()].flatMap((live) =>
      [...live.runs].map(([runId, run]) => ({ live, runId, run })),
    );
  }

  /**
   * Runs (or, after a restart, resumes from provenance) the DAG of a committed fire,
   * then commits its end. A resumed run keeps its run id: completed nodes are not run
   * again and the node that was cut off runs with a higher attempt.
   */
  start(
    live: Live,
    fire: FireRef,
    resume: boolean,
    context?: FireContext,
    startRecorded = false,
  ): void {
    const core = this.core;
    const controller = new AbortController();
    // The run's end (and last completion), when the history shares the fire path's
    // connection: committed with the ledger's end, in one transaction.
    const tail: FireWrite[] = [];
    const recording: RunRecording | undefined = core.fires.sharesHistory
      ? {
          startRecorded,
          deferEnd: (writes) => {
            for (const write of writes) tail.push({ kind: "history", write });
          },
        }
      : undefined;
    const done = (async () => {
      core.fault("run:before", [live.name], fire.runId);
      core.emit(live, resume ? "resumed" : "fired", fire.scheduledAt, { runId: fire.runId });
      expectRun(fire.runId, fire.trace, resume);
      // The run has started; its body goes on after the current turn's other starts (the
      // runs a group commit let go start together, none behind another's first steps).
      await undefined;
      let result: DagRunResult;
      let thrown: unknown;
      try {
        result = await this.#run(live, fire, resume, controller.signal, context, recording);
      } catch (error) {
        thrown = error;
        core.onError(error, live.name);
        live.runErrors.set(fire.runId, error instanceof Error ? error.message : String(error));
        result = { runId: fire.runId, status: "failed", outputs: {} };
      }
      if (this.#cutOff.delete(fire.runId)) return;
      if (result.error) live.runErrors.set(fire.runId, result.error.message);
      core.fault("run:after", [live.name], fire.runId);
      const fenced = findLeaseLost(result.error) ?? findLeaseLost(thrown);
      // Its history was refused by the trigger's lease: another supervisor owns it now.
      if (fenced !== undefined && !live.lost) core.shares.drop(live.name, "lost", fenced);
      if (live.lost) {
        // Another supervisor owns the trigger now and resumes this run from provenance;
        // this one records nothing (its fence would refuse it anyway).
        live.runs.delete(fire.runId);
        return;
      }
      if (
        result.status === "failed" &&
        (storeWriteFailed(result.error) || storeWriteFailed(thrown)) &&
        !core.abandoning
      ) {
        // Its history could not be written (the database went away, or is full, locked or
        // read-only): the run did not fail, it was cut off. It stays `firing` and resumes
        // from its history once writes succeed, like after a restart — never `failed` in
        // the ledger while `running` in the history.
        live.runErrors.delete(fire.runId);
        await this.pause(controller.signal);
        live.runs.delete(fire.runId);
        if (core.owns(live) && !core.abandoning) this.start(live, fire, true);
        return;
      }
      // Read before the end is committed: the machine forgets the run then.
      const cancelledEnd = result.status === "interrupted" && isCancelled(live, fire.runId);
      if (result.status === "interrupted" && core.abandoning) {
        // Stopped by stop(): the event is marked interrupted but the machine stays
        // `firing`, so the next start() resumes this run.
        await core.fires.commitQuietly(live, [
          { kind: "updateEvent", eventId: fire.eventId, status: "interrupted" },
          ...tail,
        ]);
      } else {
        await this.#commitEnd(live, fire, result, controller.signal, tail);
        core.fault("end:after", [live.name], fire.runId);
        live.draining = false;
        core.scheduler.drainBacklog(live);
      }
      core.emit(live, "finished", fire.scheduledAt, {
        runId: fire.runId,
        status: cancelledEnd ? "cancelled" : result.status,
        ...(result.error ? { error: result.error.message } : {}),
      });
      live.runs.delete(fire.runId);
      const waiter = live.waiters.get(fire.runId);
      live.waiters.delete(fire.runId);
      waiter?.resolve(result);
    })();
    live.runs.set(fire.runId, { controller, done });
  }

  async #run(
    live: Live,
    fire: FireRef,
    resume: boolean,
    signal: AbortSignal,
    given: FireContext | undefined,
    recording: RunRecording | undefined,
  ): Promise<DagRunResult> {
    const definition = live.definition;
    if (definition === undefined) throw new Error(`trigger "${live.name}" has no definition`);
    const runner = this.#runnerOf(definition, live);
    const context = given ?? (await this.#recordedContext(live, fire));
    const options = {
      runId: fire.runId,
      signal,
      fire: context,
      ...(recording ? { recording } : {}),
    };
    if (!resume) return runner.run(fire.payload, options);
    // Cancelled (`cancelOther`) before the process died: not resumed, only ended.
    if (isCancelled(live, fire.runId)) return runner.endInterrupted(fire.runId);
    // A resumed run's start is on record (or missing: then it starts afresh below).
    const resumed = recording ? { recording: { ...recording, startRecorded: false } } : {};
    return runner
      .restart(fire.runId, {
        allowRunning: true,
        allowChangedDag: true,
        signal,
        fire: context,
        ...resumed,
      })
      .catch((error: unknown): Promise<DagRunResult> | DagRunResult => {
        // The crash came before the run's first commit: nothing ran, start it now.
        if (error instanceof RunNotFound)
          return runner.run(fire.payload, { ...options, ...resumed });
        // The run ended but its end was not yet in the ledger: record that end.
        if (error instanceof RunNotRestartable) {
          return { runId: fire.runId, status: finalStatus(error.status), outputs: {} };
        }
        throw error;
      });
  }

  /**
   * The fire context as the fire's ledger row holds it (kind, fired-at): what a resumed
   * run (or one buffered before a restart) sees, the same as before the crash. A row that
   * is missing (it never is: the row is written ahead) gives what the fire itself holds.
   */
  async #recordedContext(live: Live, fire: FireRef): Promise<FireContext> {
    const row = await this.core.store.loadEvent(fire.eventId);
    return fireContext(
      live.name,
      fire.eventId,
      fire.scheduledAt,
      row?.firedAt.getTime() ?? this.core.clock.now(),
      row?.kind,
    );
  }

  /**
   * A run's end must reach the database, or the trigger stays `firing` for good: any
   * failure but a lost lease (a lock, a full disk, an unreachable database) is tried
   * again every third of the lease until it commits.
   */
  async #commitEnd(
    live: Live,
    fire: FireRef,
    result: DagRunResult,
    signal: AbortSignal,
    tail: readonly FireWrite[],
  ): Promise<void> {
    const core = this.core;
    for (;;) {
      try {
        await serial(live, async () => {
          // Paused first: the pending fires are dropped (as by a deactivate), not started
          // by this end.
          await this.#pauseOnFailures(live, fire, result);
          await core.fires.step(
            live,
            { type: "RUN_FINISHED", runId: fire.runId, status: result.status },
            tail,
          );
        });
        return;
      } catch (error) {
        core.onError(error, live.name);
        if (live.lost || core.abandoning || findLeaseLost(error) !== undefined) return;
        if (error instanceof NotOwner) return;
        await this.pause(signal);
      }
    }
  }

  /**
   * `pauseAfterFailures`: when this failed run makes that many in a row (counted back
   * through the ledger, since the trigger's last status change), the trigger is disabled
   * with a note naming this run and its error, and `onEvent` hears `paused`. Call it
   * inside `serial(live, …)`, before the run's end is stepped. A trigger disabled already
   * (by hand while the run ran, or by an earlier try of this end) is left as it is.
   */
  async #pauseOnFailures(live: Live, fire: FireRef, result: DagRunResult): Promise<void> {
    const core = this.core;
    const limit = live.definition?.pauseAfterFailures;
    if (limit === undefined || result.status !== "failed" || stateOf(live) === "disabled") return;
    const since = (await core.store.getActivation(live.name))?.statusNote?.at.getTime();
    const before = await failuresBefore(core.store, live.name, fire.eventId, since, limit - 1);
    if (before + 1 < limit) return;
    const error = live.runErrors.get(fire.runId) ?? result.error?.message;
    const note = pauseNote(limit, fire.runId, result.failedNode, error);
    await core.activation.disable(live, { note, by: "tickflow" });
    core.emit(live, "paused", fire.scheduledAt, {
      runId: fire.runId,
      ...(error === undefined ? {} : { error }),
    });
  }

  /**
   * The history write of a new run's start for `fire` (the run row, its nodes, its first
   * node starts), to go in the fire's write-ahead commit; `undefined` when the trigger
   * has no definition or its DAG is invalid (the run then records as usual, or fails).
   */
  prepareStart(live: Live, fire: FireRef, now: number): HistoryWrite | undefined {
    const definition = live.definition;
    if (definition === undefined) return undefined;
    return this.#runnerOf(definition, live).prepareStart(fire.payload, fire.runId, now);
  }

  /**
   * A fire whose write-ahead committed after stop() began: no run starts, and its ledger
   * row says `interrupted` (the machine stays `firing`; the next start resumes the run).
   * `startRecordedAt`: its run's start rode in that commit (one connection), so the run
   * is ended `interrupted` too, in the same commit — never left `running` in the history.
   */
  committedDuringStop(live: Live, fire: FireRef, startRecordedAt?: number): void {
    const end: FireWrite[] =
      startRecordedAt === undefined
        ? []
        : [
            {
              kind: "history",
              write: {
                op: "runFinished",
                runId: fire.runId,
                end: {
                  status: "interrupted",
                  finishedAt: startRecordedAt,
                  outputs: {},
                  error: undefined,
                  nodes: [],
                },
              },
            },
          ];
    void this.core.fires.commitQuietly(live, [
      { kind: "updateEvent", eventId: fire.eventId, status: "interrupted" },
      ...end,
    ]);
  }

  /** Waits a third of the lease on the clock, or until `signal` aborts (stop, step-down). */
  pause(signal: AbortSignal): Promise<void> {
    const clock = this.core.clock;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const cancel = clock.setTimer(clock.now() + this.core.leaseMs / 3, () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
      const onAbort = () => {
        cancel();
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * stop()'s wait: runs in flight get `graceMs` to finish, then are interrupted (their
   * end recorded `interrupted`). A run that does not wind down within a short while after
   * (a node ignoring its AbortSignal) is cut off: its ledger row is recorded `interrupted`
   * here, and nothing it does later is recorded, so stop() returns within its grace plus
   * a little whatever a node does.
   */
  async settle(graceMs: number): Promise<void> {
    const runs = this.all();
    if (runs.length === 0) return;
    await this.#within(graceMs, Promise.all(runs.map(({ run }) => run.done)));
    for (const { run } of runs) run.controller.abort();
    await this.#within(WIND_DOWN_MS, Promise.all(runs.map(({ run }) => run.done)));
    for (const { live, runId } of this.all()) {
      this.#cutOff.add(runId);
      live.runs.delete(runId);
      rejectWaiter(live, runId, new TriggerNotActive({ name: live.name, status: "stopping" }));
      const fire = live.snapshot.context.inFlight.find((f) => f.runId === runId);
      if (fire !== undefined) this.committedDuringStop(live, fire);
    }
  }

  /** Waits for `work` or `ms` on the clock, whichever comes first. */
  async #within(ms: number, work: Promise<unknown>): Promise<void> {
    const clock = this.core.clock;
    let cancel = () => {};
    const timeout = new Promise<void>((resolve) => {
      cancel = clock.setTimer(clock.now() + ms, resolve);
    });
    await Promise.race([work, timeout]);
    cancel();
  }

  /** Aborts every run in flight without waiting (a step-down: the next holder resumes them). */
  abortAll(): void {
    for (const { run } of this.all()) run.controller.abort();
  }

  #runnerOf(definition: TriggerDefinition, live: Live): DagRunner {
    const core = this.core;
    const key = `${definition.name}@${core.mode === "trigger" ? live.epoch : core.epoch}`;
    const cached = this.#runners.get(key);
    if (cached) return cached;
    const runner = new DagRunner(dagOfTrigger(core.namespace, definition), {
      provenance: fencedProvenance(core, live) ?? core.provenance,
      dagNsref: definition.dagNsref,
      namespace: core.namespace,
      ...(core.logger ? { logger: core.logger.child({ trigger: definition.name }) } : {}),
      ...(core.services ? { services: core.services } : {}),
    });
    this.forgetRunner(definition.name);
    this.#runners.set(key, runner);
    return runner;
  }

  /** Drops the cached runner of a trigger (runs in flight keep theirs). */
  forgetRunner(name: string): void {
    for (const key of this.#runners.keys()) {
      if (key.startsWith(`${name}@`)) this.#runners.delete(key);
    }
  }

  /** Drops every cached runner (a new lease epoch). */
  forgetAll(): void {
    this.#runners.clear();
  }
}
