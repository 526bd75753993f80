import { isoTime } from "../store/isoTime.js";
import { decodeJson } from "../store/jsonValue.js";
import type {
  CacheHit,
  DagShape,
  NodeStatus,
  RunStatus,
  StoredChildRun,
  StoredNode,
  StoredRunState,
} from "./Provenance.js";
import type { DagRunRow, NodeCacheRow, NodeExecutionRow } from "./provenanceSql.js";

/**
 * One node of a recorded run.
 *
 * @example
 * ```ts
 * const node: NodeRecord = (await provenance.getRun(runId))!.nodes.fetch!;
 * ```
 */
export interface NodeRecord {
  readonly label: string;
  readonly status: NodeStatus;
  readonly isSource: boolean;
  readonly isSink: boolean;
  readonly attempt: number;
  readonly startedAt: Date | undefined;
  readonly finishedAt: Date | undefined;
  readonly error: string | undefined;
  /** For a `cached` node: the run that computed the output it reused. */
  readonly cachedFrom: string | undefined;
  /** Labels whose edges into this node were traversed. */
  readonly upstream: readonly string[];
  /** Labels this node's output travelled to. */
  readonly downstream: readonly string[];
  /** Loaded only with `{ values: true }`. */
  readonly input?: unknown;
  /** Loaded only with `{ values: true }`. */
  readonly output?: unknown;
}

/**
 * A recorded run.
 *
 * @example
 * ```ts
 * const run = await provenance.getRun(runId, { values: true });
 * console.log(run?.status, run?.outputs);
 * ```
 */
export interface RunRecord {
  readonly runId: string;
  readonly dagNsref: string | undefined;
  readonly parentRunId: string | undefined;
  readonly expansionKey: string | undefined;
  readonly status: RunStatus;
  readonly startedAt: Date;
  readonly finishedAt: Date | undefined;
  readonly error: string | undefined;
  readonly fingerprint: string | undefined;
  /** Keyed by label, in the DAG's order. */
  readonly nodes: Readonly<Record<string, NodeRecord>>;
  /** Loaded only with `{ values: true }`. */
  readonly input?: unknown;
  /** Loaded only with `{ values: true }`. */
  readonly outputs?: Readonly<Record<string, unknown>>;
}

/**
 * Filters of `getRecentRuns`. `before` pages backwards: give it the last run of the
 * previous page to continue exactly after it (runs that started in the same millisecond
 * are neither skipped nor repeated), or a `Date` for the runs started strictly earlier.
 *
 * @example
 * ```ts
 * const page = await provenance.getRecentRuns({ dagNsref: "pipelines:daily", limit: 20 });
 * const next = await provenance.getRecentRuns({ limit: 20, before: page.at(-1) });
 * ```
 */
export interface RecentRunsQuery {
  readonly dagNsref?: string;
  readonly status?: RunStatus;
  readonly limit?: number;
  readonly before?: Date | { readonly startedAt: Date; readonly runId: string } | undefined;
}

/** An `edge_traversals` row as both backends return it. */
export interface EdgeRow {
  readonly upstream_label: string;
  readonly downstream_label: string;
}

export const iso = isoTime;
const dateOf = (text: string | null) => (text === null ? undefined : new Date(text));
export const orUndefined = <T>(value: T | null): T | undefined =>
  value === null ? undefined : value;

/**
 * The nodes of one run as records keyed by label, in the order of `rows`; `edges` are
 * that run's traversed edges.
 *
 * @example
 * ```ts
 * const nodes = nodeRecordsOf(nodeRows, edgeRows, true);
 * ```
 */
export function nodeRecordsOf(
  rows: readonly NodeExecutionRow[],
  edges: readonly EdgeRow[],
  values: boolean,
): Record<string, NodeRecord> {
  const nodes: Record<string, NodeRecord> = {};
  for (const row of rows) {
    const node: NodeRecord = {
      label: row.node_label,
      status: row.status as NodeStatus,
      isSource: Number(row.is_source) === 1,
      isSink: Number(row.is_sink) === 1,
      attempt: Number(row.attempt),
      startedAt: dateOf(row.started_at),
      finishedAt: dateOf(row.finished_at),
      error: orUndefined(row.error),
      cachedFrom: row.cached_from_run_id ?? undefined,
      upstream: edges
        .filter((e) => e.downstream_label === row.node_label)
        .map((e) => e.upstream_label),
      downstream: edges
        .filter((e) => e.upstream_label === row.node_label)
        .map((e) => e.downstream_label),
    };
    nodes[row.node_label] = values
      ? { ...node, input: decodeJson(row.input_json), output: decodeJson(row.output_json) }
      : node;
  }
  return nodes;
}

/**
 * A run row and its node records as a {@link RunRecord} (with the run's input and
 * outputs decoded when `values`).
 *
 * @example
 * ```ts
 * const record = runRecordOf(row, nodeRecordsOf(nodeRows, edgeRows, false), false);
 * ```
 */
export function runRecordOf(
  row: DagRunRow,
  nodes: Record<string, NodeRecord>,
  values: boolean,
): RunRecord {
  const base = {
    runId: row.run_id,
    dagNsref: orUndefined(row.dag_nsref),
    parentRunId: orUndefined(row.parent_run_id),
    expansionKey: orUndefined(row.expansion_key),
    status: row.status as RunStatus,
    startedAt: new Date(row.started_at),
    finishedAt: dateOf(row.finished_at),
    error: orUndefined(row.error),
    fingerprint: orUndefined(row.dag_fingerprint),
    nodes,
  };
  if (!values) return base;
  return {
    ...base,
    input: decodeJson(row.source_inputs_json),
    outputs: (decodeJson(row.sink_outputs_json) ?? {}) as Record<string, unknown>,
  };
}

/**
 * What a restart needs of a run: its row and its node rows.
 *
 * @example
 * ```ts
 * const state = storedRunStateOf(runRow, nodeRows);
 * ```
 */
export function storedRunStateOf(
  row: DagRunRow,
  nodeRows: readonly NodeExecutionRow[],
): StoredRunState {
  const nodes = new Map<string, StoredNode>();
  for (const node of nodeRows) {
    nodes.set(node.node_label, {
      label: node.node_label,
      status: node.status as NodeStatus,
      attempt: Number(node.attempt),
      output: decodeJson(node.output_json),
    });
  }
  return {
    runId: row.run_id,
    dagNsref: orUndefined(row.dag_nsref),
    status: row.status as RunStatus,
    fingerprint: row.dag_fingerprint ?? "",
    shape: row.dag_shape_json === null ? undefined : (JSON.parse(row.dag_shape_json) as DagShape),
    input: decodeJson(row.source_inputs_json),
    nodes,
  };
}

/** The columns a resume reads of each child run. */
export type ChildRunRow = Pick<
  DagRunRow,
  "run_id" | "expansion_key" | "status" | "dag_fingerprint" | "sink_outputs_json"
>;

/** A parent run's children by expansion key, as a resume needs them. */
export function childRunsOf(rows: readonly ChildRunRow[]): Map<string, StoredChildRun> {
  const children = new Map<string, StoredChildRun>();
  for (const row of rows) {
    const key = row.expansion_key as string;
    const status = row.status as RunStatus;
    children.set(key, {
      runId: row.run_id,
      expansionKey: key,
      status,
      fingerprint: row.dag_fingerprint ?? "",
      // Only a completed child's outputs are reused; the others are resumed.
      outputs:
        status === "completed"
          ? ((decodeJson(row.sink_outputs_json) ?? {}) as Record<string, unknown>)
          : undefined,
    });
  }
  return children;
}

/**
 * A `node_cache` row as the hit a cached node reuses.
 *
 * @example
 * ```ts
 * const hit = row === undefined ? undefined : cacheHitOf(row);
 * ```
 */
export function cacheHitOf(row: NodeCacheRow): CacheHit {
  return {
    output: decodeJson(row.output_json),
    runId: row.run_id,
    createdAt: Date.parse(row.created_at),
    expiresAt: Date.parse(row.expires_at),
  };
}
