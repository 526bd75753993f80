import type { Counter, Histogram, Meter, UpDownCounter } from "@opentelemetry/api";
import { observeTriggerStates } from "./triggerStateGauge.js";

/**
 * tickflow's instruments, named in the OpenTelemetry semantic-conventions style
 * (`tickflow.<thing>.<measure>`, units in UCUM: `ms`, `{fire}`). The README's table lists
 * them with their attributes.
 */
export interface TickflowMetrics {
  /** Fire decisions by `tickflow.trigger` and `tickflow.fire.outcome`. */
  readonly fires: Counter;
  /** From a tick's scheduled instant to its decision (`tickflow.trigger`). */
  readonly lateness: Histogram;
  /** A run, start to end (`tickflow.dag`, `tickflow.run.status`). */
  readonly runDuration: Histogram;
  /** One attempt of a node (`tickflow.dag`, `tickflow.node`, `tickflow.node.status`). */
  readonly nodeDuration: Histogram;
  /** Runs started and not ended yet, in this process (`tickflow.dag`). */
  readonly runsInFlight: UpDownCounter;
  /** A poll function's call (`tickflow.trigger`, `tickflow.poll.outcome`). */
  readonly pollDuration: Histogram;
  /** Writes per group commit (fire-path transaction). */
  readonly groupCommitSize: Histogram;
  /** One group commit's transaction. */
  readonly groupCommitDuration: Histogram;
  /** Lifecycle changes of a supervisor, by the `tickflow.supervisor.role` entered. */
  readonly roleChanges: Counter;
}

/**
 * Makes tickflow's instruments on `meter`, and its observable gauge of triggers by
 * machine state (`tickflow.triggers`), read from the supervisors running in this process.
 *
 * @example
 * ```ts
 * const metrics = createTickflowMetrics(api.metrics.getMeter("tickflow"));
 * ```
 */
export function createTickflowMetrics(meter: Meter): TickflowMetrics {
  const ms = (name: string, description: string) =>
    meter.createHistogram(name, { unit: "ms", description });
  meter
    .createObservableGauge("tickflow.triggers", {
      unit: "{trigger}",
      description: "Triggers of the running supervisors, by machine state",
    })
    .addCallback(observeTriggerStates);
  return {
    fires: meter.createCounter("tickflow.fires", {
      unit: "{fire}",
      description: "Fire decisions, by trigger and outcome",
    }),
    lateness: ms("tickflow.fire.lateness", "From a tick's scheduled instant to its decision"),
    runDuration: ms("tickflow.run.duration", "A DAG run, from its start to its end"),
    nodeDuration: ms("tickflow.node.duration", "One attempt of a node"),
    runsInFlight: meter.createUpDownCounter("tickflow.runs.in_flight", {
      unit: "{run}",
      description: "DAG runs started and not ended yet",
    }),
    pollDuration: ms("tickflow.poll.duration", "One call of a poll function"),
    groupCommitSize: meter.createHistogram("tickflow.group_commit.size", {
      unit: "{write}",
      description: "Writes per fire-path group commit",
    }),
    groupCommitDuration: ms("tickflow.group_commit.duration", "One fire-path group commit"),
    roleChanges: meter.createCounter("tickflow.lease.role_changes", {
      unit: "{change}",
      description: "Supervisor lifecycle changes, by the role entered",
    }),
  };
}
