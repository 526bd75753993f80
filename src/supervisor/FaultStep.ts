/**
 * The named steps of the fire path where a fault hook is called (synchronously, so a
 * test can kill the process exactly there):
 * - `commit:before` — a group transaction is about to begin;
 * - `commit:inside` — its writes are done but it is not committed (a kill rolls it back);
 * - `commit:after` — it is committed, nothing acted on yet;
 * - `run:before` — a fire's write-ahead commit is done, its run not started;
 * - `run:after` — the run returned, its end not committed;
 * - `end:after` — the run's end is committed.
 *
 * @example
 * ```ts
 * const faults: FaultHook = (step) => { if (step === "run:before") process.kill(process.pid, "SIGKILL"); };
 * ```
 */
export type FaultStep =
  | "commit:before"
  | "commit:inside"
  | "commit:after"
  | "run:before"
  | "run:after"
  | "end:after";

/** Every fault step, in fire-path order. */
export const FAULT_STEPS: readonly FaultStep[] = [
  "commit:before",
  "commit:inside",
  "commit:after",
  "run:before",
  "run:after",
  "end:after",
];

/**
 * A hook called at each fault step with the triggers (and run) involved.
 *
 * @example
 * ```ts
 * new TriggerManager({ namespace, store, faults: (step, at) => log.push(`${step} ${at.triggers}`) });
 * ```
 */
export type FaultHook = (
  step: FaultStep,
  at: { readonly triggers: readonly string[]; readonly runId?: string },
) => void;
