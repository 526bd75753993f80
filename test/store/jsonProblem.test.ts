import { describe, expect, it } from "vitest";
import { jsonProblem } from "../../src/store/jsonProblem.js";
import { stringifySafely } from "../../src/store/jsonValue.js";

const cyclic: Record<string, unknown> = { a: { b: [1] } };
(cyclic.a as Record<string, unknown>).back = cyclic;

describe("jsonProblem", () => {
  it.each([
    ["plain JSON", { a: [1, "x", null, true, { b: 2 }] }, undefined],
    ["a Date (carried by toJSON)", { at: new Date(0) }, undefined],
    ["undefined properties (dropped, as JSON does)", { a: undefined }, undefined],
    ["a BigInt", { n: 10n }, ["payload.n", /BigInt \(10n\)/]],
    ["deep in an array", { items: [1, { n: 2n }] }, ["payload.items[1].n", /BigInt/]],
    ["a cycle", cyclic, ["payload.a.back", /refers back to payload \(a cycle\)/]],
    ["a function", { f: () => 1 }, ["payload.f", /function/]],
    ["a symbol", { s: Symbol("x") }, ["payload.s", /symbol/]],
    ["NaN", { x: Number.NaN }, ["payload.x", /NaN/]],
    ["a Map", { m: new Map() }, ["payload.m", /Map; JSON would store it as \{\}/]],
    ["a Set", { s: new Set([1]) }, ["payload.s", /Set/]],
    ["an odd key", { "a b": 1n }, ['payload["a b"]', /BigInt/]],
  ] as const)("%s", (_label, value, expected) => {
    const problem = jsonProblem(value);
    if (expected === undefined) {
      expect(problem).toBeUndefined();
      return;
    }
    expect(problem?.path).toBe(expected[0]);
    expect(problem?.reason).toMatch(expected[1]);
  });

  it("a shared (not cyclic) object is fine", () => {
    const shared = { x: 1 };
    expect(jsonProblem({ a: shared, b: shared })).toBeUndefined();
  });

  it("a getter that throws is a problem, not a crash", () => {
    const value = {
      get bad(): number {
        throw new Error("nope");
      },
    };
    expect(jsonProblem(value)).toMatchObject({ path: "payload", reason: "cannot be read: nope" });
  });
});

describe("stringifySafely", () => {
  it("is JSON.stringify for plain JSON and never throws otherwise", () => {
    expect(stringifySafely({ a: [1, "x"] })).toBe(JSON.stringify({ a: [1, "x"] }));
    expect(stringifySafely({ n: 1n })).toBe('{"n":{"$bigint":"1"}}');
    expect(JSON.parse(stringifySafely(cyclic))).toMatchObject({
      a: { back: { $cycle: expect.any(String) } },
    });
  });
});
