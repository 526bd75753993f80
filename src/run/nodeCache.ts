import { createHash } from "node:crypto";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import stringify from "safe-stable-stringify";
import type { DagNode } from "../dag/DagNode.js";
import type {
  CacheEntry,
  NodeCompletion,
  NodeStart,
  ProvenanceError,
  ProvenanceService,
} from "../provenance/Provenance.js";
import { encodeJson } from "../store/jsonValue.js";
import type { Message } from "./runState.js";

/**
 * The node cache's key for a call: a hash of the node's nsref, its version and its input
 * in canonical JSON (keys sorted at every depth, values in the run history's JSON form),
 * so `{a, b}` and `{b, a}` share an entry. `undefined` for an input that JSON cannot
 * carry faithfully (a function, a cycle, a non-finite number): such a call is not cached.
 *
 * @example
 * ```ts
 * cacheKey("geo:lookup", "1", { city: "Oslo" }); // "9c1f…" (64 hex digits)
 * ```
 */
export function cacheKey(nsref: string, version: string, input: unknown): string | undefined {
  const encoded = encodeJson(input);
  if (encoded !== null && /"\$(unstorable|cycle)"/.test(encoded)) return undefined;
  const canonical = stringify([nsref, version, encoded === null ? null : JSON.parse(encoded)]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * One node's run (`run`) behind its cache, when the node is a function registered with
 * `cache` and the history has a node cache: a live entry for the same key is reused
 * without calling the function (the message says which run computed it); otherwise the
 * node runs, and a fresh output carries the entry that the completion's commit stores.
 * A failure is never cached. Without a cache policy `run` is returned as it is; with
 * `recompute` (a replay re-running the node) the lookup is skipped and the fresh output
 * replaces the entry.
 *
 * @example
 * ```ts
 * return withNodeCache(provenance, runId, node, start, attemptOnce(start.attempt));
 * ```
 */
export function withNodeCache(
  provenance: ProvenanceService,
  runId: string,
  node: DagNode<any, any>,
  start: NodeStart,
  run: Effect.Effect<Message, ProvenanceError>,
  recompute = false,
): Effect.Effect<Message, ProvenanceError> {
  const spec = node.spec;
  const lookup = provenance.cacheLookup;
  if (spec.kind !== "function" || spec.cache === undefined || spec.nsref === undefined) return run;
  if (lookup === undefined) return run;
  const { nsref, cache } = spec;
  const key = cacheKey(nsref, cache.version, start.input);
  if (key === undefined) return run;
  return Effect.gen(function* () {
    // A replay that re-runs this node asks for a fresh output, not the cached one.
    const hit = recompute ? undefined : yield* lookup(key, yield* Clock.currentTimeMillis);
    if (hit !== undefined) {
      return { kind: "done", label: node.label, output: hit.output, cachedFrom: hit.runId };
    }
    const message = yield* run;
    if (message.kind !== "done") return message;
    const createdAt = yield* Clock.currentTimeMillis;
    const cacheEntry: CacheEntry = {
      key,
      nsref,
      version: cache.version,
      runId,
      createdAt,
      expiresAt: createdAt + cache.ttlMs,
    };
    return { ...message, cacheEntry };
  });
}

/**
 * How a node's output is recorded: `cached` naming its source run, or `completed` (with
 * the cache entry to store, for a fresh output of a cached node).
 *
 * @example
 * ```ts
 * provenance.nodeCompleted(runId, { label, output, finishedAt, edges, ...completionOf(message) }, next);
 * ```
 */
export function completionOf(
  message: Extract<Message, { kind: "done" }>,
): Pick<NodeCompletion, "status" | "cachedFrom" | "cacheEntry"> {
  if (message.cachedFrom !== undefined) return { status: "cached", cachedFrom: message.cachedFrom };
  return message.cacheEntry === undefined
    ? { status: "completed" }
    : { status: "completed", cacheEntry: message.cacheEntry };
}
