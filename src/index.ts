/**
 * tickflow's public API: every public name is listed here explicitly, and nothing
 * inside `src/` imports this file.
 */

export { Dag, type DagNodeOptions, type NodeSource } from "./dag/Dag.js";
export { type DagGraph, DagNode, type EdgeOptions, type NodeSpec } from "./dag/DagNode.js";
export {
  DagCycle,
  type DagInvalid,
  DuplicateLabel,
  EmptyDag,
  ForeignEdge,
  InvalidNodeTarget,
  SchemaMismatch,
} from "./dag/errors.js";
export { fingerprint } from "./dag/fingerprint.js";
export type { NamespaceLike, NodeContext, NodeFn } from "./dag/NodeContext.js";
export type { NodeOptions, RetryPolicy } from "./dag/NodeOptions.js";
export type { DagEdge } from "./dag/topologicalOrder.js";
export {
  DuplicateNsref,
  InvalidNsref,
  InvalidTagQuery,
  NsrefNotFound,
} from "./namespace/errors.js";
export { Namespace, type RegisterOptions } from "./namespace/Namespace.js";
export { type CallOptions, NamespaceNode } from "./namespace/NamespaceNode.js";
export { type Nsref, parseNsref } from "./namespace/nsref.js";
export { NullProvenance } from "./provenance/NullProvenance.js";
export {
  type NodeStatus,
  Provenance,
  type ProvenanceError,
  type ProvenanceService,
  type RunStatus,
} from "./provenance/Provenance.js";
export {
  DagRunner,
  type DagRunnerOptions,
  type DagRunResult,
  type ProvenanceProvider,
  type RunError,
  type RunOptions,
} from "./run/DagRunner.js";
export {
  DagPause,
  InputInvalid,
  MissingInput,
  type NodeError,
  NodeFailed,
  NodeTimedOut,
  OutputInvalid,
  type SchemaIssue,
} from "./run/errors.js";
