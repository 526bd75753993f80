/**
 * The run history's group commit on PostgreSQL (real server; skipped with a one-line
 * reason where none answers).
 */
import { Effect, Exit } from "effect";
import { afterEach, beforeEach, expect, it } from "vitest";
import { PgGroupedWrites, type PgWriteGuard } from "../../src/store/PgGroupedWrites.js";
import { PgStore } from "../../src/store/PgStore.js";
import { describePg, freshSchema } from "./pgAvailable.js";

describePg("PgGroupedWrites", () => {
  let store: PgStore;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    const schema = await freshSchema();
    drop = schema.drop;
    store = PgStore.connect(schema.url);
    await store.query("create table", "CREATE TABLE t (id TEXT PRIMARY KEY)");
  });
  afterEach(async () => {
    await store.close();
    await drop();
  });

  const insert = (writes: PgGroupedWrites, id: string) =>
    writes.write(`insert ${id}`, async (tx) => {
      await tx.query("insert", "INSERT INTO t (id) VALUES ($1)", [id]);
    });

  it("commits the writes of one turn in one transaction, each writer going on after it", async () => {
    const writes = new PgGroupedWrites(store);
    const before = store.commitCount;
    await Promise.all(["a", "b", "c", "d"].map((id) => Effect.runPromise(insert(writes, id))));
    expect(store.commitCount - before).toBe(1);
    const rows = await store.query<{ id: string }>("read", "SELECT id FROM t ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual(["a", "b", "c", "d"]);
  });

  it("checks the guards of a group transaction once, and a refused guard fails only its writer", async () => {
    const writes = new PgGroupedWrites(store);
    const batches: number[] = [];
    const refused = new Set(["no"]);
    const guardOf = (id: string): PgWriteGuard => ({
      onTransaction: async (tx) => {
        await tx.query("guard", "SELECT 1");
        if (refused.has(id)) throw new Error(`guard refused ${id}`);
      },
      onBatch: async (tx, guards) => {
        batches.push(guards.length);
        for (const guard of guards) await guard.onTransaction(tx);
      },
    });
    const exits = await Promise.all(
      ["p", "no", "q"].map((id) =>
        Effect.runPromiseExit(
          writes.write(
            `insert ${id}`,
            async (tx) => {
              await tx.query("insert", "INSERT INTO t (id) VALUES ($1)", [id]);
            },
            guardOf(id),
          ),
        ),
      ),
    );
    // One batch check over the three guards (refused), then each write alone.
    expect(batches).toEqual([3]);
    expect(exits.map(Exit.isSuccess)).toEqual([true, false, true]);
    const rows = await store.query<{ id: string }>("read", "SELECT id FROM t ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual(["p", "q"]);
  });

  it("a failing write fails only its own writer, with a typed error; the others commit", async () => {
    await store.query("seed", "INSERT INTO t (id) VALUES ('dup')");
    const writes = new PgGroupedWrites(store);
    const exits = await Promise.all(
      ["x", "dup", "y"].map((id) => Effect.runPromiseExit(insert(writes, id))),
    );
    expect(exits.map(Exit.isSuccess)).toEqual([true, false, true]);
    const failure = exits[1];
    if (failure === undefined || Exit.isSuccess(failure)) throw new Error("expected a failure");
    expect(JSON.stringify(failure.cause)).toMatch(/StoreError/);
    const rows = await store.query<{ id: string }>("read", "SELECT id FROM t ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual(["dup", "x", "y"]);
  });
});
