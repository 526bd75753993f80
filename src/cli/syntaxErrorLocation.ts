import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Where the syntax error that stopped `file` from loading is, as `file:line:column`, or
 * `undefined` when `cause` is not a syntax error of that file. Node puts the place of a
 * syntax error in a dynamically imported ES module only in a hidden property, so it is
 * asked again on this error path: JavaScript with `node --check`, TypeScript with the
 * esbuild that tsx brings (tsx itself reports a wrong line), and the header Node's own
 * type stripping writes into the stack.
 *
 * @example
 * ```ts
 * syntaxErrorLocation("/srv/app/app.mjs", error); // "/srv/app/app.mjs:3:11"
 * ```
 */
export function syntaxErrorLocation(file: string, cause: unknown): string | undefined {
  // tsx (esbuild) failed to transform the file: its error carries the place.
  const transformed = (cause as EsbuildFailure | null)?.errors?.[0]?.location;
  if (transformed) return `${file}:${transformed.line}:${transformed.column + 1}`;
  // The same from a loader thread, where only the message crosses: "file:line:col: ERROR:".
  const logged = /^(.+):(\d+):(\d+): ERROR: /m.exec(cause instanceof Error ? cause.message : "");
  if (logged) return `${logged[1]}:${logged[2]}:${Number(logged[3]) + 1}`;
  if (!(cause instanceof Error) || cause.name !== "SyntaxError") return undefined;
  const typescript = /\.[mc]?ts$/.test(file);
  if ((cause as { code?: unknown }).code === "ERR_INVALID_TYPESCRIPT_SYNTAX") {
    return fromStack(cause.stack ?? "");
  }
  const found = typescript ? fromEsbuild(file) : fromNodeCheck(file);
  return found ?? fromStack(cause.stack ?? "");
}

/**
 * Node's syntax-error header: a `file:line` line, the source line(s), then a caret line
 * under the column.
 */
function fromStack(stack: string): string | undefined {
  const lines = stack.split("\n");
  const headerAt = lines.findIndex((line) =>
    /^(?:file:\/\/\S+|\/\S+|[A-Za-z]:\\\S+):\d+$/.test(line),
  );
  if (headerAt === -1 || headerAt > 2) return undefined;
  const header = lines[headerAt] as string;
  const split = header.lastIndexOf(":");
  const where = header.slice(0, split);
  const file = where.startsWith("file:") ? fileURLToPath(where) : where;
  const line = header.slice(split + 1);
  const caret = lines.slice(headerAt + 1, headerAt + 6).find((l) => /^\s*\^/.test(l));
  return caret === undefined ? `${file}:${line}` : `${file}:${line}:${caret.indexOf("^") + 1}`;
}

function fromNodeCheck(file: string): string | undefined {
  const checked = spawnSync(process.execPath, ["--check", file], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (checked.status === 0 || typeof checked.stderr !== "string") return undefined;
  return fromStack(checked.stderr);
}

type Transform = (source: string, options: object) => unknown;

/** esbuild's `transformSync`, from the tsx the user's project (or tickflow's place) has. */
function esbuildTransform(file: string): Transform | undefined {
  for (const from of [file, import.meta.url]) {
    try {
      const fromTsx = createRequire(createRequire(from).resolve("tsx/package.json"));
      return (fromTsx("esbuild") as { transformSync: Transform }).transformSync;
    } catch {}
  }
  return undefined;
}

interface EsbuildFailure {
  readonly errors?: readonly {
    readonly location?: { readonly line: number; readonly column: number } | null;
  }[];
}

function fromEsbuild(file: string): string | undefined {
  const transformSync = esbuildTransform(file);
  if (transformSync === undefined) return undefined;
  try {
    transformSync(fs.readFileSync(file, "utf8"), { loader: "ts", sourcefile: file });
    return undefined;
  } catch (error) {
    const location = (error as EsbuildFailure).errors?.[0]?.location;
    // esbuild's columns count from 0.
    return location ? `${file}:${location.line}:${location.column + 1}` : undefined;
  }
}
