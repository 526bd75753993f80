import fs from "node:fs";
import * as nodeModule from "node:module";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { TypeScriptLoaderMissing } from "./errors.js";

const TYPESCRIPT = new Set([".ts", ".mts", ".cts"]);

/** Node's errors that mean "this Node cannot run this TypeScript file by itself". */
const NEEDS_LOADER = new Set([
  "ERR_UNKNOWN_FILE_EXTENSION", // no type stripping (Node < 22.18 without a flag)
  "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX", // enum, namespace, parameter properties…
  "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING",
]);

/**
 * Imports a user's module as the user wrote it, and returns its exports:
 *
 * - `.js`, `.mjs`, `.cjs` with plain Node, no loader;
 * - `.ts`, `.mts`, `.cts` with the running Node's own type stripping where it has it
 *   (22.18+), else — or for syntax stripping cannot handle — with tsx registered for
 *   both ESM and CommonJS, resolved from the user's project first. A loader that is
 *   already registered (`node --import tsx`) is used as it is.
 *
 * Throws `TypeScriptLoaderMissing` (saying `npm i -D tsx`) when TypeScript needs a loader
 * and none is installed; any other failure is the module's own, rethrown.
 *
 * @example
 * ```ts
 * const exported = await importUserModule("/srv/app/app.ts");
 * ```
 */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (!TYPESCRIPT.has(path.extname(file))) return (await import(url)) as Record<string, unknown>;
  if (stripsTypes()) installModuleSyntaxHook();
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    if (typeof code !== "string" || !NEEDS_LOADER.has(code)) throw cause;
    const tsx = await loadTsx(file);
    if (tsx === undefined) {
      throw new TypeScriptLoaderMissing({
        path: file,
        nodeVersion: process.version,
        reason:
          code === "ERR_UNKNOWN_FILE_EXTENSION"
            ? `Node ${process.version} cannot run TypeScript on its own (Node 22.18 and later strip types)`
            : `Node's type stripping cannot run it (${firstLine(cause)})`,
      });
    }
    tsx.esm.register();
    tsx.cjs.register();
    // Node remembers the failed load of `url`; a query makes it a new module for the loader.
    return (await import(`${url}?tickflow-tsx`)) as Record<string, unknown>;
  }
}

/** Whether this Node strips TypeScript types by itself (22.18+, 23.6+, or a flag). */
function stripsTypes(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

interface TsxApis {
  readonly esm: { register(): unknown };
  readonly cjs: { register(): unknown };
}

/**
 * tsx's ESM and CommonJS registration APIs, resolved from the user's module first (tsx is
 * the user's dev dependency), then from tickflow's own place; `undefined` when neither
 * has it. `require.resolve` would pick tsx's CommonJS builds, so the ES module API is
 * found through the `import` condition of tsx's own exports map.
 */
async function loadTsx(file: string): Promise<TsxApis | undefined> {
  for (const from of [file, import.meta.url]) {
    const require = createRequire(from);
    let manifestPath: string;
    try {
      manifestPath = require.resolve("tsx/package.json");
    } catch {
      continue;
    }
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { exports?: unknown };
    const target = importTarget(
      (manifest.exports as Record<string, unknown> | undefined)?.["./esm/api"],
    );
    if (target === undefined) continue;
    const esm = (await import(
      pathToFileURL(path.join(path.dirname(manifestPath), target)).href
    )) as {
      register(): unknown;
    };
    const cjs = require("tsx/cjs/api") as { register(): unknown };
    return { esm, cjs };
  }
  return undefined;
}

/** The file an exports-map entry gives under the `import` (else `default`) condition. */
function importTarget(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (typeof entry !== "object" || entry === null) return undefined;
  const conditions = entry as Record<string, unknown>;
  return importTarget(conditions.import) ?? importTarget(conditions.default);
}

let hookInstalled = false;

/**
 * On a Node that strips types, a `.ts` file in a package whose package.json says
 * `"type": "commonjs"` (what `npm init -y` writes) is loaded as CommonJS, and its
 * `import` statements fail. tsc would compile such a file's `import` to `require`, so
 * the author meant a module either way: this load hook gives a user's `.ts` file that
 * has module syntax the format `module-typescript`. Files under node_modules are left
 * to Node. Needs `module.registerHooks` (Node 22.15+); without it Node decides as usual.
 */
function installModuleSyntaxHook(): void {
  const registerHooks = (nodeModule as { registerHooks?: (hooks: unknown) => unknown })
    .registerHooks;
  if (hookInstalled || typeof registerHooks !== "function") return;
  hookInstalled = true;
  registerHooks({
    load(
      url: string,
      context: unknown,
      nextLoad: (url: string, context: unknown) => { format?: unknown; source?: unknown },
    ) {
      const result = nextLoad(url, context);
      if (
        result.format === "commonjs-typescript" &&
        url.startsWith("file:") &&
        !url.includes("/node_modules/") &&
        new URL(url).pathname.endsWith(".ts") &&
        result.source !== undefined &&
        result.source !== null &&
        hasModuleSyntax(String(result.source))
      ) {
        return { ...result, format: "module-typescript" };
      }
      return result;
    },
  });
}

/**
 * Whether TypeScript source has a top-level `import`/`export` statement. A look at line
 * starts, not a parse: stripping types first would need Node's experimental API, and a
 * false answer only leaves the file to Node's own rule.
 */
export function hasModuleSyntax(source: string): boolean {
  return /^[ \t]*(?:import[ \t]*(?:type\b|[\w*{]|["'])|export[ \t]+(?:default|const|let|var|function|class|async|type|interface|enum|abstract|declare|\{|\*)|export[ \t]*\{)/m.test(
    source,
  );
}

function firstLine(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return (message.split("\n")[0] ?? "").replace(/\.+$/, "");
}
