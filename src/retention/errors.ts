import * as Data from "effect/Data";

/**
 * A `retention` setting (or `tickflow prune --older-than`) that is not a duration.
 *
 * @example
 * ```ts
 * throw new InvalidRetention({ kind: "events", value: "a month" });
 * ```
 */
export class InvalidRetention extends Data.TaggedError("InvalidRetention")<{
  /** `events`, `runs`, `journal`, `everyMs` or `batchSize`. */
  readonly kind: string;
  readonly value: unknown;
}> {
  override get message() {
    const value = JSON.stringify(this.value);
    if (this.kind === "everyMs" || this.kind === "batchSize") {
      return `retention.${this.kind} ${value} is not a whole number of at least 1. Write it like ${this.kind === "everyMs" ? "600000" : "500"}.`;
    }
    return `retention.${this.kind} ${value} is not a duration. Write it like "30d", "12h" or "90m", or false to keep that history forever.`;
  }
}
