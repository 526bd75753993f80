import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Namespace } from "../namespace/Namespace.js";
import { ModuleLoadFailed, ModuleNotFound, NoNamespaceExported } from "./errors.js";

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
 * Imports a user's module (TypeScript too: the `tickflow` bin registers tsx) and returns
 * the `Namespace` it exports as its default export, or as `namespace` or `ns`. Throws
 * `ModuleNotFound`, `ModuleLoadFailed` or `NoNamespaceExported`.
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
    exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    // Outside a package with "type": "module", tsx loads a .ts file as CommonJS, and
    // Node then refuses the ES modules it imports with an error about require cycles.
    const commonJs = code === "ERR_REQUIRE_CYCLE_MODULE" || code === "ERR_REQUIRE_ESM";
    throw new ModuleLoadFailed({
      path: file,
      cause,
      hint: commonJs
        ? 'It was loaded as CommonJS: name it .mts, or put it in a package whose package.json says "type": "module".'
        : undefined,
    });
  }
  for (const name of ["default", "namespace", "ns"]) {
    if (isNamespace(exported[name])) return exported[name];
  }
  throw new NoNamespaceExported({ path: file, exports: Object.keys(exported) });
}
