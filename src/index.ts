/**
 * tickflow's public API: every public name is listed here explicitly, and nothing
 * inside `src/` imports this file.
 */

export type {
  Branch,
  BranchInput,
  BranchOutput,
  FlatMapped,
  MapOptions,
  MapTarget,
  Routed,
  SwitchInput,
  SwitchOutput,
} from "./dag/compositeTypes.js";
export { Dag, type DagNodeOptions, type NodeSource } from "./dag/Dag.js";
export type { SubDagRef } from "./dag/DagNode.js";
export { type DagGraph, DagNode, type EdgeOptions, type NodeSpec } from "./dag/DagNode.js";
export {
  DagCycle,
  type DagInvalid,
  DuplicateLabel,
  EmptyDag,
  ForeignEdge,
  InvalidBranches,
  InvalidDagFactory,
  InvalidMapNode,
  InvalidNodeTarget,
  InvalidSubDag,
  SchemaMismatch,
} from "./dag/errors.js";
export { fingerprint } from "./dag/fingerprint.js";
export type { CacheOptions, NodeCachePolicy } from "./dag/NodeCachePolicy.js";
export type {
  FireContext,
  FireKind,
  NamespaceLike,
  NodeContext,
  NodeFn,
  NodeOutput,
} from "./dag/NodeContext.js";
export type { NodeOptions, RetryPolicy } from "./dag/NodeOptions.js";
export { SwitchNode } from "./dag/SwitchNode.js";
export type { DagEdge } from "./dag/topologicalOrder.js";
export {
  type ActivateError,
  type DeactivateError,
  type FireError,
  type RemoveTriggerError,
  type StartError,
  Supervisor,
  type SupervisorLayerOptions,
  type SupervisorService,
  type UpsertTriggerError,
} from "./effect/Supervisor.js";
export { TriggerStoreService } from "./effect/TriggerStoreService.js";
export type { Decision, DecisionKind } from "./inspect/Decision.js";
export { type DagGraphView, dagGraphOf } from "./inspect/dagGraph.js";
export { dagToMermaid, type MermaidOptions } from "./inspect/dagToMermaid.js";
export { HistoryPruned, TriggerNotInStore } from "./inspect/errors.js";
export { type ExplainOptions, explain, explainEffect } from "./inspect/explain.js";
export { countsAgainstLimit, type FireLimit } from "./inspect/fireLimit.js";
export {
  type FireView,
  type InspectOptions,
  inspect,
  inspectEffect,
  type LiveView,
  type RunLookup,
  type TriggerCatalog,
  type TriggerInspection,
  type TriggerOwner,
} from "./inspect/inspect.js";
export { type LedgerPage, ledgerPage, ledgerPageEffect } from "./inspect/ledgerPage.js";
export { recordedShape, recordedShapeEffect } from "./inspect/recordedShape.js";
export {
  type ReplayHistoryOptions,
  type ReplayReport,
  type ReplayStep,
  replayHistory,
  replayHistoryEffect,
} from "./inspect/replayHistory.js";
export { runToMermaid } from "./inspect/runToMermaid.js";
export {
  type OverdueTrigger,
  type StoredHealth,
  type StoredHealthOptions,
  storedHealth,
} from "./inspect/storedHealth.js";
export {
  TRIGGER_FIELDS,
  type TriggerFieldRule,
} from "./namespace/checkTriggerFields.js";
export {
  DuplicateNsref,
  DuplicateTrigger,
  InvalidCacheOptions,
  InvalidNsref,
  InvalidTagQuery,
  InvalidTriggerDefinition,
  InvalidTriggerOption,
  NsrefNotFound,
  ScheduleNotAllowed,
  ScheduleRequired,
  TriggerNotFound,
} from "./namespace/errors.js";
export { Namespace, type RegisterOptions } from "./namespace/Namespace.js";
export { type CallOptions, NamespaceNode } from "./namespace/NamespaceNode.js";
export { type Nsref, parseNsref } from "./namespace/nsref.js";
export {
  defineTrigger,
  type OverlapPolicy,
  type PollContext,
  type PollResult,
  type TriggerDefinition,
  type TriggerSpec,
} from "./namespace/TriggerDefinition.js";
export { validateTriggerSpec } from "./namespace/validateTriggerSpec.js";
export {
  DagProvenance,
  type NodeRecord,
  type RecentRunsQuery,
  type RunRecord,
} from "./provenance/DagProvenance.js";
export { NullProvenance } from "./provenance/NullProvenance.js";
export type { CacheEntry, CacheHit, StoredChildRun } from "./provenance/Provenance.js";
export {
  type NodeStatus,
  Provenance,
  type ProvenanceError,
  type ProvenanceService,
  type RunStatus,
  type WriteGuard,
} from "./provenance/Provenance.js";
export { InvalidRetention } from "./retention/errors.js";
export type { PruneReport } from "./retention/pruneHistory.js";
export {
  RETENTION_DEFAULTS,
  type RetentionOptions,
} from "./retention/RetentionOptions.js";
export type { ReplayOptions, RestartOptions, ResumeError } from "./run/DagRunner.js";
export {
  DagRunner,
  type DagRunnerOptions,
  type DagRunResult,
  type ProvenanceProvider,
  type RunError,
  type RunOptions,
} from "./run/DagRunner.js";
export {
  DagChanged,
  DagPause,
  InputInvalid,
  MapInputInvalid,
  MissingInput,
  type NodeError,
  NodeFailed,
  NodeTimedOut,
  OutputInvalid,
  RunNotFound,
  RunNotRestartable,
  type SchemaIssue,
  SwitchLabelMissing,
  UnknownBranch,
  UnknownLabel,
} from "./run/errors.js";
export type { Logger } from "./run/Logger.js";
export { type Clock, SystemClock, type SystemClockOptions } from "./schedule/Clock.js";
export { InstantOutOfRange } from "./schedule/InstantOutOfRange.js";
export { IntervalSchedule } from "./schedule/IntervalSchedule.js";
export { parseDuration } from "./schedule/parseDuration.js";
export { type PreviewEntry, preview } from "./schedule/preview.js";
export {
  InvalidSchedule,
  InvalidTimezone,
  latestTickBetween,
  parseSchedule,
  Schedule,
  type ScheduleOptions,
  ticksBetween,
} from "./schedule/Schedule.js";
export { type ScheduleShape, ShapedSchedule, type ShapedTick } from "./schedule/ShapedSchedule.js";
export { parseTickSchedule, type ScheduleSpec, scheduleOf } from "./schedule/scheduleOf.js";
export { TestClock } from "./schedule/TestClock.js";
export type { TickSchedule } from "./schedule/TickSchedule.js";
export {
  DatabaseCorrupt,
  DatabaseLocked,
  DatabaseReadOnly,
  DatabaseUnreachable,
  DiskFull,
  isDatabaseUnreachable,
  NotADatabase,
  OptionalDependencyMissing,
  SchemaTooNew,
  StoreError,
  type StoreFailure,
} from "./store/errors.js";
export { isPostgresUrl } from "./store/isPostgresUrl.js";
export type { PgWriteGuard } from "./store/PgGroupedWrites.js";
export { type PgQueryable, PgStore, type PgStoreOptions } from "./store/PgStore.js";
export { SqliteStore, type SqliteStoreOptions } from "./store/SqliteStore.js";
export type {
  BackfillHandle,
  BackfillInstant,
  BackfillOptions,
} from "./supervisor/BackfillOptions.js";
export {
  BackfillInvalid,
  BackfillNeedsSchedule,
  BackfillNotFound,
} from "./supervisor/backfillErrors.js";
export {
  CodeDefinedTrigger,
  DataTriggerExists,
  DataTriggerNotFound,
  DataTriggerRefUnknown,
  TriggerDefinitionNotJson,
} from "./supervisor/dataTriggerErrors.js";
export type {
  DataTriggerChange,
  DataTriggerDefinition,
} from "./supervisor/dataTriggerSpec.js";
export {
  CursorInvalid,
  FireKeyInvalid,
  FireKindInvalid,
  HealthOptionInvalid,
  ManagerAlreadyStarted,
  NotLeader,
  NotOwner,
  PayloadInvalid,
  PollFailed,
  SnapshotIncompatible,
  TriggerBusy,
  TriggerNotActive,
} from "./supervisor/errors.js";
export { FAULT_STEPS, type FaultHook, type FaultStep } from "./supervisor/FaultStep.js";
export type { HealthOptions, SupervisorHealth } from "./supervisor/ManagerOptions.js";
export type { ManagerStatus } from "./supervisor/TriggerManager.js";
export {
  type CursorSetOptions,
  type FireOptions,
  type MachineInspectionEvent,
  type ManagerEvent,
  type StatusChangeOptions,
  type StopOptions,
  TriggerManager,
  type TriggerManagerOptions,
} from "./supervisor/TriggerManager.js";
export type { BackfillRecord, BackfillStatus } from "./trigger/backfillRecords.js";
export type { DefinitionChange, StoredDefinition } from "./trigger/definitionSql.js";
export type { JournalCheckpoint } from "./trigger/JournalCheckpoint.js";
export { LeaseLost } from "./trigger/LeaseLost.js";
export type {
  DatabaseLease,
  Fence,
  HeldLease,
  TriggerBackend,
  TriggerLease,
} from "./trigger/TriggerBackend.js";
export {
  type ActivationRecord,
  type EventStatus,
  type EventsQuery,
  type JournalEntry,
  type StatusNote,
  type TriggerCommand,
  type TriggerEventRecord,
  TriggerStore,
  type TriggerStoreOptions,
} from "./trigger/TriggerStore.js";
export {
  createInspector,
  type Inspector,
  type InspectorOptions,
  type NodeRequestLike,
  type NodeResponseLike,
} from "./ui/createInspector.js";
export { InspectorTokenMissing, UiHostNeedsToken } from "./ui/errors.js";
export type { InspectorActions } from "./ui/inspectorRoutes.js";
export {
  type InspectorServer,
  isLoopbackHost,
  startInspectorServer,
} from "./ui/startInspectorServer.js";
