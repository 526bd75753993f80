import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// `import("tickflow")` must not load all of effect: its barrel pulls ~600 modules and
// effect/Schema another ~100 ms. The library imports effect module by module
// (`effect/Effect`, `effect/Data`, …); only type imports may name the barrel.
const ROOT = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return file.endsWith(".ts") ? [file] : [];
  });
}

const VALUE_IMPORT = /^import\s+(?!type\b)[^;]*?from\s+"effect(?:\/Schema)?";/gms;

describe("effect imports", () => {
  it("no library module imports the effect barrel or effect/Schema as a value", () => {
    const offenders = [...sources(path.join(ROOT, "src")), ...sources(path.join(ROOT, "machines"))]
      .filter((file) => [...fs.readFileSync(file, "utf8").matchAll(VALUE_IMPORT)].length > 0)
      .map((file) => path.relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it("would notice one", () => {
    expect('import { Data } from "effect";'.match(VALUE_IMPORT)).not.toBeNull();
    expect('import * as Schema from "effect/Schema";'.match(VALUE_IMPORT)).not.toBeNull();
    expect('import type { Schema } from "effect";'.match(VALUE_IMPORT)).toBeNull();
    expect('import * as Data from "effect/Data";'.match(VALUE_IMPORT)).toBeNull();
  });
});
