import fs from "node:fs";
import { DagProvenance } from "../provenance/DagProvenance.js";
import { PgStore } from "../store/PgStore.js";
import { SqliteStore } from "../store/SqliteStore.js";
import { TriggerStore } from "../trigger/TriggerStore.js";
import type { databasePaths } from "./databasePaths.js";
import { DatabaseMissing } from "./errors.js";

type Paths = ReturnType<typeof databasePaths>;
type Need = "required" | "optional" | "skip";

/**
 * How a command opens the databases. Reading never creates a file (a missing one is
 * `DatabaseMissing`) and opens read-only, so inspecting a database never changes it and
 * works next to a running supervisor. Writing creates the folder and files.
 *
 * @example
 * ```ts
 * const mode: OpenMode = { mode: "read", triggers: "required", provenance: "optional" };
 * ```
 */
export type OpenMode =
  | { readonly mode: "read"; readonly triggers: Need; readonly provenance: Need }
  | { readonly mode: "write" };

/**
 * The CLI's open databases; `close()` closes each connection once.
 *
 * @example
 * ```ts
 * const dbs = openDatabases(paths, { mode: "write" });
 * try { await dbs.triggers?.listActivations(); } finally { await dbs.close(); }
 * ```
 */
export interface OpenDatabases {
  readonly triggers: TriggerStore | undefined;
  readonly provenance: DagProvenance | undefined;
  /** Closes the files, or the PostgreSQL pool (which would otherwise keep the process up). */
  close(): Promise<void>;
}

/**
 * Opens the trigger store and the run history at `paths` (one shared connection when
 * they are one file). Throws `DatabaseMissing` for a required file that does not
 * exist when reading, and the store's typed errors (`SchemaTooNew`, `NotADatabase`, …).
 *
 * @example
 * ```ts
 * const { triggers, close } = openDatabases(databasePaths({}, process.cwd()), {
 *   mode: "read", triggers: "required", provenance: "skip",
 * });
 * ```
 */
export function openDatabases(paths: Paths, how: OpenMode): OpenDatabases {
  if (paths.postgres) {
    // One pool for both stores; it connects (and migrates) on first use, so a bad URL
    // fails the command with DatabaseUnreachable naming the host, never the password.
    const pg = PgStore.connect(paths.triggers);
    const wanted = (which: "triggers" | "provenance") =>
      how.mode === "write" || how[which] !== "skip";
    return {
      triggers: wanted("triggers") ? new TriggerStore(pg) : undefined,
      provenance: wanted("provenance") ? new DagProvenance(pg) : undefined,
      close: () => pg.close(),
    };
  }
  const opened: SqliteStore[] = [];
  const close = async () => {
    for (const store of opened.splice(0)) store.close();
  };
  const want = (which: "triggers" | "provenance"): boolean => {
    if (how.mode === "write") return true;
    const need = how[which];
    if (need === "skip") return false;
    if (fs.existsSync(paths[which])) return true;
    if (need === "optional") return false;
    throw new DatabaseMissing({
      path: paths[which],
      what: which === "triggers" ? "trigger database" : "run history",
    });
  };
  const open = (file: string) => {
    const reuse = paths.shared ? opened[0] : undefined;
    if (reuse !== undefined) return reuse;
    const store = SqliteStore.open(file, { readonly: how.mode === "read" });
    opened.push(store);
    return store;
  };
  try {
    const triggers = want("triggers") ? new TriggerStore(open(paths.triggers)) : undefined;
    const provenance = want("provenance") ? new DagProvenance(open(paths.provenance)) : undefined;
    return { triggers, provenance, close };
  } catch (error) {
    void close();
    throw error;
  }
}
