import type { Command } from "commander";
import type { Dag } from "../../dag/Dag.js";
import { dagOfNsref } from "../../namespace/dagOfNsref.js";
import type { Namespace } from "../../namespace/Namespace.js";
import type { DagProvenance } from "../../provenance/DagProvenance.js";
import { DagRunner } from "../../run/DagRunner.js";
import type { CommandKit } from "../CommandKit.js";
import { NotApplicable, RunNotInHistory } from "../errors.js";
import { loadNamespace } from "../loadNamespace.js";
import { parseOption } from "../parseOption.js";
import { outcomeOf, printRunOutcome } from "../printRunOutcome.js";

/** What running a DAG from the command line needs: the DAG, where to record, and how. */
interface Execution {
  readonly namespace: Namespace;
  readonly provenance: DagProvenance;
  readonly runner: (dag: Dag, dagNsref: string) => DagRunner;
}

/**
 * Loads the module, opens the run history for writing, and calls `work`; closes the
 * databases whatever happens. The runner records to the history (and logs, with an
 * explicit `--log-level`).
 */
async function withExecution<T>(
  kit: CommandKit,
  command: Command,
  modulePath: string,
  work: (execution: Execution) => Promise<T>,
): Promise<T> {
  const namespace = await loadNamespace(modulePath, kit.io.cwd);
  // Run and node lines only when asked for with --log-level: by default a failed run is
  // the one line its error prints, not that line and a warning saying the same.
  const chosen = command.getOptionValueSourceWithGlobals("logLevel") !== "default";
  const logger = chosen ? await kit.logger(command) : undefined;
  const dbs = await kit.open(command, { mode: "write" });
  try {
    const provenance = dbs.provenance as DagProvenance;
    return await work({
      namespace,
      provenance,
      runner: (dag, dagNsref) =>
        new DagRunner(dag, { dagNsref, namespace, provenance, ...(logger ? { logger } : {}) }),
    });
  } finally {
    await dbs.close();
  }
}

/** The recorded run `runId`, top-level, with the nsref its DAG is registered under. */
async function recordedRun(
  provenance: DagProvenance,
  runId: string,
): Promise<{ readonly dagNsref: string }> {
  const run = await provenance.getRun(runId);
  if (run === undefined) throw new RunNotInHistory({ runId, path: provenance.location });
  if (run.parentRunId !== undefined) {
    throw new NotApplicable({
      what: `Run ${runId}`,
      reason: `is a sub-DAG run of run ${run.parentRunId}`,
      hint: `restart or replay that run instead`,
    });
  }
  if (run.dagNsref === undefined) {
    throw new NotApplicable({
      what: `Run ${runId}`,
      reason: "was recorded without an nsref, so its DAG cannot be found in a module",
      hint: "restart it from code with runner.restart(runId)",
    });
  }
  return { dagNsref: run.dagNsref };
}

/** `exec`'s work, loaded when the command runs (see ../commands/exec.ts). */
export async function execAction(
  kit: CommandKit,
  modulePath: string,
  nsref: string,
  options: { input: string; json?: boolean },
  command: Command,
): Promise<void> {
  const input = parseOption.json("--input", options.input);
  const result = await withExecution(kit, command, modulePath, ({ namespace, runner }) =>
    runner(dagOfNsref(namespace, nsref), nsref).run(input),
  );
  printRunOutcome(kit.out, `ran ${nsref}`, outcomeOf(result), options.json);
}

/** `restart`'s work, loaded when the command runs. */
export async function restartAction(
  kit: CommandKit,
  runId: string,
  options: { module: string; json?: boolean },
  command: Command,
): Promise<void> {
  const result = await withExecution(kit, command, options.module, async (execution) => {
    const { dagNsref } = await recordedRun(execution.provenance, runId);
    return execution.runner(dagOfNsref(execution.namespace, dagNsref), dagNsref).restart(runId);
  });
  printRunOutcome(kit.out, `restarted ${runId}`, outcomeOf(result), options.json);
}

/** `replay`'s work, loaded when the command runs. */
export async function replayAction(
  kit: CommandKit,
  runId: string,
  options: { module: string; rerun: string; json?: boolean },
  command: Command,
): Promise<void> {
  const rerun = options.rerun
    .split(",")
    .map((label) => label.trim())
    .filter((label) => label !== "");
  const result = await withExecution(kit, command, options.module, async (execution) => {
    const { dagNsref } = await recordedRun(execution.provenance, runId);
    return execution
      .runner(dagOfNsref(execution.namespace, dagNsref), dagNsref)
      .replay(runId, { rerun });
  });
  printRunOutcome(kit.out, `replayed ${runId}`, outcomeOf(result), options.json);
}
