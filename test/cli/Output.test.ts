import Table from "cli-table3";
import picocolors from "picocolors";
import { describe, expect, it } from "vitest";
import { Output, TABLE_OPTIONS } from "../../src/cli/Output.js";

/** The table as cli-table3 draws it with the CLI's options (what Output.table used to call). */
function cliTable3(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const table = new Table({ head: [...head], ...TABLE_OPTIONS });
  for (const row of rows) table.push([...row]);
  return table
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

const output = (color: boolean) =>
  new Output({
    stdout: { write: () => true, isTTY: false },
    stderr: { write: () => true },
    env: color ? { FORCE_COLOR: "1" } : {},
    cwd: "/",
  });

/** A small deterministic generator (the same cases on every run). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("Output.table", () => {
  it("draws what cli-table3 drew, byte for byte, with and without colour", () => {
    const next = random(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const words = [
      "",
      "a",
      "hourly_market",
      "2026-01-05T00:11:00Z (in 30 s)",
      "push",
      "-",
      "日本語",
      "é",
      "🙂 ok",
      "tab\there",
      "  padded  ",
    ];
    for (const color of [false, true]) {
      const out = output(color);
      const c = picocolors.createColors(color);
      const styles = [
        (s: string) => s,
        c.red,
        c.dim,
        c.bold,
        c.green,
        (s: string) => c.dim(c.red(s)),
      ];
      const cell = (): string => {
        const parts = Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
          pick(styles)(pick(words)),
        );
        // A colour around the whole cell spans its lines (as status's "overdue" line does).
        return pick(styles)(parts.join(pick([" ", "\n", ""])));
      };
      for (let round = 0; round < 200; round++) {
        const columns = 1 + Math.floor(next() * 5);
        const head = Array.from({ length: columns }, () =>
          pick(["TRIGGER", "STATE", "", "NEXT FIRE"]),
        );
        const rows = Array.from({ length: Math.floor(next() * 6) }, () =>
          Array.from({ length: columns }, cell),
        );
        const expected = cliTable3(
          head.map((h) => out.color.bold(h)),
          rows,
        );
        expect(out.table(head, rows)).toBe(expected);
      }
    }
  });

  it("leaves rows of another length than the head to cli-table3", () => {
    const out = output(false);
    expect(out.table(["A", "B"], [["x"], ["y", "z", "w"]])).toBe(
      cliTable3(["A", "B"], [["x"], ["y", "z", "w"]]),
    );
  });
});
