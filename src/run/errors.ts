import * as Data from "effect/Data";

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
 * (it need not be an Error). For a composite node, `cause` is the failed child run's
 * error, `childRunId` that run, and `element` the index (or key) of the element of a
 * map node whose run failed.
 *
 * @example
 * ```ts
 * if (result.error?._tag === "NodeFailed") console.log(result.error.nodeLabel, result.error.cause);
 * // a map node: NodeFailed { nodeLabel: "counts", element: 3, childRunId: "…", cause: NodeFailed {…} }
 * ```
 */
export class NodeFailed extends Data.TaggedError("NodeFailed")<{
  readonly nodeLabel: string;
  readonly attempt: number;
  readonly cause: unknown;
  readonly element?: number | string;
  readonly childRunId?: string;
}> {
  override get message() {
    const at = this.element === undefined ? "" : ` at element ${JSON.stringify(this.element)}`;
    return `Node "${this.nodeLabel}" failed${at} on attempt ${this.attempt}: ${describeCause(this.cause)}`;
  }

  /** JSON keeps the message and the cause's (an Error's own fields are not enumerable). */
  override toJSON(): Record<string, unknown> {
    return {
      _tag: this._tag,
      nodeLabel: this.nodeLabel,
      attempt: this.attempt,
      ...(this.element === undefined ? {} : { element: this.element }),
      ...(this.childRunId === undefined ? {} : { childRunId: this.childRunId }),
      message: this.message,
      cause: causeToJson(this.cause),
    };
  }
}

/**
 * An Error as JSON: its name and message plus its own fields (a tagged error's `_tag`
 * and data); anything else as is.
 */
function causeToJson(cause: unknown): unknown {
  if (!(cause instanceof Error)) return cause;
  const withJson = cause as Error & { toJSON?: () => unknown };
  const own = typeof withJson.toJSON === "function" ? withJson.toJSON() : { ...cause };
  return {
    name: cause.name,
    ...(typeof own === "object" && own !== null ? own : {}),
    message: cause.message,
  };
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

/**
 * A map node's input is neither an array nor an object, so there are no elements to map.
 *
 * @example
 * ```ts
 * // the upstream of map node "counts" returned 42
 * // → MapInputInvalid { nodeLabel: "counts", received: "number" }
 * ```
 */
export class MapInputInvalid extends Data.TaggedError("MapInputInvalid")<{
  readonly nodeLabel: string;
  readonly received: string;
}> {
  override get message() {
    return `Map node "${this.nodeLabel}" needs an array (or an object) to map over, but its input is ${this.received}. Make its upstream return a list.`;
  }
}

/**
 * A switch node's input (or, in a map-switch, one element) carries no branch label: it
 * is neither `["label", data]` nor an object with a string `__switch__`.
 *
 * @example
 * ```ts
 * // the upstream of switch "route" returned { size: 3 }
 * // → SwitchLabelMissing { nodeLabel: "route", received: "an object without __switch__" }
 * ```
 */
export class SwitchLabelMissing extends Data.TaggedError("SwitchLabelMissing")<{
  readonly nodeLabel: string;
  readonly received: string;
  readonly element?: number | string;
}> {
  override get message() {
    const at = this.element === undefined ? "its input" : `element ${JSON.stringify(this.element)}`;
    return `Switch node "${this.nodeLabel}" cannot tell the branch: ${at} is ${this.received}. Return ["branch", data] or { __switch__: "branch", ...data }.`;
  }
}

/**
 * A switch node was given a branch label it does not have; `known` lists the labels it has.
 *
 * @example
 * ```ts
 * // upstream returned ["huge", order] to dag.switch({ small, large })
 * // → UnknownBranch { nodeLabel: "route", branch: "huge", known: ["small", "large"] }
 * ```
 */
export class UnknownBranch extends Data.TaggedError("UnknownBranch")<{
  readonly nodeLabel: string;
  readonly branch: string;
  readonly known: readonly string[];
  readonly element?: number | string;
}> {
  override get message() {
    const at = this.element === undefined ? "" : ` (element ${JSON.stringify(this.element)})`;
    return `Switch node "${this.nodeLabel}" has no branch "${this.branch}"${at}. Its branches are: ${this.known.join(", ")}.`;
  }
}

/** Every way a node can make its run fail. */
export type NodeError =
  | NodeFailed
  | NodeTimedOut
  | InputInvalid
  | OutputInvalid
  | MissingInput
  | MapInputInvalid
  | SwitchLabelMissing
  | UnknownBranch;

/**
 * No run with this id is in the history.
 *
 * @example
 * ```ts
 * await runner.restart("no-such-run"); // rejects with RunNotFound
 * ```
 */
export class RunNotFound extends Data.TaggedError("RunNotFound")<{ readonly runId: string }> {
  override get message() {
    return `No run "${this.runId}" is recorded in this history. Check the run id, and that the runner uses the same provenance database.`;
  }
}

/**
 * A run can be restarted only when it ended `failed`, `paused` or `interrupted`.
 *
 * @example
 * ```ts
 * await runner.restart(completedRunId); // rejects with RunNotRestartable { status: "completed" }
 * ```
 */
export class RunNotRestartable extends Data.TaggedError("RunNotRestartable")<{
  readonly runId: string;
  readonly status: string;
}> {
  override get message() {
    return `Run "${this.runId}" is ${this.status}; only failed, paused or interrupted runs can be restarted. Use replay() to run it again as a new run.`;
  }
}

/**
 * The DAG changed since the run was recorded, so its stored outputs may not fit.
 *
 * @example
 * ```ts
 * await runner.restart(runId); // DagChanged { changes: ["node added: audit=function"] }
 * await runner.restart(runId, { allowChangedDag: true }); // goes ahead
 * ```
 */
export class DagChanged extends Data.TaggedError("DagChanged")<{
  readonly runId: string;
  readonly changes: readonly string[];
}> {
  override get message() {
    return `The DAG changed since run "${this.runId}" was recorded: ${this.changes.join("; ")}. Pass { allowChangedDag: true } to go ahead anyway.`;
  }
}

/**
 * A label that is not a node of the DAG.
 *
 * @example
 * ```ts
 * await runner.replay(runId, { rerun: ["sumarize"] }); // UnknownLabel { known: ["fetch", "summarize"] }
 * ```
 */
export class UnknownLabel extends Data.TaggedError("UnknownLabel")<{
  readonly label: string;
  readonly known: readonly string[];
}> {
  override get message() {
    return `The DAG has no node "${this.label}". Its nodes are: ${this.known.join(", ")}.`;
  }
}
