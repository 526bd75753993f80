import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { Provenance, type ProvenanceService } from "./Provenance.js";

const service: ProvenanceService = {
  runStarted: () => Effect.void,
  runResumed: () => Effect.void,
  nodesStarted: () => Effect.void,
  nodeCompleted: () => Effect.void,
  runFinished: () => Effect.void,
  loadRunState: () => Effect.succeed(undefined),
  loadChildRuns: () => Effect.succeed(new Map()),
};

/**
 * Provenance that records nothing: runs work, history is not kept, and restart or
 * replay find no earlier run.
 *
 * @example
 * ```ts
 * const manager = new TriggerManager({ namespace: ns, store }); // NullProvenance
 * await Effect.runPromise(runner.runEffect({}).pipe(Effect.provide(NullProvenance.layer)));
 * ```
 */
export const NullProvenance = {
  service,
  layer: Layer.succeed(Provenance, service),
} as const;
