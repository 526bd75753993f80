/**
 * SQLite-only behaviour of the trigger backend (the shared contract is in
 * `triggerBackendContract.test.ts`): a fence found holding is read once per transaction.
 */
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import { LeaseLost } from "../../src/trigger/LeaseLost.js";
import { SqliteTriggerBackend } from "../../src/trigger/SqliteTriggerBackend.js";
import type { Fence } from "../../src/trigger/TriggerBackend.js";
import { makeTempDir } from "../store/tempDir.js";

const { dir, cleanup } = makeTempDir();
afterEach(cleanup);

it("checks a fence once per transaction (a group commit of many fenced writes reads the lease once), again in the next, and a fence that does not hold still fails", async () => {
  const store = SqliteStore.open(path.join(dir, "triggers.db"));
  const backend = new SqliteTriggerBackend(store);
  try {
    const now = Date.now();
    expect(await backend.acquireLease("A", now, 30_000)).toEqual({ epoch: 1 });
    let reads = 0;
    const get = store.get.bind(store);
    store.get = ((operation: string, ...rest: [string]) => {
      if (operation === "check lease") reads += 1;
      return get(operation, ...rest);
    }) as typeof store.get;
    const fence: Fence = { kind: "database", owner: "A", epoch: 1 };
    store.transaction("group", () => {
      backend.checkFenceSync(fence);
      backend.checkFenceSync({ ...fence });
      backend.checkFenceSync(fence);
    });
    expect(reads).toBe(1);
    store.transaction("next", () => backend.checkFenceSync(fence));
    expect(reads).toBe(2);
    // Outside a transaction nothing is remembered.
    backend.checkFenceSync(fence);
    backend.checkFenceSync(fence);
    expect(reads).toBe(4);
    // Another epoch in the same transaction is read, and refused.
    expect(() =>
      store.transaction("stale", () => {
        backend.checkFenceSync(fence);
        backend.checkFenceSync({ kind: "database", owner: "A", epoch: 2 });
      }),
    ).toThrow(LeaseLost);
    // Taken over by B: A's fence, remembered in no open transaction, fails.
    await backend.releaseLease("A", 1, now);
    expect(await backend.acquireLease("B", now + 1, 30_000)).toEqual({ epoch: 2 });
    expect(() => store.transaction("after", () => backend.checkFenceSync(fence))).toThrow(
      LeaseLost,
    );
  } finally {
    await backend.close();
  }
});
