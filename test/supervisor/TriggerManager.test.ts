import { Schema } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { NsrefNotFound, TriggerNotFound } from "../../src/namespace/errors.js";
import {
  ManagerAlreadyStarted,
  PayloadInvalid,
  TriggerNotActive,
} from "../../src/supervisor/errors.js";
import type { TriggerEventRecord } from "../../src/trigger/TriggerStore.js";
import {
  type Gate,
  gate,
  Harness,
  HOUR,
  MINUTE,
  rejection,
  SECOND,
  T0,
  turn,
  until,
} from "./harness.js";

let harnesses: Harness[] = [];

/** A harness closed (managers stopped, files removed) after the test. */
const harness = (options?: ConstructorParameters<typeof Harness>[0]) => {
  const h = new Harness(options);
  harnesses.push(h);
  return h;
};

afterEach(async () => {
  const open = harnesses;
  harnesses = [];
  for (const h of open) await h.close();
});

/** A trigger's ledger, oldest first. */
const ledger = async (h: Harness, name: string): Promise<TriggerEventRecord[]> =>
  [...(await h.store.getEvents(name, { limit: 100_000 }))].reverse();

const ms = (d: Date | undefined) => d?.getTime();

describe("activate", () => {
  it("writes the activation record with status active; nothing runs before start()", async () => {
    const h = harness();
    let calls = 0;
    const dag = h.dag("market", () => {
      calls += 1;
      return 1;
    });
    h.poll("hourly_market", dag, "* * * * *");
    const manager = h.manager();
    await manager.activate("hourly_market");

    const record = await h.store.getActivation("hourly_market");
    expect(record).toMatchObject({
      name: "hourly_market",
      dagNsref: "market:dag",
      triggerType: "poll",
      status: "active",
      lastRunAt: undefined,
      lastRunId: undefined,
      createdAt: new Date(T0),
    });
    expect(record?.config).toMatchObject({ schedule: "* * * * *", timezone: "UTC" });
    expect(manager.states()).toEqual({ hourly_market: "active" });
    expect(manager.started).toBe(false);

    await h.testClock.advance(10 * MINUTE);
    expect(calls).toBe(0);
    expect(await h.store.getEvents("hourly_market")).toEqual([]);
    expect(h.testClock.pendingTimers()).toBe(0);
    expect(manager.nextFireAt("hourly_market")).toBeUndefined();
    expect(h.errors).toEqual([]);
  });

  it("start() after a gap treats the ticks since activation as missed (catchUp latest)", async () => {
    // Documented behaviour: activation is the point from which ticks are owed. Started
    // 10 minutes later, the trigger fires once for the latest owed tick (catchUp
    // "latest", the default) and records the other nine as missed.
    const h = harness();
    let calls = 0;
    const dag = h.dag("market", () => {
      calls += 1;
      return 1;
    });
    h.poll("t", dag, "* * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await h.testClock.advance(10 * MINUTE);
    await manager.start();
    await h.advanceAndFinish(0, 1);
    const rows = await ledger(h, "t");
    expect(rows.map((e) => [ms(e.scheduledAt), e.status])).toEqual([
      ...Array.from({ length: 9 }, (_, i) => [T0 + (i + 1) * MINUTE, "missed"]),
      [T0 + 10 * MINUTE, "completed"],
    ]);
    expect(calls).toBe(1);
    expect(h.errors).toEqual([]);
  });

  it("a trigger activated while the manager runs fires from its next tick", async () => {
    const h = harness();
    const dag = h.dag("market", () => 1);
    h.poll("early", dag, "* * * * *");
    h.poll("late", dag, "* * * * *");
    const manager = h.manager();
    await manager.activate("early");
    await manager.start();
    await h.advanceAndFinish(MINUTE, 1);
    await h.testClock.advance(20 * SECOND);
    await manager.activate("late");
    expect(manager.nextFireAt("late")).toEqual(new Date(T0 + 2 * MINUTE));
    await h.advanceAndFinish(40 * SECOND, 1, "late");
    expect((await ledger(h, "late")).map((e) => [ms(e.scheduledAt), e.status])).toEqual([
      [T0 + 2 * MINUTE, "completed"],
    ]);
    expect(h.errors).toEqual([]);
  });

  it("an unknown trigger is TriggerNotFound naming the nearest", async () => {
    const h = harness();
    h.poll(
      "hourly_market",
      h.dag("market", () => 1),
      "0 * * * *",
    );
    const error = await rejection(h.manager().activate("hourly_markt"));
    expect(error).toBeInstanceOf(TriggerNotFound);
    expect((error as TriggerNotFound).nearest).toEqual(["hourly_market"]);
    expect(await h.store.listActivations()).toEqual([]);
  });

  it("a trigger whose DAG is not registered is NsrefNotFound at activate, and nothing is stored", async () => {
    const h = harness();
    h.dag("market", () => 1);
    h.poll("t", "market:dga", "0 * * * *");
    const error = await rejection(h.manager().activate("t"));
    expect(error).toBeInstanceOf(NsrefNotFound);
    expect((error as NsrefNotFound).nsref).toBe("market:dga");
    expect((error as NsrefNotFound).nearest).toContain("market:dag");
    expect(await h.store.getActivation("t")).toBeUndefined();
  });
});

describe("start and stop", () => {
  it("start() twice is ManagerAlreadyStarted", async () => {
    const h = harness();
    const manager = h.manager();
    await manager.start();
    const error = await rejection(manager.start());
    expect(error).toBeInstanceOf(ManagerAlreadyStarted);
    expect((error as Error).message).toContain("already started");
    expect(manager.started).toBe(true);
  });

  it("stop() before start() resolves without error (a documented no-op), and start() still works", async () => {
    const h = harness();
    const dag = h.dag("market", () => 1);
    h.poll("t", dag, "* * * * *");
    const manager = h.manager();
    await expect(manager.stop()).resolves.toBeUndefined();
    expect(manager.started).toBe(false);
    await manager.activate("t");
    await manager.start();
    await h.advanceAndFinish(MINUTE, 1);
    expect((await h.store.getEvents("t"))[0]?.status).toBe("completed");
  });

  it("a poll that answers after stop() was called starts no run; the tick stays owed to the next start()", async () => {
    const h = harness();
    let calls = 0;
    const dag = h.dag("queue", () => {
      calls += 1;
      return 1;
    });
    const answers: ((value: Record<string, unknown>) => void)[] = [];
    h.poll("t", dag, "* * * * *", {
      pollFn: () => new Promise<Record<string, unknown>>((resolve) => answers.push(resolve)),
    });
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(() => answers.length === 1, "the poll");
    const stopping = manager.stop({ graceMs: 1_000 });
    answers[0]?.({ order: 1 });
    await stopping;
    for (let i = 0; i < 20; i++) await turn();
    expect(calls).toBe(0);
    expect(await h.store.getEvents("t")).toEqual([]);
    expect(h.reported("fired")).toEqual([]);

    // Started again at 00:01:30: the tick of 00:01 was never dealt with, so the catch-up
    // policy (latest) fires it, polling again.
    await h.testClock.advance(30 * SECOND);
    await manager.start();
    await h.testClock.advance(0);
    await until(() => answers.length === 2, "the poll of the owed tick");
    answers[1]?.({ order: 2 });
    await h.reportedAtLeast(1, "finished");
    const rows = await ledger(h, "t");
    expect(rows.map((e) => [ms(e.scheduledAt), e.status, e.payload])).toEqual([
      [T0 + MINUTE, "completed", { order: 2 }],
    ]);
    expect(calls).toBe(1);
    expect(h.errors).toEqual([]);
  });

  it("after stop() no new fires happen as the clock advances", async () => {
    const h = harness();
    h.poll(
      "t",
      h.dag("market", () => 1),
      "* * * * *",
    );
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.advanceAndFinish(MINUTE, 1);
    await manager.stop();
    expect(manager.started).toBe(false);
    await h.testClock.advance(HOUR);
    for (let i = 0; i < 20; i++) await turn();
    expect(await h.store.getEvents("t")).toHaveLength(1);
    expect(h.reported("fired")).toHaveLength(1);
  });
});

describe("scheduled fires", () => {
  it('"*/5 * * * *" fires 288 times over a simulated day, each at exactly its instant', async () => {
    const h = harness();
    const ranAt: number[] = [];
    const dag = h.dag("market", () => {
      ranAt.push(h.clock.now());
      return { AAPL: 185 };
    });
    h.poll("five", dag, "*/5 * * * *");
    const manager = h.manager();
    await manager.activate("five");
    await manager.start();
    expect(manager.nextFireAt("five")).toEqual(new Date(T0 + 5 * MINUTE));

    // Minute by minute: a fire only on the fifth minute, at its instant.
    for (let minute = 1; minute <= 24 * 60; minute++) {
      await h.testClock.advance(MINUTE);
      if (minute % 5 === 0) await h.reportedAtLeast(minute / 5, "finished");
      if (minute === 5) {
        // After the first fire: its event row and the activation record.
        const [first] = await h.store.getEvents("five");
        expect(first).toMatchObject({
          status: "completed",
          scheduledAt: new Date(T0 + 5 * MINUTE),
          firedAt: new Date(T0 + 5 * MINUTE),
        });
        const record = await h.store.getActivation("five");
        expect(record?.lastRunId).toBe(first?.runId);
        expect(record?.lastRunAt).toEqual(new Date(T0 + 5 * MINUTE));
        expect(record?.nextRunAt).toEqual(new Date(T0 + 10 * MINUTE));
      }
    }

    const expected = Array.from({ length: 288 }, (_, k) => T0 + (k + 1) * 5 * MINUTE);
    expect(ranAt).toEqual(expected);
    const rows = await ledger(h, "five");
    expect(rows.map((e) => ms(e.scheduledAt))).toEqual(expected);
    expect(rows.map((e) => ms(e.firedAt))).toEqual(expected);
    expect(new Set(rows.map((e) => e.status))).toEqual(new Set(["completed"]));
    const runIds = rows.map((e) => e.runId);
    expect(runIds.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(runIds).size).toBe(288);
    expect(h.reported("fired").map((e) => ms(e.scheduledAt))).toEqual(expected);

    const record = await h.store.getActivation("five");
    expect(record?.lastRunId).toBe(rows.at(-1)?.runId);
    expect(record?.lastRunAt).toEqual(new Date(T0 + 24 * HOUR));
    expect(record?.nextRunAt).toEqual(new Date(T0 + 24 * HOUR + 5 * MINUTE));
    expect(manager.states()).toEqual({ five: "active" });
    expect(h.errors).toEqual([]);
  }, 60_000);

  it('"*/10 * * * * *" (6 fields) fires 360 times over a simulated hour, each at its instant', async () => {
    const h = harness();
    const ranAt: number[] = [];
    const dag = h.dag("market", () => {
      ranAt.push(h.clock.now());
      return 1;
    });
    h.poll("ten_seconds", dag, "*/10 * * * * *");
    const manager = h.manager();
    await manager.activate("ten_seconds");
    await manager.start();
    for (let second = 1; second <= 3600; second++) {
      await h.testClock.advance(SECOND);
      if (second % 10 === 0) await h.reportedAtLeast(second / 10, "finished");
    }
    const expected = Array.from({ length: 360 }, (_, k) => T0 + (k + 1) * 10 * SECOND);
    expect(ranAt).toEqual(expected);
    const rows = await ledger(h, "ten_seconds");
    expect(rows.map((e) => ms(e.scheduledAt))).toEqual(expected);
    expect(rows.map((e) => ms(e.firedAt))).toEqual(expected);
    expect(rows.every((e) => e.status === "completed")).toBe(true);
    expect(h.errors).toEqual([]);
  }, 60_000);

  it("with DagProvenance each fire's run is recorded under the event's run id", async () => {
    const h = harness({ provenance: true });
    const dag = h.dag("market", () => ({ AAPL: 185, GOOG: 140 }));
    h.poll("t", dag, "0 * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    for (let i = 1; i <= 3; i++) await h.advanceAndFinish(HOUR, i);
    const rows = await ledger(h, "t");
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const run = await h.provenance?.getRun(row.runId as string, { values: true });
      expect(run).toMatchObject({
        runId: row.runId,
        dagNsref: "market:dag",
        status: "completed",
        outputs: { fn: { AAPL: 185, GOOG: 140 } },
      });
    }
    const record = await h.store.getActivation("t");
    expect(record?.lastRunId).toBe(rows.at(-1)?.runId);
  });

  it("no drift after 10,000 every-second ticks: exact, consecutive seconds, no gaps, no duplicates", async () => {
    const h = harness();
    let calls = 0;
    const dag = h.dag("noop", () => {
      calls += 1;
      return null;
    });
    h.poll("every_second", dag, "* * * * * *");
    // A lease longer than the simulated span: no heartbeat commits (kept fast).
    const manager = h.manager({ leaseMs: 24 * HOUR });
    await manager.activate("every_second");
    await manager.start();
    const N = 10_000;
    for (let i = 1; i <= N; i++) await h.advanceAndFinish(SECOND, i);
    const rows = await ledger(h, "every_second");
    expect(rows).toHaveLength(N);
    expect(calls).toBe(N);
    let previous = T0;
    for (const row of rows) {
      const at = ms(row.scheduledAt) as number;
      // Each tick exactly one second after the one before: no gap, no duplicate, no drift.
      if (at !== previous + SECOND || at % SECOND !== 0 || row.status !== "completed") {
        throw new Error(`tick after ${new Date(previous).toISOString()}: ${JSON.stringify(row)}`);
      }
      previous = at;
    }
    expect(previous).toBe(T0 + N * SECOND);
    expect((await h.store.getActivation("every_second"))?.nextRunAt).toEqual(
      new Date(T0 + (N + 1) * SECOND),
    );
    expect(h.errors).toEqual([]);
  }, 120_000);
});

describe("poll functions", () => {
  it("an empty poll is called once per tick, records poll_empty, and the schedule moves on", async () => {
    const h = harness();
    let calls = 0;
    const polledAt: number[] = [];
    const dag = h.dag("queue", () => {
      calls += 1;
      return 1;
    });
    h.poll("queue_check", dag, "* * * * *", {
      pollFn: () => {
        polledAt.push(h.clock.now());
        return null;
      },
    });
    const manager = h.manager();
    await manager.activate("queue_check");
    await manager.start();
    // In 10-second steps: an empty poll must not be retried before the next tick.
    for (let step = 1; step <= 30; step++) {
      await h.testClock.advance(10 * SECOND);
      if (step % 6 === 0) await h.reportedAtLeast(step / 6, "poll_empty");
    }
    for (let i = 0; i < 10; i++) await turn();
    const ticks = Array.from({ length: 5 }, (_, k) => T0 + (k + 1) * MINUTE);
    expect(polledAt).toEqual(ticks);
    expect(calls).toBe(0);
    const rows = await ledger(h, "queue_check");
    expect(rows.map((e) => [ms(e.scheduledAt), e.status, e.runId])).toEqual(
      ticks.map((t) => [t, "poll_empty", undefined]),
    );
    const record = await h.store.getActivation("queue_check");
    expect(record?.status).toBe("active");
    expect(record?.lastRunId).toBeUndefined();
    expect(record?.nextRunAt).toEqual(new Date(T0 + 6 * MINUTE));
    expect(manager.states()).toEqual({ queue_check: "active" });
    expect(h.errors).toEqual([]);
  });

  it("a poll that returns an object fires with it as the payload; the source node receives it", async () => {
    const h = harness({ provenance: true });
    const received: unknown[] = [];
    const dag = h.dag("orders", (input: { message: string }) => {
      received.push(input);
      return `processed ${input.message}`;
    });
    let polls = 0;
    h.poll("queue_check", dag, "*/10 * * * * *", {
      pollFn: async () => {
        polls += 1;
        return polls === 2 ? { message: "new order" } : null;
      },
    });
    const manager = h.manager();
    await manager.activate("queue_check");
    await manager.start();
    await h.testClock.advance(10 * SECOND);
    await h.reportedAtLeast(1, "poll_empty");
    await h.advanceAndFinish(10 * SECOND, 1);
    expect(received).toEqual([{ message: "new order" }]);
    const rows = await ledger(h, "queue_check");
    expect(rows.map((e) => [e.status, e.payload])).toEqual([
      ["poll_empty", null],
      ["completed", { message: "new order" }],
    ]);
    const run = await h.provenance?.getRun(rows[1]?.runId as string, { values: true });
    expect(run?.input).toEqual({ message: "new order" });
    expect(run?.outputs).toEqual({ fn: "processed new order" });
    expect(h.errors).toEqual([]);
  });

  it.each([
    ["a number", 42, "returned a number"],
    ["a string", "new order", "returned a string"],
    ["an array", [1, 2], "returned an array"],
    ["a boolean", true, "returned a boolean"],
  ])(
    "a poll that returns %s is poll_failed saying an object or null is expected; the trigger fires at its next tick",
    async (_what, value, says) => {
      const h = harness();
      let calls = 0;
      const dag = h.dag("queue", () => {
        calls += 1;
        return 1;
      });
      let polls = 0;
      h.poll("queue_check", dag, "* * * * *", {
        pollFn: () => {
          polls += 1;
          return (polls === 1 ? value : { message: "ok" }) as Record<string, unknown>;
        },
      });
      const manager = h.manager();
      await manager.activate("queue_check");
      await manager.start();
      await h.testClock.advance(MINUTE);
      await h.reportedAtLeast(1, "poll_failed");
      const [failed] = await h.store.getEvents("queue_check");
      expect(failed).toMatchObject({
        status: "poll_failed",
        scheduledAt: new Date(T0 + MINUTE),
        runId: undefined,
      });
      expect(failed?.error).toContain(says);
      expect(failed?.error).toMatch(/return an object .*or null/);
      expect(h.reported("poll_failed")[0]?.error).toBe(failed?.error);
      expect(manager.states()).toEqual({ queue_check: "active" });
      expect((await h.store.getActivation("queue_check"))?.status).toBe("active");

      await h.advanceAndFinish(MINUTE, 1);
      const rows = await ledger(h, "queue_check");
      expect(rows.map((e) => [ms(e.scheduledAt), e.status])).toEqual([
        [T0 + MINUTE, "poll_failed"],
        [T0 + 2 * MINUTE, "completed"],
      ]);
      expect(calls).toBe(1);
      expect(h.errors).toEqual([]);
    },
  );

  it.each([
    [
      "throws",
      () => {
        throw new Error("queue unreachable");
      },
    ],
    ["rejects", () => Promise.reject(new Error("queue unreachable"))],
  ])(
    "a poll that %s is poll_failed with the error; the trigger stays active",
    async (_how, failing) => {
      const h = harness();
      const dag = h.dag("queue", () => 1);
      let polls = 0;
      h.poll("queue_check", dag, "* * * * *", {
        pollFn: () => {
          polls += 1;
          return polls === 1 ? failing() : { message: "ok" };
        },
      });
      const manager = h.manager();
      await manager.activate("queue_check");
      await manager.start();
      await h.testClock.advance(MINUTE);
      await h.reportedAtLeast(1, "poll_failed");
      const [failed] = await h.store.getEvents("queue_check");
      expect(failed?.status).toBe("poll_failed");
      expect(failed?.error).toContain("queue unreachable");
      expect(manager.states()).toEqual({ queue_check: "active" });
      await h.advanceAndFinish(MINUTE, 1);
      expect((await h.store.getEvents("queue_check"))[0]?.status).toBe("completed");
      expect(h.errors).toEqual([]);
    },
  );

  it("a poll that hangs past pollTimeout (on the injected clock) is poll_failed and its signal aborts", async () => {
    const h = harness();
    const dag = h.dag("queue", () => 1);
    const signals: AbortSignal[] = [];
    h.poll("queue_check", dag, "*/30 * * * * *", {
      pollTimeout: 5_000,
      pollFn: (signal) => {
        signals.push(signal);
        // The first poll never answers; the second does at once.
        return signals.length === 1 ? new Promise(() => {}) : { message: "ok" };
      },
    });
    const manager = h.manager();
    await manager.activate("queue_check");
    await manager.start();
    await h.testClock.advance(30 * SECOND);
    expect(signals).toHaveLength(1);
    await h.testClock.advance(4_999);
    for (let i = 0; i < 10; i++) await turn();
    expect(h.reported("poll_failed")).toHaveLength(0);
    expect(signals[0]?.aborted).toBe(false);

    await h.testClock.advance(1);
    await h.reportedAtLeast(1, "poll_failed");
    expect(signals[0]?.aborted).toBe(true);
    const [failed] = await h.store.getEvents("queue_check");
    expect(failed).toMatchObject({
      status: "poll_failed",
      scheduledAt: new Date(T0 + 30 * SECOND),
      firedAt: new Date(T0 + 35 * SECOND),
    });
    expect(failed?.error).toContain("did not answer within 5000 ms");
    expect(manager.states()).toEqual({ queue_check: "active" });

    await h.advanceAndFinish(25 * SECOND, 1);
    const rows = await ledger(h, "queue_check");
    expect(rows.map((e) => [ms(e.scheduledAt), e.status])).toEqual([
      [T0 + 30 * SECOND, "poll_failed"],
      [T0 + 60 * SECOND, "completed"],
    ]);
    expect(h.errors).toEqual([]);
  });

  it("a poll slower than the tick interval records each tick once, with one poll in flight", async () => {
    // Regression: a tick handed to the poll but not yet stepped was also queued as a
    // "late" tick by the next wake, so the same tick was written twice (the second row
    // refused by the unique key, failing its whole group commit). And (issue 14, 3c) the
    // ticks due while the poll is pending are not queued one per wake: when it settles
    // they are planned as late ticks (the latest polled, earlier ones missed).
    const h = harness();
    const dag = h.dag("queue", () => 1);
    const answers: ((value: null) => void)[] = [];
    let calls = 0;
    h.poll("slow", dag, "* * * * * *", {
      pollFn: () => {
        calls += 1;
        return new Promise<null>((resolve) => answers.push(resolve));
      },
    });
    const manager = h.manager();
    await manager.activate("slow");
    await manager.start();
    await h.testClock.advance(SECOND);
    await h.testClock.advance(SECOND);
    await h.testClock.advance(SECOND);
    expect(calls).toBe(1);
    for (let answered = 0; answered < 2; answered++) {
      await until(() => answers.length > 0, "a poll");
      answers.shift()?.(null);
      await h.reportedAtLeast(answered + 1, "poll_empty");
    }
    const rows = await ledger(h, "slow");
    expect(rows.map((e) => [ms(e.scheduledAt), e.status])).toEqual([
      [T0 + SECOND, "poll_empty"],
      [T0 + 2 * SECOND, "missed"],
      [T0 + 3 * SECOND, "poll_empty"],
    ]);
    expect(calls).toBe(2);
    expect(h.errors).toEqual([]);
  });
});

/** A DAG whose every run blocks on its own gate, opened by the test. */
const gatedDag = (h: Harness, branch: string) => {
  const gates: Gate[] = [];
  let running = 0;
  const stats = { started: 0, maxConcurrent: 0 };
  const nsref = h.dag(branch, async () => {
    const g = gate();
    gates.push(g);
    stats.started += 1;
    running += 1;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, running);
    try {
      await g.promise;
    } finally {
      running -= 1;
    }
    return stats.started;
  });
  return { nsref, gates, stats };
};

describe("overlap", () => {
  it('"skip": ticks that come while the DAG runs are recorded skipped_overlap', async () => {
    const h = harness();
    const { nsref, gates, stats } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(() => gates.length === 1, "the first run");
    expect(manager.states()).toEqual({ t: "firing" });
    await h.testClock.advance(MINUTE);
    await h.reportedAtLeast(1, "skipped_overlap");
    await h.testClock.advance(MINUTE);
    await h.reportedAtLeast(2, "skipped_overlap");
    expect((await h.store.getEvents("t", { limit: 1 }))[0]?.status).toBe("skipped_overlap");

    gates[0]?.open();
    await h.reportedAtLeast(1, "finished");
    expect(manager.states()).toEqual({ t: "active" });
    await h.testClock.advance(MINUTE);
    await until(() => gates.length === 2, "the fourth tick's run");
    gates[1]?.open();
    await h.reportedAtLeast(2, "finished");

    const rows = await ledger(h, "t");
    expect(rows.map((e) => [ms(e.scheduledAt), e.status, e.runId === undefined])).toEqual([
      [T0 + MINUTE, "completed", false],
      [T0 + 2 * MINUTE, "skipped_overlap", true],
      [T0 + 3 * MINUTE, "skipped_overlap", true],
      [T0 + 4 * MINUTE, "completed", false],
    ]);
    expect(stats.maxConcurrent).toBe(1);
    expect(h.errors).toEqual([]);
  });

  it('"bufferOne": one tick is kept (buffered, then running, then completed), later ones skipped', async () => {
    const h = harness();
    const { nsref, gates, stats } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *", { overlap: "bufferOne" });
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(() => gates.length === 1, "the first run");
    await h.testClock.advance(MINUTE);
    await h.reportedAtLeast(1, "buffered");
    await h.testClock.advance(MINUTE);
    await h.reportedAtLeast(1, "skipped_overlap");

    const statusOf = async (tick: number) =>
      (await ledger(h, "t")).find((e) => ms(e.scheduledAt) === tick);
    const kept = await statusOf(T0 + 2 * MINUTE);
    expect(kept?.status).toBe("buffered");
    expect(kept?.runId).toBeDefined();
    expect((await statusOf(T0 + 3 * MINUTE))?.status).toBe("skipped_overlap");

    // The first run ends at 00:03:30: the kept tick starts at once, then.
    await h.testClock.advance(30 * SECOND);
    gates[0]?.open();
    await until(() => gates.length === 2, "the kept tick's run");
    const running = await statusOf(T0 + 2 * MINUTE);
    expect(running?.status).toBe("running");
    expect(running?.runId).toBe(kept?.runId);
    expect(running?.firedAt).toEqual(new Date(T0 + 3 * MINUTE + 30 * SECOND));
    expect(manager.states()).toEqual({ t: "firing" });

    gates[1]?.open();
    await h.reportedAtLeast(2, "finished");
    // By tick (the kept tick's fired_at moved to when its run started, so by fired_at it
    // now comes after the skipped one).
    const rows = (await ledger(h, "t")).sort(
      (a, b) => (ms(a.scheduledAt) ?? 0) - (ms(b.scheduledAt) ?? 0),
    );
    expect(rows.map((e) => [ms(e.scheduledAt), e.status])).toEqual([
      [T0 + MINUTE, "completed"],
      [T0 + 2 * MINUTE, "completed"],
      [T0 + 3 * MINUTE, "skipped_overlap"],
    ]);
    expect((await h.store.getEvents("t")).map((e) => ms(e.scheduledAt))).toEqual([
      T0 + 2 * MINUTE,
      T0 + 3 * MINUTE,
      T0 + MINUTE,
    ]);
    expect((await h.store.getActivation("t"))?.lastRunId).toBe(kept?.runId);
    expect(stats.maxConcurrent).toBe(1);
    expect(manager.states()).toEqual({ t: "active" });
    expect(h.errors).toEqual([]);
  });

  it('"bufferOne": deactivating drops the kept tick (cancelled) and lets the run in flight finish', async () => {
    const h = harness();
    const { nsref, gates } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *", { overlap: "bufferOne" });
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(() => gates.length === 1, "the first run");
    await h.testClock.advance(MINUTE);
    await h.reportedAtLeast(1, "buffered");
    await manager.deactivate("t");
    gates[0]?.open();
    await h.reportedAtLeast(1, "finished");
    await h.testClock.advance(10 * MINUTE);
    for (let i = 0; i < 10; i++) await turn();
    const rows = await ledger(h, "t");
    expect(rows.map((e) => [ms(e.scheduledAt), e.status])).toEqual([
      [T0 + MINUTE, "completed"],
      [T0 + 2 * MINUTE, "cancelled"],
    ]);
    expect(gates).toHaveLength(1);
    expect(manager.states()).toEqual({ t: "disabled" });
    expect(h.errors).toEqual([]);
  });
});

describe("deactivate", () => {
  it("stops fires at once; status disabled; re-activation keeps the history", async () => {
    const h = harness();
    let calls = 0;
    const dag = h.dag("market", () => {
      calls += 1;
      return 1;
    });
    h.poll("t", dag, "* * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.advanceAndFinish(MINUTE, 1);
    await h.advanceAndFinish(MINUTE, 2);
    const before = await ledger(h, "t");

    await manager.deactivate("t");
    const disabled = await h.store.getActivation("t");
    expect(disabled?.status).toBe("disabled");
    expect(disabled?.nextRunAt).toBeUndefined();
    expect(manager.states()).toEqual({ t: "disabled" });
    expect(manager.nextFireAt("t")).toBeUndefined();

    // The next tick is due right now: nothing fires, nor in the hour after.
    for (let i = 0; i < 60; i++) await h.testClock.advance(MINUTE);
    for (let i = 0; i < 10; i++) await turn();
    expect(calls).toBe(2);
    expect(await ledger(h, "t")).toEqual(before);
    await expect(manager.fire("t")).rejects.toBeInstanceOf(TriggerNotActive);

    // Re-activated at 01:02:20: the history is kept, the record too, and fires resume at
    // the next tick after re-activation (ticks while disabled are not owed).
    await h.testClock.advance(20 * SECOND);
    await manager.activate("t");
    const again = await h.store.getActivation("t");
    expect(again?.status).toBe("active");
    expect(again?.createdAt).toEqual(new Date(T0));
    expect(again?.lastRunId).toBe(before.at(-1)?.runId);
    expect(manager.nextFireAt("t")).toEqual(new Date(T0 + 63 * MINUTE));
    await h.advanceAndFinish(40 * SECOND, 3);
    const rows = await ledger(h, "t");
    expect(rows.slice(0, 2)).toEqual(before);
    expect(rows.map((e) => [ms(e.scheduledAt), e.status])).toEqual([
      [T0 + MINUTE, "completed"],
      [T0 + 2 * MINUTE, "completed"],
      [T0 + 63 * MINUTE, "completed"],
    ]);
    expect(h.errors).toEqual([]);
  });

  it("a run in flight at deactivation finishes and is recorded; nothing fires after it", async () => {
    const h = harness();
    const { nsref, gates } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(() => gates.length === 1, "the run");
    await manager.deactivate("t");
    expect((await h.store.getActivation("t"))?.status).toBe("disabled");
    await h.testClock.advance(MINUTE);
    gates[0]?.open();
    await h.reportedAtLeast(1, "finished");
    await h.testClock.advance(10 * MINUTE);
    for (let i = 0; i < 10; i++) await turn();
    const rows = await ledger(h, "t");
    expect(rows.map((e) => [ms(e.scheduledAt), e.status])).toEqual([[T0 + MINUTE, "completed"]]);
    expect((await h.store.getActivation("t"))?.lastRunId).toBe(rows[0]?.runId);
    expect(manager.states()).toEqual({ t: "disabled" });
  });

  it("during a pending poll: deactivate waits for that poll, whose tick still fires; nothing after", async () => {
    // Documented behaviour: a tick whose poll has begun is already under way, like a run
    // in flight. deactivate() resolves once that tick is dealt with (here: it fires),
    // which can take up to pollTimeout; after it resolves nothing fires.
    const h = harness();
    let calls = 0;
    const dag = h.dag("queue", () => {
      calls += 1;
      return 1;
    });
    const answers: ((value: Record<string, unknown>) => void)[] = [];
    h.poll("t", dag, "* * * * *", {
      pollFn: () => new Promise<Record<string, unknown>>((resolve) => answers.push(resolve)),
    });
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(() => answers.length === 1, "the poll");
    let deactivated = false;
    const deactivating = manager.deactivate("t").then(() => {
      deactivated = true;
    });
    for (let i = 0; i < 10; i++) await turn();
    expect(deactivated).toBe(false);
    answers[0]?.({ order: 1 });
    await deactivating;
    await h.reportedAtLeast(1, "finished");
    expect(calls).toBe(1);
    for (let i = 0; i < 10; i++) await h.testClock.advance(MINUTE);
    for (let i = 0; i < 10; i++) await turn();
    expect(answers).toHaveLength(1);
    expect(calls).toBe(1);
    expect((await h.store.getEvents("t")).map((e) => e.status)).toEqual(["completed"]);
    expect(manager.states()).toEqual({ t: "disabled" });
  });

  it("deactivating a trigger never activated is TriggerNotFound", async () => {
    const h = harness();
    h.poll(
      "t",
      h.dag("market", () => 1),
      "* * * * *",
    );
    await expect(h.manager().deactivate("t")).rejects.toBeInstanceOf(TriggerNotFound);
  });
});

describe("a failing DAG", () => {
  it("records the event failed with the error; the trigger stays active and fires at its next tick", async () => {
    const h = harness({ provenance: true });
    let calls = 0;
    const dag = h.dag("market", () => {
      calls += 1;
      if (calls === 1) throw new Error("price feed down");
      return 1;
    });
    h.poll("t", dag, "* * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.advanceAndFinish(MINUTE, 1);
    const [failed] = await h.store.getEvents("t");
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toContain("price feed down");
    expect(h.reported("finished")[0]?.status).toBe("failed");
    expect(manager.states()).toEqual({ t: "active" });
    const record = await h.store.getActivation("t");
    expect(record?.status).toBe("active");
    expect(record?.lastRunId).toBe(failed?.runId);
    expect((await h.provenance?.getRun(failed?.runId as string))?.status).toBe("failed");

    await h.advanceAndFinish(MINUTE, 2);
    const rows = await ledger(h, "t");
    expect(rows.map((e) => [ms(e.scheduledAt), e.status])).toEqual([
      [T0 + MINUTE, "failed"],
      [T0 + 2 * MINUTE, "completed"],
    ]);
    expect(h.errors).toEqual([]);
  });
});

describe("manager.fire (push)", () => {
  const pushSetup = (
    h: Harness,
    options: { schema?: boolean } = {},
  ): { received: unknown[]; manager: ReturnType<Harness["manager"]> } => {
    const received: unknown[] = [];
    const dag = h.dag(
      "orders",
      (input: { orderId: number }) => {
        received.push(input);
        return { handled: input.orderId };
      },
      options.schema ? { input: Schema.Struct({ orderId: Schema.Number }) } : {},
    );
    h.ns.registerTrigger({ name: "orders", dagNsref: dag, triggerType: "push" });
    return { received, manager: h.manager() };
  };

  it("resolves to the DagRunResult; the payload reaches the source; the event is recorded", async () => {
    const h = harness({ provenance: true });
    const { received, manager } = pushSetup(h);
    await manager.activate("orders");
    await manager.start();
    const result = await manager.fire("orders", { orderId: 42 });
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ fn: { handled: 42 } });
    expect(received).toEqual([{ orderId: 42 }]);
    const [event] = await h.store.getEvents("orders");
    expect(event).toMatchObject({
      status: "completed",
      runId: result.runId,
      payload: { orderId: 42 },
      scheduledAt: undefined,
      firedAt: new Date(T0),
    });
    expect((await h.store.getActivation("orders"))?.lastRunId).toBe(result.runId);
    expect((await h.provenance?.getRun(result.runId))?.status).toBe("completed");
    expect(h.errors).toEqual([]);
  });

  it("works on an activated trigger before start() (documented: fire needs activation, not start)", async () => {
    const h = harness();
    const { received, manager } = pushSetup(h);
    await manager.activate("orders");
    const result = await manager.fire("orders", { orderId: 7 });
    expect(result.status).toBe("completed");
    expect(received).toEqual([{ orderId: 7 }]);
  });

  it("a poll trigger can be fired by hand", async () => {
    const h = harness();
    const received: unknown[] = [];
    const dag = h.dag("market", (input: unknown) => {
      received.push(input);
      return 1;
    });
    h.poll("hourly", dag, "0 * * * *");
    const manager = h.manager();
    await manager.activate("hourly");
    await manager.start();
    const result = await manager.fire("hourly", { manual: true });
    expect(result.status).toBe("completed");
    expect(received).toEqual([{ manual: true }]);
    expect((await h.store.getEvents("hourly"))[0]?.scheduledAt).toBeUndefined();
  });

  it("a trigger never activated is TriggerNotActive naming status inactive", async () => {
    const h = harness();
    const { manager, received } = pushSetup(h);
    await manager.start();
    const error = await rejection(manager.fire("orders", { orderId: 1 }));
    expect(error).toBeInstanceOf(TriggerNotActive);
    expect((error as TriggerNotActive).status).toBe("inactive");
    expect((error as Error).message).toContain("inactive");
    expect(received).toEqual([]);
  });

  it("a disabled trigger is TriggerNotActive naming status disabled; nothing is recorded", async () => {
    const h = harness();
    const { manager, received } = pushSetup(h);
    await manager.activate("orders");
    await manager.start();
    await manager.deactivate("orders");
    const error = await rejection(manager.fire("orders", { orderId: 1 }));
    expect(error).toBeInstanceOf(TriggerNotActive);
    expect((error as TriggerNotActive).status).toBe("disabled");
    expect((error as Error).message).toContain("disabled");
    expect(received).toEqual([]);
    expect(await h.store.getEvents("orders")).toEqual([]);
  });

  it("an unknown trigger is TriggerNotFound", async () => {
    const h = harness();
    const { manager } = pushSetup(h);
    await expect(manager.fire("order", {})).rejects.toBeInstanceOf(TriggerNotFound);
  });

  it("a payload failing the source's input schema is PayloadInvalid, and nothing is recorded or run", async () => {
    const h = harness({ provenance: true });
    const { manager, received } = pushSetup(h, { schema: true });
    await manager.activate("orders");
    await manager.start();
    const error = await rejection(manager.fire("orders", { orderId: "forty-two" }));
    expect(error).toBeInstanceOf(PayloadInvalid);
    expect((error as PayloadInvalid).nodeLabel).toBe("fn");
    expect((error as PayloadInvalid).field).toBe("orderId");
    expect((error as Error).message).toContain("Nothing was fired");
    const missing = await rejection(manager.fire("orders", {}));
    expect(missing).toBeInstanceOf(PayloadInvalid);
    expect((missing as PayloadInvalid).field).toBe("orderId");
    expect(received).toEqual([]);
    expect(await h.store.getEvents("orders")).toEqual([]);
    expect(await h.provenance?.getRecentRuns()).toEqual([]);
    expect(manager.states()).toEqual({ orders: "active" });
  });

  it("payload keys matching no input: dropped by a source's schema, passed whole without one", async () => {
    // Documented behaviour: a source node receives the payload object. With an input
    // schema (an effect Struct) keys it does not name are dropped before the call; without
    // one the source receives every key. The ledger keeps the payload as pushed.
    const withSchema = harness();
    const a = pushSetup(withSchema, { schema: true });
    await a.manager.activate("orders");
    const first = await a.manager.fire("orders", { orderId: 1, note: "gift wrap" });
    expect(first.status).toBe("completed");
    expect(a.received).toEqual([{ orderId: 1 }]);
    expect((await withSchema.store.getEvents("orders"))[0]?.payload).toEqual({
      orderId: 1,
      note: "gift wrap",
    });

    const withoutSchema = harness();
    const b = pushSetup(withoutSchema);
    await b.manager.activate("orders");
    await b.manager.fire("orders", { orderId: 2, note: "gift wrap" });
    expect(b.received).toEqual([{ orderId: 2, note: "gift wrap" }]);
  });

  it('a push while the last fire runs (overlap "skip") is TriggerBusy, recorded skipped_overlap', async () => {
    const h = harness();
    const { nsref, gates } = gatedDag(h, "slow");
    h.ns.registerTrigger({ name: "orders", dagNsref: nsref, triggerType: "push" });
    const manager = h.manager();
    await manager.activate("orders");
    const first = manager.fire("orders", { n: 1 });
    await until(() => gates.length === 1, "the first run");
    const second = await rejection(manager.fire("orders", { n: 2 }));
    expect((second as { _tag?: string })._tag).toBe("TriggerBusy");
    gates[0]?.open();
    expect((await first).status).toBe("completed");
    const rows = await ledger(h, "orders");
    expect(rows.map((e) => [e.status, e.payload])).toEqual([
      ["completed", { n: 1 }],
      ["skipped_overlap", { n: 2 }],
    ]);
  });
});

describe("push with overlap bufferOne", () => {
  it("a push while firing is kept and its fire() resolves when its own run ends; a third is TriggerBusy", async () => {
    const h = harness();
    const { nsref, gates } = gatedDag(h, "slow");
    h.ns.registerTrigger({
      name: "orders",
      dagNsref: nsref,
      triggerType: "push",
      overlap: "bufferOne",
    });
    const manager = h.manager();
    await manager.activate("orders");
    const first = manager.fire("orders", { n: 1 });
    await until(() => gates.length === 1, "the first run");
    let secondDone = false;
    const second = manager.fire("orders", { n: 2 }).then((result) => {
      secondDone = true;
      return result;
    });
    await h.reportedAtLeast(1, "buffered");
    const third = await rejection(manager.fire("orders", { n: 3 }));
    expect((third as { _tag?: string })._tag).toBe("TriggerBusy");
    gates[0]?.open();
    expect((await first).status).toBe("completed");
    await until(() => gates.length === 2, "the kept push's run");
    for (let i = 0; i < 10; i++) await turn();
    expect(secondDone).toBe(false);
    gates[1]?.open();
    const result = await second;
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ fn: 2 });
    const rows = await h.store.getEvents("orders");
    expect(rows.map((e) => `${e.status} ${JSON.stringify(e.payload)}`).sort()).toEqual([
      'completed {"n":1}',
      'completed {"n":2}',
      'skipped_overlap {"n":3}',
    ]);
    expect(h.errors).toEqual([]);
  });
});

describe("concurrency", () => {
  it("triggers fire concurrently with each other; each runs one fire at a time", async () => {
    const h = harness();
    const a = gatedDag(h, "alpha");
    const b = gatedDag(h, "beta");
    h.poll("a", a.nsref, "* * * * *");
    h.poll("b", b.nsref, "* * * * *");
    const manager = h.manager();
    await manager.activate("a");
    await manager.activate("b");
    await manager.start();
    await h.testClock.advance(MINUTE);
    // Both long runs are in flight at once: neither waits for the other.
    await until(() => a.gates.length === 1 && b.gates.length === 1, "both runs to start");
    expect(manager.states()).toEqual({ a: "firing", b: "firing" });
    // A second tick for each while both run: neither starts a second run.
    await h.testClock.advance(MINUTE);
    await h.reportedAtLeast(2, "skipped_overlap");
    expect(a.stats.started).toBe(1);
    expect(b.stats.started).toBe(1);
    b.gates[0]?.open();
    await h.reportedAtLeast(1, "finished", "b");
    expect(manager.states()).toEqual({ a: "firing", b: "active" });
    a.gates[0]?.open();
    await h.reportedAtLeast(1, "finished", "a");
    expect(a.stats.maxConcurrent).toBe(1);
    expect(b.stats.maxConcurrent).toBe(1);
    expect(h.errors).toEqual([]);
  });

  it("group commit: 50 triggers due at the same instant share their write-ahead commits", async () => {
    const h = harness();
    const release = gate();
    let started = 0;
    const dag = h.dag("shared", async () => {
      started += 1;
      await release.promise;
      return 1;
    });
    const names = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    for (const name of names) h.poll(name, dag, "* * * * *");
    // A lease far longer than the test: its heartbeat commits do not mix into the count.
    const manager = h.manager({ leaseMs: 24 * HOUR });
    for (const name of names) await manager.activate(name);
    await manager.start();
    for (let i = 0; i < 5; i++) await turn();

    const beforeStarts = h.store.store.commitCount;
    await h.testClock.advance(MINUTE);
    await h.reportedAtLeast(50, "fired");
    await until(() => started === 50, "50 runs to start");
    const startCommits = h.store.store.commitCount - beforeStarts;
    // The 50 write-ahead commits (ledger row, snapshot, journal, next_run_at each) are
    // requested in the same turn and flushed as one transaction (the code gives 1; 2
    // allows the next_run_at writes to land in a batch of their own). Separately they
    // would be at least 50.
    expect(startCommits).toBeGreaterThanOrEqual(1);
    expect(startCommits).toBeLessThanOrEqual(2);
    const running = await Promise.all(names.map(async (n) => (await ledger(h, n))[0]?.status));
    expect(running).toEqual(names.map(() => "running"));

    const beforeEnds = h.store.store.commitCount;
    release.open();
    await h.reportedAtLeast(50, "finished");
    const endCommits = h.store.store.commitCount - beforeEnds;
    expect(endCommits).toBeLessThan(50);
    const ended = await Promise.all(names.map(async (n) => (await ledger(h, n))[0]?.status));
    expect(ended).toEqual(names.map(() => "completed"));
    expect(h.errors).toEqual([]);
  });
});

describe("stop({ graceMs })", () => {
  it("interrupts a run that does not finish within the grace period (recorded interrupted)", async () => {
    const h = harness({ provenance: true });
    const signals: AbortSignal[] = [];
    const dag = h.dag("slow", (_input: unknown, ctx) => {
      signals.push(ctx.signal);
      return new Promise(() => {}); // never ends by itself
    });
    h.poll("t", dag, "* * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(() => signals.length === 1, "the run");
    const [event] = await h.store.getEvents("t");
    expect(event?.status).toBe("running");

    let stopped = false;
    const stopping = manager.stop({ graceMs: 5_000 }).then(() => {
      stopped = true;
    });
    await h.testClock.advance(4_999);
    for (let i = 0; i < 10; i++) await turn();
    expect(stopped).toBe(false);
    expect(signals[0]?.aborted).toBe(false);

    await h.testClock.advance(1);
    await stopping;
    expect(signals[0]?.aborted).toBe(true);
    const [after] = await h.store.getEvents("t");
    expect(after?.status).toBe("interrupted");
    expect((await h.provenance?.getRun(event?.runId as string))?.status).toBe("interrupted");
    // Documented: the machine stays `firing` so that the next start() resumes this run.
    expect(manager.states()).toEqual({ t: "firing" });
    expect(h.reported("finished")[0]?.status).toBe("interrupted");
  });

  it("lets a run that ends within the grace period complete", async () => {
    const h = harness({ provenance: true });
    const { nsref, gates } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(() => gates.length === 1, "the run");
    const stopping = manager.stop({ graceMs: 5_000 });
    await h.testClock.advance(2_000);
    gates[0]?.open();
    await stopping;
    const [event] = await h.store.getEvents("t");
    expect(event?.status).toBe("completed");
    expect((await h.provenance?.getRun(event?.runId as string))?.status).toBe("completed");
    expect(manager.states()).toEqual({ t: "active" });
  });
});
