import { describe, expect, it } from "vitest";
import { decodeJson, encodeJson } from "../../src/store/jsonValue.js";

const roundTrip = (value: unknown): unknown => decodeJson(encodeJson(value));

describe("encodeJson / decodeJson: plain JSON", () => {
  it.each([
    ["a string", 'héllo \u2028 "quoted"'],
    ["a whole number", 42],
    ["a fraction", -0.125],
    ["true", true],
    ["false", false],
    ["null", null],
    ["an empty object", {}],
    ["an empty array", []],
    ["a nested value", { a: [1, { b: "c" }, null], d: { e: { f: false } } }],
  ])("stores %s unchanged and reads it back equal", (_name, value) => {
    expect(encodeJson(value)).toBe(JSON.stringify(value));
    expect(roundTrip(value)).toEqual(value);
  });

  it("stores top-level undefined as SQL NULL and reads NULL back as undefined", () => {
    expect(encodeJson(undefined)).toBeNull();
    expect(decodeJson(null)).toBeUndefined();
    expect(decodeJson(undefined)).toBeUndefined();
  });

  it("drops undefined object properties and turns undefined array items into null, like JSON", () => {
    expect(encodeJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(encodeJson([1, undefined, 3])).toBe("[1,null,3]");
  });
});

describe("encodeJson / decodeJson: values JSON cannot hold", () => {
  it("stores a Date as ISO text and reads it back as an equal Date", () => {
    const at = new Date("2026-03-29T01:30:00.123Z");
    expect(encodeJson(at)).toBe('{"$date":"2026-03-29T01:30:00.123Z"}');
    const back = roundTrip({ at });
    expect((back as { at: unknown }).at).toBeInstanceOf(Date);
    expect((back as { at: Date }).at.getTime()).toBe(at.getTime());
  });

  it("stores an invalid Date as unstorable (it has no ISO text)", () => {
    expect(JSON.parse(encodeJson(new Date(Number.NaN)) as string)).toEqual({
      $unstorable: "date",
      text: "Invalid Date",
    });
  });

  it("stores a BigInt as its digits and reads back the same bigint, beyond 2^53", () => {
    const big = 2n ** 70n + 1n;
    expect(encodeJson(big)).toBe(`{"$bigint":"${big.toString()}"}`);
    expect(roundTrip(big)).toBe(big);
    expect(roundTrip(-5n)).toBe(-5n);
  });

  it("stores a Map as entry pairs and reads back a Map with the same entries", () => {
    const map = new Map<unknown, unknown>([
      ["a", 1],
      [2, { nested: new Date(0) }],
    ]);
    expect(JSON.parse(encodeJson(map) as string)).toEqual({
      $map: [
        ["a", 1],
        [2, { nested: { $date: "1970-01-01T00:00:00.000Z" } }],
      ],
    });
    const back = roundTrip(map);
    expect(back).toBeInstanceOf(Map);
    expect(back).toEqual(map);
    const nested = (back as Map<unknown, { nested: unknown }>).get(2)?.nested;
    expect(nested).toBeInstanceOf(Date);
    expect((nested as Date | undefined)?.getTime()).toBe(0);
  });

  it("stores a Set as its items and reads back a Set", () => {
    const set = new Set([1, "two", 3n]);
    expect(JSON.parse(encodeJson(set) as string)).toEqual({ $set: [1, "two", { $bigint: "3" }] });
    const back = roundTrip(set);
    expect(back).toBeInstanceOf(Set);
    expect(back).toEqual(set);
  });

  it("stores an Error as its name and message, read back as that plain object", () => {
    const error = new RangeError("too far");
    expect(JSON.parse(encodeJson(error) as string)).toEqual({
      $error: { name: "RangeError", message: "too far" },
    });
    expect(roundTrip(error)).toEqual({ $error: { name: "RangeError", message: "too far" } });
  });

  it("stores a named function, an anonymous function and a symbol as unstorable", () => {
    function fetchPrices() {}
    expect(JSON.parse(encodeJson({ fn: fetchPrices }) as string)).toEqual({
      fn: { $unstorable: "function", text: "fetchPrices" },
    });
    // An arrow function assigned in an array has no name.
    expect(JSON.parse(encodeJson([() => 1]) as string)).toEqual([
      { $unstorable: "function", text: "anonymous" },
    ]);
    expect(JSON.parse(encodeJson(Symbol("tag")) as string)).toEqual({
      $unstorable: "symbol",
      text: "Symbol(tag)",
    });
  });

  it.each([
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
    [Number.NEGATIVE_INFINITY, "-Infinity"],
  ])("stores the number %s as unstorable rather than JSON's silent null", (value, text) => {
    expect(JSON.parse(encodeJson({ value }) as string)).toEqual({
      value: { $unstorable: "number", text },
    });
  });

  it("stores a cycle back to the root as a $cycle marker instead of throwing", () => {
    const node: Record<string, unknown> = { name: "root" };
    node.self = node;
    expect(() => JSON.stringify(node)).toThrow();
    expect(JSON.parse(encodeJson(node) as string)).toEqual({
      name: "root",
      self: { $cycle: "$" },
    });
  });

  it("names how many levels up a deeper cycle points", () => {
    const parent: Record<string, unknown> = { name: "parent" };
    const child: Record<string, unknown> = { name: "child", parent };
    parent.child = child;
    const root = { parent };
    // root → parent → child → parent: the reference is to the object 2 levels up.
    expect(JSON.parse(encodeJson(root) as string)).toEqual({
      parent: {
        name: "parent",
        child: { name: "child", parent: { $cycle: "ancestor 2 levels up" } },
      },
    });
  });

  it("stores a property whose getter throws as unstorable, keeping the other properties", () => {
    const value = {
      ok: 1,
      get broken(): number {
        throw new Error("not loaded");
      },
    };
    expect(JSON.parse(encodeJson(value) as string)).toEqual({
      ok: 1,
      broken: { $unstorable: "property", text: "reading it threw: not loaded" },
    });
  });

  it("stores a proxy whose traps throw as unstorable instead of throwing", () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no keys for you");
        },
        getPrototypeOf() {
          throw new Error("no prototype either");
        },
      },
    );
    expect(JSON.parse(encodeJson({ inner: hostile }) as string)).toEqual({
      inner: { $unstorable: "object", text: "reading it threw: no prototype either" },
    });
    expect(JSON.parse(encodeJson(hostile) as string)).toMatchObject({ $unstorable: "object" });
  });

  it("stores a shared (not cyclic) object twice, once where each reference is", () => {
    const shared = { v: 1 };
    expect(roundTrip({ a: shared, b: [shared] })).toEqual({ a: { v: 1 }, b: [{ v: 1 }] });
  });
});

describe("encodeJson / decodeJson: plain objects that look like the fallback form", () => {
  it.each([
    ["$date with text that is not a date", { $date: "next tuesday" }],
    ["$bigint with text that is not digits", { $bigint: "lots" }],
    ["$map holding an array", { $map: [["k", "v"]] }],
    ["$set holding an array", { $set: [1, 2] }],
    ["$date with a valid date", { $date: "2026-01-01T00:00:00.000Z" }],
    ["$object, the escape tag itself", { $object: { $date: "x" } }],
  ])("reads back a user's own object with %s as that same plain object", (_name, value) => {
    expect(roundTrip(value)).toEqual(value);
    expect(roundTrip({ nested: [value] })).toEqual({ nested: [value] });
  });

  it("escapes such an object as {$object: …} so it is never read as a tag", () => {
    expect(JSON.parse(encodeJson({ $bigint: "lots" }) as string)).toEqual({
      $object: { $bigint: "lots" },
    });
    // A real bigint inside the escaped object still round-trips as a bigint.
    expect(roundTrip({ $set: 5n })).toEqual({ $set: 5n });
  });

  it("keeps an own __proto__ key as data (as JSON.parse made it), not as a prototype", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object;
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back).sort()).toEqual(["__proto__", "a"]);
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("keeps an object with a tag-like key among other keys as it is", () => {
    const value = { $date: "x", other: 1 };
    expect(roundTrip(value)).toEqual(value);
  });
});
