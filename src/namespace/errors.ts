import { Data } from "effect";

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
