import fs from "node:fs";
import path from "node:path";
import type { Namespace } from "../namespace/Namespace.js";
import {
  ModuleLoadFailed,
  ModuleNotFound,
  NoNamespaceExported,
  TypeScriptLoaderMissing,
} from "./errors.js";
import { importUserModule } from "./importUserModule.js";
import { syntaxErrorLocation } from "./syntaxErrorLocation.js";

/**
 * Duck-typed, not `instanceof`: a module may import tickflow through another path (the
 * package name, a symlink) and so hold a `Namespace` from another copy of the class.
 */
function isNamespace(value: unknown): value is Namespace {
  const candidate = value as Partial<Record<keyof Namespace, unknown>> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.listTriggers === "function" &&
    typeof candidate.getTrigger === "function" &&
    typeof candidate.hasTrigger === "function" &&
    typeof candidate.get === "function"
  );
}

/**
 * Imports a user's module as the user wrote it (JavaScript with plain Node, TypeScript
 * with Node's type stripping or tsx: see `importUserModule`) and returns the `Namespace`
 * it exports as its default export, or as `namespace` or `ns`. Throws `ModuleNotFound`,
 * `TypeScriptLoaderMissing`, `ModuleLoadFailed` (with `file:line:column` for a syntax
 * error) or `NoNamespaceExported`.
 *
 * @example
 * ```ts
 * const ns = await loadNamespace("examples/market.ts", process.cwd());
 * ns.listTriggers().map((t) => t.name);
 * ```
 */
export async function loadNamespace(modulePath: string, cwd: string): Promise<Namespace> {
  const file = path.resolve(cwd, modulePath);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new ModuleNotFound({ path: file });
  let exported: Record<string, unknown>;
  try {
    exported = await importUserModule(file);
  } catch (cause) {
    if (cause instanceof TypeScriptLoaderMissing) throw cause;
    const code = (cause as { code?: unknown } | null)?.code;
    // A CommonJS module that require()s an ES module inside a require cycle.
    const commonJs = code === "ERR_REQUIRE_CYCLE_MODULE" || code === "ERR_REQUIRE_ESM";
    throw new ModuleLoadFailed({
      path: file,
      cause,
      hint: commonJs
        ? 'It was loaded as CommonJS: name it .mts, or put it in a package whose package.json says "type": "module".'
        : undefined,
      location: syntaxErrorLocation(file, cause),
    });
  }
  // An ES module compiled to CommonJS (tsx in a "type": "commonjs" package, or tsc) is
  // seen through import() as `{ default: module.exports }`: look one level in as well.
  const inner = exported.default;
  const places =
    typeof inner === "object" && inner !== null && !isNamespace(inner)
      ? [exported, inner as Record<string, unknown>]
      : [exported];
  for (const place of places) {
    for (const name of ["default", "namespace", "ns"]) {
      if (isNamespace(place[name])) return place[name];
    }
  }
  throw new NoNamespaceExported({ path: file, exports: Object.keys(exported) });
}
