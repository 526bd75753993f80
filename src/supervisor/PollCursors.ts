import { TriggerNotFound } from "../namespace/errors.js";
import { nearest } from "../namespace/nearest.js";
import { jsonProblem } from "../store/jsonProblem.js";
import { CursorInvalid, NotOwner } from "./errors.js";
import { serial, stateOf } from "./Live.js";
import type { CursorSetOptions } from "./ManagerOptions.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/**
 * Reading and resetting poll cursors by hand (`manager.cursor`, `manager.setCursor`,
 * `tickflow cursor`). A reset is one commit: the cursor and a journal entry
 * `CURSOR_SET` (which the machine ignores: the cursor is not machine state), under the
 * same fence as every other write of the trigger.
 *
 * @example
 * ```ts
 * await cursors.set("inbox", { since: 0 }, { by: "alice" });
 * ```
 */
export class PollCursors {
  constructor(readonly core: SupervisorCore) {}

  /** The last committed cursor; `TriggerNotFound` when the trigger was never activated. */
  async read(name: string): Promise<unknown> {
    const record = await this.core.store.getActivation(name);
    if (record === undefined) {
      const names = (await this.core.store.listActivations()).map((a) => a.name);
      throw new TriggerNotFound({ name, nearest: nearest(name, names) });
    }
    return record.cursor;
  }

  /** Sets (or with `undefined` clears) the cursor, journaled; the next poll sees it. */
  async set(name: string, cursor: unknown, options: CursorSetOptions = {}): Promise<void> {
    const core = this.core;
    const problem = cursor === undefined ? undefined : jsonProblem(cursor, "cursor");
    if (problem !== undefined) throw new CursorInvalid({ name, ...problem });
    const live = await core.activation.ownedLive(name);
    await serial(live, async () => {
      if (live.lost) {
        throw new NotOwner({ ownerId: core.ownerId, trigger: name, holder: undefined });
      }
      const event = {
        type: "CURSOR_SET",
        cursor: cursor ?? null,
        ...(options.by === undefined ? {} : { by: options.by }),
        ...(options.note === undefined ? {} : { note: options.note }),
      };
      const at = core.clock.now();
      await core.fires.group.commit(
        [
          { kind: "cursor", name, cursor },
          { kind: "journal", name, event, stateAfter: stateOf(live), at },
        ],
        () => {},
        name,
      );
      live.cursor = cursor;
    });
  }
}
