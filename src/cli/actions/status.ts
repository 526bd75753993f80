import type { Command } from "commander";
import { fireLimitText } from "../../inspect/fireLimit.js";
import { inspect, type TriggerInspection } from "../../inspect/inspect.js";
import type { StatusNote } from "../../trigger/records.js";
import type { CommandKit } from "../CommandKit.js";
import { loadNamespace } from "../loadNamespace.js";
import { when } from "../when.js";

/** A stored next fire this far in the past means no supervisor is firing this trigger. */
const OVERDUE_MS = 5_000;

/** The `status` command's work, loaded when the command runs (see ../commands/status.ts). */
export async function statusAction(
  kit: CommandKit,
  options: { module?: string; json?: boolean },
  command: Command,
): Promise<void> {
  const namespace =
    options.module === undefined ? undefined : await loadNamespace(options.module, kit.io.cwd);
  const dbs = await kit.open(command, {
    mode: "read",
    triggers: "required",
    provenance: "optional",
  });
  try {
    const triggers = await inspect(dbs.triggers as NonNullable<typeof dbs.triggers>, {
      now: Date.now(),
      ...(namespace === undefined ? {} : { namespace }),
      ...(dbs.provenance === undefined ? {} : { provenance: dbs.provenance }),
    });
    if (options.json) {
      kit.out.json(triggers);
      return;
    }
    printStatus(kit, triggers);
  } finally {
    await dbs.close();
  }
}

function printStatus(kit: CommandKit, triggers: readonly TriggerInspection[]): void {
  const out = kit.out;
  const c = out.color;
  if (triggers.length === 0) {
    out.line("No triggers are stored yet. Start a supervisor: tickflow start <module>");
    return;
  }
  const now = Date.now();
  const rows = triggers.map((t) => {
    let state = t.state === undefined ? c.red("unreadable") : out.status(t.state);
    if (t.status === "not activated") state = out.status("not activated");
    if (t.definitionPresent === false) state += c.yellow(" (not in module)");
    // Why it is paused (or was resumed), by whom, since when; cut to the column's width
    // (--json and explain give it whole).
    if (noteWorthShowing(t.status, t.statusNote)) {
      for (const line of noteCell(t.statusNote, now)) state += `\n${c.dim(line)}`;
    }
    if (t.cursor !== undefined) {
      state += `\n${c.dim(cut(`cursor ${JSON.stringify(t.cursor)}`, STATE_WIDTH))}`;
    }
    let next = when(t.nextFireAt, now, { seconds: true });
    if (t.nextFireAt !== undefined && t.nextFireAt.getTime() < now - OVERDUE_MS) {
      next += c.yellow("\noverdue: no supervisor running?");
    }
    // Past its endAt the schedule has no next tick: say so instead of a bare "-".
    if (t.nextFireAt === undefined && t.endAt !== undefined && t.endAt.getTime() <= now) {
      next = c.dim(`ended: endAt ${when(t.endAt, now)}`);
    }
    // maxFires: what is left, or that the schedule ended (as past an endAt).
    if (t.fireLimit !== undefined) {
      const limit = c.dim(fireLimitText(t.fireLimit));
      next = t.fireLimit.remaining === 0 ? limit : `${next}\n${limit}`;
    }
    const schedule =
      t.schedule === undefined
        ? c.dim("push")
        : `${t.schedule}${t.timezone ? ` ${c.dim(t.timezone)}` : ""}`;
    const last =
      t.lastRun === undefined
        ? c.dim("-")
        : `${out.status(t.lastRun.status)} ${when(t.lastRun.at, now, { seconds: true })}\n${c.dim(t.lastRun.runId)}`;
    const nextPending = t.pending[0];
    const inFlight = [
      ...t.inFlight.map(
        (f) => `run ${f.runId}${t.cancelling.includes(f.runId) ? c.dim(" (cancelling)") : ""}`,
      ),
      nextPending
        ? `+${t.pending.length} buffered${nextPending.scheduledAt ? ` (next: tick ${when(nextPending.scheduledAt)})` : ""}`
        : undefined,
      t.problem ? c.red(t.problem) : undefined,
      // Backfills still running: how far each got.
      ...t.backfills.map((b) =>
        c.dim(
          `backfill ${b.id.slice(0, 8)}: ${b.fired} fired, at ${b.position?.toISOString() ?? "start"} of [${b.from.toISOString()}, ${b.to.toISOString()})`,
        ),
      ),
    ]
      .filter((part) => part !== undefined)
      .join("\n");
    const counts = Object.entries(t.counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${n} ${status}`)
      .join(", ");
    // Several supervisors share the triggers on PostgreSQL: say which one owns each.
    const owner =
      t.owner?.live === true
        ? `${t.owner.ownerId}\n${c.dim(`epoch ${t.owner.epoch}`)}`
        : c.dim("-");
    return [
      t.name,
      t.source === "data" ? c.cyan("data") : c.dim("code"),
      state,
      schedule,
      next,
      last,
      inFlight || c.dim("-"),
      owner,
      counts || c.dim("none"),
    ];
  });
  out.line(
    out.table(
      [
        "TRIGGER",
        "FROM",
        "STATE",
        "SCHEDULE",
        "NEXT FIRE",
        "LAST RUN",
        "IN FLIGHT",
        "OWNER",
        "LEDGER",
      ],
      rows,
    ),
  );
}

/**
 * Widest line the STATE column gets from a note or a cursor: a long pause note (it names
 * a run and its error) is cut with "…" rather than widening the table.
 */
const STATE_WIDTH = 36;

/** `text` on one line, cut to `width` characters with "…". */
function cut(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

/**
 * A status note in the STATE column: the note (quoted, cut to fit), then who and when;
 * no line wider than {@link STATE_WIDTH}.
 */
function noteCell(note: StatusNote, now: number): string[] {
  const said = note.note === undefined ? [] : [`"${cut(note.note, STATE_WIDTH - 2)}"`];
  const who = note.by === undefined ? "changed" : `by ${note.by}`;
  return [...said, cut(`${who}, ${when(note.at, now)}`, STATE_WIDTH)];
}

/**
 * A status note in one line: `"vendor API down" by alice, 2 h ago`; a note longer than
 * `max` characters is cut there with "…" (the status table; `explain` shows it whole).
 *
 * @example
 * ```ts
 * noteLine({ note: "INC-42", by: "alice", at }, Date.now()); // '"INC-42" by alice, 5 min ago'
 * ```
 */
export function noteLine(note: StatusNote, now: number, max = Number.POSITIVE_INFINITY): string {
  const text =
    note.note !== undefined && note.note.length > max
      ? `${note.note.slice(0, max - 1)}…`
      : note.note;
  const parts = [
    text === undefined ? undefined : JSON.stringify(text),
    note.by === undefined ? undefined : `by ${note.by}`,
  ].filter((part) => part !== undefined);
  return parts.length === 0
    ? `since ${when(note.at, now)}`
    : `${parts.join(" ")}, ${when(note.at, now)}`;
}

/**
 * Whether a trigger's status note says anything: a note or who, or when it was paused.
 * Every activation records one (its instant restarts `pauseAfterFailures`' count), so an
 * active trigger nobody wrote a note for shows none.
 */
export function noteWorthShowing(status: string, note: StatusNote | undefined): note is StatusNote {
  return (
    note !== undefined &&
    (note.note !== undefined || note.by !== undefined || status === "disabled")
  );
}
