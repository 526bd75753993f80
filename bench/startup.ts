import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DagProvenance } from "../src/provenance/DagProvenance.js";
import { type Metrics, median, plainEnv, repoDir, round, tempDir } from "./lib.js";
import { buildRestartDatabase } from "./restart.js";

/**
 * How big a database `startup`'s `tickflow status` reads, and how many rounds it times.
 *
 * @example
 * ```ts
 * const options: StartupOptions = { rounds: 15, triggers: 10_000, journalRows: 1_000_000, events: 100_000 };
 * ```
 */
export interface StartupOptions {
  readonly rounds: number;
  readonly triggers: number;
  readonly journalRows: number;
  readonly events: number;
  readonly dir?: string;
}

const CLI = path.join("dist", "src", "cli", "main.js");

/** The child that times `import("tickflow")` from inside (the package's self-reference). */
const IMPORT_SCRIPT = `const t0 = performance.now();
await import("tickflow");
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, rss: process.memoryUsage().rss / 1048576 }));`;

/**
 * `startup`: the package as a user runs it, with plain `node` on the built dist/ (the
 * caller makes sure it is fresh), beside `node -e 0` in the same rounds: `tickflow
 * --help`, `import("tickflow")` (timed inside the child with `performance.now()`, and as
 * the child's whole wall time), and `tickflow status` (and `--json`) on the database of
 * `restart` (10,000 triggers, a million journal rows). Each command is a fresh process
 * started from here (`spawnSync`, wall time from spawn to exit, so `node -e 0` carries
 * the same spawn cost); the order rotates from round to round; medians.
 */
export async function startup(options: StartupOptions): Promise<Metrics> {
  const dir = tempDir(options.dir, "startup");
  try {
    const minute = (new Date().getMinutes() + 30) % 60;
    buildRestartDatabase(path.join(dir, "triggers.db"), options, `${minute} * * * *`);
    // A data folder as a supervisor leaves it: the run history beside the triggers.
    new DagProvenance(path.join(dir, "provenance.db")).close();

    const commands = {
      node: ["-e", "0"],
      help: [CLI, "--help"],
      import: ["--input-type=module", "-e", IMPORT_SCRIPT],
      status: [CLI, "status", "--data", dir],
      status_json: [CLI, "status", "--data", dir, "--json"],
    } as const;
    type Id = keyof typeof commands;
    const ids = Object.keys(commands) as Id[];
    const wall = new Map<Id, number[]>(ids.map((id) => [id, []]));
    const inside: { ms: number; rss: number }[] = [];
    const run = (id: Id): string => {
      const t0 = performance.now();
      const result = spawnSync(process.execPath, commands[id], {
        cwd: repoDir,
        env: plainEnv(),
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      });
      const ms = performance.now() - t0;
      if (result.status !== 0) {
        throw new Error(`startup: ${id} exited with ${result.status}: ${result.stderr.trim()}`);
      }
      wall.get(id)?.push(ms);
      return result.stdout;
    };
    // One unmeasured round: the files are in the page cache for every measured one.
    for (const id of ids) run(id);
    for (const list of wall.values()) list.length = 0;
    let statusLines = 0;
    for (let r = 0; r < options.rounds; r++) {
      for (let k = 0; k < ids.length; k++) {
        const id = ids[(r + k) % ids.length] as Id;
        const stdout = run(id);
        if (id === "import") inside.push(JSON.parse(stdout) as { ms: number; rss: number });
        if (id === "status") statusLines = stdout.split("\n").length;
      }
    }
    const med = (id: Id) => median(wall.get(id) ?? []);
    return {
      node_e0_ms: round(med("node"), 0),
      help_ms: round(med("help"), 0),
      help_ratio_to_node: round(med("help") / med("node"), 2),
      import_ms: round(median(inside.map((i) => i.ms)), 0),
      import_process_ms: round(med("import"), 0),
      import_rss_mb: round(median(inside.map((i) => i.rss)), 1),
      status_ms: round(med("status"), 0),
      status_json_ms: round(med("status_json"), 0),
      status_lines: statusLines,
      triggers: options.triggers,
      rounds: options.rounds,
      runtime: `node dist/ (${CLI}, import "tickflow")`,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
