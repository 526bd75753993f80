import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain } from "../../src/inspect/explain.js";
import { inspect } from "../../src/inspect/inspect.js";
import { replayHistory } from "../../src/inspect/replayHistory.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { makeTempDir } from "../store/tempDir.js";
import { CLI, ROOT, type TickflowResult, tickflow } from "./fixtures/tickflow.js";

// Every command runs as a real child process of `node --import tsx src/cli/main.ts` against databases
// written by a real supervisor: `tickflow start examples/market.ts` for a few seconds.
const temp = makeTempDir();
/** Where the supervisor run wrote: a folder that did not exist before `start`. */
const data = path.join(temp.dir, "nested", "data");
const MODULE = "examples/market.ts";
let started: TickflowResult;

beforeAll(async () => {
  started = await tickflow(["start", MODULE, "--for", "5", "--data", data]);
}, 90_000);
afterAll(temp.cleanup);

const SLOW = 90_000;
const inData = (...args: string[]) => tickflow(["--data", data, ...args]);
const json = (result: TickflowResult): any => {
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};
/** A failure is exactly one line on stderr, with no stack trace, and a non-zero exit. */
const failsWith = (result: TickflowResult, pattern: RegExp) => {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tickflow: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
};
const readStores = () => {
  const store = new TriggerStore(path.join(data, "triggers.db"), { readonly: true });
  const provenance = new DagProvenance(path.join(data, "provenance.db"), { readonly: true });
  return {
    store,
    provenance,
    close: () => {
      store.close();
      provenance.close();
    },
  };
};
/** A copy of the supervised databases, for the commands that write. */
const copyData = (name: string) => {
  const dir = path.join(temp.dir, name);
  fs.cpSync(data, dir, { recursive: true });
  return dir;
};

describe("tickflow start", () => {
  it("creates the data folder, activates the module's triggers and prints a line per fire", () => {
    expect(started.stderr).toBe("");
    expect(started.code).toBe(0);
    const out = started.stdout;
    for (const name of ["market_summary", "orders", "queue_check", "slow_report"]) {
      expect(out).toContain(`activated ${name} (new)`);
    }
    expect(out).toMatch(/supervising 4 triggers from examples\/market\.ts/);
    expect(out).toMatch(/market_summary +fired +run [0-9a-f-]{36} +tick /);
    expect(out).toMatch(/queue_check +poll_empty +tick /);
    expect(out).toMatch(/stopping \(--for 5 s elapsed\)/);
    expect(out.trimEnd().endsWith("stopped")).toBe(true);
    expect(fs.existsSync(path.join(data, "triggers.db"))).toBe(true);
    expect(fs.existsSync(path.join(data, "provenance.db"))).toBe(true);
    // Not a terminal: no colour codes.
    expect(out).not.toContain("\x1b[");
  });

  it(
    "never re-activates a disabled trigger, and stops on SIGTERM",
    async () => {
      const dir = copyData("restart");
      const deactivated = await tickflow(["--data", dir, "deactivate", "queue_check"]);
      expect(deactivated).toMatchObject({ code: 0, stdout: "deactivated queue_check\n" });
      const again = await tickflow(["start", MODULE, "--for", "1", "--data", dir]);
      expect(again.code).toBe(0);
      expect(again.stdout).not.toContain("(new)");
      expect(again.stdout).toContain("queue_check stays disabled");
      expect(again.stdout).toMatch(/supervising 3 triggers/);
      expect(again.stdout).not.toMatch(/queue_check +(fired|poll_empty)/);
      const store = new TriggerStore(path.join(dir, "triggers.db"), { readonly: true });
      try {
        expect((await store.getActivation("queue_check"))?.status).toBe("disabled");
      } finally {
        store.close();
      }

      const { spawn } = await import("node:child_process");
      const child = spawn(process.execPath, [...CLI, "start", MODULE, "--data", dir], {
        cwd: ROOT,
      });
      let stdout = "";
      let signalled = false;
      child.stdout.on("data", (chunk) => {
        stdout += String(chunk);
        if (!signalled && stdout.includes("supervising")) {
          signalled = true;
          child.kill("SIGTERM");
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code).toBe(0);
      expect(stdout).toContain("stopping (SIGTERM)");
      expect(stdout.trimEnd().endsWith("stopped")).toBe(true);
    },
    SLOW,
  );

  it(
    "--db keeps triggers and run history in one file, created with its folder",
    async () => {
      const file = path.join(temp.dir, "single", "tickflow.db");
      const run = await tickflow(["--db", file, "start", MODULE, "--for", "2"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`(${file}); stopping after 2 s`);
      expect(fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith(".db"))).toEqual([
        "tickflow.db",
      ]);
      const [runs, status] = await Promise.all([
        tickflow(["--db", file, "runs", "--json"]),
        tickflow(["--db", file, "status", "--json"]),
      ]);
      expect(json(runs).length).toBeGreaterThan(0);
      expect(json(status)).toHaveLength(4);
    },
    SLOW,
  );
});

describe("read commands against the supervised database", () => {
  it(
    "status: the inspect table, and --json equal to inspect()",
    async () => {
      const [human, asJson] = await Promise.all([inData("status"), inData("status", "--json")]);
      expect(human.code).toBe(0);
      const lines = human.stdout.split("\n");
      expect(lines[0]).toMatch(
        /^TRIGGER +FROM +STATE +SCHEDULE +NEXT FIRE +LAST RUN +IN FLIGHT +OWNER +LEDGER$/,
      );
      expect(human.stdout).toMatch(/market_summary +code +active +\*\/2 \* \* \* \* \* UTC/);
      expect(human.stdout).toMatch(/orders +code +active +push/);
      const { store, provenance, close } = readStores();
      try {
        const expected = JSON.parse(JSON.stringify(await inspect(store, { provenance })));
        expect(json(asJson)).toEqual(expected);
        expect(expected.map((t: { name: string }) => t.name)).toEqual([
          "market_summary",
          "orders",
          "queue_check",
          "slow_report",
        ]);
      } finally {
        close();
      }
    },
    SLOW,
  );

  it(
    "status --module lists defined triggers and flags stored ones the module lacks",
    async () => {
      const file = path.join(temp.dir, "partial.mts");
      fs.writeFileSync(
        file,
        `import { Namespace } from ${JSON.stringify(path.join(ROOT, "src/index.js"))};
const ns = new Namespace();
ns.registerTrigger({ name: "nightly", dagNsref: "pipelines:x", triggerType: "poll", schedule: "0 3 * * *", timezone: "UTC" });
export const namespace = ns;
`,
      );
      const [asJson, human] = await Promise.all([
        inData("status", "--module", file, "--json"),
        inData("status", "--module", file),
      ]);
      const byName = new Map(json(asJson).map((t: any) => [t.name, t]));
      expect(byName.get("nightly")).toMatchObject({ status: "not activated", state: "inactive" });
      expect(byName.get("market_summary")).toMatchObject({ definitionPresent: false });
      expect(human.stdout).toMatch(/market_summary +code +active \(not in module\)/);
    },
    SLOW,
  );

  it(
    "events: the ledger newest first, paged, and --json equal to the store",
    async () => {
      const { store, close } = readStores();
      try {
        const all = await store.getEvents("market_summary", { limit: 1000 });
        const page = json(await inData("events", "market_summary", "--limit", "1", "--json"));
        expect(page.events).toEqual(JSON.parse(JSON.stringify(all.slice(0, 1))));
        expect(page.nextBefore).toBe(all[0]?.firedAt.toISOString());
        const next = json(
          await inData(
            "events",
            "market_summary",
            "--limit",
            "50",
            "--before",
            page.nextBefore,
            "--json",
          ),
        );
        expect(next.events.map((e: { eventId: string }) => e.eventId)).toEqual(
          all.slice(1).map((e) => e.eventId),
        );
        expect(next.nextBefore).toBeUndefined();
        const human = await inData("events", "market_summary", "-n", "1");
        expect(human.stdout.split("\n")[0]).toMatch(/^RECORDED +TICK +STATUS +RUN +DETAIL$/);
        expect(human.stdout).toContain(all[0]?.runId ?? "no run");
        expect(human.stdout).toContain(
          `older: tickflow events market_summary --limit 1 --before ${page.nextBefore}`,
        );
      } finally {
        close();
      }
    },
    SLOW,
  );

  it(
    "explain: decisions with reasons, and --json equal to explain()",
    async () => {
      const [human, asJson] = await Promise.all([
        inData("explain", "slow_report"),
        inData("explain", "slow_report", "--json"),
      ]);
      const { store, close } = readStores();
      try {
        const decisions = await explain(store, "slow_report", { limit: 50 });
        const parsed = json(asJson);
        expect(parsed.decisions).toEqual(JSON.parse(JSON.stringify(decisions)));
        expect(parsed.now).toMatchObject({ name: "slow_report", state: "active" });
        // The 2.5 s report on a 2 s schedule: a tick came while the first run was going.
        expect(decisions.map((d) => d.kind)).toContain("skipped_overlap");
        expect(human.code).toBe(0);
        expect(human.stdout).toMatch(
          /^slow_report is active · schedule "\*\/2 \* \* \* \* \*" UTC/,
        );
        expect(human.stdout).toMatch(
          /skipped_overlap +tick \S+ not fired: run [0-9a-f-]{36} \(tick .*\) was still running \(overlap: skip\)/,
        );
        expect(human.stdout).toMatch(/activated +activated: it fires on its schedule/);
      } finally {
        close();
      }
      const recent = json(await inData("explain", "queue_check", "--since", "1s", "--json"));
      expect(recent.decisions).toEqual([]);
    },
    SLOW,
  );

  it(
    "runs: recent runs, filtered, and --json equal to the run history",
    async () => {
      const { provenance, close } = readStores();
      try {
        const recent = await provenance.getRecentRuns({ limit: 20 });
        const asJson = json(await inData("runs", "--json"));
        expect(asJson.map((r: { runId: string }) => r.runId)).toEqual(recent.map((r) => r.runId));
        const slow = json(await inData("runs", "--dag", "pipelines:slow_report", "--json"));
        expect(slow.length).toBeGreaterThan(0);
        expect(
          slow.every((r: { dagNsref: string }) => r.dagNsref === "pipelines:slow_report"),
        ).toBe(true);
        const human = await inData("runs", "-n", "2");
        expect(human.stdout.split("\n")[0]).toMatch(/^RUN +DAG +STATUS +STARTED +TOOK +ERROR$/);
        expect(human.stdout).toContain(recent[0]?.runId ?? "no run");
      } finally {
        close();
      }
    },
    SLOW,
  );

  it(
    "run: a run's nodes, --json with values, and --mermaid coloured by status",
    async () => {
      const { provenance, close } = readStores();
      let runId: string;
      try {
        const [run] = await provenance.getRecentRuns({
          dagNsref: "pipelines:market_summary",
          limit: 1,
        });
        runId = run?.runId ?? "none";
      } finally {
        close();
      }
      const [human, asJson, mermaid] = await Promise.all([
        inData("run", runId),
        inData("run", runId, "--json"),
        inData("run", runId, "--mermaid"),
      ]);
      expect(human.stdout).toContain(`run      ${runId}`);
      expect(human.stdout).toMatch(/NODE +STATUS +ATTEMPT +STARTED +FINISHED +TOOK +ERROR/);
      expect(human.stdout).toMatch(/report +completed +1 /);
      const parsed = json(asJson);
      expect(parsed).toMatchObject({
        runId,
        status: "completed",
        dagNsref: "pipelines:market_summary",
      });
      expect(parsed.outputs).toEqual({
        report: "Portfolio value: $735.50; largest position: MSFT",
      });
      expect(parsed.nodes.map((n: { label: string }) => n.label).sort()).toEqual([
        "fetch",
        "report",
        "top",
        "total",
      ]);
      expect(mermaid.code).toBe(0);
      expect(mermaid.stdout).toBe(
        [
          `%% run ${runId} of pipelines:market_summary: completed`,
          "flowchart LR",
          '  n0["fetch<br/><small>completed</small>"]:::completed',
          '  n1["report<br/><small>completed</small>"]:::completed',
          '  n2["total<br/><small>completed</small>"]:::completed',
          '  n3["top<br/><small>completed</small>"]:::completed',
          "  n0 --> n2",
          "  n2 -->|total| n1",
          "  n0 --> n3",
          "  n3 -->|top| n1",
          "  classDef completed fill:#d3f9d8,stroke:#2b8a3e,color:#000",
          "",
        ].join("\n"),
      );
    },
    SLOW,
  );

  it(
    "preview: a stored trigger's next instants, and a cron expression with a DST note",
    async () => {
      const [trigger, cron, cronJson] = await Promise.all([
        inData("preview", "market_summary", "-n", "3", "--json"),
        inData(
          "preview",
          "30 2 * * *",
          "--tz",
          "America/New_York",
          "--after",
          "2026-03-06T12:00:00Z",
          "-n",
          "3",
        ),
        inData(
          "preview",
          "30 2 * * *",
          "--tz",
          "America/New_York",
          "--after",
          "2026-03-06T12:00:00Z",
          "-n",
          "3",
          "--json",
        ),
      ]);
      const parsed = json(trigger);
      expect(parsed).toMatchObject({ schedule: "*/2 * * * * *", timezone: "UTC" });
      expect(parsed.entries).toHaveLength(3);
      const times = parsed.entries.map((e: { at: string }) => Date.parse(e.at));
      expect(times[1] - times[0]).toBe(2000);
      expect(cron.code).toBe(0);
      expect(cron.stdout).toContain("30 2 * * * in America/New_York");
      expect(cron.stdout).toMatch(
        /2026-03-08T07:00:00Z +2026-03-08T03:00:00-04:00 +02:30 does not exist on 2026-03-08 \(clocks go forward 1h at 02:00\); fires at 03:00/,
      );
      expect(json(cronJson).entries[1]).toEqual({
        at: "2026-03-08T07:00:00.000Z",
        local: "2026-03-08T03:00:00-04:00",
        note: "02:30 does not exist on 2026-03-08 (clocks go forward 1h at 02:00); fires at 03:00",
      });
      // A trigger read from the module instead of the database.
      const fromModule = json(
        await tickflow(["preview", "slow_report", "--module", MODULE, "-n", "1", "--json"]),
      );
      expect(fromModule.schedule).toBe("*/2 * * * * *");
    },
    SLOW,
  );

  it(
    "replay-history: the journal leads to the stored snapshot; --until replays a past state",
    async () => {
      const [human, asJson, until] = await Promise.all([
        inData("replay-history", "market_summary"),
        inData("replay-history", "market_summary", "--json"),
        inData("replay-history", "market_summary", "--until", "1", "--json"),
      ]);
      const { store, close } = readStores();
      try {
        const report = await replayHistory(store, "market_summary");
        expect(report.matchesSnapshot).toBe(true);
        expect(json(asJson)).toEqual(JSON.parse(JSON.stringify(report)));
      } finally {
        close();
      }
      expect(human.stdout).toMatch(/^SEQ +AT +EVENT +STATE +JOURNAL +ACTIONS/);
      expect(human.stdout).toMatch(/stored snapshot: active — matches/);
      const past = json(until);
      expect(past).toMatchObject({ state: "active", lastSeq: 1 });
      expect(past.matchesSnapshot).toBeUndefined();
    },
    SLOW,
  );

  it(
    "dag: a registered DAG's nodes, --json, and --mermaid",
    async () => {
      const [human, asJson, mermaid] = await Promise.all([
        tickflow(["dag", MODULE, "pipelines:market_summary"]),
        tickflow(["dag", MODULE, "pipelines:market_summary", "--json"]),
        tickflow(["dag", MODULE, "pipelines:market_summary", "--mermaid"]),
      ]);
      expect(human.stdout).toMatch(/report +market:report +total as total, top as top/);
      expect(json(asJson)).toMatchObject({
        nsref: "pipelines:market_summary",
        nodes: [
          { label: "fetch", runs: "market:fetch" },
          { label: "report", runs: "market:report" },
          { label: "total", runs: "market:total" },
          { label: "top", runs: "market:top" },
        ],
      });
      expect(mermaid.stdout).toBe(
        [
          "%% pipelines:market_summary",
          "flowchart LR",
          '  n0["fetch<br/><small>market:fetch</small>"]',
          '  n1["report<br/><small>market:report</small>"]',
          '  n2["total<br/><small>market:total</small>"]',
          '  n3["top<br/><small>market:top</small>"]',
          "  n0 --> n2",
          "  n2 -->|total| n1",
          "  n0 --> n3",
          "  n3 -->|top| n1",
          "",
        ].join("\n"),
      );
      failsWith(
        await tickflow(["dag", MODULE, "market:fetch", "--mermaid"]),
        /"market:fetch" is a function, not a DAG/,
      );
    },
    SLOW,
  );

  it(
    "colours output only when asked to (FORCE_COLOR) or on a terminal",
    async () => {
      // Without a terminal, every other test here sees no colour codes (checked in start's).
      const forced = await tickflow(["--data", data, "status"], { env: { FORCE_COLOR: "1" } });
      expect(forced.stdout).toContain("\x1b[");
      expect(forced.stdout).toContain("\x1b[32mactive");
    },
    SLOW,
  );
});

/** `tickflow fire orders` of the example module on `dir`, with a payload and flags. */
const fireOrders = (dir: string, payload: string, ...flags: string[]) =>
  tickflow(["--data", dir, "fire", "orders", "--module", MODULE, "--payload", payload, ...flags]);

describe("commands that write", () => {
  it(
    "fire runs the DAG with the payload, prints its outputs, and records it; --json too",
    async () => {
      const dir = copyData("fire");
      const fired = await fireOrders(dir, '{"orderId": 7}');
      expect(fired.stderr).toBe("");
      expect(fired.stdout).toMatch(
        /^fired orders: run [0-9a-f-]{36} completed\n {2}process: "processed order 7"\n$/,
      );
      const asJson = json(await fireOrders(dir, '{"orderId": 8}', "--json"));
      expect(asJson).toMatchObject({
        status: "completed",
        outputs: { process: "processed order 8" },
      });
      const events = json(await tickflow(["--data", dir, "events", "orders", "--json"]));
      expect(events.events.map((e: { payload: unknown }) => e.payload)).toEqual([
        { orderId: 8 },
        { orderId: 7 },
      ]);
      expect(events.events[0].runId).toBe(asJson.runId);
      // A payload the DAG's input schema refuses: nothing is fired.
      failsWith(
        await fireOrders(dir, '{"orderId": "x"}'),
        /Payload for trigger "orders" does not fit source node "process" at field "orderId".*Nothing was fired/,
      );
      expect(
        json(await tickflow(["--data", dir, "events", "orders", "--json"])).events,
      ).toHaveLength(2);
    },
    SLOW,
  );

  it(
    "fire --key twice prints the same run and records one fire; a bad key is refused",
    async () => {
      const dir = copyData("fire-key");
      const fire = (orderId: number, key: string) =>
        fireOrders(dir, `{"orderId": ${orderId}}`, "--key", key, "--json");
      const first = json(await fire(1, "delivery-1"));
      const again = json(await fire(2, "delivery-1"));
      expect(first).toMatchObject({
        status: "completed",
        outputs: { process: "processed order 1" },
      });
      expect(again).toEqual(first);
      const events = json(await tickflow(["--data", dir, "events", "orders", "--json"])).events;
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ runId: first.runId, key: "delivery-1" });
      const table = await tickflow(["--data", dir, "events", "orders"]);
      expect(table.stdout).toContain("manual key delivery-1");
      failsWith(await fire(3, ""), /Fire key for trigger "orders" is empty.*Nothing was fired/);
    },
    SLOW,
  );

  it(
    "deactivate and activate persist, and activation again is explained",
    async () => {
      const dir = copyData("toggle");
      const at = (...args: string[]) => tickflow(["--data", dir, ...args]);
      expect((await at("deactivate", "market_summary")).stdout).toBe(
        "deactivated market_summary\n",
      );
      const off = json(await at("status", "--json")).find((t: any) => t.name === "market_summary");
      expect(off).toMatchObject({ status: "disabled", state: "disabled" });
      expect((await at("activate", "market_summary", "--module", MODULE)).stdout).toBe(
        "activated market_summary\n",
      );
      const on = json(await at("status", "--json")).find((t: any) => t.name === "market_summary");
      expect(on).toMatchObject({ status: "active", state: "active" });
      const decisions = json(
        await at("explain", "market_summary", "--limit", "2", "--json"),
      ).decisions;
      expect(decisions.map((d: { kind: string }) => d.kind)).toEqual(["deactivated", "activated"]);
      expect(decisions[1].reason).toMatch(/^activated again after being disabled/);
      expect(json(await at("replay-history", "market_summary", "--json")).matchesSnapshot).toBe(
        true,
      );
      // No supervisor runs: this process needs the definition, and says how to give it.
      const noModule = await at("activate", "market_summary");
      expect(noModule.code).toBe(1);
      expect(noModule.stderr).toMatch(
        /activate "market_summary" needs the module that defines the trigger when no supervisor is running .*add --module <path>/,
      );
    },
    SLOW,
  );
});

describe("pause with a note (issue 16, item 6)", () => {
  it(
    "deactivate --note --by: kept and shown by status, explain and their --json; fire is manual",
    async () => {
      const dir = copyData("noted");
      const at = (...args: string[]) => tickflow(["--data", dir, ...args]);
      const off = await at(
        "deactivate",
        "market_summary",
        "--note",
        "vendor API down",
        "--by",
        "alice",
      );
      expect(off).toMatchObject({
        code: 0,
        stdout: "deactivated market_summary: vendor API down (by alice)\n",
      });
      const row = json(await at("status", "--json")).find((t: any) => t.name === "market_summary");
      expect(row).toMatchObject({
        status: "disabled",
        statusNote: { note: "vendor API down", by: "alice" },
      });
      // The note, then who and when, each a line of the STATE column.
      const table = (await at("status")).stdout;
      expect(table).toMatch(/^\s+"vendor API down"/m);
      expect(table).toMatch(/^\s+by alice, /m);
      const explained = json(await at("explain", "market_summary", "--limit", "1", "--json"));
      expect(explained.now.statusNote).toMatchObject({ note: "vendor API down", by: "alice" });
      expect(explained.decisions[0]).toMatchObject({
        kind: "deactivated",
        note: "vendor API down",
        by: "alice",
      });
      expect((await at("explain", "market_summary", "--limit", "1")).stdout).toContain(
        'paused: "vendor API down" by alice',
      );
      const on = json(
        await at("activate", "market_summary", "--module", MODULE, "--note", "back", "--json"),
      );
      expect(on).toEqual({
        trigger: "market_summary",
        status: "active",
        note: "back",
        viaSupervisor: false,
      });
      // A fire by hand is recorded (and seen by its nodes) as manual.
      expect(
        (await at("fire", "orders", "--module", MODULE, "--payload", '{"orderId":1}')).code,
      ).toBe(0);
      const [event] = json(await at("events", "orders", "--json")).events;
      expect(event.kind).toBe("manual");
    },
    SLOW,
  );
});

describe("bad input: one line on stderr, a non-zero exit, no stack", () => {
  it(
    "a module path that does not exist, or a module with no Namespace, or one that throws",
    async () => {
      const none = path.join(temp.dir, "empty.mts");
      fs.writeFileSync(none, "export const answer = 42;\n");
      const throws = path.join(temp.dir, "throws.mts");
      fs.writeFileSync(throws, 'throw new Error("the quote feed is not configured");\n');
      const [missing, noNs, thrown] = await Promise.all([
        tickflow(["start", "examples/nope.ts", "--data", path.join(temp.dir, "unused")]),
        tickflow(["start", none, "--data", path.join(temp.dir, "unused")]),
        tickflow(["dag", throws, "pipelines:x"]),
      ]);
      failsWith(
        missing,
        /No module at .*examples\/nope\.ts\. Give the path of a \.ts or \.js file/,
      );
      failsWith(
        noNs,
        /empty\.mts exports no Namespace \(its exports are "answer"\)\. Export the namespace/,
      );
      failsWith(thrown, /Loading .*throws\.mts failed: the quote feed is not configured\./);
      // Refused before any database was opened, so none was created.
      expect(fs.existsSync(path.join(temp.dir, "unused"))).toBe(false);
    },
    SLOW,
  );

  it(
    "a database folder that does not exist: read commands say there is no database",
    async () => {
      const nowhere = path.join(temp.dir, "does", "not", "exist");
      const results = await Promise.all([
        tickflow(["--data", nowhere, "status"]),
        tickflow(["--data", nowhere, "explain", "market_summary"]),
        tickflow(["--db", path.join(nowhere, "one.db"), "runs"]),
      ]);
      failsWith(
        results[0] as TickflowResult,
        /There is no trigger database at .*does\/not\/exist\/triggers\.db\. Run `tickflow start <module>`/,
      );
      failsWith(results[1] as TickflowResult, /There is no trigger database/);
      failsWith(results[2] as TickflowResult, /There is no run history at .*one\.db/);
      expect(fs.existsSync(nowhere)).toBe(false);
    },
    SLOW,
  );

  it(
    "an unknown trigger, and a run id that does not exist",
    async () => {
      const [explained, events, replayed, run] = await Promise.all([
        inData("explain", "market_sumary"),
        inData("events", "nope"),
        inData("replay-history", "nope"),
        inData("run", "00000000-0000-0000-0000-000000000000"),
      ]);
      failsWith(
        explained,
        /No trigger named "market_sumary" in .*triggers\.db\. Did you mean "market_summary"\?/,
      );
      failsWith(events, /No trigger named "nope"/);
      failsWith(replayed, /No trigger named "nope"/);
      failsWith(
        run,
        /No run "00000000-0000-0000-0000-000000000000" in .*provenance\.db\. List recent runs with `tickflow runs`/,
      );
    },
    SLOW,
  );

  it(
    "--payload that is not JSON, or not an object",
    async () => {
      const [broken, array] = await Promise.all([
        inData("fire", "orders", "--module", MODULE, "--payload", "{orderId: 1"),
        inData("fire", "orders", "--module", MODULE, "--payload", "[1]"),
      ]);
      failsWith(
        broken,
        /--payload "\{orderId: 1" is not JSON \(.*\)\. Write it like --payload '\{"orderId": 42\}'/,
      );
      failsWith(array, /--payload "\[1\]" is JSON but not an object/);
    },
    SLOW,
  );

  it(
    "preview of an invalid cron, and of a push trigger",
    async () => {
      const [cron, push] = await Promise.all([
        tickflow(["preview", "61 * * * *"]),
        inData("preview", "orders"),
      ]);
      failsWith(cron, /Invalid schedule "61 \* \* \* \*" \(minute\): .*A minute takes 0-59/);
      failsWith(
        push,
        /trigger "orders" is a push trigger: it has no schedule; preview a cron expression instead/,
      );
    },
    SLOW,
  );

  it(
    "a database from a newer schema is refused and left unchanged",
    async () => {
      const dir = copyData("newer");
      const file = path.join(dir, "triggers.db");
      const db = new Database(file);
      db.prepare(
        "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', '2099-01-01')",
      ).run();
      db.close();
      const before = fs.readFileSync(file);
      const [status, start] = await Promise.all([
        tickflow(["--data", dir, "status"]),
        tickflow(["--data", dir, "start", MODULE, "--for", "1"]),
      ]);
      failsWith(
        status,
        /has schema version 999, but this tickflow supports schema versions up to \d+\. .*upgrade tickflow/,
      );
      failsWith(start, /has schema version 999/);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
    },
    SLOW,
  );

  it(
    "--debug adds the stack; a bad option value and a usage error say so",
    async () => {
      const [debug, limit, usage] = await Promise.all([
        inData("explain", "nope", "--debug"),
        inData("events", "market_summary", "--limit", "-3"),
        tickflow(["frobnicate"]),
      ]);
      expect(debug.code).toBe(1);
      expect(debug.stderr.split("\n")[0]).toMatch(/^tickflow: No trigger named "nope"/);
      expect(debug.stderr).toMatch(/\n\s+at /);
      failsWith(
        limit,
        /--limit "-3" is not a whole number of at least 1\. Write it like --limit 20/,
      );
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/^error: unknown command 'frobnicate'/);
    },
    SLOW,
  );
});
