import { explain } from "../inspect/explain.js";
import { inspect, type TriggerCatalog, type TriggerInspection } from "../inspect/inspect.js";
import { ledgerPage } from "../inspect/ledgerPage.js";
import { recordedShape } from "../inspect/recordedShape.js";
import { replayHistory } from "../inspect/replayHistory.js";
import { runToMermaid } from "../inspect/runToMermaid.js";
import type { DagProvenance, RunRecord } from "../provenance/DagProvenance.js";
import type { RunStatus } from "../provenance/Provenance.js";
import { preview as previewTicks } from "../schedule/preview.js";
import { parseSchedule } from "../schedule/Schedule.js";
import type { TriggerStore } from "../trigger/TriggerStore.js";
import { triggerMachineMermaid } from "./triggerMachineMermaid.js";

/** How much of a node's input or output a page shows. */
const PREVIEW_CHARS = 2_000;
/** The journal steps a trigger page shows (the most recent). */
const REPLAY_STEPS = 200;

/** The run statuses the runs page filters on. */
export const RUN_STATUSES: readonly RunStatus[] = [
  "running",
  "completed",
  "failed",
  "interrupted",
  "paused",
];

/**
 * What the inspector reads from: the trigger store, the run history (optional), a
 * namespace (optional) and the instant "now".
 *
 * @example
 * ```ts
 * const sources: InspectorSources = { store, provenance, now: () => Date.now() };
 * ```
 */
export interface InspectorSources {
  readonly store: TriggerStore;
  readonly provenance?: DagProvenance | undefined;
  readonly namespace?: TriggerCatalog | undefined;
  readonly now: () => number;
}

/** A value as JSON text cut to `PREVIEW_CHARS`, and whether it was cut. */
function preview(value: unknown): { readonly text: string; readonly truncated: boolean } | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value, null, 2) ?? String(value);
  return text.length > PREVIEW_CHARS
    ? { text: `${text.slice(0, PREVIEW_CHARS)}…`, truncated: true }
    : { text, truncated: false };
}

/** How many coming fires the triggers page lists for each scheduled trigger. */
const NEXT_FIRES = 3;

/**
 * A trigger as the pages show it: `inspect`'s view, and its next few fires with a note
 * wherever a daylight-saving change shapes one.
 */
export type TriggerRow = TriggerInspection & {
  readonly nextFires: readonly {
    readonly at: Date;
    readonly local: string;
    readonly note?: string;
  }[];
};

/** Every trigger, as `inspect` sees it (the triggers page and its live feed). */
export async function triggersView(sources: InspectorSources): Promise<readonly TriggerRow[]> {
  const triggers = await inspect(sources.store, {
    now: sources.now(),
    ...(sources.provenance === undefined ? {} : { provenance: sources.provenance }),
    ...(sources.namespace === undefined ? {} : { namespace: sources.namespace }),
  });
  return triggers.map((trigger) => ({ ...trigger, nextFires: nextFiresOf(trigger) }));
}

function nextFiresOf(trigger: TriggerInspection): TriggerRow["nextFires"] {
  if (trigger.schedule === undefined || trigger.nextFireAt === undefined) return [];
  try {
    const schedule = parseSchedule(trigger.schedule, {
      ...(trigger.timezone === undefined ? {} : { timezone: trigger.timezone }),
    });
    return previewTicks(schedule, trigger.nextFireAt.getTime() - 1, NEXT_FIRES);
  } catch {
    return [];
  }
}

/**
 * One trigger: its inspection, the machine drawn with its state, and the journal
 * replayed (state over time, and whether it matches the stored snapshot).
 */
export async function triggerView(sources: InspectorSources, name: string) {
  const trigger = (await triggersView(sources)).find((t) => t.name === name);
  if (trigger === undefined) return undefined;
  const replay =
    trigger.status === "not activated"
      ? undefined
      : await replayHistory(sources.store, name).catch((error: unknown) => ({
          problem: error instanceof Error ? error.message : String(error),
        }));
  return {
    trigger,
    machine: triggerMachineMermaid(trigger.state),
    replay:
      replay === undefined || "problem" in replay
        ? replay
        : {
            state: replay.state,
            snapshotState: replay.snapshotState,
            snapshotProblem: replay.snapshotProblem,
            matchesSnapshot: replay.matchesSnapshot,
            differences: replay.differences,
            total: replay.events.length,
            steps: replay.events.slice(-REPLAY_STEPS).map((step) => ({
              seq: step.seq,
              at: step.at,
              event: step.event.type,
              stateBefore: step.stateBefore,
              stateAfter: step.stateAfter,
              agrees: step.agrees,
            })),
          },
  };
}

/**
 * A page of a trigger's ledger, newest first, each row with `explain`'s decision and
 * reason for it.
 */
export async function ledgerView(
  sources: InspectorSources,
  name: string,
  query: { readonly limit: number; readonly before: Date | undefined },
) {
  const page = await ledgerPage(sources.store, name, query);
  const oldest = page.events.at(-1);
  const decisions =
    oldest === undefined ? [] : await explain(sources.store, name, { since: oldest.firedAt });
  const byEvent = new Map<string, { kind: string; reason: string }[]>();
  for (const decision of decisions) {
    if (decision.eventId === undefined) continue;
    const list = byEvent.get(decision.eventId) ?? [];
    list.push({ kind: decision.kind, reason: decision.reason });
    byEvent.set(decision.eventId, list);
  }
  return {
    events: page.events.map((event) => ({
      ...event,
      payload: preview(event.payload),
      decisions: byEvent.get(event.eventId) ?? [],
    })),
    nextBefore: page.nextBefore,
  };
}

/** Recent runs, newest first, filtered by DAG and status (no node values). */
export async function runsView(
  sources: InspectorSources,
  query: {
    readonly dagNsref: string | undefined;
    readonly status: RunStatus | undefined;
    readonly limit: number;
  },
) {
  if (sources.provenance === undefined) return { available: false, runs: [] };
  const runs = await sources.provenance.getRecentRuns({
    limit: query.limit,
    ...(query.dagNsref === undefined ? {} : { dagNsref: query.dagNsref }),
    ...(query.status === undefined ? {} : { status: query.status }),
  });
  return {
    available: true,
    runs: runs.map(({ nodes, ...run }) => ({
      ...run,
      nodeCounts: countBy(Object.values(nodes).map((node) => node.status)),
    })),
  };
}

/**
 * One run: its record with each node's attempts, times, error and (truncated) input
 * and output; its child runs (map and switch nodes); and its DAG as Mermaid text, each
 * node coloured by status and the child runs nested.
 */
export async function runView(sources: InspectorSources, runId: string) {
  const provenance = sources.provenance;
  if (provenance === undefined) return undefined;
  const run = await provenance.getRun(runId, { values: true });
  if (run === undefined) return undefined;
  const children = await provenance.getChildRuns(runId);
  const shape = await recordedShape(provenance, runId);
  const nodeView = (record: RunRecord) =>
    Object.values(record.nodes).map(({ input, output, ...node }) => ({
      ...node,
      input: preview(input),
      output: preview(output),
    }));
  const mermaid =
    shape === undefined ? undefined : runToMermaid(shape, run, { children }).replace(/^%%.*\n/, "");
  return {
    run: { ...run, nodes: nodeView(run), input: preview(run.input), outputs: preview(run.outputs) },
    children: children.map((child) => ({
      runId: child.runId,
      parentRunId: child.parentRunId,
      expansionKey: child.expansionKey,
      status: child.status,
      startedAt: child.startedAt,
      finishedAt: child.finishedAt,
      error: child.error,
      nodes: nodeView(child),
    })),
    mermaid,
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
