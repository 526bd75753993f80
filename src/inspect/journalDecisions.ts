/**
 * The decisions a trigger's machine journal records: activations, deactivations, buffered
 * fires, backfills, and where retention cut it (the ledger's are in `explain`).
 */
import type { FireRef } from "../../machines/trigger.machine.js";
import type { JournalCheckpoint } from "../trigger/JournalCheckpoint.js";
import { type BackfillEvent, backfillDecision } from "./backfillDecision.js";
import type { OrderedDecision } from "./Decision.js";
import { formatInstant } from "./formatInstant.js";
import type { ReplayedEntry } from "./replayJournal.js";

/** Where retention cut the history: the journal's checkpoint. */
export function prunedDecision(checkpoint: JournalCheckpoint): OrderedDecision {
  const at = checkpoint.at ?? checkpoint.prunedAt;
  return {
    at,
    kind: "pruned",
    scheduledAt: undefined,
    runId: undefined,
    eventId: undefined,
    status: undefined,
    reason: `journal pruned by retention on ${formatInstant(checkpoint.prunedAt)}: the machine's history up to here is a checkpoint at seq ${checkpoint.seq} (state ${checkpoint.state}); older ledger rows and runs go by their own retention`,
    seq: checkpoint.seq,
    order: checkpoint.seq,
  };
}

export function journalDecisions(
  step: ReplayedEntry,
  config: Readonly<Record<string, unknown>>,
): OrderedDecision[] {
  const { entry, event, before, after } = step;
  const base = { at: entry.at, seq: entry.seq, order: entry.seq, status: undefined };
  const prior = before.context;
  const backfill = backfillDecision(event as unknown as BackfillEvent);
  if (backfill !== undefined) {
    return [
      {
        ...base,
        kind: "backfill",
        scheduledAt: undefined,
        runId: undefined,
        eventId: undefined,
        reason: backfill,
      },
    ];
  }
  switch (event.type) {
    case "ACTIVATE": {
      const again = before.value === "disabled";
      const how =
        typeof config.schedule === "string"
          ? `fires on its schedule "${config.schedule}"${typeof config.timezone === "string" ? ` (${config.timezone})` : ""}`
          : "fires when pushed";
      const reason = again
        ? `activated again after being disabled: it ${how}; ticks due while it was disabled are not owed${
            after.value === "firing" && prior.inFlight.length > 0
              ? `; ${runsText(prior.inFlight)} ${prior.inFlight.length === 1 ? "is" : "are"} still in flight`
              : ""
          }`
        : `activated: it ${how}`;
      return [
        {
          ...base,
          kind: "activated",
          scheduledAt: undefined,
          runId: undefined,
          eventId: undefined,
          reason: `${reason}${noted(event)}`,
          ...noteFields(event),
        },
      ];
    }
    case "DEACTIVATE": {
      const parts = ["deactivated: no new fires until it is activated again"];
      if (prior.inFlight.length > 0)
        parts.push(
          `${runsText(prior.inFlight)} in flight ${prior.inFlight.length === 1 ? "finishes and is" : "finish and are"} recorded`,
        );
      if (prior.pending.length === 1) parts.push("the buffered fire is dropped");
      if (prior.pending.length > 1)
        parts.push(`the ${prior.pending.length} buffered fires are dropped`);
      return [
        {
          ...base,
          kind: "deactivated",
          scheduledAt: undefined,
          runId: undefined,
          eventId: undefined,
          reason: `${parts.join("; ")}${noted(event)}`,
          ...noteFields(event),
        },
      ];
    }
    case "TICK":
    case "FIRE": {
      if (!step.actions.some((action) => action.type === "bufferTick")) return [];
      const inFlight = prior.inFlight[0];
      const what = event.type === "TICK" ? `tick ${formatInstant(event.scheduledAt)}` : "a push";
      const run = inFlight ? `run ${inFlight.runId}${tickOf(inFlight)}` : "the run in flight";
      const reason =
        prior.overlap === "cancelOther"
          ? `${what} cancels ${run} and fires when it has ended (overlap: cancelOther)`
          : prior.overlap === "bufferAll" && prior.pending.length > 0
            ? `${what} kept to fire after the ${prior.pending.length} buffered before it (overlap: bufferAll)`
            : `${what} kept to fire when ${run} ends (overlap: ${prior.overlap})`;
      return [
        {
          ...base,
          kind: "buffered",
          scheduledAt: event.type === "TICK" ? new Date(event.scheduledAt) : undefined,
          runId: event.runId,
          eventId: event.eventId,
          reason,
        },
      ];
    }
    default:
      return [];
  }
}

/** The note of a status change as the reason's tail: ` — "vendor API down" (by alice)`. */
function noted(event: { readonly note?: string; readonly by?: string }): string {
  if (event.note === undefined && event.by === undefined) return "";
  const note = event.note === undefined ? "" : ` "${event.note}"`;
  const by = event.by === undefined ? "" : ` (by ${event.by})`;
  return ` — note${note}${by}`;
}

function noteFields(event: { readonly note?: string; readonly by?: string }) {
  return {
    ...(event.note === undefined ? {} : { note: event.note }),
    ...(event.by === undefined ? {} : { by: event.by }),
  };
}

/** "run r1" or "runs r1, r2". */
function runsText(fires: readonly FireRef[]): string {
  return `${fires.length === 1 ? "run" : "runs"} ${fires.map((f) => f.runId).join(", ")}`;
}

/** " (tick …)" or " (a push)": what a fire in flight was fired by. */
export function tickOf(fire: FireRef): string {
  return fire.scheduledAt === null ? " (a push)" : ` (tick ${formatInstant(fire.scheduledAt)})`;
}
