import { describe, expect, it } from "vitest";
import { InvalidTagQuery } from "../../src/namespace/errors.js";
import { compileTagQuery } from "../../src/namespace/tagQuery.js";

const tags = (...names: string[]) => new Set(names);

/** Which of these tag sets the query matches, as a compact string like "10110". */
function truthTable(query: string, sets: readonly ReadonlySet<string>[]): string {
  const matches = compileTagQuery(query);
  return sets.map((set) => (matches(set) ? "1" : "0")).join("");
}

function invalid(query: string): InvalidTagQuery {
  try {
    compileTagQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTagQuery);
    return error as InvalidTagQuery;
  }
  throw new Error(`"${query}" compiled`);
}

const none = tags();
const a = tags("a");
const b = tags("b");
const c = tags("c");
const ab = tags("a", "b");
const bc = tags("b", "c");
const abc = tags("a", "b", "c");

describe("compileTagQuery", () => {
  it("matches a single tag", () => {
    expect(truthTable("a", [none, a, b, ab])).toBe("0101");
  });

  it("ands with &", () => {
    expect(truthTable("a & b", [none, a, b, ab])).toBe("0001");
  });

  it("ors with |", () => {
    expect(truthTable("a | b", [none, a, b, ab])).toBe("0111");
  });

  it("negates with ~", () => {
    expect(truthTable("~a", [none, a, b, ab])).toBe("1010");
    expect(truthTable("~~a", [none, a])).toBe("01");
  });

  it("binds & tighter than |", () => {
    // a | (b & c), not (a | b) & c: {a} alone matches.
    expect(truthTable("a | b & c", [a, b, c, bc, none])).toBe("10010");
    expect(truthTable("b & c | a", [a, b, c, bc, none])).toBe("10010");
  });

  it("binds ~ tighter than &", () => {
    // (~a) & b, not ~(a & b): {} does not match.
    expect(truthTable("~a & b", [none, a, b, ab])).toBe("0010");
  });

  it("groups with parentheses", () => {
    expect(truthTable("(a | b) & c", [a, b, c, bc, abc])).toBe("00011");
    expect(truthTable("~(a & b)", [none, a, ab])).toBe("110");
    expect(truthTable("((a))", [none, a])).toBe("01");
  });

  it("ignores spaces and allows none", () => {
    expect(truthTable("a&~b", [a, ab])).toBe("10");
    expect(truthTable("  a   |b  ", [none, b])).toBe("01");
  });

  it("accepts tags with dots, colons, dashes and digits", () => {
    const matches = compileTagQuery("env:prod & tier-1 & v2.0");
    expect(matches(tags("env:prod", "tier-1", "v2.0"))).toBe(true);
    expect(matches(tags("env:prod", "tier-1"))).toBe(false);
  });

  it("matches whole tags only", () => {
    expect(truthTable("etl", [tags("etl_daily"), tags("etl")])).toBe("01");
  });
});

describe("InvalidTagQuery", () => {
  it("points at a missing ')' at the end", () => {
    const error = invalid("etl & (daily");
    expect(error._tag).toBe("InvalidTagQuery");
    expect(error.position).toBe(12);
    expect(error.reason).toContain(")");
  });

  it("points at a missing tag at the end", () => {
    expect(invalid("etl &").position).toBe(5);
    expect(invalid("").position).toBe(0);
  });

  it("points at an operator where a tag should be", () => {
    expect(invalid("& a").position).toBe(0);
    expect(invalid("a | | b").position).toBe(4);
  });

  it("points at two tags without an operator", () => {
    const error = invalid("a b");
    expect(error.position).toBe(2);
    expect(error.reason).toContain('"b"');
  });

  it("points at an unmatched ')'", () => {
    expect(invalid("a)").position).toBe(1);
  });

  it("points at a character that is not part of a tag", () => {
    expect(invalid("a & $b").position).toBe(4);
  });

  it("has a message quoting the query and the position", () => {
    const { message } = invalid("etl & (daily");
    expect(message).toContain('"etl & (daily"');
    expect(message).toContain("position 12");
  });
});
