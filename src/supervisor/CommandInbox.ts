import type { TriggerCommand } from "../trigger/records.js";
import type { SupervisorCore } from "./SupervisorCore.js";
import { noteOf } from "./TriggerActivation.js";

/** A queued command older than this is never applied (recorded `expired`). */
export const COMMAND_TTL_MS = 60_000;

/**
 * The command inbox: what others queued for this supervisor (the CLI's activate,
 * deactivate, fire and backfill), read about once a second while it serves. A fire's command is
 * marked done in its own write-ahead commit, so a crash cannot fire it twice; activate
 * and deactivate are idempotent and marked done right after.
 *
 * @example
 * ```ts
 * core.commands.watch();
 * ```
 */
export class CommandInbox {
  #cancel: (() => void) | undefined;
  readonly #inFlight = new Set<number>();

  constructor(readonly core: SupervisorCore) {}

  /** Polls the command table about once a second while serving. */
  watch(): void {
    const core = this.core;
    this.#cancel?.();
    if (!core.active) return;
    this.#cancel = core.clock.setTimer(core.clock.now() + 1_000, () => {
      void this.#apply().finally(() => this.watch());
    });
  }

  /** Stops polling (stop, step-down). */
  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  async #apply(): Promise<void> {
    const core = this.core;
    let pending: readonly TriggerCommand[];
    try {
      // Shared triggers: each supervisor applies the commands of the triggers it owns.
      pending = await core.store.pendingCommands();
    } catch (error) {
      core.onError(error, undefined);
      return;
    }
    for (const command of pending) {
      if (!core.active || this.#inFlight.has(command.seq)) continue;
      if (core.clock.now() - command.requestedAt.getTime() > COMMAND_TTL_MS) {
        // Too old to apply: whoever asked has given up (and may have retried), so
        // applying it now could double a fire. Recorded `expired`, never applied.
        await this.#expire(command);
        continue;
      }
      if (!(await this.#mine(command))) continue;
      this.#inFlight.add(command.seq);
      try {
        await this.#applyOne(command);
      } finally {
        this.#inFlight.delete(command.seq);
      }
    }
  }

  async #expire(command: TriggerCommand): Promise<void> {
    const core = this.core;
    const write = {
      kind: "commandDone" as const,
      seq: command.seq,
      state: "expired" as const,
      runId: null,
      error: `expired: not applied within ${COMMAND_TTL_MS / 1000} s of its request`,
      at: core.clock.now(),
    };
    await core.fires.group
      .commit([write], () => {}, command.triggerName)
      .catch((error: unknown) => core.onError(error, command.triggerName));
  }

  /**
   * Shared triggers: the owner applies a trigger's commands; a trigger nobody owns yet
   * (never activated, or its owner died) goes to whoever claims it first.
   */
  async #mine(command: TriggerCommand): Promise<boolean> {
    const core = this.core;
    if (core.mode !== "trigger" || core.owned.has(command.triggerName)) return true;
    const free = !core.leaseView.some(
      (lease) =>
        lease.triggerName === command.triggerName && lease.expiresAt.getTime() > core.clock.now(),
    );
    return (
      free &&
      core.hasTrigger(command.triggerName) &&
      (await core.shares.ensureOwned(command.triggerName).catch(() => false))
    );
  }

  async #applyOne(command: TriggerCommand): Promise<void> {
    const core = this.core;
    const done = (state: "done" | "failed", runId: string | null, error: string | null) => ({
      kind: "commandDone" as const,
      seq: command.seq,
      state,
      runId,
      error,
      at: core.clock.now(),
    });
    try {
      if (command.kind === "fire") {
        const outcome = await core.fires.pushFire(
          command.triggerName,
          command.payload ?? {},
          // A busy trigger records skipped_overlap: the command fails at once with that
          // decision, instead of naming a run that will never exist.
          (runId, runs) => [
            runs
              ? done("done", runId, null)
              : done(
                  "failed",
                  null,
                  "skipped_overlap: the trigger was still running its previous fire (overlap: skip)",
                ),
          ],
          // A command comes from a person (tickflow fire): a manual fire.
          { kind: "manual", ...(command.key === undefined ? {} : { key: command.key }) },
        );
        outcome.result.catch(() => {});
        if (outcome.onRecord === true) {
          // Its key was fired before: nothing was stepped, the command names that run.
          const answer =
            outcome.runId === ""
              ? done("failed", null, "skipped_overlap: the first fire with this key did not run")
              : done("done", outcome.runId, null);
          await core.fires.group.commit([answer], () => {}, command.triggerName);
        }
      } else if (command.kind === "backfill" || command.kind === "cancelBackfill") {
        // tickflow backfill: the options (with the id the CLI chose) are the payload.
        await core.backfills.applyCommand(command);
        await core.fires.group.commit([done("done", null, null)], () => {}, command.triggerName);
      } else {
        // The note travels with the command (its payload).
        const note = noteOf(command.payload);
        await (command.kind === "activate"
          ? core.activation.activate(command.triggerName, note)
          : core.activation.deactivate(command.triggerName, note));
        await core.fires.group.commit([done("done", null, null)], () => {}, command.triggerName);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await core.fires.group
        .commit([done("failed", null, message)], () => {}, command.triggerName)
        .catch((failure: unknown) => core.onError(failure, command.triggerName));
    }
  }
}
