import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hasModuleSyntax } from "../../src/cli/importUserModule.js";
import { syntaxErrorLocation } from "../../src/cli/syntaxErrorLocation.js";
import { makeTempDir } from "../store/tempDir.js";
import { ROOT, tickflow } from "./fixtures/tickflow.js";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function folder(files: Record<string, string>): string {
  const made = makeTempDir();
  cleanup = made.cleanup;
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(made.dir, name), text);
  }
  return made.dir;
}

describe("hasModuleSyntax", () => {
  it.each([
    ['import { Namespace } from "tickflow";', true],
    ["import type { Namespace } from 'tickflow';", true],
    ['import "./side-effect";', true],
    ["import * as t from 'tickflow';", true],
    ["export default ns;", true],
    ["export const ns = 1;", true],
    ["export { ns };", true],
    ["export interface X {}", true],
    ["  export async function f() {}", true],
    ['const t = require("tickflow");\nmodule.exports = t;', false],
    ['const t = await import("tickflow");', false],
    ["const here = import.meta.url;", false],
    ["// import { x } from 'y' in a comment after code\nconst a = 1;", false],
    ["const important = 1; // exported later", false],
  ])("%j → %s", (source, expected) => {
    expect(hasModuleSyntax(source)).toBe(expected);
  });
});

describe("syntaxErrorLocation", () => {
  it("is undefined for an error that is not a syntax error", () => {
    expect(syntaxErrorLocation("/x/app.mjs", new TypeError("boom"))).toBeUndefined();
  });
});

// Loading goes through Node's own loader, which the test runner replaces in-process: these
// run the real command (from source) on modules a user might write.
describe("tickflow start <module>, as the user wrote it", () => {
  it.each([
    ["bad.mjs", "const a = 1;\nconst b = ;\nexport default a;\n", "2:11"],
    ["bad.cjs", "const a = 1;\n\nconst b = (;\nmodule.exports = a;\n", "3:12"],
    ["bad.ts", "const a: number = 1;\nconst b: string = (;\nexport default a;\n", "2:20"],
  ])("a syntax error in %s is named file:line:column without --debug", async (name, text, at) => {
    const dir = folder({ [name]: text });
    const result = await tickflow(["start", name, "--for", "1", "--data", dir], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(`syntax error at ${path.join(dir, name)}:${at}`);
  });

  it("finds the namespace of an ES module compiled to CommonJS (`exports.default`)", async () => {
    const dir = folder({
      // What tsc makes of `export default ns` in a "type": "commonjs" package.
      "app.cjs": `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const { Namespace } = require(${JSON.stringify(path.join(ROOT, "src/namespace/Namespace.ts"))});
const ns = new Namespace();
exports.default = ns;
`,
    });
    const result = await tickflow(["start", "app.cjs", "--for", "1", "--data", dir], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("stopped");
  });

  it("says what a module exports when none is a Namespace", async () => {
    const dir = folder({ "app.mjs": "export const dag = 1;\n" });
    const result = await tickflow(["start", "app.mjs", "--for", "1", "--data", dir], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('its exports are "dag"');
  });
});
