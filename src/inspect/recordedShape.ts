import * as Effect from "effect/Effect";
import type { DagProvenance } from "../provenance/DagProvenance.js";
import type { DagShape } from "../provenance/Provenance.js";
import type { StoreFailure } from "../store/errors.js";
import { runTyped } from "../store/runTyped.js";

/**
 * The Effect form of {@link recordedShape}.
 *
 * @example
 * ```ts
 * const shape = yield* recordedShapeEffect(provenance, runId);
 * ```
 */
export function recordedShapeEffect(
  provenance: DagProvenance,
  runId: string,
): Effect.Effect<DagShape | undefined, StoreFailure> {
  return Effect.map(provenance.service.loadRunState(runId), (state) => state?.shape);
}

/**
 * The DAG shape a run recorded when it started (labels, what they run, edges), so the
 * run can be drawn without the module that defined its DAG. `undefined` for an unknown
 * run, or a run recorded without a shape.
 *
 * @example
 * ```ts
 * const shape = await recordedShape(provenance, runId);
 * const run = await provenance.getRun(runId);
 * if (shape && run) console.log(runToMermaid(shape, run));
 * ```
 */
export function recordedShape(
  provenance: DagProvenance,
  runId: string,
): Promise<DagShape | undefined> {
  return runTyped(recordedShapeEffect(provenance, runId));
}
