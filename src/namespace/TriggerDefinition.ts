import type { FireKind } from "../dag/NodeContext.js";
import { InvalidSchedule } from "../schedule/InvalidSchedule.js";
import { type ScheduleSpec, scheduleOf } from "../schedule/scheduleOf.js";
import type { TickSchedule } from "../schedule/TickSchedule.js";
import { checkTriggerFields } from "./checkTriggerFields.js";
import { InvalidTriggerDefinition, ScheduleNotAllowed, ScheduleRequired } from "./errors.js";
import { parseNsref } from "./nsref.js";

/**
 * What a trigger does with a tick or push that comes while a fire still runs (see
 * `TriggerSpec.overlap`).
 *
 * @example
 * ```ts
 * const overlap: OverlapPolicy = "bufferAll";
 * ```
 */
export type OverlapPolicy = "skip" | "bufferOne" | "bufferAll" | "cancelOther" | "allowAll";

/**
 * What a poll function may return: a payload object to fire with, or nothing to skip the
 * tick; with a cursor, `{ payload, cursor }` to fire and move the cursor, or
 * `{ skip: true, cursor }` to move it without firing. The cursor forms are recognized
 * only when the object has exactly those keys (any other object is a payload), and the
 * cursor must be JSON.
 *
 * @example
 * ```ts
 * pollFn: async (ctx) => {
 *   const rows = await db.rowsAfter((ctx.cursor as number | undefined) ?? 0);
 *   return rows.length > 0 ? { payload: { rows }, cursor: rows.at(-1).id } : null;
 * },
 * ```
 */
export type PollResult =
  | Record<string, unknown>
  | { readonly payload: Record<string, unknown>; readonly cursor: unknown }
  | { readonly skip: true; readonly cursor: unknown }
  | null
  | undefined;

/**
 * What a poll function is called with: the tick it is asked about, and the signal that
 * aborts at its `pollTimeout` or when the supervisor stops. It *is* that `AbortSignal`
 * (with the fields added), so a poll function that takes a signal keeps working.
 *
 * @example
 * ```ts
 * pollFn: async (ctx) => {
 *   const since = new Date(ctx.scheduledAt.getTime() - 10 * 60_000);
 *   const res = await fetch(`${url}?since=${since.toISOString()}`, { signal: ctx.signal });
 *   const rows = await res.json();
 *   return rows.length > 0 ? { rows } : null;
 * },
 * ```
 */
export interface PollContext extends AbortSignal {
  /** Aborts at the poll's timeout, or when the supervisor stops (the same object as `ctx`). */
  readonly signal: AbortSignal;
  readonly trigger: string;
  /** The ledger row this tick gets (a fire, or `poll_empty`/`poll_failed`). */
  readonly eventId: string;
  /** The tick's scheduled instant. */
  readonly scheduledAt: Date;
  /** When the poll was called. */
  readonly firedAt: Date;
  /** `"tick"` on time, `"catchUp"` for a tick owed from downtime. */
  readonly kind: FireKind;
  /**
   * The last committed cursor (`undefined` at first): what the last `{ payload, cursor }`
   * that fired, or `{ skip: true, cursor }`, or `tickflow cursor --set` left.
   */
  readonly cursor: unknown;
}

/**
 * What `ns.registerTrigger(...)` takes.
 *
 * @example
 * ```ts
 * ns.registerTrigger({
 *   name: "hourly_market",
 *   dagNsref: "pipelines:market_summary",
 *   triggerType: "poll",
 *   schedule: "0 * * * *",
 * });
 * ```
 */
export interface TriggerSpec {
  /** Unique name: letters, digits, `_`, `-`, `.` and `:`. */
  readonly name: string;
  /**
   * The registered DAG to run, or a registered function (run as a one-node DAG labelled
   * after it); checked when the trigger is activated.
   */
  readonly dagNsref: string;
  /**
   * `"poll"`: fires on its `schedule`, asking `pollFn` first if there is one — a plain
   * cron trigger is a `"poll"` trigger without `pollFn`; `"cron"` says the same (stored as
   * `"poll"`) and refuses a `pollFn`. `"push"`: no schedule, fired by `manager.fire`.
   */
  readonly triggerType: "poll" | "cron" | "push";
  /** Cron (5 fields, or 6 with seconds first). A poll trigger has this or `every`; push neither. */
  readonly schedule?: string;
  /**
   * An interval instead of cron: "15m", "1h30m", "90s", "500ms", "1d" (or ms). Ticks are
   * `anchor + k × every` in real time, the anchor being `startAt` if given, else the Unix
   * epoch — so a restart never shifts them ("15m" ticks at :00, :15, :30, :45 UTC).
   */
  readonly every?: string | number;
  /** IANA zone of the schedule (default: the process's zone). */
  readonly timezone?: string;
  /**
   * Fire each tick up to this much later ("30s", "5m", or ms), by an offset derived from
   * the trigger's name and the tick (the same after a restart). Shorter than the time
   * between ticks. The ledger's `scheduledAt` is the jittered instant.
   */
  readonly jitter?: string | number;
  /** No tick before this instant (Date, ISO 8601 string or epoch ms); anchors `every`. */
  readonly startAt?: Date | string | number;
  /** No tick at or after this instant (Date, ISO 8601 string or epoch ms). */
  readonly endAt?: Date | string | number;
  /**
   * Fire at most this many scheduled ticks in total (a positive integer), then end, as
   * a schedule past its `endAt` does: no next tick, the trigger stays active for pushes
   * and `fire()`. Scheduled fires count (`tick`, `catchUp`), each in the write-ahead
   * commit of its ledger row, also when the overlap policy keeps it (`buffered`);
   * manual fires, pushes and backfills do not (Temporal's `remainingActions` rule). The
   * count survives restarts; raising the limit gives the difference back. Not for push
   * triggers.
   */
  readonly maxFires?: number;
  /**
   * Called at each tick with the tick's context (`ctx.scheduledAt`, `ctx.signal`, …; `ctx`
   * is also the AbortSignal itself): an object fires with it as payload,
   * `null`/`undefined` skips the tick.
   */
  readonly pollFn?: (ctx: PollContext) => PollResult | Promise<PollResult>;
  /** Payload of scheduled fires when there is no `pollFn`. */
  readonly payload?: Record<string, unknown>;
  /**
   * A tick or push that comes while a fire still runs: `"skip"` (default; recorded
   * `skipped_overlap`), `"bufferOne"` (keep the first, fire it when the run ends),
   * `"bufferAll"` (keep every one, fire them in order), `"cancelOther"` (interrupt the
   * run in flight — recorded `cancelled` — then start the new one) or `"allowAll"` (run
   * in parallel, up to `maxConcurrent`; a fire beyond it is skipped like `"skip"`).
   */
  readonly overlap?: OverlapPolicy;
  /**
   * With `overlap: "allowAll"`: most runs of this trigger at once, a positive integer
   * (default: unbounded). Refused with any other overlap policy.
   */
  readonly maxConcurrent?: number;
  /** Milliseconds a `pollFn` may take before it counts as failed (default 30 000). */
  readonly pollTimeout?: number;
  /** Ticks missed while down: `"skip"`, `"latest"` (default) or `"all"`. */
  readonly catchUp?: "skip" | "latest" | "all";
  /** With `catchUp: "all"`, most missed ticks fired (default 100); the rest are recorded missed. */
  readonly maxCatchUp?: number;
  /** Only ticks missed within this many ms before now are caught up (default: no limit). */
  readonly catchUpWindow?: number;
  /**
   * After this many consecutive failed runs (a positive integer), the trigger disables
   * itself with a note naming the last run and its error (`by: "tickflow"`), and `onEvent`
   * reports `paused`; `activate` resumes it. A completed run resets the count;
   * interrupted, cancelled and skipped ones neither count nor reset it. Default: never.
   */
  readonly pauseAfterFailures?: number;
}

/**
 * A registered trigger: the spec with defaults applied and the schedule parsed.
 *
 * @example
 * ```ts
 * const def = ns.getTrigger("hourly_market");
 * def.schedule?.next(Date.now());
 * ```
 */
export interface TriggerDefinition {
  readonly name: string;
  readonly dagNsref: string;
  readonly triggerType: "poll" | "push";
  /** When it ticks (cron or `every`, with `startAt`/`endAt`/`jitter`); none for push. */
  readonly schedule: TickSchedule | undefined;
  readonly pollFn: TriggerSpec["pollFn"];
  readonly payload: Record<string, unknown> | undefined;
  readonly overlap: OverlapPolicy;
  /** With `allowAll`: most runs at once; `undefined` is unbounded. */
  readonly maxConcurrent: number | undefined;
  readonly pollTimeout: number;
  readonly catchUp: "skip" | "latest" | "all";
  readonly maxCatchUp: number;
  readonly catchUpWindow: number | undefined;
  /** Consecutive failed runs that disable the trigger; `undefined`: never. */
  readonly pauseAfterFailures: number | undefined;
  /** Most scheduled fires in total; `undefined`: unlimited. */
  readonly maxFires: number | undefined;
}

const NAME = /^[A-Za-z0-9_.:-]+$/;

/**
 * Checks a trigger spec and applies its defaults. Throws `InvalidTriggerOption` (a field
 * the definition does not know, or a value its field does not accept: see
 * `TRIGGER_FIELDS`), `ScheduleRequired`, `ScheduleNotAllowed`, `InvalidSchedule`,
 * `InvalidTimezone`, `InvalidNsref` or `InvalidTriggerDefinition`.
 *
 * @example
 * ```ts
 * const def = defineTrigger({ name: "t", dagNsref: "p:x", triggerType: "poll", schedule: "* * * * *" });
 * ```
 */
export function defineTrigger(input: TriggerSpec): TriggerDefinition {
  // Every enum and number against its table entry first: nothing unknown is taken as
  // something else.
  const spec = checkTriggerFields(input);
  const invalid = (field: string, reason: string) =>
    new InvalidTriggerDefinition({ name: spec.name, field, reason });
  if (!NAME.test(spec.name)) {
    throw invalid("name", "must be letters, digits, _, -, . or : (at least one)");
  }
  parseNsref(spec.dagNsref);
  if (spec.triggerType === "cron" && spec.pollFn !== undefined) {
    throw invalid(
      "pollFn",
      'a "cron" trigger fires on every tick and asks no pollFn: use triggerType "poll" to ask one',
    );
  }
  // "cron" is a synonym: what is stored, inspected and journaled is "poll".
  const triggerType = spec.triggerType === "push" ? "push" : "poll";
  if (triggerType === "poll" && spec.schedule === undefined && spec.every === undefined) {
    throw new ScheduleRequired({ name: spec.name });
  }
  if (spec.triggerType === "push") {
    const timing = (["schedule", "every", "jitter", "startAt", "endAt", "maxFires"] as const).find(
      (key) => spec[key] !== undefined,
    );
    if (timing !== undefined) {
      // The schedule as written; another timing field by name and value.
      const schedule =
        timing === "schedule" ? String(spec.schedule) : `${timing}: ${String(spec[timing])}`;
      throw new ScheduleNotAllowed({ name: spec.name, schedule });
    }
  }
  // Across fields (the table checks each alone): a cap only applies to parallel runs.
  const overlap = spec.overlap ?? "skip";
  if (spec.maxConcurrent !== undefined && overlap !== "allowAll") {
    throw invalid(
      "maxConcurrent",
      `applies only to overlap "allowAll" (this trigger's overlap is ${JSON.stringify(overlap)}): remove it, or set overlap: "allowAll"`,
    );
  }
  const schedule = triggerType === "push" ? undefined : namedScheduleOf(spec);
  return {
    name: spec.name,
    dagNsref: spec.dagNsref,
    triggerType,
    schedule,
    pollFn: spec.pollFn,
    payload: spec.payload,
    overlap,
    maxConcurrent: spec.maxConcurrent,
    pollTimeout: spec.pollTimeout ?? 30_000,
    catchUp: spec.catchUp ?? "latest",
    maxCatchUp: spec.maxCatchUp ?? 100,
    catchUpWindow: spec.catchUpWindow,
    pauseAfterFailures: spec.pauseAfterFailures,
    maxFires: spec.maxFires,
  };
}

/** The spec's schedule; an `InvalidSchedule` names the trigger (a module may define many). */
function namedScheduleOf(spec: TriggerSpec) {
  try {
    return scheduleOf(scheduleSpecOf(spec), spec.name);
  } catch (error) {
    if (error instanceof InvalidSchedule && error.trigger === undefined) {
      const { expression, field, reason } = error;
      throw new InvalidSchedule({ expression, field, reason, trigger: spec.name });
    }
    throw error;
  }
}

/** The schedule fields of a spec (what `scheduleOf` validates, naming each field). */
function scheduleSpecOf(spec: TriggerSpec): ScheduleSpec {
  return {
    schedule: spec.schedule,
    every: spec.every,
    timezone: spec.timezone,
    jitter: spec.jitter,
    startAt: spec.startAt,
    endAt: spec.endAt,
  };
}
