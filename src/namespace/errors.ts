import * as Data from "effect/Data";

/**
 * An nsref that does not follow `branch(.branch)*:leaf` with each part
 * `[A-Za-z_][A-Za-z0-9_]*`; `part` is the offending piece.
 *
 * @example
 * ```ts
 * ns.register(fn, { nsref: "market:fetch-prices" }); // InvalidNsref { part: "fetch-prices" }
 * ```
 */
export class InvalidNsref extends Data.TaggedError("InvalidNsref")<{
  readonly nsref: string;
  readonly part: string;
  readonly reason: string;
}> {
  override get message() {
    return `Invalid nsref "${this.nsref}": ${this.reason} ("${this.part}"). Use branch(.branch)*:leaf with parts like market.eu:fetch_prices.`;
  }
}

/**
 * Something is already registered under this nsref.
 *
 * @example
 * ```ts
 * ns.register(f, { nsref: "a:f" }); ns.register(g, { nsref: "a:f" }); // DuplicateNsref
 * ```
 */
export class DuplicateNsref extends Data.TaggedError("DuplicateNsref")<{
  readonly nsref: string;
}> {
  override get message() {
    return `"${this.nsref}" is already registered. Choose another nsref, or register into a new Namespace.`;
  }
}

/**
 * Nothing is registered under this nsref; `nearest` lists the closest registered ones.
 *
 * @example
 * ```ts
 * ns.get("market:fetc"); // NsrefNotFound { nearest: ["market:fetch"] }
 * ```
 */
export class NsrefNotFound extends Data.TaggedError("NsrefNotFound")<{
  readonly nsref: string;
  readonly nearest: readonly string[];
}> {
  override get message() {
    const hint =
      this.nearest.length > 0
        ? ` Did you mean ${this.nearest.map((n) => `"${n}"`).join(", ")}?`
        : " Nothing close is registered.";
    return `Nothing is registered under "${this.nsref}".${hint}`;
  }
}

/**
 * A tag expression for `ns.query` that cannot be parsed.
 *
 * @example
 * ```ts
 * ns.query("etl & (daily"); // InvalidTagQuery { position: 12 }
 * ```
 */
export class InvalidTagQuery extends Data.TaggedError("InvalidTagQuery")<{
  readonly query: string;
  readonly position: number;
  readonly reason: string;
}> {
  override get message() {
    return `Invalid tag query "${this.query}" at position ${this.position}: ${this.reason}. Combine tags with &, |, ~ and parentheses.`;
  }
}

/**
 * A trigger with this name is already registered.
 *
 * @example
 * ```ts
 * ns.registerTrigger({ name: "hourly", ... }); ns.registerTrigger({ name: "hourly", ... }); // DuplicateTrigger
 * ```
 */
export class DuplicateTrigger extends Data.TaggedError("DuplicateTrigger")<{
  readonly name: string;
}> {
  override get message() {
    return `A trigger named "${this.name}" is already registered. Trigger names are unique: choose another name.`;
  }
}

/**
 * No trigger with this name is registered (or activated).
 *
 * @example
 * ```ts
 * await manager.activate("hourly_markt"); // TriggerNotFound { nearest: ["hourly_market"] }
 * ```
 */
export class TriggerNotFound extends Data.TaggedError("TriggerNotFound")<{
  readonly name: string;
  readonly nearest: readonly string[];
}> {
  override get message() {
    const hint =
      this.nearest.length > 0
        ? ` Did you mean ${this.nearest.map((n) => `"${n}"`).join(", ")}?`
        : " Register it with ns.registerTrigger({ name, ... }) first.";
    return `No trigger named "${this.name}".${hint}`;
  }
}

/**
 * A `poll` trigger needs a cron `schedule`.
 *
 * @example
 * ```ts
 * ns.registerTrigger({ name: "q", dagNsref: "p:x", triggerType: "poll" }); // ScheduleRequired
 * ```
 */
export class ScheduleRequired extends Data.TaggedError("ScheduleRequired")<{
  readonly name: string;
}> {
  override get message() {
    return `Trigger "${this.name}" is a poll trigger and needs a schedule, e.g. schedule: "*/5 * * * *". Use triggerType: "push" for a trigger fired only by manager.fire().`;
  }
}

/**
 * A `push` trigger fires only through `manager.fire()`; a schedule is refused so that
 * nobody expects it to fire by itself.
 *
 * @example
 * ```ts
 * ns.registerTrigger({ name: "p", dagNsref: "p:x", triggerType: "push", schedule: "* * * * *" }); // ScheduleNotAllowed
 * ```
 */
export class ScheduleNotAllowed extends Data.TaggedError("ScheduleNotAllowed")<{
  readonly name: string;
  readonly schedule: string;
}> {
  override get message() {
    return `Trigger "${this.name}" is a push trigger, so it cannot have a schedule ("${this.schedule}"). Remove the schedule, or use triggerType: "poll".`;
  }
}

/**
 * A trigger definition field has a value that cannot work.
 *
 * @example
 * ```ts
 * ns.registerTrigger({ name: "", ... }); // InvalidTriggerDefinition { field: "name" }
 * ```
 */
export class InvalidTriggerDefinition extends Data.TaggedError("InvalidTriggerDefinition")<{
  readonly name: string;
  readonly field: string;
  readonly reason: string;
}> {
  override get message() {
    return `Trigger "${this.name}": ${this.field} ${this.reason}.`;
  }
}

/**
 * A `cache` option of `ns.register` that cannot be used: a TTL that is not a positive
 * duration, a version that is not a string or number, or a cache on a DAG (only a
 * function's output is cached).
 *
 * @example
 * ```ts
 * ns.register(fetch, { nsref: "market:fetch", cache: { ttl: "abc" } }); // InvalidCacheOptions
 * ```
 */
export class InvalidCacheOptions extends Data.TaggedError("InvalidCacheOptions")<{
  readonly nsref: string;
  readonly field: "ttl" | "version" | "cache";
  readonly value: unknown;
  readonly reason: string;
}> {
  override get message() {
    return `Cache of "${this.nsref}": ${this.field} ${this.reason}. Write it like { cache: { ttl: "1h" } } (units ms, s, m, h, d; or a number of ms).`;
  }
}
