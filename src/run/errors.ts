import { Data } from "effect";

/** Renders an unknown thrown value for a message, without assuming it is an Error. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === "string") return cause;
  try {
    return JSON.stringify(cause) ?? String(cause);
  } catch {
    return String(cause);
  }
}

/**
 * A node's function threw or its promise rejected; `cause` is what was thrown, as is
 * (it need not be an Error).
 *
 * @example
 * ```ts
 * if (result.error?._tag === "NodeFailed") console.log(result.error.nodeLabel, result.error.cause);
 * ```
 */
export class NodeFailed extends Data.TaggedError("NodeFailed")<{
  readonly nodeLabel: string;
  readonly attempt: number;
  readonly cause: unknown;
}> {
  override get message() {
    return `Node "${this.nodeLabel}" failed on attempt ${this.attempt}: ${describeCause(this.cause)}`;
  }
}

/**
 * A node's try took longer than its `timeout`; its `AbortSignal` fired.
 *
 * @example
 * ```ts
 * dag.node(slowFetch, { timeout: 1_000 }); // → NodeTimedOut { nodeLabel: "slowFetch", timeoutMs: 1000 }
 * ```
 */
export class NodeTimedOut extends Data.TaggedError("NodeTimedOut")<{
  readonly nodeLabel: string;
  readonly attempt: number;
  readonly timeoutMs: number;
}> {
  override get message() {
    return `Node "${this.nodeLabel}" timed out after ${this.timeoutMs} ms on attempt ${this.attempt}. Raise its timeout or make it faster.`;
  }
}

/** One problem found by a schema, with the path of the field. */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * The value reaching a node does not match its input schema; `field` is the first
 * offending field's path (empty for the value as a whole).
 *
 * @example
 * ```ts
 * // input Schema.Struct({ symbol: Schema.String }) given { symbol: 1 }
 * // → InputInvalid { nodeLabel: "fetch", field: "symbol" }
 * ```
 */
export class InputInvalid extends Data.TaggedError("InputInvalid")<{
  readonly nodeLabel: string;
  readonly field: string;
  readonly issues: readonly SchemaIssue[];
}> {
  override get message() {
    const first = this.issues[0]?.message ?? "does not match";
    return `Input of node "${this.nodeLabel}" is invalid${this.field ? ` at field "${this.field}"` : ""}: ${first}`;
  }
}

/**
 * A node returned a value that does not match its output schema.
 *
 * @example
 * ```ts
 * // output Schema.Number, returned "x" → OutputInvalid { nodeLabel, field: "" }
 * ```
 */
export class OutputInvalid extends Data.TaggedError("OutputInvalid")<{
  readonly nodeLabel: string;
  readonly field: string;
  readonly issues: readonly SchemaIssue[];
}> {
  override get message() {
    const first = this.issues[0]?.message ?? "does not match";
    return `Output of node "${this.nodeLabel}" is invalid${this.field ? ` at field "${this.field}"` : ""}: ${first}`;
  }
}

/**
 * A node that takes an input got `undefined` from its only upstream (the upstream
 * returned nothing).
 *
 * @example
 * ```ts
 * dag.node(() => {}).to(dag.node((x: number) => x + 1)); // → MissingInput
 * ```
 */
export class MissingInput extends Data.TaggedError("MissingInput")<{
  readonly nodeLabel: string;
  readonly upstream: string;
}> {
  override get message() {
    return `Node "${this.nodeLabel}" expects an input but its upstream "${this.upstream}" returned undefined. Make "${this.upstream}" return a value.`;
  }
}

/**
 * Thrown by a node (or requested with `ctx.pause()`) to pause the run: the nodes in
 * flight finish, the run ends `paused`, and `runner.restart(runId)` continues it.
 *
 * @example
 * ```ts
 * dag.node(async (order) => {
 *   if (!order.approved) throw new DagPause({ reason: "waiting for approval" });
 *   return ship(order);
 * });
 * ```
 */
export class DagPause extends Data.TaggedError("DagPause")<{ readonly reason?: string }> {
  override get message() {
    return `Run paused${this.reason ? `: ${this.reason}` : ""}. Continue it with runner.restart(runId).`;
  }
}

/** Every way a node can make its run fail. */
export type NodeError = NodeFailed | NodeTimedOut | InputInvalid | OutputInvalid | MissingInput;
