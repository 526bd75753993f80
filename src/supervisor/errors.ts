import * as Data from "effect/Data";

/**
 * `manager.fire()` on a trigger that is not active.
 *
 * @example
 * ```ts
 * await manager.fire("orders"); // TriggerNotActive { status: "disabled" } after deactivate
 * ```
 */
export class TriggerNotActive extends Data.TaggedError("TriggerNotActive")<{
  readonly name: string;
  readonly status: string;
}> {
  override get message() {
    return `Trigger "${this.name}" is ${this.status}, so it cannot fire. Activate it first: await manager.activate("${this.name}").`;
  }
}

/**
 * A pushed payload does not match the input schema of the DAG's source node, or JSON
 * cannot carry it (a BigInt, a cycle, a function…): then `nodeLabel` is `""` and `field`
 * is the path to the place (`payload.items[2].n`).
 *
 * @example
 * ```ts
 * await manager.fire("orders", { id: "x" }); // PayloadInvalid { nodeLabel: "load", field: "id" }
 * await manager.fire("orders", { n: 1n }); // PayloadInvalid { nodeLabel: "", field: "payload.n" }
 * ```
 */
export class PayloadInvalid extends Data.TaggedError("PayloadInvalid")<{
  readonly name: string;
  readonly nodeLabel: string;
  readonly field: string;
  readonly reason: string;
}> {
  override get message() {
    // No node: JSON itself cannot carry the payload (`field` is the path in it).
    if (this.nodeLabel === "") {
      return `Payload for trigger "${this.name}" cannot be stored as JSON: ${this.field} ${this.reason}. Nothing was fired.`;
    }
    return `Payload for trigger "${this.name}" does not fit source node "${this.nodeLabel}"${this.field ? ` at field "${this.field}"` : ""}: ${this.reason}. Nothing was fired.`;
  }
}

/**
 * A push fire arrived while the trigger's previous fire was still running and its
 * overlap policy is `skip`: it is recorded as `skipped_overlap` and did not run.
 *
 * @example
 * ```ts
 * await manager.fire("orders"); // TriggerBusy while the last fire runs
 * ```
 */
export class TriggerBusy extends Data.TaggedError("TriggerBusy")<{
  readonly name: string;
  readonly eventId: string;
}> {
  override get message() {
    return `Trigger "${this.name}" is still running its previous fire; this fire was recorded as skipped_overlap (event ${this.eventId}). Retry later, or register the trigger with overlap: "bufferOne".`;
  }
}

/**
 * The key of `manager.fire(…, { key })` (or `tickflow fire --key`) is not a non-empty
 * string of at most 200 characters. Nothing was fired.
 *
 * @example
 * ```ts
 * await manager.fire("orders", {}, { key: "" }); // FireKeyInvalid
 * ```
 */
export class FireKeyInvalid extends Data.TaggedError("FireKeyInvalid")<{
  readonly name: string;
  readonly key: unknown;
  readonly reason: string;
}> {
  override get message() {
    return `Fire key for trigger "${this.name}" ${this.reason}: give a non-empty string of at most 200 characters (a delivery or request id, say). Nothing was fired.`;
  }
}

/**
 * `fire(name, payload, { kind })` with a kind a fire from code cannot have: only `"push"`
 * and `"manual"` (ticks, catch-ups and backfills are the supervisor's own).
 *
 * @example
 * ```ts
 * await manager.fire("orders", {}, { kind: "tick" as never }); // FireKindInvalid
 * ```
 */
export class FireKindInvalid extends Data.TaggedError("FireKindInvalid")<{
  readonly name: string;
  readonly kind: unknown;
}> {
  override get message() {
    return `Fire of trigger "${this.name}": kind ${JSON.stringify(this.kind) ?? String(this.kind)} is not one a fire from code can have; give "push" or "manual", or leave it out. Nothing was fired.`;
  }
}

/**
 * `health(options)` with a bound that is not a positive number of milliseconds.
 *
 * @example
 * ```ts
 * await manager.health({ maxOverdueMs: -1 }); // HealthOptionInvalid { field: "maxOverdueMs" }
 * ```
 */
export class HealthOptionInvalid extends Data.TaggedError("HealthOptionInvalid")<{
  readonly field: "maxOverdueMs" | "storeTimeoutMs";
  readonly value: unknown;
}> {
  override get message() {
    return `health(): ${this.field} ${String(this.value)} is not a positive number of milliseconds; give one (e.g. 30000) or leave it out for the default.`;
  }
}

/**
 * `start()` on a manager that is already running.
 *
 * @example
 * ```ts
 * await manager.start(); await manager.start(); // ManagerAlreadyStarted
 * ```
 */
export class ManagerAlreadyStarted extends Data.TaggedError("ManagerAlreadyStarted")<{
  readonly ownerId: string;
}> {
  override get message() {
    return `This TriggerManager (${this.ownerId}) is already started. Call stop() before starting it again.`;
  }
}

/**
 * A stored snapshot cannot be used by this version of the trigger machine.
 *
 * @example
 * ```ts
 * // reported through onError at start(); that trigger is skipped, the others run
 * ```
 */
export class SnapshotIncompatible extends Data.TaggedError("SnapshotIncompatible")<{
  readonly name: string;
  readonly storedVersion: number | undefined;
  readonly machineVersion: number;
  readonly reason: string;
}> {
  override get message() {
    return `The stored state of trigger "${this.name}" (machine version ${this.storedVersion ?? "unknown"}) cannot be restored by machine version ${this.machineVersion}: ${this.reason}. The trigger is left as it is and not fired; deactivate and re-activate it to start it afresh.`;
  }
}

/**
 * A poll function threw, hung past `pollTimeout`, or returned something that is not an
 * object or null. Recorded in the ledger as `poll_failed`; the trigger stays active.
 *
 * @example
 * ```ts
 * // pollFn: () => 42  →  PollFailed { reason: "returned a number; return an object (the payload) or null to skip" }
 * ```
 */
export class PollFailed extends Data.TaggedError("PollFailed")<{
  readonly name: string;
  readonly reason: string;
  readonly cause?: unknown;
}> {
  override get message() {
    return `Poll function of trigger "${this.name}" ${this.reason}.`;
  }
}

/**
 * This manager is a standby: another supervisor holds the database's lease, so this one
 * may not fire or change triggers until it takes over.
 *
 * @example
 * ```ts
 * await standby.fire("orders"); // NotLeader { holder: "host-1:4242" }
 * ```
 */
export class NotLeader extends Data.TaggedError("NotLeader")<{
  readonly ownerId: string;
  readonly holder: string | undefined;
}> {
  override get message() {
    return `This supervisor (${this.ownerId}) is a standby; ${this.holder ?? "another supervisor"} holds the lease on this database. Fire or change triggers through the leader, or stop it first.`;
  }
}

/**
 * Several supervisors share this database's triggers (per-trigger leases) and another
 * one owns this trigger now: only its owner fires or changes it. Go through the command
 * queue (`tickflow fire|activate|deactivate --db ...`), which the owner applies.
 *
 * @example
 * ```ts
 * await manager.fire("orders"); // NotOwner { trigger: "orders", holder: "host-2:311" }
 * ```
 */
export class NotOwner extends Data.TaggedError("NotOwner")<{
  readonly ownerId: string;
  readonly trigger: string;
  readonly holder: string | undefined;
}> {
  override get message() {
    return `Trigger "${this.trigger}" is owned by supervisor ${this.holder ?? "(unknown)"}, not by this one (${this.ownerId}). Several supervisors share this database: queue the request with the CLI (tickflow fire|activate|deactivate ${this.trigger} --db ...) and its owner applies it within about a second.`;
  }
}

/**
 * A poll cursor given to `manager.setCursor` (or `tickflow cursor --set`) that JSON
 * cannot carry (a BigInt, a function, a cycle…): `path` names the place.
 *
 * @example
 * ```ts
 * await manager.setCursor("inbox", 10n); // CursorInvalid { path: "cursor", reason: "is a BigInt …" }
 * ```
 */
export class CursorInvalid extends Data.TaggedError("CursorInvalid")<{
  readonly name: string;
  readonly path: string;
  readonly reason: string;
}> {
  override get message() {
    return `Cursor for trigger "${this.name}" cannot be stored as JSON: ${this.path} ${this.reason}. The cursor was not changed.`;
  }
}
