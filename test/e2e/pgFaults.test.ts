/**
 * PostgreSQL faults around real supervisor processes: a URL that cannot be used, the
 * database going away mid-run (a TCP proxy between the supervisors and the server is
 * cut, then restored), and a supervisor paused (SIGSTOP) past its leases, then resumed.
 * After each, the ledger, the run history and the side-effect log must show nothing
 * doubled, nothing lost and nothing left running, and the processes must have lived
 * through it.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterEach, expect, it } from "vitest";
import { Dag, DagProvenance, Namespace, TriggerManager, TriggerStore } from "../../src/index.js";
import { DatabaseUnreachable } from "../../src/store/errors.js";
import { PgStore } from "../../src/store/PgStore.js";
import { describePg, pgUrl } from "../store/pgAvailable.js";
import { alive, exited, launchChild, logShows, ready, sleep } from "./fixtures/childProcesses.js";
import { errorsOf, nodeStarts, readLog } from "./fixtures/effectLog.js";
import { TcpProxy } from "./fixtures/tcpProxy.js";

const child = path.join(import.meta.dirname, "fixtures", "pgFaultChild.ts");
const LEASE_MS = 1_500;
const TICK_MS = 1_000;
const TRIGGERS = ["f1", "f2", "f3", "f4"];

// ---------------------------------------------------------------- helpers

/**
 * Starts a supervisor through `url` (nodes of about `nodeMs` each) and waits until it is
 * ready; the test's end kills it if it still runs.
 */
async function startSupervisor(
  url: string,
  schema: string,
  log: string,
  ownerId: string,
  nodeMs: number,
): Promise<ChildProcess> {
  const proc = launchChild(child, [url, schema, log, ownerId, String(LEASE_MS), String(nodeMs)]);
  children.push(proc);
  expect(await ready(proc, log)).toBe(true);
  return proc;
}

/**
 * Stops the supervisors gracefully (each must exit with 0), then reads the ledger up to
 * the stop (see {@link checkLedger}).
 */
async function stopAndCheck(db: PgStore, logFile: string, procs: readonly ChildProcess[]) {
  const until = Date.now();
  for (const proc of procs) proc.kill("SIGTERM");
  for (const proc of procs) expect(await exited(proc, 15_000)).toBe(0);
  return checkLedger(db, logFile, until);
}

/** A fresh schema, created and migrated directly (not through any proxy). */
async function freshDatabase(): Promise<{ schema: string; db: PgStore }> {
  const schema = `tf_e2e_${randomBytes(5).toString("hex")}`;
  const db = PgStore.connect(pgUrl, { schema, max: 2 });
  await db.ready();
  cleanups.push(async () => {
    // TICKFLOW_E2E_KEEP=1 keeps the schema for a post-mortem (its name is printed).
    if (process.env.TICKFLOW_E2E_KEEP === "1") console.log(`kept schema ${schema}`);
    else await db.query("drop schema", `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.close();
  });
  return { schema, db };
}

const cleanups: (() => Promise<void>)[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const proc of children.splice(0)) {
    if (alive(proc)) {
      proc.kill("SIGCONT");
      proc.kill("SIGKILL");
      await exited(proc, 5_000);
    }
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface LedgerFigures {
  ticks: number;
  runs: number;
  nodeTries: number;
  rerunNodes: number;
  resumedRuns: number;
}

/** A scheduled second without a ledger row (`none`), or whose row did not complete. */
interface TickProblem {
  readonly trigger: string;
  readonly at: string;
  readonly status: string;
}

/** Run history that disagrees with the ledger or the side-effect log. */
interface HistoryProblem {
  readonly runId: string;
  readonly what: string;
}

/**
 * Reads what must hold after a fault and a graceful stop, from the database and the log.
 * Asserted here (whatever the fault): no tick has two rows; no ledger row is left
 * running or buffered; every event's run exists; every run that did work has a ledger
 * row; each trigger's ticks reach the stop. Returned for the caller to assert:
 * - `ticks`: every trigger has one row per scheduled second from its first tick to
 *   `until`, each fired and completed (catch-up "all" with bufferOne fires every owed
 *   tick);
 * - `history`: no run left running; each event's status is its run's; no node try
 *   (run, node, attempt) was started twice, in one process or two; re-runs carry
 *   increasing attempts, the last the stored one; every node that ran is stored
 *   completed, and none is left running.
 */
async function checkLedger(
  db: PgStore,
  logFile: string,
  until: number,
): Promise<{ figures: LedgerFigures; ticks: TickProblem[]; history: HistoryProblem[] }> {
  const q = <R>(sql: string, params?: readonly unknown[]) => db.query<R>("check", sql, params);
  expect(
    await q(
      "SELECT trigger_name, scheduled_at, COUNT(*) AS n FROM trigger_events WHERE scheduled_at IS NOT NULL GROUP BY 1, 2 HAVING COUNT(*) > 1",
    ),
    "no tick has two rows",
  ).toEqual([]);
  const tickProblems: TickProblem[] = [];
  let ticks = 0;
  for (const name of TRIGGERS) {
    const rows = await q<{ scheduled_at: string; status: string }>(
      "SELECT scheduled_at, status FROM trigger_events WHERE trigger_name = $1 AND scheduled_at IS NOT NULL ORDER BY scheduled_at",
      [name],
    );
    expect(rows.length, name).toBeGreaterThan(5);
    const instants = rows.map((row) => Date.parse(row.scheduled_at));
    // Nothing lost at the end either: the last row is the tick due at the stop, or the
    // one before (the stop may come while its tick is being committed).
    expect(until - (instants.at(-1) as number), `${name}: last tick before the stop`).toBeLessThan(
      2 * TICK_MS + 500,
    );
    const byInstant = new Map(rows.map((row) => [Date.parse(row.scheduled_at), row.status]));
    for (let at = instants[0] as number; at <= (instants.at(-1) as number); at += TICK_MS) {
      const status = byInstant.get(at) ?? "none";
      if (status !== "completed") {
        tickProblems.push({ trigger: name, at: new Date(at).toISOString(), status });
      }
    }
    ticks += rows.length;
  }

  const history: HistoryProblem[] = [];
  for (const run of await q<{ run_id: string }>(
    "SELECT run_id FROM dag_runs WHERE status = 'running'",
  )) {
    history.push({ runId: run.run_id, what: "run left running" });
  }
  expect(
    await q("SELECT event_id, status FROM trigger_events WHERE status IN ('running', 'buffered')"),
  ).toEqual([]);
  const events = await q<{ event_id: string; status: string; run_id: string; run: string | null }>(
    "SELECT e.event_id, e.status, e.run_id, r.status AS run FROM trigger_events e LEFT JOIN dag_runs r ON r.run_id = e.run_id WHERE e.run_id IS NOT NULL",
  );
  for (const event of events) {
    expect(event.run, `run of event ${event.event_id}`).not.toBeNull();
    if (event.status !== event.run) {
      history.push({
        runId: event.run_id,
        what: `event ${event.status}, run ${event.run}`,
      });
    }
  }

  const nodes = await q<{ run_id: string; node_label: string; status: string; attempt: number }>(
    "SELECT run_id, node_label, status, attempt FROM node_executions",
  );
  for (const node of nodes.filter((n) => n.status === "running")) {
    history.push({ runId: node.run_id, what: `node ${node.node_label} left running` });
  }
  const stored = new Map(nodes.map((n) => [`${n.run_id} ${n.node_label}`, n]));
  const runIds = new Set(events.map((event) => event.run_id));
  const lines = readLog(logFile);
  for (const line of lines) {
    expect(runIds.has(line.runId), `run ${line.runId} has a ledger row`).toBe(true);
  }
  const { attempts: starts, pidsByTry: tries, resumedRuns } = nodeStarts(lines);
  for (const [tryKey, pids] of tries) {
    if (pids.length > 1) {
      const [runId, label, attempt] = tryKey.split(" ") as [string, string, string];
      history.push({ runId, what: `node ${label} try ${attempt} started by pids ${pids}` });
    }
  }
  let rerunNodes = 0;
  for (const [key, attempts] of starts) {
    const [runId, label] = key.split(" ") as [string, string];
    const node = stored.get(key);
    if (node?.status !== "completed" && node?.status !== "running") {
      history.push({ runId, what: `node ${label} ran but is stored ${node?.status}` });
    }
    const increasing = attempts.every((a, k) => k === 0 || a > (attempts[k - 1] as number));
    if (!increasing || attempts.at(-1) !== node?.attempt) {
      history.push({
        runId,
        what: `node ${label} tries ${attempts}, stored attempt ${node?.attempt}`,
      });
    }
    rerunNodes += attempts.length - 1;
  }
  return {
    figures: { ticks, runs: events.length, nodeTries: tries.size, rerunNodes, resumedRuns },
    ticks: tickProblems,
    history,
  };
}

interface Lease {
  trigger_name: string;
  owner_id: string;
  epoch: number;
  expires_at: string;
}

const leasesOf = (db: PgStore) =>
  db.query<Lease>(
    "leases",
    "SELECT trigger_name, owner_id, epoch, expires_at FROM trigger_leases ORDER BY trigger_name",
  );

// ---------------------------------------------------------------- tests

describePg("PostgreSQL faults", () => {
  it("a URL that cannot be used: start() rejects with DatabaseUnreachable naming host:port and the reason, never the password", async () => {
    const ns = new Namespace();
    const dag = new Dag();
    dag.node(async () => 1, { label: "a" });
    ns.register(dag, { nsref: "faults:one" });
    ns.registerTrigger({
      name: "t",
      dagNsref: "faults:one",
      triggerType: "poll",
      schedule: "* * * * * *",
    });
    const server = new URL(pgUrl);
    const onServer = (user: string, database: string) => {
      const url = new URL(pgUrl);
      url.username = user;
      url.password = "s3cret";
      url.pathname = `/${database}`;
      return url.toString();
    };
    const missing = `tf_missing_${randomBytes(4).toString("hex")}`;
    const cases = [
      // Nothing listens on port 1.
      {
        url: "postgres://bob:s3cret@127.0.0.1:1/test",
        at: "127.0.0.1:1/test",
        reason: /connection refused \(ECONNREFUSED\)/,
      },
      {
        url: "postgres://bob:s3cret@no-such-host.invalid:5432/test",
        at: "no-such-host.invalid:5432/test",
        reason: /unknown host \(ENOTFOUND|EAI_AGAIN\)/,
      },
      // The server answers, but the database does not exist (3D000).
      {
        url: onServer(server.username || "postgres", missing),
        at: `${server.hostname}:${server.port || 5432}/${missing}`,
        reason: new RegExp(`database "${missing}" does not exist \\(3D000\\)`),
      },
      // The local server trusts every connection (pg_hba.conf "trust"), so it cannot
      // turn a wrong password away: an unknown user (28000) takes the same path (an
      // authentication failure is 28P01 / 28000, both mapped to DatabaseUnreachable).
      {
        url: onServer(`tf_no_such_role_${randomBytes(3).toString("hex")}`, "test"),
        at: `${server.hostname}:${server.port || 5432}/test`,
        reason: /role "tf_no_such_role_\w+" does not exist \(28000\)/,
      },
    ];
    for (const { url, at, reason } of cases) {
      const store = new TriggerStore(url, { connectTimeoutMs: 2_000 });
      const manager = new TriggerManager({
        namespace: ns,
        store,
        provenance: new DagProvenance(store.pg as PgStore),
      });
      try {
        const error = await manager.start().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, url.replace("s3cret", "***")).toBeInstanceOf(DatabaseUnreachable);
        const unreachable = error as DatabaseUnreachable;
        expect(unreachable.message).toContain(`cannot reach PostgreSQL at ${at}: `);
        expect(unreachable.reason).toMatch(reason);
        expect(unreachable.location).not.toContain("s3cret");
        for (const text of [
          unreachable.message,
          JSON.stringify(unreachable),
          String(unreachable),
          inspect(unreachable, { depth: 10 }),
        ]) {
          expect(text).not.toContain("s3cret");
        }
        expect(manager.status().role).toBe("stopped");
      } finally {
        await manager.stop();
        await store.pg?.close();
      }
    }
  });

  it("the database going away mid-run (proxy cut for 2× the lease): no crash, firing resumes, nothing doubled or lost", async () => {
    const { schema, db } = await freshDatabase();
    const proxy = new TcpProxy(new URL(pgUrl).hostname, Number(new URL(pgUrl).port || 5432));
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const viaProxy = new URL(pgUrl);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const logFile = path.join(mkdtempSync(path.join(tmpdir(), "tickflow-pg-outage-")), "log");

    const a = await startSupervisor(viaProxy.toString(), schema, logFile, "A", 60);
    const b = await startSupervisor(viaProxy.toString(), schema, logFile, "B", 60);
    await sleep(4_000);
    const owners = new Set((await leasesOf(db)).map((l) => l.owner_id));
    expect(owners, "both supervisors own triggers before the outage").toEqual(new Set(["A", "B"]));

    // The outage: nothing listens, every open connection is cut. Both live through it.
    const cut = Date.now();
    await proxy.stop();
    while (Date.now() - cut < 2 * LEASE_MS) {
      expect(alive(a) && alive(b), "no supervisor crashed during the outage").toBe(true);
      await sleep(100);
    }
    await proxy.start();
    const restored = Date.now();

    // Firing resumes: every trigger gets rows fired after the outage.
    const resumed = await (async () => {
      for (let waited = 0; waited < 15_000; waited += 250) {
        const rows = await db.query<{ trigger_name: string }>(
          "fired since",
          "SELECT DISTINCT trigger_name FROM trigger_events WHERE fired_at > $1 AND status = 'completed'",
          [new Date(restored + TICK_MS).toISOString()],
        );
        if (rows.length === TRIGGERS.length) return Date.now() - restored;
        await sleep(250);
      }
      return undefined;
    })();
    expect(resumed, "every trigger fires again after the outage").toBeDefined();
    await sleep(3_000);
    expect(alive(a) && alive(b), "both supervisors still run").toBe(true);

    const { figures, ticks, history } = await stopAndCheck(db, logFile, [a, b]);
    // Nothing left running after the graceful stop; every run's status is its event's.
    const twice = (p: HistoryProblem) => /started by pids|tries/.test(p.what);
    expect(
      history.filter((p) => !twice(p)),
      "run history agrees with the ledger",
    ).toEqual([]);
    // A run cut off by the outage resumes when the database answers — but its history
    // writes are fenced by the trigger's lease, so if another supervisor claimed the
    // trigger meanwhile (and resumed the run), this one's resume is refused: no node try
    // runs twice.
    expect(history.filter(twice), "node tries started twice").toEqual([]);
    // Every tick outside the outage fired and completed.
    const inOutage = (t: TickProblem) =>
      Date.parse(t.at) >= cut - TICK_MS && Date.parse(t.at) <= restored + 2 * TICK_MS;
    expect(ticks.filter((t) => !inOutage(t))).toEqual([]);
    // Every second of the outage has a row, fired (catch-up "all"): a tick whose commit
    // found the database away is owed again, with every later one, from the next wake.
    expect(ticks, "every tick of the outage fired").toEqual([]);
    const errors = errorsOf(logFile);
    // The outage was reported (through onError), as DatabaseUnreachable.
    expect(errors.filter((e) => e.tag === "DatabaseUnreachable").length).toBeGreaterThan(0);
    const tags: Record<string, number> = {};
    for (const e of errors) tags[e.tag] = (tags[e.tag] ?? 0) + 1;
    console.log(
      `pg outage: ${JSON.stringify({ outageMs: restored - cut, firingAgainAfterMs: resumed, proxyConnections: proxy.accepted, ...figures, outageTicksNotFired: ticks.length, triesRunTwice: history.length, errors: tags })}`,
    );
  }, 90_000);

  it("a supervisor paused past its leases (SIGSTOP), then resumed: the other takes over with new epochs; the paused one writes nothing under its old ones", async () => {
    const { schema, db } = await freshDatabase();
    const logFile = path.join(mkdtempSync(path.join(tmpdir(), "tickflow-pg-pause-")), "log");
    // Slow nodes (~150 ms each): a run is in flight most of each second.
    const a = await startSupervisor(pgUrl, schema, logFile, "A", 150);
    const b = await startSupervisor(pgUrl, schema, logFile, "B", 150);
    // Wait for the 2/2 split.
    for (let i = 0; i < 60; i++) {
      const leases = await leasesOf(db);
      const live = leases.filter((l) => Date.parse(l.expires_at) > Date.now());
      if (live.filter((l) => l.owner_id === "A").length === 2 && live.length === 4) break;
      await sleep(100);
    }
    await sleep(1_500);
    const before = (await leasesOf(db)).filter((l) => l.owner_id === "A");
    expect(before.map((l) => l.trigger_name)).toHaveLength(2);

    // Pause A in the middle of a node of one of its runs.
    const logged = readFileSync(logFile, "utf8").length;
    expect(
      await logShows(logFile, (text) =>
        new RegExp(`^start \\S+ b 1 ${a.pid}$`, "m").test(text.slice(logged)),
      ),
    ).toBe(true);
    a.kill("SIGSTOP");
    const pausedAt = Date.now();
    // The runs A had started and not finished when it was paused.
    const inFlight = new Set<string>();
    for (const line of readLog(logFile).filter((l) => l.pid === a.pid)) {
      if (line.kind === "start") inFlight.add(line.runId);
      if (line.kind === "done" && line.label === "c") inFlight.delete(line.runId);
    }
    await sleep(3 * LEASE_MS);

    // B took A's triggers over, each under a bumped epoch, and fired them.
    const during = await leasesOf(db);
    for (const old of before) {
      const now = during.find((l) => l.trigger_name === old.trigger_name);
      expect(now?.owner_id, old.trigger_name).toBe("B");
      expect(now?.epoch, old.trigger_name).toBeGreaterThan(old.epoch);
    }
    const firedByB = await db.query<{ trigger_name: string }>(
      "fired while A paused",
      "SELECT DISTINCT trigger_name FROM trigger_events WHERE fired_at > $1",
      [new Date(pausedAt + LEASE_MS).toISOString()],
    );
    expect(firedByB.map((r) => r.trigger_name).sort()).toEqual([...TRIGGERS].sort());

    // A wakes up: it must notice it lost them (LeaseLost), write nothing under its old
    // epochs, and may then take a fair share again.
    a.kill("SIGCONT");
    const lostLogged = await logShows(
      logFile,
      (text) =>
        before.every((old) => text.includes(`error ${a.pid} A ${old.trigger_name} LeaseLost `)),
      { timeoutMs: 10_000 },
    );
    expect(lostLogged, "A reports LeaseLost for each trigger it lost").toBe(true);
    await sleep(4_000);
    expect(alive(a) && alive(b)).toBe(true);
    const after = await leasesOf(db);

    const { figures, ticks, history } = await stopAndCheck(db, logFile, [a, b]);
    // Every tick has exactly one row and fired: the takeover caught up A's ticks, and A
    // wrote none under its old epochs.
    expect(ticks).toEqual([]);
    // Whatever A did after waking up concerns only the runs it had in flight.
    expect(history.filter((p) => !inFlight.has(p.runId))).toEqual([]);
    // After SIGCONT the paused supervisor's in-flight run goes on until its next history
    // write, which the trigger's lease refuses (fenced in the write's transaction): it
    // records no node end, starts no next node and leaves the run B finished untouched.
    expect(history, "run history after A woke up").toEqual([]);
    const lost = errorsOf(logFile).filter((e) => e.pid === a.pid && e.tag === "LeaseLost");
    console.log(
      `pg pause: ${JSON.stringify({
        pausedMs: 3 * LEASE_MS,
        takenOver: before.map((old) => {
          const now = during.find((l) => l.trigger_name === old.trigger_name);
          return `${old.trigger_name} A@${old.epoch}→${now?.owner_id}@${now?.epoch}`;
        }),
        ownersAfterResume: after.map((l) => `${l.trigger_name}:${l.owner_id}@${l.epoch}`),
        leaseLostReportsOfA: lost.length,
        runsInFlightAtPause: inFlight.size,
        zombieHistoryProblems: history.length,
        ...figures,
      })}`,
    );
  }, 90_000);
});
