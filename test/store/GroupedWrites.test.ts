/**
 * The run history's group commit on SQLite, where a full disk (SQLITE_FULL) inside a
 * batch makes SQLite roll back the whole transaction, not only the failing savepoint.
 */
import path from "node:path";
import { Effect, Exit } from "effect";
import { afterEach, expect, it } from "vitest";
import { DiskFull } from "../../src/store/errors.js";
import { GroupedWrites } from "../../src/store/GroupedWrites.js";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import { makeTempDir } from "./tempDir.js";

const { dir, cleanup } = makeTempDir();
afterEach(cleanup);

it("a write that fills the disk fails the whole batch with DiskFull, and none of it is committed", async () => {
  const store = SqliteStore.open(path.join(dir, "grouped.db"));
  try {
    store.run("create", "CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT)");
    const pages = store.get<{ page_count: number }>("pages", "PRAGMA page_count")?.page_count ?? 0;
    // A little room: the small rows fit, the big one needs pages beyond the cap.
    store.get("cap", `PRAGMA max_page_count = ${pages + 2}`);
    const writes = new GroupedWrites(store);
    const insert = (id: string, size: number) =>
      Effect.runPromiseExit(
        writes.write(`insert ${id}`, () => {
          store.run("insert", "INSERT INTO t (id, body) VALUES (?, ?)", [id, "x".repeat(size)]);
        }),
      );
    const exits = await Promise.all([insert("a", 10), insert("big", 200_000), insert("c", 10)]);
    const rows = store.all<{ id: string }>("read", "SELECT id FROM t ORDER BY id");
    const failures = exits.map((exit) =>
      Exit.isFailure(exit) ? String(exit.cause).slice(0, 120) : "committed",
    );
    // Every writer is told the truth: nothing of the batch is on disk, and why (DiskFull,
    // which the run path resumes after, not a generic error that fails the run for good).
    expect(rows, `rows ${JSON.stringify(rows)}; exits ${JSON.stringify(failures)}`).toEqual([]);
    for (const exit of exits) {
      expect(Exit.isFailure(exit), JSON.stringify(failures)).toBe(true);
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined;
        expect(error, JSON.stringify(failures)).toBeInstanceOf(DiskFull);
      }
    }
  } finally {
    store.close();
  }
});
