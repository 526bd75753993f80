import path from "node:path";
import { isPostgresUrl } from "../store/isPostgresUrl.js";

/**
 * Where the CLI's databases are: `--db FILE` puts the trigger store and the run
 * history in one file; otherwise `--data DIR` (default `./data`) holds `triggers.db`
 * and `provenance.db`, the seed's two files.
 *
 * @example
 * ```ts
 * databasePaths({ data: "/srv/tickflow" }, "/work");
 * // { triggers: "/srv/tickflow/triggers.db", provenance: "/srv/tickflow/provenance.db", shared: false }
 * ```
 */
export function databasePaths(
  options: { readonly data?: string | undefined; readonly db?: string | undefined },
  cwd: string,
): {
  readonly triggers: string;
  readonly provenance: string;
  readonly shared: boolean;
  readonly postgres: boolean;
} {
  if (options.db !== undefined && isPostgresUrl(options.db)) {
    return { triggers: options.db, provenance: options.db, shared: true, postgres: true };
  }
  if (options.db !== undefined) {
    const file = path.resolve(cwd, options.db);
    return { triggers: file, provenance: file, shared: true, postgres: false };
  }
  const dir = path.resolve(cwd, options.data ?? "data");
  return {
    triggers: path.join(dir, "triggers.db"),
    provenance: path.join(dir, "provenance.db"),
    shared: false,
    postgres: false,
  };
}
