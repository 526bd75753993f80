import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// `require("tickflow")` works through Node's require(esm), which refuses a module graph
// with a top-level await anywhere in it (ERR_REQUIRE_ASYNC_MODULE). This walks the
// library's graph from its two entry points and fails on any top-level await.
const ROOT = path.resolve(import.meta.dirname, "../..");
const ENTRIES = ["src/index.ts", "src/testing.ts"];

function sourceOf(specifier: string, from: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined; // a package: checked by the consumer test
  const resolved = path.resolve(path.dirname(from), specifier).replace(/\.js$/, ".ts");
  return fs.existsSync(resolved) ? resolved : undefined;
}

/** Top-level awaits of one file (`await x`, `for await`), as `file:line`. */
function topLevelAwaits(file: string, source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)) return;
    if (
      ts.isAwaitExpression(node) ||
      (ts.isForOfStatement(node) && node.awaitModifier !== undefined)
    ) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${path.relative(ROOT, file)}:${line + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function walk(): { readonly files: number; readonly awaits: string[] } {
  const seen = new Set<string>();
  const awaits: string[] = [];
  const queue = ENTRIES.map((entry) => path.join(ROOT, entry));
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(file, "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    awaits.push(...topLevelAwaits(file, source));
    source.forEachChild((node) => {
      const specifier =
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier !== undefined &&
        ts.isStringLiteral(node.moduleSpecifier)
          ? node.moduleSpecifier.text
          : undefined;
      // Type-only imports vanish from the compiled module.
      const typeOnly =
        (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly === true) ||
        (ts.isExportDeclaration(node) && node.isTypeOnly);
      if (specifier === undefined || typeOnly) return;
      const next = sourceOf(specifier, file);
      if (next !== undefined) queue.push(next);
    });
  }
  return { files: seen.size, awaits };
}

describe("the library's module graph", () => {
  it("has no top-level await, so require('tickflow') works through require(esm)", () => {
    const { files, awaits } = walk();
    expect(files).toBeGreaterThan(50); // the walk really followed the imports
    expect(awaits).toEqual([]);
  });

  it("would notice one (the CLI's entry point awaits at top level)", () => {
    const file = path.join(ROOT, "src/cli/main.ts");
    const source = ts.createSourceFile(
      file,
      fs.readFileSync(file, "utf8"),
      ts.ScriptTarget.ES2022,
      true,
    );
    expect(topLevelAwaits(file, source)).toHaveLength(1);
  });
});
