import { activeTelemetry } from "./activeTelemetry.js";

/** What the supervisor knows of a run it is about to start: the fire's span, a resume. */
export interface RunParent {
  /** The traceparent of the span that decided the fire (stored with the snapshot). */
  readonly traceparent: string | undefined;
  readonly resume: boolean;
}

/** Bounded: an entry whose run never started (a rare failure before it) is dropped in time. */
const MAX_EXPECTED = 10_000;
const expected = new Map<string, RunParent>();

/**
 * Tells the run span of `runId`, about to start, whose child it is: the fire decision's
 * span, or, for a run resumed after a restart, a new trace linked to it. Without it the
 * run span is a child of the span active where the run was called.
 *
 * @example
 * ```ts
 * expectRun(fire.runId, fire.trace, resume);
 * runner.run(fire.payload, { runId: fire.runId });
 * ```
 */
export function expectRun(runId: string, traceparent: string | undefined, resume: boolean): void {
  // Only when a run span will take it: with no SDK the map would fill to its bound.
  if (activeTelemetry() === undefined) return;
  expected.set(runId, { traceparent, resume });
  if (expected.size > MAX_EXPECTED) expected.delete(expected.keys().next().value as string);
}

/** The parent announced for `runId`, taken (once). */
export function takeRunParent(runId: string): RunParent | undefined {
  const parent = expected.get(runId);
  if (parent !== undefined) expected.delete(runId);
  return parent;
}
