import { toEpochMs } from "./InstantOutOfRange.js";
import { chainTicks } from "./IntervalSchedule.js";
import type { TickSchedule } from "./TickSchedule.js";

/** Nominal ticks looked at for one answer: a jitter much longer than the spacing costs this. */
const SCAN_LIMIT = 100_000;

/** One tick of a shaped schedule: the base schedule's tick, and when it fires. */
export interface ShapedTick {
  /** The base schedule's (un-jittered) tick. */
  readonly nominal: number;
  /** `nominal` plus its jitter offset: the instant it fires, and its `scheduledAt`. */
  readonly at: number;
}

/** How a base schedule is shaped; every field optional. */
export interface ScheduleShape {
  /** No tick before this instant (epoch ms); also the anchor of an `every` schedule. */
  readonly startAt?: number | undefined;
  /** No tick at or after this instant (epoch ms). */
  readonly endAt?: number | undefined;
  /** Ticks fire up to this many ms late (0: none). */
  readonly jitter?: number | undefined;
  /** Seeds the jitter offsets (the trigger's name), so each trigger has its own. */
  readonly seed?: string | undefined;
}

/**
 * A base schedule (cron or `every`) within `[startAt, endAt)`, each tick fired a little
 * late by its jitter offset. The offset of a tick is derived from the seed (the trigger's
 * name) and the un-jittered tick alone — a hash, not a random draw — so it is the same
 * after a restart, on another supervisor, and in `preview`. It lies in `[0, jitter)` and
 * also below the time to the base schedule's next tick, so jittered ticks keep their
 * order and never collide. `startAt`/`endAt` bound the un-jittered ticks.
 *
 * @example
 * ```ts
 * const s = new ShapedSchedule(parseSchedule("0 * * * *", { timezone: "UTC" }), {
 *   jitter: 5 * 60_000,
 *   seed: "hourly_report",
 * });
 * s.next(Date.UTC(2026, 0, 1)); // between 01:00:00 and 01:04:59 UTC, the same every time
 * ```
 */
export class ShapedSchedule implements TickSchedule {
  readonly kind = "shaped" as const;
  readonly startAt: number | undefined;
  readonly endAt: number | undefined;
  readonly jitter: number;
  readonly #seed: string;

  constructor(
    /** The schedule being shaped. */
    readonly base: TickSchedule,
    shape: ScheduleShape,
  ) {
    this.startAt = shape.startAt;
    this.endAt = shape.endAt;
    this.jitter = shape.jitter ?? 0;
    this.#seed = shape.seed ?? "";
  }

  /** The base schedule's expression. */
  get expression(): string {
    return this.base.expression;
  }

  get timezone(): string {
    return this.base.timezone;
  }

  get hasSeconds(): boolean {
    return this.base.hasSeconds || this.jitter > 0;
  }

  /**
   * The first tick firing strictly after `after`, with its un-jittered instant, or
   * `undefined` past `endAt`.
   *
   * @example
   * ```ts
   * shaped.tickAfter(Date.UTC(2026, 0, 1)); // { nominal: …T01:00:00Z, at: …T01:02:41Z }
   * ```
   */
  tickAfter(after: Date | number): ShapedTick | undefined {
    const from = toEpochMs(after, "after");
    // A tick fires before its nominal instant + jitter: earlier nominal ticks fired already.
    let cursor = from - this.jitter;
    if (this.startAt !== undefined) cursor = Math.max(cursor, this.startAt - 1);
    let nominal = this.base.nextMs(cursor);
    for (let i = 0; i < SCAN_LIMIT; i++) {
      if (!Number.isFinite(nominal) || (this.endAt !== undefined && nominal >= this.endAt)) {
        return undefined;
      }
      if (this.jitter === 0) return { nominal, at: nominal };
      const following = this.base.nextMs(nominal);
      const at = nominal + this.offsetOf(nominal, Math.min(this.jitter, following - nominal));
      if (at > from) return { nominal, at };
      nominal = following;
    }
    throw new Error(`${this.expression}: no tick found after ${new Date(from).toISOString()}`);
  }

  /**
   * The jitter offset of the un-jittered tick `nominal`, below `bound` ms: whole seconds
   * when the bound allows, else whole ms.
   *
   * @example
   * ```ts
   * shaped.offsetOf(Date.UTC(2026, 0, 1, 1), 300_000); // e.g. 161_000, always the same
   * ```
   */
  offsetOf(nominal: number, bound: number): number {
    if (bound <= 1) return 0;
    const unit = bound >= 2000 ? 1000 : 1;
    const steps = Math.floor((bound - 1) / unit) + 1;
    return Math.floor(unitInterval(`${this.#seed}\u0000${nominal}`) * steps) * unit;
  }

  /**
   * The first tick strictly after `after` (jittered), or `Infinity` past `endAt`.
   *
   * @example
   * ```ts
   * shaped.nextMs(Date.UTC(2026, 0, 1));
   * ```
   */
  nextMs(after: Date | number): number {
    return this.tickAfter(after)?.at ?? Number.POSITIVE_INFINITY;
  }

  /**
   * {@link ShapedSchedule.nextMs} as a `Date`, or `undefined` past `endAt`.
   *
   * @example
   * ```ts
   * shaped.next(Date.UTC(2026, 0, 1));
   * ```
   */
  next(after: Date | number): Date | undefined {
    const tick = this.tickAfter(after);
    return tick === undefined ? undefined : new Date(tick.at);
  }

  /**
   * Up to `n` ticks after `after` (fewer past `endAt`).
   *
   * @example
   * ```ts
   * shaped.nextN(Date.UTC(2026, 0, 1), 3);
   * ```
   */
  nextN(after: Date | number, n: number): Date[] {
    return chainTicks(this, after, n);
  }

  /**
   * The base schedule with its shape, e.g. `"0 * * * *" in UTC, jitter 5m`.
   *
   * @example
   * ```ts
   * String(shaped);
   * ```
   */
  toString(): string {
    const parts = [String(this.base)];
    if (this.jitter > 0) parts.push(`jitter ${this.jitter} ms`);
    if (this.startAt !== undefined) parts.push(`from ${new Date(this.startAt).toISOString()}`);
    if (this.endAt !== undefined) parts.push(`until ${new Date(this.endAt).toISOString()}`);
    return parts.join(", ");
  }
}

/** A number in [0, 1) from a string: FNV-1a, then murmur3's finaliser to spread the bits. */
function unitInterval(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
