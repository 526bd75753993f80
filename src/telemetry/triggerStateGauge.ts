import type { ObservableResult } from "@opentelemetry/api";
import { type TriggerSnapshot, triggerStateOf } from "../../machines/trigger.machine.js";

/** A running supervisor, as the gauge reads it: its id and its triggers' machines. */
export interface TriggerStateSource {
  readonly ownerId: string;
  readonly live: ReadonlyMap<string, { readonly snapshot: TriggerSnapshot }>;
}

const sources = new Set<TriggerStateSource>();

/**
 * Adds (`true`) or removes a supervisor from the `tickflow.triggers` gauge: it is watched
 * from its start to its stop, so a stopped one is neither reported nor kept alive here.
 *
 * @example
 * ```ts
 * watchTriggerStates(core, core.state !== "stopped");
 * ```
 */
export function watchTriggerStates(source: TriggerStateSource, on: boolean): void {
  if (on) sources.add(source);
  else sources.delete(source);
}

/** The gauge's callback: one point per supervisor and machine state. */
export function observeTriggerStates(result: ObservableResult): void {
  for (const source of sources) {
    const counts = new Map<string, number>();
    for (const { snapshot } of source.live.values()) {
      const state = triggerStateOf(snapshot);
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    for (const [state, count] of counts) {
      result.observe(count, {
        "tickflow.supervisor": source.ownerId,
        "tickflow.trigger.state": state,
      });
    }
  }
}
