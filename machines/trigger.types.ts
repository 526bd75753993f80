/**
 * The trigger machine's states, context, input and events as plain types, apart from
 * the machine itself: tickflow's public declarations (inspection, replay, the manager's
 * `states()`) use these, and importing them loads no declaration of xstate's. (xstate's
 * own .d.ts do not check in a project with `exactOptionalPropertyTypes` and
 * `skipLibCheck: false`, so they must stay out of the public API's import graph.)
 * `trigger.machine.ts` re-exports them.
 *
 * @module
 */

/**
 * The states of a trigger: `inactive` (defined, never activated), `active` (waiting for
 * its next tick or push), `firing` (a run in flight), `disabled` (deactivated).
 *
 * @example
 * ```ts
 * const state: TriggerStateValue = "active";
 * ```
 */
export type TriggerStateValue = "inactive" | "active" | "firing" | "disabled";

/**
 * What to do with a tick or push that arrives while a run is in flight: `skip` it
 * (recorded `skipped_overlap`), keep one (`bufferOne`) or every one (`bufferAll`) to fire
 * in order when the trigger is free, interrupt the run in flight and start the new one
 * after it (`cancelOther`), or start it alongside (`allowAll`, up to `maxConcurrent`).
 *
 * @example
 * ```ts
 * const overlap: Overlap = "bufferAll";
 * ```
 */
export type Overlap = "skip" | "bufferOne" | "bufferAll" | "cancelOther" | "allowAll";

/** Every overlap policy, for checks of a value read from outside (a definition, a row). */
export const OVERLAP_POLICIES: readonly Overlap[] = [
  "skip",
  "bufferOne",
  "bufferAll",
  "cancelOther",
  "allowAll",
];

/**
 * One fire: the run it starts and the event that caused it.
 *
 * @example
 * ```ts
 * const fire: FireRef = { runId: "r1", eventId: "e1", scheduledAt: 3_600_000, payload: {} };
 * ```
 */
export interface FireRef {
  readonly runId: string;
  readonly eventId: string;
  /** The scheduled instant (epoch ms) of a tick; `null` for a push or manual fire. */
  readonly scheduledAt: number | null;
  readonly payload: unknown;
  /**
   * The W3C traceparent of the span that decided this fire, when tracing is on: durable
   * with the snapshot, so a run resumed after a crash links to the interrupted trace.
   */
  readonly trace?: string;
}

/**
 * The machine's extended state. Everything here is persisted with the snapshot, so
 * `payload` must be JSON-serialisable (the supervisor checks it before sending).
 *
 * @example
 * ```ts
 * const ctx: TriggerContext = {
 *   name: "hourly", overlap: "skip", maxConcurrent: null, lastScheduledAt: null,
 *   inFlight: [], pending: [], cancelling: [], lastRun: null,
 * };
 * ```
 */
export interface TriggerContext {
  readonly name: string;
  readonly overlap: Overlap;
  /** With `allowAll`: most runs in flight at once; `null` is unbounded. */
  readonly maxConcurrent: number | null;
  /**
   * The last scheduled instant dealt with (fired, skipped, missed, empty poll). The
   * next tick is computed from it, and a TICK not after it is a duplicate.
   */
  readonly lastScheduledAt: number | null;
  /**
   * The fires whose runs are running, oldest first: never empty in `firing`, and kept in
   * `disabled` until they end. More than one only under `allowAll`.
   */
  readonly inFlight: readonly FireRef[];
  /**
   * Fires kept while firing, to start in order when a run ends: at most one under
   * `bufferOne` and `cancelOther` (the fire waiting for the interrupted run to end), any
   * number under `bufferAll`. Their ledger rows say `buffered`.
   */
  readonly pending: readonly FireRef[];
  /** Run ids of runs in flight interrupted by `cancelOther`: their end is recorded `cancelled`. */
  readonly cancelling: readonly string[];
  readonly lastRun: { readonly runId: string; readonly status: string } | null;
}

/**
 * What the supervisor passes to start a trigger's machine.
 *
 * @example
 * ```ts
 * const input: TriggerInput = { name: "hourly", overlap: "allowAll", maxConcurrent: 4 };
 * ```
 */
export interface TriggerInput {
  readonly name: string;
  /** Defaults to `"skip"`. */
  readonly overlap?: Overlap;
  /** With `allowAll`: most runs at once (default: unbounded). */
  readonly maxConcurrent?: number | null;
}

/**
 * Every event the machine accepts. Each carries all it needs (ids and instants come
 * from the supervisor), so that a journal of events replays to the same state. The
 * `note` and `by` of an (de)activation are not used by the machine: journaled with it,
 * they are the history of why (`explain`).
 *
 * @example
 * ```ts
 * const tick: TriggerEvent = {
 *   type: "TICK", scheduledAt: 3_600_000, runId: "r1", eventId: "e1", payload: {},
 * };
 * ```
 */
export type TriggerEvent =
  | { readonly type: "ACTIVATE"; readonly note?: string; readonly by?: string }
  | { readonly type: "DEACTIVATE"; readonly note?: string; readonly by?: string }
  | {
      readonly type: "TICK";
      readonly scheduledAt: number;
      readonly runId: string;
      readonly eventId: string;
      readonly payload: unknown;
      readonly trace?: string;
    }
  | {
      readonly type: "TICK_SKIPPED";
      readonly scheduledAt: number;
      readonly reason: "poll_empty" | "poll_failed" | "missed";
    }
  | {
      readonly type: "FIRE";
      readonly runId: string;
      readonly eventId: string;
      readonly payload: unknown;
      /**
       * The past tick a backfill fire stands for: its run's `scheduledAt`. Unlike a
       * TICK's it never moves `lastScheduledAt` (the live schedule goes on where it was).
       */
      readonly scheduledAt?: number;
      readonly trace?: string;
    }
  | { readonly type: "RUN_FINISHED"; readonly runId: string; readonly status: string }
  | {
      readonly type: "CONFIGURE";
      readonly overlap: Overlap;
      /** Absent: unchanged (journals of machine version 1 carry none). */
      readonly maxConcurrent?: number | null;
    };
