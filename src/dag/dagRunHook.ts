/**
 * The one injection point from `dag/` up to `run/` (DESIGN.md): `dag.run(input)` is the
 * seed's convenience, but the runner lives in `run/`, which imports `dag/`. So `run/`
 * installs the runner here when its module loads (`DagRunner.ts`), and `dag/` never
 * imports `run/`: the module graph stays one-way.
 *
 * @module
 */

/**
 * What a run's result looks like to `dag.run`: the shape of `run/`'s `DagRunResult`,
 * mirrored here (its `error` typed loosely).
 *
 * @example
 * ```ts
 * const { status }: RunResultLike = await dag.run({});
 * ```
 */
export type RunResultLike = {
  readonly runId: string;
  readonly status: "completed" | "failed" | "interrupted" | "paused";
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly failedNode?: string;
  readonly error?: Error & { readonly _tag: string };
};

/**
 * Runs a DAG once without history.
 *
 * @example
 * ```ts
 * const run: DagRun = (dag, input) => new DagRunner(dag).run(input);
 * ```
 */
export type DagRun = (dag: never, input: unknown) => Promise<RunResultLike>;

let installed: DagRun | undefined;

/**
 * Installs the runner `dag.run` uses (called once by `run/DagRunner.ts` as it loads).
 *
 * @example
 * ```ts
 * installDagRun((dag: Dag, input) => new DagRunner(dag).run(input));
 * ```
 */
export function installDagRun(run: DagRun): void {
  installed = run;
}

/**
 * The runner `dag.run` uses, if `run/` has been loaded.
 *
 * @example
 * ```ts
 * installedDagRun()?.(dag as never, {});
 * ```
 */
export function installedDagRun():
  | ((dag: unknown, input: unknown) => Promise<RunResultLike>)
  | undefined {
  return installed as ((dag: unknown, input: unknown) => Promise<RunResultLike>) | undefined;
}
