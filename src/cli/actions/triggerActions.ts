import type { Command } from "commander";
import { checkFireKey } from "../../supervisor/FireKeys.js";
import type { CommandKit } from "../CommandKit.js";
import { NotApplicable, SupervisorRunning } from "../errors.js";
import { parseOption } from "../parseOption.js";
import { outcomeOf, printRunOutcome, type RunOutcome } from "../printRunOutcome.js";
import { viaSupervisor } from "../viaSupervisor.js";
import { withManager } from "../withManager.js";

/** Runs the action in process, or hands it to the supervisor that holds the lease (see `viaSupervisor`). */
export async function directOrQueued<T, U>(
  direct: () => Promise<T>,
  queued: () => Promise<U>,
): Promise<T | U> {
  try {
    return await direct();
  } catch (error) {
    if (error instanceof SupervisorRunning) return queued();
    throw error;
  }
}

/** The flags `activate` and `deactivate` share: the note of the change, and `--json`. */
export interface StatusChangeFlags {
  readonly note?: string;
  readonly by?: string;
  readonly json?: boolean;
}

/**
 * `activate` and `deactivate`: in process, or queued for the running supervisor with the
 * note in the command's payload; then what happened, as a line or as JSON.
 */
async function changeStatus(
  kit: CommandKit,
  kind: "activate" | "deactivate",
  trigger: string,
  options: StatusChangeFlags & { module?: string },
  command: Command,
): Promise<void> {
  const note = {
    ...(options.note === undefined ? {} : { note: options.note }),
    ...(options.by === undefined ? {} : { by: options.by }),
  };
  const queued = await directOrQueued(
    async () => {
      await withManager(
        kit,
        command,
        options.module,
        (m) => {
          // Past the lease: no supervisor runs, so this process needs the definition.
          if (kind === "activate" && options.module === undefined) {
            throw new NotApplicable({
              what: `activate "${trigger}"`,
              reason:
                "needs the module that defines the trigger when no supervisor is running (a running one has it and is handed the command)",
              hint: "add --module <path>, or start the supervisor first",
            });
          }
          return kind === "activate" ? m.activate(trigger, note) : m.deactivate(trigger, note);
        },
        // Without a module there is nothing to create a database for.
        { createDatabase: kind === "activate" && options.module !== undefined },
      );
      return false;
    },
    async () => {
      await viaSupervisor(
        kit,
        command,
        kind,
        trigger,
        Object.keys(note).length > 0 ? note : undefined,
      );
      return true;
    },
  );
  const status = kind === "activate" ? "active" : "disabled";
  if (options.json) {
    kit.out.json({ trigger, status, ...note, viaSupervisor: queued });
    return;
  }
  const why = options.note === undefined ? "" : `: ${options.note}`;
  const who = options.by === undefined ? "" : ` (by ${options.by})`;
  kit.out.line(`${kind}d ${trigger}${why}${who}`);
}

/** `activate`'s work, loaded when the command runs (see ../commands/triggerActions.ts). */
export function activateAction(
  kit: CommandKit,
  trigger: string,
  options: StatusChangeFlags & { module?: string },
  command: Command,
): Promise<void> {
  return changeStatus(kit, "activate", trigger, options, command);
}

/** `deactivate`'s work, loaded when the command runs. */
export function deactivateAction(
  kit: CommandKit,
  trigger: string,
  options: StatusChangeFlags & { module?: string },
  command: Command,
): Promise<void> {
  return changeStatus(kit, "deactivate", trigger, options, command);
}

/** `fire`'s work, loaded when the command runs. */
export async function fireAction(
  kit: CommandKit,
  trigger: string,
  options: { module: string; payload: string; key?: string; json?: boolean },
  command: Command,
): Promise<void> {
  const payload = parseOption.payload("--payload", options.payload);
  // Checked before anything is opened or queued: a bad key never reaches a supervisor.
  const key = options.key === undefined ? undefined : checkFireKey(trigger, options.key);
  const keyed = key === undefined ? {} : { key };
  const result: RunOutcome = await directOrQueued(
    async () =>
      outcomeOf(
        await withManager(kit, command, options.module, (m) =>
          // Fired by a person: a manual fire, whatever the trigger's type.
          m.fire(trigger, payload, { kind: "manual", ...keyed }),
        ),
      ),
    async () => {
      const outcome = await viaSupervisor(kit, command, "fire", trigger, payload, key);
      return {
        runId: outcome.runId ?? "-",
        status: outcome.status ?? "running",
        outputs: (outcome.outputs ?? {}) as Readonly<Record<string, unknown>>,
      };
    },
  );
  printRunOutcome(kit.out, `fired ${trigger}`, result, options.json);
}
