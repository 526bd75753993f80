import type { Command } from "commander";
import { Namespace } from "../../namespace/Namespace.js";
import { TriggerManager } from "../../supervisor/TriggerManager.js";
import type { CommandKit } from "../CommandKit.js";
import { OptionsConflict } from "../errors.js";
import { parseOption } from "../parseOption.js";
import { withManager } from "../withManager.js";

/** The flags of `tickflow cursor`. */
export interface CursorFlags {
  readonly set?: string;
  readonly clear?: boolean;
  readonly module?: string;
  readonly note?: string;
  readonly by?: string;
  readonly json?: boolean;
}

/** The `cursor` command's work, loaded when the command runs (see ../commands/cursor.ts). */
export async function cursorAction(
  kit: CommandKit,
  trigger: string,
  options: CursorFlags,
  command: Command,
): Promise<void> {
  if (options.set !== undefined && options.clear) {
    throw new OptionsConflict({
      options: ["--set", "--clear"],
      choices: [
        `Set the cursor: tickflow cursor ${trigger} --set ${shellQuoted(options.set)}`,
        `clear it: tickflow cursor ${trigger} --clear`,
      ],
    });
  }
  let cursor: unknown;
  let changed = false;
  if (options.set !== undefined || options.clear) {
    // Checked first, with the option's own typed error (`InvalidOption`).
    const value =
      options.set === undefined
        ? undefined
        : parseOption.json("--set", options.set, `--set '{"since": 42}'`);
    const how = {
      ...(options.note === undefined ? {} : { note: options.note }),
      ...(options.by === undefined ? {} : { by: options.by }),
    };
    // Holding the database lease; refused (SupervisorRunning) while a supervisor runs.
    await withManager(kit, command, options.module, (m) => m.setCursor(trigger, value, how));
    cursor = value;
    changed = true;
  } else {
    // Reading writes nothing: it works beside a running supervisor.
    const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
    try {
      const manager = new TriggerManager({
        namespace: new Namespace(),
        store: dbs.triggers as NonNullable<typeof dbs.triggers>,
      });
      cursor = await manager.cursor(trigger);
    } finally {
      await dbs.close();
    }
  }
  if (options.json) {
    kit.out.json({ trigger, cursor: cursor ?? null, set: cursor !== undefined, changed });
    return;
  }
  const shown = cursor === undefined ? "(none)" : JSON.stringify(cursor);
  kit.out.line(changed ? `cursor of ${trigger} set to ${shown}` : shown);
}

/** `text` as one shell word: bare when it is plain, else in single quotes. */
function shellQuoted(text: string): string {
  return /^[\w.:,+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
