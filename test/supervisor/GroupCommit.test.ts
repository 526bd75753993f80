import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/supervisor/GroupCommit.js";

/** A fake transaction log: applying a batch containing "bad" throws and writes nothing. */
function harness() {
  const committed: string[][] = [];
  const group = new GroupCommit<string>((writes) => {
    if (writes.includes("bad")) throw new Error("refused");
    committed.push([...writes]);
  }, () => 0);
  const reverted: string[] = [];
  const request = (writes: string[], label: string, name: string) =>
    group
      .commit(writes, () => reverted.push(name), label)
      .then(
        () => `${name}:ok`,
        (error: Error) => `${name}:${error.message}`,
      );
  return { group, committed, reverted, request };
}

describe("GroupCommit", () => {
  it("commits every request queued in one turn in ONE transaction", async () => {
    const { committed, request } = harness();
    const results = await Promise.all([request(["a1"], "a", "A"), request(["b1", "b2"], "b", "B")]);
    expect(results).toEqual(["A:ok", "B:ok"]);
    expect(committed).toEqual([["a1", "b1", "b2"]]);
  });

  it("a request that fails alone is reverted and rejected", async () => {
    const { committed, reverted, request } = harness();
    expect(await request(["bad"], "a", "A")).toBe("A:refused");
    expect(reverted).toEqual(["A"]);
    expect(committed).toEqual([]);
  });

  it("one bad request does not sink the others: they commit one by one", async () => {
    const { committed, reverted, request } = harness();
    const results = await Promise.all([
      request(["a1"], "a", "A"),
      request(["bad"], "b", "B"),
      request(["c1"], "c", "C"),
    ]);
    expect(results).toEqual(["A:ok", "B:refused", "C:ok"]);
    expect(committed).toEqual([["a1"], ["c1"]]);
    expect(reverted).toEqual(["B"]);
  });

  it("after a label's request fails, its later requests are refused too and reverted newest first", async () => {
    const { committed, reverted, request } = harness();
    const results = await Promise.all([
      request(["bad"], "t", "T1"),
      request(["t2"], "t", "T2"),
      request(["u1"], "u", "U1"),
    ]);
    expect(results).toEqual(["T1:refused", "T2:refused", "U1:ok"]);
    expect(committed).toEqual([["u1"]]);
    // T2 built on T1's in-memory change: undo T2 first, then T1.
    expect(reverted).toEqual(["T2", "T1"]);
  });
});
