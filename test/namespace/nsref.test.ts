import { describe, expect, it } from "vitest";
import { InvalidNsref } from "../../src/namespace/errors.js";
import { parseNsref } from "../../src/namespace/nsref.js";

function invalid(nsref: string): InvalidNsref {
  try {
    parseNsref(nsref);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidNsref);
    return error as InvalidNsref;
  }
  throw new Error(`"${nsref}" was accepted`);
}

describe("parseNsref", () => {
  it("parses one branch and a leaf", () => {
    expect(parseNsref("market:fetch")).toEqual({ branches: ["market"], leaf: "fetch" });
  });

  it("parses dotted branches", () => {
    expect(parseNsref("market.eu.daily:fetch_prices")).toEqual({
      branches: ["market", "eu", "daily"],
      leaf: "fetch_prices",
    });
  });

  it("accepts underscores and digits after the first character", () => {
    expect(parseNsref("_x1.B2:_leaf9")).toEqual({ branches: ["_x1", "B2"], leaf: "_leaf9" });
  });

  it.each([
    ["fetch", "fetch"],
    ["", ""],
  ])("rejects %j without a colon, naming the whole nsref", (nsref, part) => {
    const error = invalid(nsref);
    expect(error._tag).toBe("InvalidNsref");
    expect(error.part).toBe(part);
    expect(error.reason).toContain("':'");
  });

  it("rejects two colons, naming what follows the first", () => {
    const error = invalid("a:b:c");
    expect(error.part).toBe("b:c");
    expect(error.reason).toContain("more than one");
  });

  it.each([
    ["market:fetch-prices", "fetch-prices"],
    ["market:1fetch", "1fetch"],
    ["market:fetch prices", "fetch prices"],
    ["market:", ""],
    ["market-eu:fetch", "market-eu"],
    ["9market:fetch", "9market"],
    [":fetch", ""],
    ["market..eu:fetch", ""],
    ["market.:fetch", ""],
    ["market.e u:fetch", "e u"],
    ["märkt:fetch", "märkt"],
  ])("rejects %j naming the bad part %j", (nsref, part) => {
    const error = invalid(nsref);
    expect(error._tag).toBe("InvalidNsref");
    expect(error.nsref).toBe(nsref);
    expect(error.part).toBe(part);
  });

  it("says whether the branch or the leaf is wrong", () => {
    expect(invalid("market-eu:fetch").reason).toContain("branch");
    expect(invalid("market:fetch-eu").reason).toContain("leaf");
    expect(invalid("market:").reason).toContain("empty leaf");
    expect(invalid(":fetch").reason).toContain("empty branch");
  });

  it("has a message quoting the nsref and the part, with the grammar", () => {
    const { message } = invalid("market:fetch-prices");
    expect(message).toContain('"market:fetch-prices"');
    expect(message).toContain('"fetch-prices"');
    expect(message).toContain("branch(.branch)*:leaf");
  });
});
