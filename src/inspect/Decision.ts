/**
 * What was decided about a trigger at one moment.
 *
 * - `activated`, `deactivated`: from the journal;
 * - `fired`: a tick or push started a run (its `status` is the run's, as the ledger has it);
 * - `skipped_overlap`: not fired, a run was still in flight;
 * - `buffered`: kept to fire when the run in flight ends (`bufferOne`);
 * - `cancelled`: a buffered fire dropped by deactivation;
 * - `missed`: not fired, the supervisor was down (or late) and the catch-up policy
 *   did not fire it;
 * - `poll_empty`, `poll_failed`: the poll function returned nothing, or failed;
 * - `ended`: the trigger made its `maxFires` scheduled fires, so its schedule ended
 *   (at the last of them);
 * - `pruned`: history before this point was pruned by retention (the journal was
 *   compacted into a checkpoint there); decisions before it are gone.
 *
 * @example
 * ```ts
 * const kind: DecisionKind = "skipped_overlap";
 * ```
 */
export type DecisionKind =
  | "activated"
  | "deactivated"
  | "fired"
  | "skipped_overlap"
  | "buffered"
  | "cancelled"
  | "missed"
  | "poll_empty"
  | "poll_failed"
  | "backfill"
  | "ended"
  | "pruned";

/**
 * One decision, with why it was taken.
 *
 * @example
 * ```ts
 * for (const d of await explain(store, "hourly_market")) console.log(d.at, d.kind, d.reason);
 * ```
 */
export interface Decision {
  /** When it was decided (recorded). */
  readonly at: Date;
  readonly kind: DecisionKind;
  /** The tick it concerns; `undefined` for a push or manual fire, or a state change. */
  readonly scheduledAt: Date | undefined;
  readonly runId: string | undefined;
  /** The ledger row it concerns. */
  readonly eventId: string | undefined;
  /** For `fired`: the run's status in the ledger (`completed`, `failed`, `running`, ...). */
  readonly status: string | undefined;
  readonly reason: string;
  /** The journal entry it comes from or was committed with, when there is one. */
  readonly seq: number | undefined;
  /** For `activated`/`deactivated`: why, as given (`deactivate(name, { note })`). */
  readonly note?: string;
  /** For `activated`/`deactivated`: who, when given. */
  readonly by?: string;
}

/** A decision with its place among those of the same instant (journal seq). */
export interface OrderedDecision extends Decision {
  readonly order: number;
}
