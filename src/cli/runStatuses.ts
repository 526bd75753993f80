import type { RunStatus } from "../provenance/Provenance.js";

/**
 * The statuses `tickflow runs --status` accepts. Its own module: the command's
 * declaration and its lazily loaded action both read it, and neither imports the other.
 *
 * @example
 * ```ts
 * RUN_STATUSES.includes("failed"); // true
 * ```
 */
export const RUN_STATUSES: readonly RunStatus[] = [
  "running",
  "completed",
  "failed",
  "interrupted",
  "paused",
];
