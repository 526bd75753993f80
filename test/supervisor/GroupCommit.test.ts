import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/supervisor/GroupCommit.js";

/** A fake transaction log: applying a batch containing "bad" throws and writes nothing. */
function harness() {
  const committed: string[][] = [];
  const group = new GroupCommit<string>(
    (writes) => {
      if (writes.includes("bad")) throw new Error("refused");
      committed.push([...writes]);
    },
    () => 0,
  );
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

  it("makes builders' writes from one instant, read once per batch when it commits", async () => {
    let clock = 100;
    const committed: string[][] = [];
    const group = new GroupCommit<string>(
      (writes) => {
        committed.push([...writes]);
      },
      () => clock++,
    );
    const seen: number[] = [];
    const a = group.commit(
      (at) => [`a@${at}`],
      () => {},
      "a",
      (at) => seen.push(at),
    );
    const b = group.commit(
      (at) => [`b@${at}`],
      () => {},
      "b",
      (at) => seen.push(at),
    );
    clock = 200;
    await Promise.all([a, b]);
    expect(committed).toEqual([["a@200", "b@200"]]);
    expect(seen).toEqual([200, 200]);
  });

  it("runs every committed callback of a batch, in order, before any of its promises settles", async () => {
    const group = new GroupCommit<string>(
      () => {},
      () => 0,
    );
    const order: string[] = [];
    const requests = ["a", "b", "c"].map((name) =>
      group
        .commit(
          [name],
          () => {},
          name,
          () => order.push(`committed ${name}`),
        )
        .then(() => order.push(`resolved ${name}`)),
    );
    await Promise.all(requests);
    expect(order).toEqual([
      "committed a",
      "committed b",
      "committed c",
      "resolved a",
      "resolved b",
      "resolved c",
    ]);
  });

  it("a failed batch runs no committed callback of the failed requests; a throwing callback rejects only its own", async () => {
    const group = new GroupCommit<string>(
      (writes) => {
        if (writes.includes("bad")) throw new Error("refused");
      },
      () => 0,
    );
    const calls: string[] = [];
    const results = await Promise.all([
      group
        .commit(
          ["bad"],
          () => calls.push("revert A"),
          "a",
          () => calls.push("A"),
        )
        .then(
          () => "A:ok",
          (e: Error) => `A:${e.message}`,
        ),
      group
        .commit(
          ["ok"],
          () => {},
          "b",
          () => {
            throw new Error("effect failed");
          },
        )
        .then(
          () => "B:ok",
          (e: Error) => `B:${e.message}`,
        ),
      group
        .commit(
          ["ok"],
          () => {},
          "c",
          () => calls.push("C"),
        )
        .then(() => "C:ok"),
    ]);
    expect(results).toEqual(["A:refused", "B:effect failed", "C:ok"]);
    expect(calls).toEqual(["revert A", "C"]);
  });

  it("a builder that throws fails its request (and its label's later ones) alone", async () => {
    const { group, committed, reverted } = harness();
    const results = await Promise.all([
      group
        .commit(
          () => {
            throw new Error("cannot build");
          },
          () => reverted.push("T1"),
          "t",
        )
        .then(
          () => "T1:ok",
          (e: Error) => `T1:${e.message}`,
        ),
      group
        .commit(["t2"], () => reverted.push("T2"), "t")
        .then(
          () => "T2:ok",
          (e: Error) => `T2:${e.message}`,
        ),
      group.commit(["u1"], () => reverted.push("U1"), "u").then(() => "U1:ok"),
    ]);
    expect(results).toEqual(["T1:cannot build", "T2:cannot build", "U1:ok"]);
    expect(committed).toEqual([["u1"]]);
    expect(reverted).toEqual(["T2", "T1"]);
  });
});
