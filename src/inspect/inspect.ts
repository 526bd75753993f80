import * as Effect from "effect/Effect";
import type { FireRef, TriggerStateValue } from "../../machines/trigger.types.js";
import type { RunRecord } from "../provenance/DagProvenance.js";
import type { RunStatus } from "../provenance/Provenance.js";
import type { StoreFailure } from "../store/errors.js";
import { runTyped } from "../store/runTyped.js";
import { storePromise } from "../store/storePromise.js";
import type { BackfillRecord } from "../trigger/backfillRecords.js";
import type { StoredDefinition } from "../trigger/definitionSql.js";
import type { StatusNote, TriggerStore } from "../trigger/TriggerStore.js";
import { type FireLimit, fireLimitOf } from "./fireLimit.js";
import { readStoredSnapshot } from "./readStoredSnapshot.js";

/**
 * The trigger definitions a namespace holds, as inspection needs them. A `Namespace`
 * satisfies it; declared here so that `inspect/` does not import `namespace/`.
 *
 * @example
 * ```ts
 * const catalog: TriggerCatalog = ns;
 * ```
 */
export interface TriggerCatalog {
  hasTrigger(name: string): boolean;
  listTriggers(): readonly {
    readonly name: string;
    readonly dagNsref: string;
    readonly triggerType: "poll" | "push";
    readonly schedule: { readonly expression: string; readonly timezone: string } | undefined;
    readonly maxFires?: number | undefined;
  }[];
}

/**
 * Where a run's status is looked up: a `DagProvenance` satisfies it.
 *
 * @example
 * ```ts
 * const runs: RunLookup = new DagProvenance("./data/provenance.db");
 * ```
 */
export interface RunLookup {
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Many runs' statuses in one query, when the history can (`DagProvenance` can). */
  getRunStatuses?(runIds: readonly string[]): Promise<ReadonlyMap<string, RunStatus>>;
}

/**
 * What a running supervisor knows better than the database: its in-memory machine
 * states and armed timers. A `TriggerManager` satisfies it.
 *
 * @example
 * ```ts
 * await inspect(manager.store, { live: manager, namespace: manager.namespace });
 * ```
 */
export interface LiveView {
  states(): Readonly<Record<string, TriggerStateValue>>;
  nextFireAt(name: string): Date | undefined;
}

/**
 * Options of {@link inspect}.
 *
 * @example
 * ```ts
 * await inspect(store, { namespace: ns, provenance });
 * ```
 */
export interface InspectOptions {
  /** With it, `definitionPresent` is filled in and defined-but-never-activated triggers are listed. */
  readonly namespace?: TriggerCatalog;
  /** With it, the last run's status comes from the run history. */
  readonly provenance?: RunLookup;
  /** A running supervisor's own view (states, timers), preferred over the stored one. */
  readonly live?: LiveView;
  /** The instant leases are judged at (live or expired); the caller's clock reads it. */
  readonly now?: number;
}

/**
 * Which supervisor owns a trigger: its own lease (shared triggers) or the database
 * lease (one leader), as stored; `live` says whether it had not expired at `now`.
 *
 * @example
 * ```ts
 * const owner: TriggerOwner | undefined = (await inspect(store))[0]?.owner;
 * ```
 */
export interface TriggerOwner {
  readonly ownerId: string;
  readonly epoch: number;
  readonly expiresAt: Date;
  readonly live: boolean;
  /** `trigger`: the trigger's own lease; `database`: the one leader's lease. */
  readonly lease: "trigger" | "database";
}

/**
 * A fire as inspection shows it: the run it starts and its tick.
 *
 * @example
 * ```ts
 * const fire: FireView = { runId: "r1", eventId: "e1", scheduledAt: undefined, payload: {} };
 * ```
 */
export interface FireView {
  readonly runId: string;
  readonly eventId: string;
  /** The tick's scheduled instant; `undefined` for a push or manual fire. */
  readonly scheduledAt: Date | undefined;
  readonly payload: unknown;
}

/**
 * One trigger as the inspection API sees it.
 *
 * @example
 * ```ts
 * const [first] = await inspect(store);
 * console.log(first?.name, first?.state, first?.nextFireAt, first?.counts.completed);
 * ```
 */
export interface TriggerInspection {
  readonly name: string;
  /** The activation record's status, or `"not activated"` for a definition with no record. */
  readonly status: "active" | "disabled" | "not activated";
  /** The machine state; `undefined` when the stored snapshot cannot be read (see `problem`). */
  readonly state: TriggerStateValue | undefined;
  /** Why the snapshot cannot be read (a supervisor will not fire this trigger). */
  readonly problem: string | undefined;
  readonly dagNsref: string;
  readonly triggerType: "poll" | "push";
  readonly schedule: string | undefined;
  readonly timezone: string | undefined;
  /** The fires whose runs are in flight, oldest first (several only under `allowAll`). */
  readonly inFlight: readonly FireView[];
  /**
   * Ticks and pushes kept to fire, in order, when the run in flight ends (`bufferOne`,
   * `bufferAll`; under `cancelOther`, the fire waiting for the cancelled run to end).
   */
  readonly pending: readonly FireView[];
  /** Run ids of runs in flight being cancelled (`cancelOther`). */
  readonly cancelling: readonly string[];
  /** The last scheduled instant dealt with (fired, skipped, missed). */
  readonly lastScheduledAt: Date | undefined;
  /** When the supervisor will fire next (its armed timer, else `next_run_at`). */
  readonly nextFireAt: Date | undefined;
  readonly lastRun:
    | { readonly runId: string; readonly status: string | undefined; readonly at: Date | undefined }
    | undefined;
  /** Ledger rows by status. */
  readonly counts: Readonly<Record<string, number>>;
  /** Whether the namespace defines it; `undefined` when no namespace was given. */
  readonly definitionPresent: boolean | undefined;
  /** When it was last activated. */
  readonly activatedAt: Date | undefined;
  /** The supervisor that owns it, when one holds a lease (see {@link TriggerOwner}). */
  readonly owner: TriggerOwner | undefined;
  /** Why it was last activated or deactivated, by whom and when, if that was said. */
  readonly statusNote: StatusNote | undefined;
  /** A poll trigger's last committed cursor (`ctx.cursor`); `undefined` when none. */
  readonly cursor: unknown;
  /** Its backfills still running (`manager.backfill`), newest first. */
  readonly backfills: readonly BackfillRecord[];
  /**
   * Where it is defined: `"data"` when the trigger database holds a data definition of
   * it (`upsertTrigger`; standing or removed), else `"code"` (`registerTrigger`).
   */
  readonly source: "code" | "data";
  /**
   * With `maxFires`: the limit, the scheduled fires made and those left (0: the schedule
   * has ended); `undefined` without one.
   */
  readonly fireLimit: FireLimit | undefined;
  /** Its schedule's `endAt`, when it has one (past it, no tick fires). */
  readonly endAt: Date | undefined;
}

const fireViews = (fires: readonly FireRef[] | undefined): readonly FireView[] =>
  (fires ?? []).map((fire) => ({
    runId: fire.runId,
    eventId: fire.eventId,
    scheduledAt: fire.scheduledAt === null ? undefined : new Date(fire.scheduledAt),
    payload: fire.payload,
  }));

/**
 * The Effect form of {@link inspect}.
 *
 * @example
 * ```ts
 * const triggers = yield* inspectEffect(store, { provenance });
 * ```
 */
export function inspectEffect(
  store: TriggerStore,
  options: InspectOptions = {},
): Effect.Effect<readonly TriggerInspection[], StoreFailure> {
  const path = store.location;
  return Effect.gen(function* () {
    const stored = yield* storePromise(path, "load activations", () => store.loadActivations());
    const leases = yield* storePromise(path, "read trigger leases", () => store.triggerLeases());
    const databaseLease = yield* storePromise(path, "read lease", () => store.leaseHolder());
    const now = options.now ?? Number.POSITIVE_INFINITY;
    const leaseOf = new Map(leases.map((lease) => [lease.triggerName, lease]));
    const ownerOf = (name: string): TriggerOwner | undefined => {
      const own = leaseOf.get(name);
      // A trigger's own lease speaks for it while live; otherwise the database lease.
      if (own !== undefined && (own.expiresAt.getTime() > now || databaseLease === undefined)) {
        const { ownerId, epoch, expiresAt } = own;
        return { ownerId, epoch, expiresAt, live: expiresAt.getTime() > now, lease: "trigger" };
      }
      if (databaseLease === undefined) return undefined;
      const { ownerId, epoch, expiresAt } = databaseLease;
      return { ownerId, epoch, expiresAt, live: expiresAt.getTime() > now, lease: "database" };
    };
    // A read-only file from before triggers as data has no definitions table: none then.
    const dataRows = yield* storePromise(path, "read definitions", () =>
      store.definitionsSince(0).catch((): readonly StoredDefinition[] => []),
    );
    const dataByName = new Map(dataRows.map((row) => [row.name, row]));
    const sourceOf = (name: string) => (dataByName.has(name) ? "data" : "code");
    const liveStates = options.live?.states() ?? {};
    // One query for every trigger's ledger counts, and one step for the last runs' lookups:
    // a step per trigger made `tickflow status` on 10,000 triggers take seconds.
    const countsOf = yield* storePromise(path, "count events", () => store.countAllEvents());
    const backfillsOf = new Map<string, BackfillRecord[]>();
    const backfills = yield* storePromise(path, "list backfills", () => store.listBackfills());
    for (const backfill of backfills) {
      if (backfill.status !== "running") continue;
      const of = backfillsOf.get(backfill.triggerName) ?? [];
      of.push(backfill);
      backfillsOf.set(backfill.triggerName, of);
    }
    const lookup = options.provenance;
    const runIds = [...new Set(stored.flatMap(({ record }) => record.lastRunId ?? []))];
    const statusOf =
      lookup === undefined
        ? undefined
        : yield* storePromise(
            path,
            "get run",
            async (): Promise<ReadonlyMap<string, RunStatus>> => {
              if (lookup.getRunStatuses !== undefined) return lookup.getRunStatuses(runIds);
              const found = new Map<string, RunStatus>();
              for (const id of runIds) {
                const run = await lookup.getRun(id);
                if (run !== undefined) found.set(id, run.status);
              }
              return found;
            },
          );
    const out: TriggerInspection[] = [];
    for (const activation of stored) {
      const record = activation.record;
      const snapshot = readStoredSnapshot(activation);
      const context = snapshot.ok ? snapshot.context : undefined;
      const counts = countsOf.get(record.name) ?? {};
      const state = liveStates[record.name] ?? (snapshot.ok ? snapshot.state : undefined);
      const lastRunId = record.lastRunId;
      let lastRun: TriggerInspection["lastRun"];
      if (lastRunId !== undefined) {
        let status = context?.lastRun?.runId === lastRunId ? context.lastRun.status : undefined;
        if (statusOf !== undefined) status = statusOf.get(lastRunId) ?? status;
        lastRun = { runId: lastRunId, status, at: record.lastRunAt };
      }
      const scheduled = state === "active" || state === "firing";
      out.push({
        name: record.name,
        status: record.status,
        state,
        problem: snapshot.ok ? undefined : snapshot.problem,
        dagNsref: record.dagNsref,
        triggerType: record.triggerType,
        schedule: stringOrUndefined(record.config.schedule),
        timezone: stringOrUndefined(record.config.timezone),
        inFlight: fireViews(context?.inFlight),
        pending: fireViews(context?.pending),
        cancelling: context?.cancelling ?? [],
        lastScheduledAt:
          typeof context?.lastScheduledAt === "number"
            ? new Date(context.lastScheduledAt)
            : undefined,
        nextFireAt: scheduled
          ? (options.live?.nextFireAt(record.name) ?? record.nextRunAt)
          : undefined,
        lastRun,
        counts,
        definitionPresent: options.namespace?.hasTrigger(record.name),
        activatedAt:
          activation.activatedAt === undefined ? undefined : new Date(activation.activatedAt),
        owner: ownerOf(record.name),
        statusNote: record.statusNote,
        cursor: record.cursor,
        backfills: backfillsOf.get(record.name) ?? [],
        source: sourceOf(record.name),
        fireLimit: fireLimitOf(record.config, record.firesUsed),
        endAt: instantOrUndefined(record.config.endAt),
      });
    }
    const storedNames = new Set(out.map((t) => t.name));
    for (const definition of [
      ...(options.namespace?.listTriggers() ?? []),
      ...dataRows.flatMap((row) => dataDefinitionView(row) ?? []),
    ]) {
      if (storedNames.has(definition.name)) continue;
      storedNames.add(definition.name);
      out.push({
        name: definition.name,
        status: "not activated",
        state: "inactive",
        problem: undefined,
        dagNsref: definition.dagNsref,
        triggerType: definition.triggerType,
        schedule: definition.schedule?.expression,
        timezone: definition.schedule?.timezone,
        inFlight: [],
        pending: [],
        cancelling: [],
        lastScheduledAt: undefined,
        nextFireAt: undefined,
        lastRun: undefined,
        counts: {},
        definitionPresent: true,
        activatedAt: undefined,
        owner: undefined,
        statusNote: undefined,
        cursor: undefined,
        backfills: [],
        source: sourceOf(definition.name),
        fireLimit: fireLimitOf({ maxFires: definition.maxFires }, 0),
        endAt: undefined,
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  });
}

/**
 * Every trigger of a trigger database (and, with a namespace, every defined one): its
 * machine state and context from the stored snapshot, next fire instant, last run,
 * ledger counts by status, and whether its definition is present. Reads only; works
 * while a supervisor runs on the same file, and after it is gone.
 *
 * @example
 * ```ts
 * const store = new TriggerStore("./data/triggers.db", { readonly: true });
 * for (const t of await inspect(store, { provenance })) {
 *   console.log(t.name, t.state, t.nextFireAt?.toISOString(), t.lastRun?.status);
 * }
 * ```
 */
export function inspect(
  store: TriggerStore,
  options: InspectOptions = {},
): Promise<readonly TriggerInspection[]> {
  return runTyped(inspectEffect(store, options));
}

/** A standing data definition as the catalog lists one (read from its JSON). */
function dataDefinitionView(
  row: StoredDefinition,
): ReturnType<TriggerCatalog["listTriggers"]>[number] | undefined {
  if (row.definitionJson === undefined) return undefined;
  try {
    const data = JSON.parse(row.definitionJson) as Record<string, unknown>;
    const expression = stringOrUndefined(data.schedule) ?? every(data.every);
    return {
      name: row.name,
      dagNsref: String(data.dagNsref),
      triggerType: data.triggerType === "push" ? "push" : "poll",
      schedule:
        expression === undefined
          ? undefined
          : { expression, timezone: stringOrUndefined(data.timezone) ?? "" },
    };
  } catch {
    return undefined;
  }
}

function every(value: unknown): string | undefined {
  return value === undefined ? undefined : `every ${String(value)}`;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A stored instant (ISO text or epoch ms), `undefined` when absent or unreadable. */
function instantOrUndefined(value: unknown): Date | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
