/**
 * Issue 17, items 6 and 7 from the command line: `tickflow exec` runs a DAG or a function
 * once, recorded in the run history; `restart` and `replay` continue or replay such a
 * run. The module is written like a user's: a .ts file in a temp dir.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freshSchema, pgSkipReason } from "../store/pgAvailable.js";
import { makeTempDir } from "../store/tempDir.js";
import { ROOT, type TickflowResult, tickflow } from "./fixtures/tickflow.js";

const temp = makeTempDir();
afterAll(temp.cleanup);
const SLOW = 90_000;

/** A user's module; `broken` (a file beside it) makes node `double` throw. */
const MODULE_TEXT = `import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Dag, Namespace } from ${JSON.stringify(path.join(ROOT, "src/index.js"))};

const here = path.dirname(fileURLToPath(import.meta.url));
const ns = new Namespace();
const fetch = ns.register(
  (input: { n: number }) => {
    fs.appendFileSync(path.join(here, "calls.log"), "fetch\\n");
    return { n: input.n };
  },
  { nsref: "demo:fetch" },
);
const double = ns.register(
  (x: { n: number }) => {
    if (fs.existsSync(path.join(here, "broken"))) throw new Error("double is broken");
    return x.n * 2;
  },
  { nsref: "demo:double" },
);
const dag = new Dag();
dag.node(fetch).to(dag.node(double));
ns.register(dag, { nsref: "pipelines:demo" });
ns.register(
  (text: string) => {
    fs.appendFileSync(path.join(here, "calls.log"), "shout\\n");
    return text.toUpperCase();
  },
  { nsref: "text:shout", cache: { ttl: "1h" } },
);
export default ns;
`;

/** A fresh folder with the module, and `tickflow --data <folder>/data ...` in it. */
function project(name: string) {
  const dir = path.join(temp.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const module = path.join(dir, "pipeline.ts");
  fs.writeFileSync(module, MODULE_TEXT);
  const data = path.join(dir, "data");
  return {
    dir,
    module,
    run: (...args: string[]) => tickflow(["--data", data, ...args]),
    /** Makes node `double` throw (or work again). */
    breakDouble: (broken: boolean) => {
      const flag = path.join(dir, "broken");
      if (broken) fs.writeFileSync(flag, "");
      else fs.rmSync(flag, { force: true });
    },
    calls: () =>
      fs.existsSync(path.join(dir, "calls.log"))
        ? fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n")
        : [],
  };
}

const ok = (result: TickflowResult): string => {
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
};
/** One line on stderr, no stack, exit 1. */
const failsWith = (result: TickflowResult, pattern: RegExp) => {
  expect(result.code).toBe(1);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tickflow: /);
  expect(lines[0]).toMatch(pattern);
};
const RUN_ID = /[0-9a-f-]{36}/;

describe("tickflow exec", () => {
  it(
    "runs a DAG once, prints its outputs, records it; --json too",
    async () => {
      const p = project("dag");
      const human = ok(await p.run("exec", p.module, "pipelines:demo", "--input", '{"n": 21}'));
      expect(human).toMatch(/^ran pipelines:demo: run [0-9a-f-]{36} completed\n {2}double: 42\n$/);
      const asJson = JSON.parse(
        ok(await p.run("exec", p.module, "pipelines:demo", "--input", '{"n": 2}', "--json")),
      );
      expect(asJson).toEqual({
        runId: expect.stringMatching(RUN_ID),
        status: "completed",
        outputs: { double: 4 },
      });
      const recorded = JSON.parse(ok(await p.run("run", asJson.runId, "--json")));
      expect(recorded).toMatchObject({
        dagNsref: "pipelines:demo",
        status: "completed",
        input: { n: 2 },
      });
      expect(recorded.nodes.map((n: { label: string }) => n.label)).toEqual(["fetch", "double"]);
    },
    SLOW,
  );

  it(
    "runs a function as a one-node run; a cached function's second exec is cached",
    async () => {
      const p = project("function");
      const first = JSON.parse(
        ok(await p.run("exec", p.module, "text:shout", "--input", '"hi"', "--json")),
      );
      expect(first).toMatchObject({ status: "completed", outputs: { shout: "HI" } });
      const second = JSON.parse(
        ok(await p.run("exec", p.module, "text:shout", "--input", '"hi"', "--json")),
      );
      expect(second.outputs).toEqual({ shout: "HI" });
      expect(p.calls()).toEqual(["shout"]);
      const shown = ok(await p.run("run", second.runId));
      expect(shown).toMatch(new RegExp(`shout +cached from ${first.runId}`));
      const recorded = JSON.parse(ok(await p.run("run", second.runId, "--json")));
      expect(recorded.nodes[0]).toMatchObject({
        label: "shout",
        status: "cached",
        cachedFrom: first.runId,
      });
    },
    SLOW,
  );

  it(
    "a failed run exits 1 with one line naming the failed node and its error; --json too",
    async () => {
      const p = project("failing");
      p.breakDouble(true);
      const failed = await p.run("exec", p.module, "pipelines:demo", "--input", '{"n": 1}');
      expect(failed.stdout).toMatch(/^ran pipelines:demo: run [0-9a-f-]{36} failed\n$/);
      failsWith(failed, /Run [0-9a-f-]{36} failed at node "double": .*double is broken/);
      const asJson = await p.run(
        "exec",
        p.module,
        "pipelines:demo",
        "--input",
        '{"n": 1}',
        "--json",
      );
      expect(asJson.code).toBe(1);
      expect(JSON.parse(asJson.stdout)).toMatchObject({
        status: "failed",
        failedNode: "double",
        error: expect.stringContaining("double is broken"),
      });
    },
    SLOW,
  );

  it(
    "restart continues an exec'd run in place; replay re-runs the named nodes",
    async () => {
      const p = project("resume");
      p.breakDouble(true);
      const failed = await p.run("exec", p.module, "pipelines:demo", "--input", '{"n": 5}');
      const runId = (RUN_ID.exec(failed.stdout) as RegExpExecArray)[0];
      expect(p.calls()).toEqual(["fetch"]);
      p.breakDouble(false);
      const restarted = ok(await p.run("restart", runId, "--module", p.module));
      expect(restarted).toBe(`restarted ${runId}: run ${runId} completed\n  double: 10\n`);
      // fetch completed before: it was not run again.
      expect(p.calls()).toEqual(["fetch"]);
      const replayed = JSON.parse(
        ok(await p.run("replay", runId, "--module", p.module, "--rerun", "fetch", "--json")),
      );
      expect(replayed).toMatchObject({ status: "completed", outputs: { double: 10 } });
      expect(replayed.runId).not.toBe(runId);
      expect(p.calls()).toEqual(["fetch", "fetch"]);
      // A completed run cannot be restarted; a label the DAG lacks cannot be re-run.
      const [again, unknown] = await Promise.all([
        p.run("restart", runId, "--module", p.module),
        p.run("replay", runId, "--module", p.module, "--rerun", "fetc"),
      ]);
      failsWith(again, /completed/);
      failsWith(unknown, /fetc/);
    },
    SLOW,
  );

  it(
    "bad input: --input not JSON, an unknown nsref (nearest name), an unknown run",
    async () => {
      const p = project("bad");
      const [notJson, unknownNsref, unknownRun] = await Promise.all([
        p.run("exec", p.module, "pipelines:demo", "--input", "{n: 1"),
        p.run("exec", p.module, "pipelines:dmeo"),
        p.run("restart", "no-such-run", "--module", p.module),
      ]);
      failsWith(notJson, /--input.*is not JSON/);
      failsWith(unknownNsref, /Nothing is registered under "pipelines:dmeo".*"pipelines:demo"/);
      failsWith(unknownRun, /No run "no-such-run"/);
    },
    SLOW,
  );
});

describe.skipIf(pgSkipReason !== undefined)("tickflow exec on PostgreSQL", () => {
  it(
    "exec records in the database at --db; restart continues it there",
    async () => {
      const scratch = await freshSchema(true);
      try {
        const p = project("postgres");
        p.breakDouble(true);
        const db = ["--db", scratch.url];
        const failed = await tickflow([
          ...db,
          "exec",
          p.module,
          "pipelines:demo",
          "--input",
          '{"n": 4}',
        ]);
        expect(failed.code).toBe(1);
        const runId = (RUN_ID.exec(failed.stdout) as RegExpExecArray)[0];
        p.breakDouble(false);
        const restarted = await tickflow([...db, "restart", runId, "--module", p.module, "--json"]);
        expect(JSON.parse(ok(restarted))).toMatchObject({ runId, outputs: { double: 8 } });
        expect(p.calls()).toEqual(["fetch"]);
      } finally {
        await scratch.drop();
      }
    },
    SLOW,
  );
});
