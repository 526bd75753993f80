import { type ScheduleSpec, scheduleOf } from "../schedule/scheduleOf.js";
import type { TickSchedule } from "../schedule/TickSchedule.js";
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

/** What a poll function may return: a payload object to fire with, or nothing to skip the tick. */
export type PollResult = Record<string, unknown> | null | undefined;

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
  /** Called at each tick: an object fires with it as payload, `null`/`undefined` skips the tick. */
  readonly pollFn?: (signal: AbortSignal) => PollResult | Promise<PollResult>;
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
}

const NAME = /^[A-Za-z0-9_.:-]+$/;

/**
 * Checks a trigger spec and applies its defaults. Throws `ScheduleRequired`,
 * `ScheduleNotAllowed`, `InvalidSchedule`, `InvalidTimezone`, `InvalidNsref` or
 * `InvalidTriggerDefinition`.
 *
 * @example
 * ```ts
 * const def = defineTrigger({ name: "t", dagNsref: "p:x", triggerType: "poll", schedule: "* * * * *" });
 * ```
 */
export function defineTrigger(spec: TriggerSpec): TriggerDefinition {
  const invalid = (field: string, reason: string) =>
    new InvalidTriggerDefinition({ name: spec.name, field, reason });
  if (typeof spec.name !== "string" || !NAME.test(spec.name)) {
    throw invalid("name", "must be letters, digits, _, -, . or : (at least one)");
  }
  parseNsref(spec.dagNsref);
  if (spec.triggerType !== "poll" && spec.triggerType !== "push" && spec.triggerType !== "cron") {
    throw invalid(
      "triggerType",
      `must be "poll" (on a schedule, optionally asking a pollFn), "cron" (the same without a pollFn) or "push", not ${JSON.stringify(spec.triggerType)}`,
    );
  }
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
    const timing = (["schedule", "every", "jitter", "startAt", "endAt"] as const).find(
      (key) => spec[key] !== undefined,
    );
    if (timing !== undefined) {
      // The schedule as written; another timing field by name and value.
      const schedule =
        timing === "schedule" ? String(spec.schedule) : `${timing}: ${String(spec[timing])}`;
      throw new ScheduleNotAllowed({ name: spec.name, schedule });
    }
  }
  if (spec.pollFn !== undefined && typeof spec.pollFn !== "function") {
    throw invalid("pollFn", "must be a function");
  }
  const positive = (field: string, value: number | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value <= 0) throw invalid(field, "must be a positive number");
    return value;
  };
  const overlap = spec.overlap ?? "skip";
  if (spec.maxConcurrent !== undefined) {
    if (!Number.isSafeInteger(spec.maxConcurrent) || spec.maxConcurrent < 1) {
      throw invalid(
        "maxConcurrent",
        `must be a positive integer (most runs at once), not ${JSON.stringify(spec.maxConcurrent)}`,
      );
    }
    if (overlap !== "allowAll") {
      throw invalid(
        "maxConcurrent",
        `applies only to overlap "allowAll" (this trigger's overlap is ${JSON.stringify(overlap)}): remove it, or set overlap: "allowAll"`,
      );
    }
  }
  const schedule = triggerType === "push" ? undefined : scheduleOf(scheduleSpecOf(spec), spec.name);
  return {
    name: spec.name,
    dagNsref: spec.dagNsref,
    triggerType,
    schedule,
    pollFn: spec.pollFn,
    payload: spec.payload,
    overlap,
    maxConcurrent: spec.maxConcurrent,
    pollTimeout: positive("pollTimeout", spec.pollTimeout, 30_000),
    catchUp: spec.catchUp ?? "latest",
    maxCatchUp: positive("maxCatchUp", spec.maxCatchUp, 100),
    catchUpWindow:
      spec.catchUpWindow === undefined
        ? undefined
        : positive("catchUpWindow", spec.catchUpWindow, 0),
  };
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
