import type * as Fiber from "effect/Fiber";
import type { CacheEntry, NodeEnd, ProvenanceError } from "../provenance/Provenance.js";
import type { NodeError } from "./errors.js";

// The state one execution of a DAG keeps while it runs, shared by the runner's loop
// (DagRunner) and the calling of one node (runNode).

/** What a node's fiber tells the loop when it ends. */
export type Message =
  | {
      readonly kind: "done";
      readonly label: string;
      readonly output: unknown;
      /** The run a cached node's reused output came from (see nodeCache.ts). */
      readonly cachedFrom?: string;
      /** A cached node's fresh output, to store with its completion. */
      readonly cacheEntry?: CacheEntry;
    }
  | { readonly kind: "failed"; readonly label: string; readonly error: NodeError }
  | { readonly kind: "paused"; readonly label: string }
  | { readonly kind: "storeFailed"; readonly label: string; readonly error: ProvenanceError };

/** Mutable bookkeeping of one execution; read by the interruption finalizer too. */
export interface RunState {
  readonly outputs: Map<string, unknown>;
  readonly waiting: Map<string, number>;
  readonly ready: string[];
  /**
   * The nodes in flight: each in its own fiber, or (`undefined`) run inline in the
   * loop's fiber, which is what the loop does when a node is the only one that can run.
   */
  readonly running: Map<string, Fiber.RuntimeFiber<void> | undefined>;
  readonly ended: NodeEnd[];
  failed: { readonly label: string; readonly error: NodeError } | undefined;
  pauseRequested: boolean;
}
