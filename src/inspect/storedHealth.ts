import type { TriggerStore } from "../trigger/TriggerStore.js";
import { inspect } from "./inspect.js";

/**
 * Options of {@link storedHealth}.
 *
 * @example
 * ```ts
 * await storedHealth(store, { now: Date.now(), maxOverdueMs: 30_000 });
 * ```
 */
export interface StoredHealthOptions {
  /** The instant leases and due ticks are judged at; the caller's clock reads it. */
  readonly now: number;
  /** A stored next fire further in the past than this is overdue (default 30 000 ms). */
  readonly maxOverdueMs?: number;
}

/** One active trigger whose stored next fire is overdue. */
export interface OverdueTrigger {
  readonly trigger: string;
  readonly dueAt: Date;
  readonly overdueMs: number;
}

/**
 * The health of whatever supervisor works a database, read from the database alone
 * (`tickflow health`): the lease rows, the activations' next fire, the snapshots and the
 * ledger. It sees a supervisor only through the leases it renews: a standby, or a member
 * of shared triggers that owns none yet, holds no lease row and is invisible; a
 * supervisor's in-memory timers are not visible either, only the next fire it stored.
 *
 * `ok` is true exactly when the database answered, a supervisor holds an unexpired lease
 * (the database lease, or at least one trigger lease when triggers are shared), and no
 * active scheduled trigger's stored next fire is more than `maxOverdueMs` in the past.
 * `reasons` says why not.
 *
 * @example
 * ```ts
 * const health = await storedHealth(store, { now: Date.now() });
 * if (!health.ok) console.error(health.reasons.join("; "));
 * ```
 */
export interface StoredHealth {
  readonly ok: boolean;
  /** `leader`: one supervisor holds the database lease; `members`: trigger leases are held. */
  readonly role: "leader" | "members" | "none";
  /** The supervisors holding unexpired leases (the leader, or the members). */
  readonly holders: readonly string[];
  /** When the database lease (or the latest trigger lease) runs out unless renewed. */
  readonly leaseExpiresAt: Date | undefined;
  /** The latest scheduled instant any trigger dealt with, as stored. */
  readonly lastTickAt: Date | undefined;
  /** How late the oldest stored next fire in the past is, in ms; `undefined` when none. */
  readonly oldestOverdueTickMs: number | undefined;
  /** The triggers due more than `maxOverdueMs` ago, latest first. */
  readonly overdue: readonly OverdueTrigger[];
  readonly storeReachable: true;
  /** Triggers whose stored state has a run in flight. */
  readonly runsInFlight: number;
  readonly reasons: readonly string[];
}

/** A CLI call holds the database lease only for one action: that holder is no supervisor. */
const CLI_HOLDER = / \(tickflow [\w-]+\)$/;

/**
 * Reads {@link StoredHealth} from a trigger store (a failing read rejects with the
 * store's typed error: the database is not reachable).
 *
 * @example
 * ```ts
 * const { ok } = await storedHealth(new TriggerStore("data/triggers.db"), { now: Date.now() });
 * ```
 */
export async function storedHealth(
  store: TriggerStore,
  options: StoredHealthOptions,
): Promise<StoredHealth> {
  const { now } = options;
  const maxOverdueMs = options.maxOverdueMs ?? 30_000;
  const [lease, triggerLeases, triggers] = await Promise.all([
    store.leaseHolder(),
    store.triggerLeases(),
    inspect(store, { now }),
  ]);
  const liveLeases = triggerLeases.filter((l) => l.expiresAt.getTime() > now);
  const leaderLive =
    lease !== undefined && lease.expiresAt.getTime() > now && !CLI_HOLDER.test(lease.ownerId);
  const role = leaderLive ? "leader" : liveLeases.length > 0 ? "members" : "none";
  const holders = leaderLive
    ? [lease.ownerId]
    : [...new Set(liveLeases.map((l) => l.ownerId))].sort();
  const leaseExpiresAt = leaderLive
    ? lease.expiresAt
    : liveLeases.reduce<Date | undefined>(
        (latest, l) => (latest === undefined || l.expiresAt > latest ? l.expiresAt : latest),
        undefined,
      );
  let lastTick: number | undefined;
  let runsInFlight = 0;
  let oldestDue: number | undefined;
  const overdue: OverdueTrigger[] = [];
  for (const t of triggers) {
    runsInFlight += t.inFlight.length;
    const last = t.lastScheduledAt?.getTime();
    if (last !== undefined && (lastTick === undefined || last > lastTick)) lastTick = last;
    const due = t.nextFireAt?.getTime();
    const fires = t.status === "active" && (t.state === "active" || t.state === "firing");
    if (!fires || t.schedule === undefined || due === undefined || due > now) continue;
    if (oldestDue === undefined || due < oldestDue) oldestDue = due;
    if (now - due > maxOverdueMs) {
      overdue.push({ trigger: t.name, dueAt: new Date(due), overdueMs: now - due });
    }
  }
  overdue.sort((a, b) => b.overdueMs - a.overdueMs);
  const reasons: string[] = [];
  if (role === "none") {
    reasons.push("no supervisor holds a lease on this database (none is running, or it stopped)");
  }
  for (const o of overdue) {
    reasons.push(
      `trigger "${o.trigger}" was due ${o.overdueMs} ms ago (more than ${maxOverdueMs} ms)`,
    );
  }
  return {
    ok: reasons.length === 0,
    role,
    holders,
    leaseExpiresAt,
    lastTickAt: lastTick === undefined ? undefined : new Date(lastTick),
    oldestOverdueTickMs: oldestDue === undefined ? undefined : now - oldestDue,
    overdue,
    storeReachable: true,
    runsInFlight,
    reasons,
  };
}
