import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { schemaMismatch } from "../../src/dag/schemaAssignable.js";

describe("schemaMismatch", () => {
  it("accepts the same primitive on both ends", () => {
    expect(schemaMismatch(Schema.Number, Schema.Number)).toBeUndefined();
    expect(schemaMismatch(Schema.String, Schema.String)).toBeUndefined();
  });

  it("rejects a string output feeding a number input, saying why", () => {
    const reason = schemaMismatch(Schema.String, Schema.Number);
    expect(reason).toBeDefined();
    expect(reason).toContain("string");
    expect(reason).toContain("number");
  });

  it("accepts a struct producing more fields than the input needs", () => {
    const from = Schema.Struct({ a: Schema.Number, b: Schema.String });
    const to = Schema.Struct({ a: Schema.Number });
    expect(schemaMismatch(from, to)).toBeUndefined();
  });

  it("rejects a struct missing a required field, naming it", () => {
    const from = Schema.Struct({ a: Schema.Number });
    const to = Schema.Struct({ a: Schema.Number, b: Schema.String });
    expect(schemaMismatch(from, to)).toMatch(/"b"/);
  });

  it("accepts a missing field that the input declares optional", () => {
    const from = Schema.Struct({ a: Schema.Number });
    const to = Schema.Struct({ a: Schema.Number, b: Schema.optional(Schema.String) });
    expect(schemaMismatch(from, to)).toBeUndefined();
  });

  it("names the path of a nested field of the wrong type", () => {
    const from = Schema.Struct({ quote: Schema.Struct({ price: Schema.String }) });
    const to = Schema.Struct({ quote: Schema.Struct({ price: Schema.Number }) });
    expect(schemaMismatch(from, to)).toContain("quote.price");
  });

  it("looks through refinements on either end", () => {
    expect(schemaMismatch(Schema.Int, Schema.Number)).toBeUndefined();
    expect(schemaMismatch(Schema.Number, Schema.Int)).toBeUndefined();
    expect(schemaMismatch(Schema.String, Schema.Int)).toBeDefined();
  });

  it("compares the decoded output with the encoded side of the input", () => {
    // NumberFromString decodes a string: a string output can feed it, a number cannot.
    expect(schemaMismatch(Schema.String, Schema.NumberFromString)).toBeUndefined();
    expect(schemaMismatch(Schema.Number, Schema.NumberFromString)).toBeDefined();
  });

  it("accepts literals of the input's primitive type and rejects others", () => {
    expect(schemaMismatch(Schema.Literal("a"), Schema.String)).toBeUndefined();
    expect(schemaMismatch(Schema.Literal(1), Schema.String)).toBeDefined();
    expect(schemaMismatch(Schema.Literal("a"), Schema.Literal("a"))).toBeUndefined();
    expect(schemaMismatch(Schema.Literal("a"), Schema.Literal("b"))).toBeDefined();
  });

  it("requires every member of an output union to fit", () => {
    const from = Schema.Union(Schema.String, Schema.Number);
    expect(schemaMismatch(from, Schema.Union(Schema.Number, Schema.String))).toBeUndefined();
    expect(schemaMismatch(from, Schema.String)).toBeDefined();
  });

  it("accepts an output that fits one member of an input union", () => {
    const to = Schema.Union(Schema.Number, Schema.Null);
    expect(schemaMismatch(Schema.Number, to)).toBeUndefined();
    expect(schemaMismatch(Schema.String, to)).toMatch(/fits no member/);
  });

  it("compares array elements", () => {
    expect(schemaMismatch(Schema.Array(Schema.Number), Schema.Array(Schema.Number))).toBe(
      undefined,
    );
    expect(schemaMismatch(Schema.Array(Schema.String), Schema.Array(Schema.Number))).toContain(
      "[]",
    );
  });

  it("lets anything feed an input of unknown", () => {
    expect(schemaMismatch(Schema.String, Schema.Unknown)).toBeUndefined();
    expect(schemaMismatch(Schema.Struct({ a: Schema.Number }), Schema.Unknown)).toBeUndefined();
  });
});
