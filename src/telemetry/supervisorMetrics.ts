import { activeTelemetry } from "./activeTelemetry.js";
import { type TriggerStateSource, watchTriggerStates } from "./triggerStateGauge.js";

/**
 * Records one fire-path group commit: its writes and its transaction's duration.
 *
 * @example
 * ```ts
 * groupCommitted(writes.length, clock.now() - startedAt);
 * ```
 */
export function groupCommitted(writes: number, ms: number): void {
  const metrics = activeTelemetry()?.metrics;
  if (metrics === undefined) return;
  metrics.groupCommitSize.record(writes);
  metrics.groupCommitDuration.record(ms);
}

/**
 * A supervisor's lifecycle moved to `state`: counted in `tickflow.lease.role_changes` by
 * the state entered (`leading` and `standby`: the database lease won and lost; `member`:
 * shared triggers; `starting`, `stopping`, `stopped`), and its triggers are in the
 * `tickflow.triggers` gauge from its start to its stop.
 *
 * @example
 * ```ts
 * if (next.value !== before.value) lifecycleChanged(core, supervisorStateOf(next));
 * ```
 */
export function lifecycleChanged(supervisor: TriggerStateSource, state: string): void {
  watchTriggerStates(supervisor, state !== "stopped");
  activeTelemetry()?.metrics.roleChanges.add(1, { "tickflow.supervisor.role": state });
}
