import * as Effect from "effect/Effect";
import type { FireRef, TriggerContext } from "../../machines/trigger.machine.js";
import type { StoreFailure } from "../store/errors.js";
import { runTyped } from "../store/runTyped.js";
import { storePromise } from "../store/storePromise.js";
import type {
  ActivationRecord,
  TriggerEventRecord,
  TriggerStore,
} from "../trigger/TriggerStore.js";
import type { Decision, DecisionKind, OrderedDecision } from "./Decision.js";
import type { TriggerNotInStore } from "./errors.js";
import { findStoredTrigger } from "./findStoredTrigger.js";
import { countsAgainstLimit, fireLimitOf, fireLimitText } from "./fireLimit.js";
import { formatDuration } from "./formatDuration.js";
import { formatInstant } from "./formatInstant.js";
import { journalDecisions, prunedDecision, tickOf } from "./journalDecisions.js";
import { readLedgerEffect } from "./ledgerPage.js";
import {
  checkpointSnapshot,
  type ReplayedEntry,
  replayInputOf,
  replayJournal,
} from "./replayJournal.js";

/**
 * Options of {@link explain}.
 *
 * @example
 * ```ts
 * await explain(store, "hourly_market", { since: new Date(Date.now() - 86_400_000), limit: 50 });
 * ```
 */
export interface ExplainOptions {
  /** Only decisions recorded at or after this instant. */
  readonly since?: Date;
  /** Only the most recent `limit` decisions. */
  readonly limit?: number;
}

/** Who fired a fire without a tick, by its ledger kind (rows before kinds: either). */
const FIRED_BY: Readonly<Record<string, string>> = {
  push: "fired by a push",
  manual: "fired by hand",
};

/** Order of kinds decided in the same instant and the same journal step. */
const RANK: Readonly<Record<DecisionKind, number>> = {
  pruned: -1,
  activated: 0,
  deactivated: 1,
  cancelled: 2,
  missed: 3,
  poll_empty: 4,
  poll_failed: 4,
  skipped_overlap: 5,
  buffered: 6,
  fired: 7,
  backfill: 8,
  ended: 9,
};

/**
 * The Effect form of {@link explain}.
 *
 * @example
 * ```ts
 * const decisions = yield* explainEffect(store, "hourly_market");
 * ```
 */
export function explainEffect(
  store: TriggerStore,
  name: string,
  options: ExplainOptions = {},
): Effect.Effect<readonly Decision[], StoreFailure | TriggerNotInStore> {
  return Effect.gen(function* () {
    const stored = yield* findStoredTrigger(store, name);
    const journal = yield* storePromise(store.location, "get journal", () =>
      store.getJournal(name),
    );
    // The whole journal is replayed even with `since`: the context of a decision (which
    // run was in flight) depends on everything before it.
    const checkpoint = yield* storePromise(store.location, "get checkpoint", () =>
      store.backend.getCheckpoint(name),
    );
    const from = checkpoint === undefined ? undefined : checkpointSnapshot(checkpoint);
    const steps = replayJournal(
      replayInputOf(name, stored),
      journal,
      typeof from === "string" ? undefined : from,
    );
    const index = new JournalIndex(steps);
    const ledger = yield* readLedgerEffect(store, name, options.since);
    const config = stored.record.config;
    const decisions = [
      ...(checkpoint === undefined ? [] : [prunedDecision(checkpoint)]),
      ...steps.flatMap((step) => journalDecisions(step, config)),
      ...ledger.flatMap((row) => fromLedger(row, index, config)),
      ...endedByLimit(stored.record, ledger),
    ]
      .filter((d) => options.since === undefined || d.at >= options.since)
      .sort(
        (a, b) =>
          a.at.getTime() - b.at.getTime() ||
          a.order - b.order ||
          RANK[a.kind] - RANK[b.kind] ||
          (a.scheduledAt?.getTime() ?? 0) - (b.scheduledAt?.getTime() ?? 0),
      )
      .map(({ order: _order, ...decision }) => decision);
    return options.limit === undefined ? decisions : decisions.slice(-options.limit);
  });
}

/**
 * Why a trigger did (or did not) fire: its decisions in order — ticks fired, skipped
 * for overlap, buffered, missed while the supervisor was down, polls that returned
 * nothing or failed, activations and deactivations — each with its reason and time,
 * read from the fire ledger and the machine journal. Throws `TriggerNotInStore` for a
 * trigger the database does not know.
 *
 * @example
 * ```ts
 * for (const d of await explain(store, "hourly_market", { since: new Date("2026-01-05T02:00:00Z") })) {
 *   console.log(d.at.toISOString(), d.kind, d.reason);
 * }
 * // 2026-01-05T03:00:00.000Z skipped_overlap tick 2026-01-05T03:00:00Z not fired: run 3f1c… (tick 2026-01-05T02:00:00Z) was still running (overlap: skip)
 * ```
 */
export function explain(
  store: TriggerStore,
  name: string,
  options: ExplainOptions = {},
): Promise<readonly Decision[]> {
  return runTyped(explainEffect(store, name, options));
}

/**
 * The `ended` decision of a trigger whose `maxFires` are made: at its last scheduled
 * fire on record (else its last run, else its creation, when the ledger was pruned).
 */
function endedByLimit(
  record: ActivationRecord,
  ledger: readonly TriggerEventRecord[],
): OrderedDecision[] {
  const limit = fireLimitOf(record.config, record.firesUsed);
  if (limit === undefined || limit.remaining > 0) return [];
  const last = ledger
    .filter(countsAgainstLimit)
    .reduce<TriggerEventRecord | undefined>(
      (latest, row) => (latest === undefined || row.firedAt > latest.firedAt ? row : latest),
      undefined,
    );
  return [
    {
      at: last?.firedAt ?? record.lastRunAt ?? record.createdAt,
      kind: "ended",
      scheduledAt: last?.scheduledAt,
      runId: last?.runId,
      eventId: last?.eventId,
      status: undefined,
      reason: `${fireLimitText(limit)} (maxFires ${limit.maxFires}): the schedule has ended, no tick fires any more; pushes and manual fires still run`,
      seq: undefined,
      order: Number.MAX_SAFE_INTEGER,
    },
  ];
}

function fromLedger(
  row: TriggerEventRecord,
  index: JournalIndex,
  config: Readonly<Record<string, unknown>>,
): OrderedDecision[] {
  const base = {
    scheduledAt: row.scheduledAt,
    runId: row.runId,
    eventId: row.eventId,
    status: undefined,
  };
  switch (row.status) {
    case "running":
    case "completed":
    case "failed":
    case "interrupted":
    case "paused": {
      const started = index.withAction("startRun", row.eventId);
      const buffered = index.withAction("bufferTick", row.eventId);
      const origin = buffered
        ? `the ${row.scheduledAt ? `tick ${formatInstant(row.scheduledAt)}` : "push"} buffered at ${formatInstant(buffered.entry.at)} fired when the run before it ended`
        : row.kind === "backfill" && row.scheduledAt
          ? `tick ${formatInstant(row.scheduledAt)} fired by backfill ${row.backfillId ?? "(unknown)"}`
          : row.scheduledAt
            ? lateness(row.scheduledAt, row.firedAt)
            : (FIRED_BY[row.kind ?? ""] ?? "fired by a push or by hand");
      return [
        {
          ...base,
          at: row.firedAt,
          kind: "fired",
          status: row.status,
          reason: `${origin}; ${outcome(row)}`,
          seq: started?.entry.seq,
          order: index.orderOf(started, row.firedAt),
        },
      ];
    }
    case "skipped_overlap": {
      const step = index.withAction("recordOverlapSkip", row.eventId);
      const context = step?.before.context ?? index.contextAt(row.firedAt);
      const inFlight = context?.inFlight[0];
      const policy =
        context?.overlap === "bufferOne"
          ? "and a fire was already buffered (overlap: bufferOne keeps one)"
          : context?.overlap === "allowAll"
            ? `with ${context.inFlight.length} runs in flight, the most it allows (overlap: allowAll, maxConcurrent ${context.maxConcurrent})`
            : `(overlap: ${context?.overlap ?? "skip"})`;
      return [
        {
          ...base,
          at: row.firedAt,
          kind: "skipped_overlap",
          reason: `${subjectOf(row)} not fired: ${inFlight ? `run ${inFlight.runId}${tickOf(inFlight)}` : "a run"} was still running ${policy}`,
          seq: step?.entry.seq,
          order: index.orderOf(step, row.firedAt),
        },
      ];
    }
    case "buffered": {
      // Still waiting: the journal's entry explains it already, unless it is missing.
      if (index.withAction("bufferTick", row.eventId)) return [];
      return [
        {
          ...base,
          at: row.firedAt,
          kind: "buffered",
          reason: `${subjectOf(row)} kept to fire when the run in flight ends (overlap: ${config.overlap ?? "bufferOne"})`,
          seq: undefined,
          order: index.orderOf(undefined, row.firedAt),
        },
      ];
    }
    case "cancelled": {
      const cancelledRun =
        row.runId === undefined ? undefined : index.withAction("cancelRun", row.runId);
      const step = cancelledRun ?? index.withAction("dropPending", row.eventId);
      const at = row.finishedAt ?? row.firedAt;
      const reason = cancelledRun
        ? `${subjectOf(row)}: its run was interrupted by a newer fire (overlap: cancelOther)`
        : step !== undefined && step.event.type !== "DEACTIVATE"
          ? `${subjectOf(row)}, buffered, was dropped: a newer fire replaced it (overlap: cancelOther)`
          : `${subjectOf(row)}, buffered, was dropped: the trigger was deactivated before it could fire`;
      return [
        {
          ...base,
          at,
          kind: "cancelled",
          reason,
          seq: step?.entry.seq,
          order: index.orderOf(step, at),
        },
      ];
    }
    case "missed": {
      const step = index.skipOf(row);
      return [
        {
          ...base,
          at: row.firedAt,
          kind: "missed",
          reason: missedReason(row, config),
          seq: step?.entry.seq,
          order: index.orderOf(step, row.firedAt),
        },
      ];
    }
    case "poll_empty":
    case "poll_failed": {
      const step = index.skipOf(row);
      return [
        {
          ...base,
          at: row.firedAt,
          kind: row.status,
          reason:
            row.status === "poll_empty"
              ? `${subjectOf(row)} not fired: the poll function returned nothing; the schedule moved on`
              : `${subjectOf(row)} not fired: the poll function failed (${(row.error ?? "no reason recorded").replace(/\.$/, "")}); the trigger stays active`,
          seq: step?.entry.seq,
          order: index.orderOf(step, row.firedAt),
        },
      ];
    }
  }
}

/**
 * Lookups over the replayed journal, built once: a long history has as many journal
 * steps as ledger rows, and each row needs its step.
 */
class JournalIndex {
  readonly #byAction = new Map<string, ReplayedEntry>();
  readonly #skippedAt = new Map<number, ReplayedEntry[]>();

  constructor(readonly steps: readonly ReplayedEntry[]) {
    for (const step of steps) {
      for (const action of step.actions) {
        const params = action.params as { fire?: FireRef; runId?: string } | undefined;
        // Fire actions by the fire's event id; `cancelRun` by its run id.
        const id =
          params?.fire?.eventId ?? (action.type === "cancelRun" ? params?.runId : undefined);
        const key = `${action.type}:${id}`;
        if (id !== undefined && !this.#byAction.has(key)) this.#byAction.set(key, step);
      }
      if (step.event.type === "TICK_SKIPPED" || step.event.type === "DEACTIVATE") {
        const at = step.entry.at.getTime();
        this.#skippedAt.set(at, [...(this.#skippedAt.get(at) ?? []), step]);
      }
    }
  }

  /** The step whose named action concerns this ledger row. */
  withAction(type: string, eventId: string): ReplayedEntry | undefined {
    return this.#byAction.get(`${type}:${eventId}`);
  }

  /** The TICK_SKIPPED (or DEACTIVATE) step committed with this skipped ledger row. */
  skipOf(row: TriggerEventRecord): ReplayedEntry | undefined {
    const tick = row.scheduledAt?.getTime();
    return this.#skippedAt.get(row.firedAt.getTime())?.find((step) => {
      const event = step.event;
      if (event.type === "DEACTIVATE") return row.status === "missed";
      if (event.type !== "TICK_SKIPPED" || tick === undefined) return false;
      return row.status === "missed"
        ? event.reason === "missed" && event.scheduledAt >= tick
        : event.reason === row.status && event.scheduledAt === tick;
    });
  }

  /**
   * Where a ledger decision sorts among the journal's: at its own journal step when it
   * was committed with one at that instant, else just after the last step before it.
   */
  orderOf(step: ReplayedEntry | undefined, at: Date): number {
    if (step !== undefined && step.entry.at.getTime() === at.getTime()) return step.entry.seq;
    const last = this.#lastAtOrBefore(at);
    return last === undefined ? 0 : last.entry.seq + 0.5;
  }

  /** The machine's context after the last journal step at or before `at`. */
  contextAt(at: Date): TriggerContext | undefined {
    return this.#lastAtOrBefore(at)?.after.context;
  }

  /** Binary search: one supervisor writes the journal in time order. */
  #lastAtOrBefore(at: Date): ReplayedEntry | undefined {
    let lo = 0;
    let hi = this.steps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.steps[mid] as ReplayedEntry).entry.at <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : this.steps[lo - 1];
  }
}

/**
 * Why a tick was recorded `missed`: the supervisor's own reason, spelt out with the
 * catch-up policy when the supervisor was down.
 */
function missedReason(row: TriggerEventRecord, config: Readonly<Record<string, unknown>>): string {
  const recorded = row.error ?? "missed";
  const subject = subjectOf(row);
  if (!recorded.startsWith("missed while down")) return `${subject} not fired: ${recorded}`;
  const down = `${subject} not fired: no supervisor was running when it was due`;
  switch (config.catchUp) {
    case "skip":
      return `${down}, and catchUp "skip" fires no missed tick`;
    case "latest":
      return `${down}, and catchUp "latest" fires only the most recent missed tick`;
    case "all":
      return `${down}, and catchUp "all" fires at most maxCatchUp (${String(config.maxCatchUp)}) missed ticks${typeof config.catchUpWindow === "number" ? ` within catchUpWindow (${formatDuration(config.catchUpWindow)})` : ""}`;
    default:
      return `${subject} not fired: ${recorded}`;
  }
}

/** What a ledger row is about: its tick, or a push. */
function subjectOf(row: TriggerEventRecord): string {
  return row.scheduledAt === undefined ? "a push" : `tick ${formatInstant(row.scheduledAt)}`;
}

function lateness(scheduledAt: Date, firedAt: Date): string {
  const late = firedAt.getTime() - scheduledAt.getTime();
  return late < 1000
    ? `tick ${formatInstant(scheduledAt)} was due`
    : `tick ${formatInstant(scheduledAt)} fired ${formatDuration(late)} after it was due (a catch-up after downtime, or a late wake)`;
}

function outcome(row: TriggerEventRecord): string {
  const run = `run ${row.runId ?? "(no id)"}`;
  const when = row.finishedAt ? ` at ${formatInstant(row.finishedAt)}` : "";
  switch (row.status) {
    case "completed":
      return `${run} completed${when}`;
    case "failed":
      return `${run} failed${when}: ${row.error ?? "no error recorded"}`;
    case "interrupted":
      return `${run} was interrupted when the supervisor stopped; the next start resumes it`;
    case "paused":
      return `${run} paused${when}`;
    default:
      return `${run} is still running`;
  }
}
