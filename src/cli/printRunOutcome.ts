import type { DagRunResult } from "../run/DagRunner.js";
import { RunDidNotComplete } from "./errors.js";
import type { Output } from "./Output.js";

/**
 * A run's end as a command prints it (fire, exec, restart, replay).
 *
 * @example
 * ```ts
 * const outcome: RunOutcome = { runId, status: "completed", outputs: { total: 3 } };
 * ```
 */
export interface RunOutcome {
  readonly runId: string;
  readonly status: string;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly error?: string | undefined;
  readonly failedNode?: string | undefined;
}

/**
 * Prints a run's outcome — `<headline>: run <id> <status>` and a line per sink output,
 * or the outcome as JSON — then throws `RunDidNotComplete` (naming the failed node and
 * its error) when the run did not complete, so the command exits 1 with that one line.
 *
 * @example
 * ```ts
 * printRunOutcome(kit.out, "ran pipelines:daily", outcome, options.json);
 * ```
 */
export function printRunOutcome(
  out: Output,
  headline: string,
  outcome: RunOutcome,
  json: boolean | undefined,
): void {
  const { runId, status, outputs, error, failedNode } = outcome;
  if (json) {
    out.json({
      runId,
      status,
      outputs,
      ...(failedNode === undefined ? {} : { failedNode }),
      ...(error === undefined ? {} : { error }),
    });
  } else {
    out.line(`${headline}: run ${runId} ${out.status(status)}`);
    for (const [label, value] of Object.entries(outputs)) {
      out.line(`  ${label}: ${JSON.stringify(value)}`);
    }
  }
  if (status !== "completed") throw new RunDidNotComplete({ runId, status, error, failedNode });
}

/**
 * A runner's result as the outcome a command prints.
 *
 * @example
 * ```ts
 * printRunOutcome(kit.out, "ran pipelines:daily", outcomeOf(await runner.run(input)), false);
 * ```
 */
export function outcomeOf(result: DagRunResult): RunOutcome {
  return {
    runId: result.runId,
    status: result.status,
    outputs: result.outputs,
    error: result.error?.message,
    failedNode: result.failedNode,
  };
}
