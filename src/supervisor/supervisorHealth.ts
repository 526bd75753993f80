import { HealthOptionInvalid } from "./errors.js";
import type { HealthOptions, SupervisorHealth } from "./ManagerOptions.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/** How late a due tick may be before `health()` says not ok, unless told (30 s). */
export const DEFAULT_MAX_OVERDUE_MS = 30_000;
/** How long `health()` waits for the store to answer before calling it unreachable (5 s). */
export const DEFAULT_STORE_TIMEOUT_MS = 5_000;

/**
 * Computes `manager.health()`: the store read (bounded by the injected clock's timer),
 * then the rule documented on {@link SupervisorHealth}.
 *
 * @example
 * ```ts
 * const health = await supervisorHealth(core, { maxOverdueMs: 10_000 });
 * ```
 */
export async function supervisorHealth(
  core: SupervisorCore,
  options: HealthOptions = {},
): Promise<SupervisorHealth> {
  const maxOverdueMs = positive("maxOverdueMs", options.maxOverdueMs, DEFAULT_MAX_OVERDUE_MS);
  const storeTimeoutMs = positive(
    "storeTimeoutMs",
    options.storeTimeoutMs,
    DEFAULT_STORE_TIMEOUT_MS,
  );
  const storeReachable = await reachable(core, storeTimeoutMs);
  const { role } = core.status();
  const now = core.clock.now();
  let lastTick: number | undefined;
  let oldestDue: number | undefined;
  let runsInFlight = 0;
  for (const live of core.live.values()) {
    runsInFlight += live.runCount;
    const last = live.snapshot.context.lastScheduledAt;
    if (last !== null && last !== undefined && (lastTick === undefined || last > lastTick)) {
      lastTick = last;
    }
    if (!core.owns(live)) continue;
    const due = core.timers.get(live.name);
    if (due !== undefined && due <= now && (oldestDue === undefined || due < oldestDue)) {
      oldestDue = due;
    }
  }
  const oldestOverdueTickMs = oldestDue === undefined ? undefined : now - oldestDue;
  const reasons: string[] = [];
  if (!storeReachable) reasons.push(`the store at ${core.store.location} did not answer a read`);
  if (role === "stopped") reasons.push("the supervisor is not started");
  if (
    (role === "leader" || role === "member") &&
    oldestOverdueTickMs !== undefined &&
    oldestOverdueTickMs > maxOverdueMs
  ) {
    reasons.push(`a due tick is ${oldestOverdueTickMs} ms late (more than ${maxOverdueMs} ms)`);
  }
  return {
    ok: reasons.length === 0,
    role,
    lastTickAt: lastTick === undefined ? undefined : new Date(lastTick),
    oldestOverdueTickMs,
    storeReachable,
    runsInFlight,
    reasons,
  };
}

/** Whether the store answers a cheap read (the lease row) within `timeoutMs`. */
function reachable(core: SupervisorCore, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = core.clock.setTimer(core.clock.now() + timeoutMs, () => resolve(false));
    core.store.leaseHolder().then(
      () => {
        cancel();
        resolve(true);
      },
      () => {
        cancel();
        resolve(false);
      },
    );
  });
}

/** A bound given to `health()`, or its default: a negative or non-number one is refused. */
function positive(
  field: "maxOverdueMs" | "storeTimeoutMs",
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new HealthOptionInvalid({ field, value });
  }
  return value;
}
