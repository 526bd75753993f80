import { Effect, Layer } from "effect";
import type { StoreFailure } from "../store/errors.js";
import { GroupedWrites } from "../store/GroupedWrites.js";
import { decodeJson, encodeJson } from "../store/jsonValue.js";
import { runTyped } from "../store/runTyped.js";
import { SqliteStore, type SqliteStoreOptions } from "../store/SqliteStore.js";
import { storeEffect as attempt } from "../store/storeEffect.js";
import {
  type DagShape,
  type NodeStart,
  type NodeStatus,
  Provenance,
  type ProvenanceService,
  type RunStatus,
  type StoredChildRun,
  type StoredNode,
  type StoredRunState,
} from "./Provenance.js";
import { type DagRunRow, type NodeExecutionRow, provenanceSql as sql } from "./provenanceSql.js";

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

const iso = (ms: number) => new Date(ms).toISOString();
const dateOf = (text: string | null) => (text === null ? undefined : new Date(text));
const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/**
 * Run history on SQLite (the seed's `dag_runs`, `node_executions` and
 * `edge_traversals` tables): implements the `Provenance` service that `DagRunner`
 * writes through, and answers queries about past runs. Several objects may share one
 * file (WAL), and a `TriggerStore` may use the same file.
 *
 * @example
 * ```ts
 * const provenance = new DagProvenance("./data/provenance.db");
 * const result = await new DagRunner(dag, { provenance }).run({});
 * const run = await provenance.getRun(result.runId);
 * ```
 */
export class DagProvenance {
  /** The SQLite store underneath (its `commitCount` counts commits). */
  readonly store: SqliteStore;
  /** The `Provenance` service on this file. */
  readonly service: ProvenanceService;
  /** A layer providing `Provenance` from this object. */
  readonly layer: Layer.Layer<Provenance>;

  /**
   * Opens (creating if needed) the database at `path`, or uses an open store.
   * Throws the store's typed errors (`NotADatabase`, `SchemaTooNew`, …).
   */
  constructor(pathOrStore: string | SqliteStore, options: SqliteStoreOptions = {}) {
    this.store =
      typeof pathOrStore === "string" ? SqliteStore.open(pathOrStore, options) : pathOrStore;
    this.service = makeService(this.store);
    this.layer = Layer.succeed(Provenance, this.service);
  }

  /**
   * The Effect form: a scoped layer that opens the file and closes it at the end.
   *
   * @example
   * ```ts
   * program.pipe(Effect.provide(DagProvenance.layer("./data/provenance.db")));
   * ```
   */
  static layer(
    path: string,
    options: SqliteStoreOptions = {},
  ): Layer.Layer<Provenance, StoreFailure> {
    return Layer.scoped(
      Provenance,
      Effect.acquireRelease(
        attempt(path, "open provenance", () => SqliteStore.open(path, options)),
        (store) => Effect.sync(() => store.close()),
      ).pipe(Effect.map(makeService)),
    );
  }

  /**
   * A recorded run, or `undefined`. Inputs and outputs are decoded only with
   * `{ values: true }`.
   *
   * @example
   * ```ts
   * const run = await provenance.getRun(runId, { values: true });
   * ```
   */
  getRun(
    runId: string,
    options: { readonly values?: boolean } = {},
  ): Promise<RunRecord | undefined> {
    return runTyped(this.getRunEffect(runId, options));
  }

  /** The Effect form of `getRun`. */
  getRunEffect(
    runId: string,
    options: { readonly values?: boolean } = {},
  ): Effect.Effect<RunRecord | undefined, StoreFailure> {
    return attempt(this.store.path, "get run", () => {
      const row = this.store.get<DagRunRow>("get run", sql.selectRun, [runId]);
      return row === undefined ? undefined : this.#toRecord(row, options.values ?? false);
    });
  }

  /**
   * The node executions of a run in the DAG's order (with inputs and outputs).
   *
   * @example
   * ```ts
   * for (const node of await provenance.getNodeExecutions(runId)) console.log(node.label, node.status);
   * ```
   */
  getNodeExecutions(runId: string): Promise<readonly NodeRecord[]> {
    return runTyped(
      attempt(this.store.path, "get node executions", () =>
        Object.values(this.#nodesOf(runId, true)),
      ),
    );
  }

  /**
   * The most recent runs first, filtered and paged (`limit` default 50).
   *
   * @example
   * ```ts
   * await provenance.getRecentRuns({ status: "failed", limit: 10 });
   * ```
   */
  getRecentRuns(query: RecentRunsQuery = {}): Promise<readonly RunRecord[]> {
    return runTyped(
      attempt(this.store.path, "get recent runs", () => {
        const params: unknown[] = [];
        if (query.dagNsref !== undefined) params.push(query.dagNsref);
        if (query.status !== undefined) params.push(query.status);
        const before = query.before;
        if (before instanceof Date) params.push(before.toISOString());
        else if (before !== undefined) {
          const at = before.startedAt.toISOString();
          params.push(at, at, before.runId);
        }
        params.push(query.limit ?? 50);
        const text = sql.selectRecent({
          dagNsref: query.dagNsref !== undefined,
          status: query.status !== undefined,
          before: before === undefined ? "none" : before instanceof Date ? "time" : "run",
        });
        return this.store
          .all<DagRunRow>("get recent runs", text, params)
          .map((row) => this.#toRecord(row, false));
      }),
    );
  }

  /**
   * Every run below this one (sub-DAG runs, and theirs), depth first.
   *
   * @example
   * ```ts
   * const children = await provenance.getChildRuns(parentRunId);
   * ```
   */
  getChildRuns(runId: string): Promise<readonly RunRecord[]> {
    return runTyped(
      attempt(this.store.path, "get child runs", () => {
        const out: RunRecord[] = [];
        const walk = (parent: string) => {
          for (const row of this.store.all<DagRunRow>("get child runs", sql.selectChildren, [
            parent,
          ])) {
            out.push(this.#toRecord(row, false));
            walk(row.run_id);
          }
        };
        walk(runId);
        return out;
      }),
    );
  }

  /**
   * Runs still marked `running`: after a crash, the ones a supervisor must resume.
   *
   * @example
   * ```ts
   * for (const run of await provenance.findUnfinishedRuns()) console.log(run.runId);
   * ```
   */
  findUnfinishedRuns(): Promise<readonly RunRecord[]> {
    return runTyped(
      attempt(this.store.path, "find unfinished runs", () =>
        this.store
          .all<DagRunRow>("find unfinished runs", sql.selectUnfinished)
          .map((row) => this.#toRecord(row, false)),
      ),
    );
  }

  /** Closes the file. */
  close(): void {
    this.store.close();
  }

  #toRecord(row: DagRunRow, values: boolean): RunRecord {
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
      nodes: this.#nodesOf(row.run_id, values),
    };
    if (!values) return base;
    return {
      ...base,
      input: decodeJson(row.source_inputs_json),
      outputs: (decodeJson(row.sink_outputs_json) ?? {}) as Record<string, unknown>,
    };
  }

  #nodesOf(runId: string, values: boolean): Record<string, NodeRecord> {
    const edges = this.store.all<{ upstream_label: string; downstream_label: string }>(
      "get edges",
      sql.selectEdges,
      [runId],
    );
    const nodes: Record<string, NodeRecord> = {};
    for (const row of this.store.all<NodeExecutionRow>("get nodes", sql.selectNodes, [runId])) {
      const node: NodeRecord = {
        label: row.node_label,
        status: row.status as NodeStatus,
        isSource: row.is_source === 1,
        isSink: row.is_sink === 1,
        attempt: row.attempt,
        startedAt: dateOf(row.started_at),
        finishedAt: dateOf(row.finished_at),
        error: orUndefined(row.error),
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
}

function makeService(store: SqliteStore): ProvenanceService {
  const startNodes = (runId: string, starting: readonly NodeStart[]) => {
    for (const start of starting) {
      store.run("start node", sql.startNode, {
        runId,
        label: start.label,
        input: encodeJson(start.input),
        startedAt: iso(start.startedAt),
        attempt: start.attempt,
      });
    }
  };
  // Runs that write in the same turn (the runs of one second's ticks) share a commit;
  // each write is still on disk before its run goes on.
  const grouped = new GroupedWrites(store);
  const write = (operation: string, f: () => void) => grouped.write(operation, f);
  return {
    runStarted: (run, starting) =>
      write("record run start", () => {
        store.run("insert run", sql.insertRun, {
          runId: run.runId,
          dagNsref: run.dagNsref ?? null,
          parentRunId: run.parentRunId ?? null,
          startedAt: iso(run.startedAt),
          input: encodeJson(run.input),
          fingerprint: run.fingerprint,
          shape: JSON.stringify(run.shape),
          expansionKey: run.expansionKey ?? null,
        });
        for (const node of run.nodes) {
          store.run("insert node", sql.insertNode, {
            runId: run.runId,
            label: node.label,
            isSource: node.isSource ? 1 : 0,
            isSink: node.isSink ? 1 : 0,
          });
        }
        startNodes(run.runId, starting);
      }),
    runResumed: (runId, starting) =>
      write("record run resume", () => {
        store.run("resume run", sql.resumeRun, [runId]);
        startNodes(runId, starting);
      }),
    nodesStarted: (runId, starting) =>
      write("record node start", () => startNodes(runId, starting)),
    nodeCompleted: (runId, done, starting) =>
      write("record node completion", () => {
        const finishedAt = iso(done.finishedAt);
        store.run("complete node", sql.completeNode, {
          runId,
          label: done.label,
          status: done.status,
          output: encodeJson(done.output),
          finishedAt,
        });
        for (const edge of done.edges) {
          store.run("record edge", sql.insertEdge, {
            runId,
            from: edge.from,
            to: edge.to,
            at: finishedAt,
          });
        }
        startNodes(runId, starting);
      }),
    runFinished: (runId, end) =>
      write("record run end", () => {
        for (const node of end.nodes) {
          store.run("end node", sql.endNode, {
            runId,
            label: node.label,
            status: node.status,
            error: node.error ?? null,
            finishedAt: iso(node.finishedAt),
          });
        }
        store.run("finish run", sql.finishRun, {
          runId,
          status: end.status,
          finishedAt: iso(end.finishedAt),
          outputs: encodeJson(end.outputs),
          error: end.error ?? null,
        });
      }),
    loadRunState: (runId) =>
      attempt(store.path, "load run state", (): StoredRunState | undefined => {
        const row = store.get<DagRunRow>("load run", sql.selectRun, [runId]);
        if (row === undefined) return undefined;
        const nodes = new Map<string, StoredNode>();
        for (const node of store.all<NodeExecutionRow>("load nodes", sql.selectNodes, [runId])) {
          nodes.set(node.node_label, {
            label: node.node_label,
            status: node.status as NodeStatus,
            attempt: node.attempt,
            output: decodeJson(node.output_json),
          });
        }
        return {
          runId,
          dagNsref: orUndefined(row.dag_nsref),
          status: row.status as RunStatus,
          fingerprint: row.dag_fingerprint ?? "",
          shape:
            row.dag_shape_json === null ? undefined : (JSON.parse(row.dag_shape_json) as DagShape),
          input: decodeJson(row.source_inputs_json),
          nodes,
        };
      }),
    loadChildRuns: (parentRunId) =>
      attempt(store.path, "load child runs", () => {
        const children = new Map<string, StoredChildRun>();
        const rows = store.all<
          Pick<
            DagRunRow,
            "run_id" | "expansion_key" | "status" | "dag_fingerprint" | "sink_outputs_json"
          >
        >("load child runs", sql.selectChildrenForResume, [parentRunId]);
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
      }),
  };
}
