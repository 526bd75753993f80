/**
 * `tickflow/testing`: aids for users' own tests of crash safety. The fault hooks let a
 * test stop a process at a named step of the fire path and check that its DAG survives
 * the restart (no tick lost, none doubled, no finished node run again).
 *
 * @example
 * ```ts
 * import { dieAt } from "tickflow/testing";
 * // In the child process under test:
 * new TriggerManager({ namespace, store, provenance, faults: dieAt("run:before", { nth: 3 }) });
 * // The test kills nothing itself: the child dies at the 3rd "run:before", the test
 * // restarts it and checks the ledger and the run history.
 * ```
 */
export { FAULT_STEPS, type FaultHook, type FaultStep } from "./supervisor/FaultStep.js";

import type { FaultHook, FaultStep } from "./supervisor/FaultStep.js";

/**
 * A fault hook that kills this process with SIGKILL (no cleanup, like a power cut of the
 * process) the `nth` time (default 1st) the fire path reaches `step`, optionally only for
 * one trigger.
 *
 * @example
 * ```ts
 * const faults = dieAt("commit:inside", { trigger: "hourly_market" });
 * ```
 */
export function dieAt(
  step: FaultStep,
  options: { readonly nth?: number; readonly trigger?: string } = {},
): FaultHook {
  let seen = 0;
  return (reached, at) => {
    if (reached !== step) return;
    if (options.trigger !== undefined && !at.triggers.includes(options.trigger)) return;
    seen += 1;
    if (seen === (options.nth ?? 1)) process.kill(process.pid, "SIGKILL");
  };
}
