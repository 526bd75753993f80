import type pg from "pg";
import { OptionalDependencyMissing } from "./errors.js";

let loading: Promise<typeof pg> | undefined;

/**
 * The `pg` package, imported on first use: it is an optional peer dependency, so a user
 * who stays on SQLite neither installs nor loads it. A missing package becomes
 * `OptionalDependencyMissing` (saying `npm i pg`); the next call tries again, so installing
 * it while a process runs is enough.
 *
 * @example
 * ```ts
 * const { Pool } = await loadPg("postgres://app@db/scheduler");
 * ```
 */
export function loadPg(location: string): Promise<typeof pg> {
  loading ??= import("pg").then(
    (module) => (module as { default?: typeof pg }).default ?? (module as unknown as typeof pg),
    (cause: unknown) => {
      loading = undefined;
      if (!isMissingPackage(cause, "pg")) throw cause;
      throw new OptionalDependencyMissing({
        packageName: "pg",
        feature: "PostgreSQL",
        path: location,
        cause,
      });
    },
  );
  return loading;
}

/** Node's "cannot find package" for this package itself, not for a file inside it. */
function isMissingPackage(cause: unknown, name: string): boolean {
  const error = cause as { code?: unknown; message?: unknown } | null;
  return (
    (error?.code === "ERR_MODULE_NOT_FOUND" || error?.code === "MODULE_NOT_FOUND") &&
    typeof error.message === "string" &&
    error.message.includes(`'${name}'`)
  );
}
