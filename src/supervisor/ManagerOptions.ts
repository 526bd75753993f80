import type * as Context from "effect/Context";
import type { Namespace } from "../namespace/Namespace.js";
import type { RetentionOptions } from "../retention/RetentionOptions.js";
import type { ProvenanceProvider } from "../run/DagRunner.js";
import type { Logger } from "../run/Logger.js";
import type { Clock } from "../schedule/Clock.js";
import type { TriggerStore } from "../trigger/TriggerStore.js";
import type { FaultHook } from "./FaultStep.js";

/**
 * What the manager reports as it works: one entry per fire, end, skip or failure.
 *
 * @example
 * ```ts
 * new TriggerManager({ namespace, store, onEvent: (e) => console.log(e.trigger, e.kind, e.runId) });
 * ```
 */
export interface ManagerEvent {
  readonly trigger: string;
  readonly kind:
    | "fired"
    | "finished"
    | "skipped_overlap"
    | "buffered"
    | "cancelling"
    | "poll_empty"
    | "poll_failed"
    | "missed"
    | "resumed"
    /** Disabled by `pauseAfterFailures`: `runId` and `error` are the last failed run's. */
    | "paused";
  readonly at: Date;
  readonly scheduledAt?: Date;
  readonly runId?: string;
  readonly status?: string;
  readonly error?: string;
}

/**
 * Options of a `TriggerManager`.
 *
 * @example
 * ```ts
 * new TriggerManager({ namespace: ns, store, provenance, clock: new TestClock(0) });
 * ```
 */
export interface TriggerManagerOptions {
  readonly namespace: Namespace;
  readonly store: TriggerStore;
  /** Where DAG runs are recorded (default `NullProvenance`). */
  readonly provenance?: ProvenanceProvider;
  /** The only source of time (default: the system clock). */
  readonly clock?: Clock;
  /** Called for each fire, end, skip and failure. */
  readonly onEvent?: (event: ManagerEvent) => void;
  /** Called with errors that do not belong to a caller (a failed commit, a bad snapshot). */
  readonly onError?: (error: unknown, trigger: string | undefined) => void;
  /** Identifies this supervisor in the store (default: a random id). */
  readonly ownerId?: string;
  /** How long a lease lasts without a heartbeat (default 15 000 ms; renewed every third). */
  readonly leaseMs?: number;
  /**
   * `database`: one supervisor fires every trigger, others wait as standbys (the default
   * on SQLite). `trigger`: each trigger has its own lease and the live supervisors share
   * the triggers, each claiming a fair share (the default on PostgreSQL).
   */
  readonly leases?: "database" | "trigger";
  /**
   * How long history is kept; the supervisor prunes older rows in the background
   * (default `{ events: "30d", runs: "30d", journal: "7d" }`; `false` keeps everything).
   * An invalid duration throws `InvalidRetention` here.
   */
  readonly retention?: RetentionOptions | false;
  /** Called at each step of the fire path: a testing aid (see `tickflow/testing`). */
  readonly faults?: FaultHook;
  /** Structured log lines (a pino logger fits); nothing is logged without one. */
  readonly logger?: Logger;
  /**
   * Services for DAG nodes that return an `Effect` (see `DagRunnerOptions.services`).
   * The Effect layer (`Supervisor.layer`) sets it from the context it is built in.
   */
  readonly services?: Context.Context<never>;
  /**
   * XState's inspection events for every trigger machine, as `createActor`'s `inspect`
   * option gives them (e.g. `createBrowserInspector().inspect` from `@statelyai/inspect`).
   * A method, so that a function typed with xstate's own `InspectionEvent` fits too.
   */
  inspect?(event: MachineInspectionEvent): void;
}

/**
 * An XState inspection event (`@xstate.snapshot`, `@xstate.event`, ...): xstate's
 * `InspectionEvent` as far as tickflow's public types name it. Declared here rather
 * than imported, so that tickflow's declarations load none of xstate's (which do not
 * check in a project with `exactOptionalPropertyTypes` and `skipLibCheck: false`).
 *
 * @example
 * ```ts
 * const inspect = (event: MachineInspectionEvent) => console.log(event.type, event.rootId);
 * ```
 */
export interface MachineInspectionEvent {
  readonly type: `@xstate.${string}`;
  readonly rootId: string;
  readonly actorRef: unknown;
}

/**
 * Who this supervisor is for its database.
 *
 * @example
 * ```ts
 * manager.status(); // { role: "leader", ownerId: "…", epoch: 3, holder: "…" }
 * ```
 */
export interface ManagerStatus {
  /**
   * `leader` fires every trigger (database lease); `standby` waits for that lease;
   * `member` shares the triggers with other supervisors and fires the ones it owns
   * (per-trigger leases); `stopped` is none of these.
   */
  readonly role: "leader" | "standby" | "member" | "stopped";
  readonly ownerId: string;
  /** `database` (one leader) or `trigger` (shared, per-trigger leases). */
  readonly leases: "database" | "trigger";
  /** The database lease epoch this supervisor holds, when leader. */
  readonly epoch: number | undefined;
  /** The database lease holder as last read (database leases). */
  readonly holder: string | undefined;
  /** The triggers this supervisor owns (every trigger when leader). */
  readonly owned: readonly string[];
  /**
   * Who owns each trigger, as this supervisor last read the leases (its heartbeat);
   * a trigger missing here has no owner yet.
   */
  readonly owners: Readonly<Record<string, string>>;
}

/**
 * Options of `stop`.
 *
 * @example
 * ```ts
 * await manager.stop({ graceMs: 5_000 });
 * ```
 */
export interface StopOptions {
  /** How long runs in flight may finish before they are interrupted (default 10 000 ms). */
  readonly graceMs?: number;
}

/**
 * Options of `manager.fire`.
 *
 * @example
 * ```ts
 * await manager.fire("hourly_market", {}, { kind: "manual" });
 * ```
 */
export interface FireOptions {
  /**
   * What the run's `ctx.fire.kind` and ledger row say: default `"push"` on a push trigger,
   * `"manual"` on a scheduled one (`tickflow fire` always says `"manual"`).
   */
  readonly kind?: "push" | "manual";
  /**
   * An idempotency key (a non-empty string of at most 200 characters, a webhook's
   * delivery id say): a second fire of the trigger with the same key starts nothing and
   * answers the first fire's run and result. Enforced by a unique index on the ledger,
   * so it holds across processes; kept as long as the first fire's ledger row.
   */
  readonly key?: string;
}

/**
 * Options of `manager.activate` and `manager.deactivate`: why, and who, recorded with the
 * status change and shown by `status`, `explain` and `inspect()`.
 *
 * @example
 * ```ts
 * await manager.deactivate("hourly_market", { note: "vendor API down, INC-42", by: "alice" });
 * ```
 */
export interface StatusChangeOptions {
  readonly note?: string;
  readonly by?: string;
}

/**
 * Who set a poll cursor by hand, and why (kept in its journal entry).
 *
 * @example
 * ```ts
 * await manager.setCursor("inbox", { since: 0 }, { by: "alice", note: "re-read the backlog" });
 * ```
 */
export interface CursorSetOptions {
  readonly by?: string;
  readonly note?: string;
}

/**
 * Options of `manager.health()`.
 *
 * @example
 * ```ts
 * await manager.health({ maxOverdueMs: 60_000 });
 * ```
 */
export interface HealthOptions {
  /** A due tick later than this makes a firing supervisor not ok (default 30 000 ms). */
  readonly maxOverdueMs?: number;
  /** How long the store may take to answer a read (default 5 000 ms). */
  readonly storeTimeoutMs?: number;
}

/**
 * A supervisor's health, for a readiness or liveness probe (`manager.health()`).
 *
 * `ok` is true exactly when the store answered a read within `storeTimeoutMs` and:
 * - the supervisor fires (role `leader`, or `member` with shared triggers) and no trigger
 *   it fires has a due tick not yet handled for more than `maxOverdueMs`; or
 * - it is a `standby` (another supervisor holds the lease; this one takes over when it
 *   lapses).
 * A `stopped` supervisor is never ok. `reasons` says, in words, why not.
 *
 * @example
 * ```ts
 * const health = await manager.health();
 * if (!health.ok) console.error(health.reasons.join("; "));
 * ```
 */
export interface SupervisorHealth {
  readonly ok: boolean;
  readonly role: ManagerStatus["role"];
  /** The latest scheduled instant this supervisor handled (fired or recorded), if any. */
  readonly lastTickAt: Date | undefined;
  /**
   * How late the oldest due tick not yet handled is, in ms (`undefined` when none is due,
   * or when this supervisor does not fire). A tick is handled once its timer woke the
   * scheduler; one waiting behind a run by the overlap policy is not counted.
   */
  readonly oldestOverdueTickMs: number | undefined;
  readonly storeReachable: boolean;
  /** Runs this supervisor started or resumed that have not ended. */
  readonly runsInFlight: number;
  /** Why `ok` is false (empty when ok). */
  readonly reasons: readonly string[];
}
