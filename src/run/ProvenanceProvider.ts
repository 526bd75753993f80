import * as Effect from "effect/Effect";
import type * as Layer from "effect/Layer";
import { Provenance, type ProvenanceService } from "../provenance/Provenance.js";

/**
 * Anything that can supply the `Provenance` service: `NullProvenance`, or a
 * `DagProvenance` (SQLite).
 *
 * @example
 * ```ts
 * new DagRunner(dag, { provenance: new DagProvenance("./data/provenance.db") });
 * ```
 */
export interface ProvenanceProvider {
  readonly layer: Layer.Layer<Provenance>;
  /**
   * The service itself, when the layer is just `Layer.succeed(Provenance, service)`:
   * the runner then provides it directly instead of building the layer for every run.
   */
  readonly service?: ProvenanceService;
}

/**
 * Provides a provider's service: directly when it has one, else by building its layer.
 *
 * @example
 * ```ts
 * runTyped(program.pipe(provideFrom(new DagProvenance("runs.db"))));
 * ```
 */
export const provideFrom =
  (provider: ProvenanceProvider) =>
  <A, E>(effect: Effect.Effect<A, E, Provenance>): Effect.Effect<A, E> =>
    provider.service === undefined
      ? Effect.provide(effect, provider.layer)
      : Effect.provideService(effect, Provenance, provider.service);
