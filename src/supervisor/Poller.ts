import type { FireKind } from "../dag/NodeContext.js";
import type { PollContext, TriggerDefinition } from "../namespace/TriggerDefinition.js";
import { jsonProblem } from "../store/jsonProblem.js";
import { tracePoll } from "../telemetry/pollSpan.js";
import { PollFailed } from "./errors.js";
import type { Live } from "./Live.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/** A cursor step a poll asked for (boxed: `undefined` means no step, not a cleared cursor). */
export interface CursorStep {
  readonly value: unknown;
}

/**
 * What a poll gave: a payload to fire with, nothing (skip the tick), or why it failed;
 * with the cursor to commit alongside, if it returned one.
 */
export type PollOutcome =
  | { readonly payload: Record<string, unknown>; readonly cursor?: CursorStep }
  | { readonly error: PollFailed | undefined; readonly cursor?: CursorStep };

/** The tick a poll is asked about: its ledger row's event id, instant and kind. */
export interface PolledTick {
  readonly eventId: string;
  readonly scheduledAt: number;
  readonly kind: FireKind;
}

/**
 * Calls poll functions with their timeout (measured on the injected clock), and
 * abandons the polls in flight when the supervisor stops or steps down (their ticks stay
 * owed).
 *
 * @example
 * ```ts
 * const outcome = await core.poller.poll(live, definition, { eventId, scheduledAt, kind: "tick" });
 * ```
 */
export class Poller {
  readonly #aborts = new Set<() => void>();

  constructor(readonly core: SupervisorCore) {}

  /** Abandons every poll in flight: each settles at once as failed ("abandoned"). */
  abandonAll(): void {
    for (const abandon of [...this.#aborts]) abandon();
  }

  /**
   * The payload of a tick: the poll function's answer (with its timeout), or the
   * trigger's own payload when it has no poll function. A payload JSON cannot carry is a
   * `PollFailed` naming the place: the tick is recorded `poll_failed`, never fired with a
   * payload its snapshot and ledger could not hold.
   */
  poll(live: Live, definition: TriggerDefinition, tick: PolledTick): Promise<PollOutcome> {
    return tracePoll(live.name, this.core.clock, () => this.#poll(live, definition, tick));
  }

  async #poll(live: Live, definition: TriggerDefinition, tick: PolledTick): Promise<PollOutcome> {
    const pollFn = definition.pollFn;
    if (pollFn === undefined) return this.#carried(live, definition.payload ?? {}, "has a payload");
    const clock = this.core.clock;
    const controller = new AbortController();
    let abandon = () => {};
    const abandoned = new Promise<never>((_, reject) => {
      abandon = () => {
        controller.abort();
        reject(
          new PollFailed({ name: live.name, reason: "was abandoned: the supervisor stopped" }),
        );
      };
    });
    abandoned.catch(() => {});
    this.#aborts.add(abandon);
    let cancel = () => {};
    const timeout = new Promise<never>((_, reject) => {
      cancel = clock.setTimer(clock.now() + definition.pollTimeout, () => {
        controller.abort();
        reject(
          new PollFailed({
            name: live.name,
            reason: `did not answer within ${definition.pollTimeout} ms (pollTimeout)`,
          }),
        );
      });
    });
    try {
      const value = await Promise.race([
        Promise.resolve().then(() =>
          pollFn(pollContext(live.name, tick, clock.now(), controller, live.cursor)),
        ),
        timeout,
        abandoned,
      ]);
      if (value === null || value === undefined) return { error: undefined };
      if (typeof value !== "object" || Array.isArray(value)) {
        return {
          error: new PollFailed({
            name: live.name,
            reason: `returned ${Array.isArray(value) ? "an array" : `a ${typeof value}`}; return an object (the payload) or null to skip the tick`,
          }),
        };
      }
      return this.#answer(live, value);
    } catch (error) {
      return {
        error:
          error instanceof PollFailed
            ? error
            : new PollFailed({
                name: live.name,
                reason: `threw: ${error instanceof Error ? error.message : String(error)}`,
                cause: error,
              }),
      };
    } finally {
      cancel();
      this.#aborts.delete(abandon);
    }
  }

  /**
   * A poll's object answer: the cursor forms (exactly the keys `payload` and `cursor`, or
   * `skip: true` and `cursor`), else the object itself as the payload.
   */
  #answer(live: Live, value: Record<string, unknown>): PollOutcome {
    const form = cursorForm(value);
    if (form === undefined) return this.#carried(live, value, "returned a payload");
    const problem =
      value.cursor === undefined ? undefinedCursor : jsonProblem(value.cursor, "cursor");
    if (problem !== undefined) {
      return {
        error: new PollFailed({
          name: live.name,
          reason: `returned a cursor JSON cannot carry: ${problem.path} ${problem.reason}`,
        }),
      };
    }
    const cursor = { value: value.cursor };
    if (form === "skip") return { error: undefined, cursor };
    const payload = value.payload;
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
      return {
        error: new PollFailed({
          name: live.name,
          reason: "returned { payload, cursor } whose payload is not an object",
        }),
      };
    }
    const outcome = this.#carried(live, payload as Record<string, unknown>, "returned a payload");
    return "payload" in outcome ? { ...outcome, cursor } : outcome;
  }

  /** The payload, or why JSON cannot carry it. */
  #carried(live: Live, payload: Record<string, unknown>, what: string): PollOutcome {
    const problem = jsonProblem(payload);
    if (problem === undefined) return { payload };
    return {
      error: new PollFailed({
        name: live.name,
        reason: `${what} JSON cannot carry: ${problem.path} ${problem.reason}`,
      }),
    };
  }
}

/**
 * What a poll function is called with: its AbortSignal itself, carrying the tick's fire
 * context — so a poll function written for the signal (`(signal) => fetch(url, { signal })`)
 * keeps working, and a new one reads `ctx.scheduledAt` and `ctx.signal`.
 */
/** The place and reason of a cursor left `undefined` (JSON has no undefined). */
const undefinedCursor = {
  path: "cursor",
  reason: "is undefined; return a JSON value (null to clear it), or return null to keep the cursor",
};

/**
 * Which cursor form an answer is: only an object with exactly the keys `payload` and
 * `cursor`, or exactly `skip` (true) and `cursor`, is one — any other object is a payload,
 * as before cursors existed.
 */
function cursorForm(value: Record<string, unknown>): "fire" | "skip" | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 2 || !keys.includes("cursor")) return undefined;
  if (keys.includes("payload")) return "fire";
  return keys.includes("skip") && value.skip === true ? "skip" : undefined;
}

function pollContext(
  trigger: string,
  tick: PolledTick,
  now: number,
  controller: AbortController,
  cursor: unknown,
): PollContext {
  const signal = controller.signal;
  const fields = {
    signal,
    trigger,
    eventId: tick.eventId,
    scheduledAt: new Date(tick.scheduledAt),
    firedAt: new Date(now),
    kind: tick.kind,
    cursor,
  };
  return Object.defineProperties(
    signal,
    Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [key, { value, enumerable: true }]),
    ),
  ) as PollContext;
}
