import * as Layer from "effect/Layer";
import { Provenance, type WriteGuard } from "../provenance/Provenance.js";
import type { ProvenanceProvider } from "../run/DagRunner.js";
import type { Fence } from "../trigger/TriggerBackend.js";
import type { Live } from "./Live.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/** The fence each run-history guard checks (for checking a group's guards at once). */
const guardFences = new WeakMap<WriteGuard, Fence>();

/**
 * The run history of `live`'s runs, with every write fenced by the lease this
 * supervisor fires the trigger under (the trigger's own lease, or the database lease of
 * the leader) at its current epoch — checked in the write's own transaction when both
 * stores share one database (a PostgreSQL pool, or one SQLite file; else just before
 * it, on the trigger store). A supervisor paused past its lease thus records no node
 * and starts none (a node's start is committed before its function runs) once another
 * holds the lease. `undefined` where the history cannot be fenced (no guard support,
 * not started, or SQLite history beside PostgreSQL triggers): writes go unfenced.
 *
 * @example
 * ```ts
 * const provenance = fencedProvenance(core, live) ?? core.provenance;
 * ```
 */
export function fencedProvenance(core: SupervisorCore, live: Live): ProvenanceProvider | undefined {
  const service = core.provenance.service;
  if (service?.guarded === undefined) return undefined;
  let fence: Fence;
  if (core.mode === "trigger") {
    if (live.epoch === undefined) return undefined;
    fence = { kind: "triggers", owner: core.ownerId, epochs: new Map([[live.name, live.epoch]]) };
  } else {
    if (!core.leading || core.epoch === undefined) return undefined;
    fence = { kind: "database", owner: core.ownerId, epoch: core.epoch };
  }
  const backend = core.store.backend;
  const historyPg = (core.provenance as { readonly pg?: unknown }).pg;
  const samePool = historyPg !== undefined && historyPg === core.store.pg;
  const sync = backend.checkFenceSync;
  if (historyPg === undefined && sync === undefined) return undefined;
  const guard: WriteGuard = {
    sync: () => sync?.(fence),
    onTransaction: (tx) => backend.checkFence(fence, samePool ? tx : undefined),
    // A group transaction holds the writes of many runs: one query checks them all.
    onBatch: async (tx, guards) => {
      const fences = guards.map((g) => guardFences.get(g as WriteGuard));
      const merged = mergeFences(fences);
      if (merged !== undefined) return backend.checkFence(merged, samePool ? tx : undefined);
      for (const g of guards) await g.onTransaction(tx);
    },
  };
  guardFences.set(guard, fence);
  const guarded = service.guarded(guard);
  return { layer: Layer.succeed(Provenance, guarded), service: guarded };
}

/**
 * One fence that holds exactly when all of `fences` do: the union of trigger fences of
 * one owner (a trigger at most once, at one epoch), or one database fence repeated.
 * `undefined` when they cannot be merged (each is then checked alone).
 */
function mergeFences(fences: readonly (Fence | undefined)[]): Fence | undefined {
  const [first] = fences;
  if (first === undefined) return undefined;
  if (first.kind === "database") {
    const same = fences.every(
      (f) => f?.kind === "database" && f.owner === first.owner && f.epoch === first.epoch,
    );
    return same ? first : undefined;
  }
  const epochs = new Map<string, number>();
  for (const fence of fences) {
    if (fence?.kind !== "triggers" || fence.owner !== first.owner) return undefined;
    for (const [trigger, epoch] of fence.epochs) {
      const seen = epochs.get(trigger);
      if (seen !== undefined && seen !== epoch) return undefined;
      epochs.set(trigger, epoch);
    }
  }
  return { kind: "triggers", owner: first.owner, epochs };
}
