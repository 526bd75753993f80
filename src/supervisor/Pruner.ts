import type { PrunableHistory, PruneReport, PruneTarget } from "../retention/pruneHistory.js";
import { type ResolvedRetention, resolveRetention } from "../retention/RetentionOptions.js";
import { LeaseLost } from "../trigger/LeaseLost.js";
import type { Fence } from "../trigger/TriggerBackend.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/**
 * The background pruner: every `retention.everyMs` (on the injected clock) while the
 * supervisor fires, it deletes history past its retention in small fenced batches,
 * yielding between them so ticks are not held back. A leader prunes every trigger under
 * the database lease; a member only the triggers it owns, each under its own lease; a
 * standby nothing. One pass at a time; a pass that loses its lease just ends.
 *
 * @example
 * ```ts
 * core.pruner.start(); // with the supervisor; core.pruner.cancel() on stop
 * ```
 */
export class Pruner {
  readonly retention: ResolvedRetention;
  #cancel: (() => void) | undefined;
  #pass: Promise<unknown> | undefined;
  #stopped = true;

  constructor(readonly core: SupervisorCore) {
    this.retention = resolveRetention(core.retentionOptions);
  }

  /** Whether any kind is pruned at all. */
  get enabled(): boolean {
    const r = this.retention;
    return r.events !== undefined || r.journal !== undefined || r.runs !== undefined;
  }

  /** Arms the timer (again after a step-down and a new lead: once). */
  start(): void {
    if (!this.enabled || !this.#stopped) return;
    this.#stopped = false;
    this.#arm();
  }

  /** Stops the timer; a pass under way ends after its current batch. */
  async cancel(): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
    await this.#pass?.catch(() => {});
  }

  #arm(): void {
    if (this.#stopped) return;
    const clock = this.core.clock;
    this.#cancel = clock.setTimer(clock.now() + this.retention.everyMs, () => {
      this.#cancel = undefined;
      this.#pass = this.runOnce({ background: true })
        .catch((error: unknown) => {
          if (!(error instanceof LeaseLost)) this.core.onError(error, undefined);
        })
        .finally(() => this.#arm());
    });
  }

  /** One pass now, with the configured ages (also `manager.prune()` without options). */
  async runOnce(cut?: {
    readonly olderThanMs?: number;
    readonly dryRun?: boolean;
    /** A background pass: it ends early when the pruner is cancelled. */
    readonly background?: boolean;
  }): Promise<PruneReport> {
    // retention/ sits above supervisor/ (it folds the journal as inspect/ does): a lazy
    // import keeps the module graph one-way, as `manager.inspect()` does.
    const { pruneHistory } = await import("../retention/pruneHistory.js");
    const now = this.core.clock.now();
    const r = this.retention;
    const before = (age: number | undefined) =>
      cut?.olderThanMs !== undefined
        ? now - cut.olderThanMs
        : age === undefined
          ? undefined
          : now - age;
    const events = before(r.events);
    const journal = before(r.journal);
    const runs = before(r.runs);
    return pruneHistory(
      this.#target(cut?.background ?? false),
      {
        ...(events === undefined ? {} : { events }),
        ...(journal === undefined ? {} : { journal }),
        ...(runs === undefined ? {} : { runs }),
      },
      { batchSize: r.batchSize, now, dryRun: cut?.dryRun ?? false },
    );
  }

  /** Whose rows this supervisor may prune, and the fence of each write. */
  #target(background: boolean): PruneTarget {
    const core = this.core;
    const history = core.provenance as Partial<PrunableHistory>;
    const started = core.state !== "stopped";
    const fenceFor = (trigger: string): Fence | null | undefined => {
      // Not started: a by-hand prune (the CLI holds the database lease around it).
      if (!started) return undefined;
      if (core.mode === "database") {
        return core.leading && core.epoch !== undefined
          ? { kind: "database", owner: core.ownerId, epoch: core.epoch }
          : null;
      }
      const epoch = core.owned.get(trigger);
      return core.state === "member" && epoch !== undefined
        ? { kind: "triggers", owner: core.ownerId, epochs: new Map([[trigger, epoch]]) }
        : null;
    };
    return {
      store: core.store,
      history:
        typeof history.pruneRuns === "function" && typeof history.countPrunableRuns === "function"
          ? (history as PrunableHistory)
          : undefined,
      fenceFor,
      // Shared triggers: any member may prune finished runs (deleting them twice is
      // harmless), fenced by every lease it holds so that a member that lost them cannot.
      runsFence: () => {
        if (!started) return undefined;
        if (core.mode === "database") return fenceFor("");
        if (core.state !== "member" || core.owned.size === 0) return null;
        return { kind: "triggers", owner: core.ownerId, epochs: new Map(core.owned) };
      },
      stopped: () => background && this.#stopped,
    };
  }
}
