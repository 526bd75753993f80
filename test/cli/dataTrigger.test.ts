/**
 * `tickflow trigger add|update|remove`, run in process (`runCli`) on real SQLite files:
 * on the database directly, and handed to a supervisor running on it.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/runCli.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { makeTempDir } from "../store/tempDir.js";
import { namespace } from "./fixtures/dataTriggerModule.js";

const temp = makeTempDir();
afterAll(temp.cleanup);
const MODULE = path.join("test", "cli", "fixtures", "dataTriggerModule.ts");

async function tickflow(data: string, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli([...args, "--data", data], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { NO_COLOR: "1" },
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

const json = (result: { code: number; stdout: string; stderr: string }): any => {
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

const add = (data: string, ...more: string[]) =>
  tickflow(
    data,
    "trigger",
    "add",
    "c1",
    "--module",
    MODULE,
    "--dag",
    "reports:daily",
    "--type",
    "cron",
    "--schedule",
    "0 7 * * *",
    "--timezone",
    "UTC",
    "--payload",
    '{"customer":1}',
    ...more,
  );

async function storedDefinition(data: string, name: string) {
  const store = new TriggerStore(path.join(data, "triggers.db"));
  try {
    const row = (await store.definitionsSince(0)).find((d) => d.name === name);
    return row?.definitionJson === undefined ? undefined : JSON.parse(row.definitionJson);
  } finally {
    await store.close();
  }
}

describe("tickflow trigger add|update|remove on the database", () => {
  const data = path.join(temp.dir, "direct");

  it("add stores and activates a data trigger; status says it comes from data", async () => {
    expect(json(await add(data, "--by", "ops", "--json"))).toEqual({
      name: "c1",
      action: "created",
      version: 1,
      viaSupervisor: false,
      applied: true,
    });
    const status = json(await tickflow(data, "status", "--module", MODULE, "--json"));
    expect(status.map((t: any) => [t.name, t.source, t.status, t.schedule, t.timezone])).toEqual([
      ["c1", "data", "active", "0 7 * * *", "UTC"],
      ["from_code", "code", "not activated", undefined, undefined],
    ]);
    const table = await tickflow(data, "status");
    expect(table.stdout).toMatch(/TRIGGER\s+FROM\s+STATE/);
    expect(table.stdout).toMatch(/c1\s+data\s+active/);
  });

  it("add of a name that exists, a code trigger's name, or a bad value is refused and changes nothing", async () => {
    const again = await add(data);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/DataTriggerExists|already exists/);
    const coded = await tickflow(
      data,
      "trigger",
      "add",
      "from_code",
      "--module",
      MODULE,
      "--dag",
      "reports:daily",
      "--type",
      "push",
    );
    expect(coded.code).toBe(1);
    expect(coded.stderr).toMatch(/defined in code/);
    const bad = await tickflow(
      data,
      "trigger",
      "update",
      "c1",
      "--module",
      MODULE,
      "--overlap",
      "allowALL",
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/overlap/);
    expect(bad.stderr).toMatch(/allowALL/);
    const notNumber = await tickflow(
      data,
      "trigger",
      "update",
      "c1",
      "--module",
      MODULE,
      "--max-catch-up",
      "lots",
    );
    expect(notNumber.code).toBe(1);
    expect(notNumber.stderr).toMatch(/maxCatchUp.*lots/);
    const unknownDag = await tickflow(
      data,
      "trigger",
      "update",
      "c1",
      "--module",
      MODULE,
      "--dag",
      "reports:dayly",
    );
    expect(unknownDag.code).toBe(1);
    expect(unknownDag.stderr).toMatch(/reports:daily/);
    expect((await storedDefinition(data, "c1"))?.schedule).toBe("0 7 * * *");
  });

  it("update changes only the fields given; --file gives a whole definition", async () => {
    const updated = json(
      await tickflow(
        data,
        "trigger",
        "update",
        "c1",
        "--module",
        MODULE,
        "--schedule",
        "*/30 * * * *",
        "--json",
      ),
    );
    expect(updated).toMatchObject({ name: "c1", action: "updated" });
    expect(await storedDefinition(data, "c1")).toMatchObject({
      schedule: "*/30 * * * *",
      payload: { customer: 1 },
      timezone: "UTC",
    });
    const file = path.join(temp.dir, "c2.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: "c2",
        dagNsref: "reports:daily",
        triggerType: "poll",
        every: "15m",
        pollNsref: "feeds:check",
        catchUp: "skip",
      }),
    );
    expect(
      json(await tickflow(data, "trigger", "add", "--module", MODULE, "--file", file, "--json")),
    ).toMatchObject({ name: "c2", action: "created" });
    const broken = path.join(temp.dir, "broken.json");
    fs.writeFileSync(broken, "{ name: c3");
    const notJson = await tickflow(data, "trigger", "add", "--module", MODULE, "--file", broken);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/--file .* is not JSON/);
  });

  it("add without --type: a schedule makes a cron trigger, a poll function a poll trigger, neither is refused", async () => {
    const addUntyped = (name: string, ...more: string[]) =>
      tickflow(data, "trigger", "add", name, "--module", MODULE, "--dag", "reports:daily", ...more);
    json(await addUntyped("c4", "--every", "1h", "--json"));
    expect((await storedDefinition(data, "c4"))?.triggerType).toBe("cron");
    json(await addUntyped("c5", "--every", "15m", "--poll", "feeds:check", "--json"));
    expect((await storedDefinition(data, "c5"))?.triggerType).toBe("poll");
    const neither = await addUntyped("c6");
    expect(neither.code).toBe(1);
    expect(neither.stderr).toMatch(/triggerType/);
    expect(await storedDefinition(data, "c6")).toBeUndefined();
  });

  it("remove stops it (disabled, history kept); a second remove is refused", async () => {
    expect(
      json(
        await tickflow(
          data,
          "trigger",
          "remove",
          "c1",
          "--module",
          MODULE,
          "--by",
          "ops",
          "--json",
        ),
      ),
    ).toMatchObject({ name: "c1", action: "removed", viaSupervisor: false });
    const status = json(await tickflow(data, "status", "--json"));
    const c1 = status.find((t: any) => t.name === "c1");
    expect(c1).toMatchObject({ source: "data", status: "disabled" });
    expect(c1.statusNote).toMatchObject({ by: "ops" });
    const again = await tickflow(data, "trigger", "remove", "c1", "--module", MODULE);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No data trigger named "c1"/);
  });
});

describe("tickflow trigger add|remove while a supervisor runs", () => {
  it("the change is stored for the running supervisor, which applies it at its next heartbeat", async () => {
    const data = path.join(temp.dir, "running");
    fs.mkdirSync(data, { recursive: true });
    const store = new TriggerStore(path.join(data, "triggers.db"));
    const manager = new TriggerManager({ namespace, store, leaseMs: 3_000 });
    await manager.start();
    try {
      expect(manager.status().role).toBe("leader");
      const added = await add(data, "--json");
      expect(added.stderr).toMatch(/a supervisor is running on this database: it applied/);
      expect(JSON.parse(added.stdout)).toMatchObject({
        name: "c1",
        action: "created",
        viaSupervisor: true,
        applied: true,
      });
      expect(manager.states()).toEqual({ c1: "active" });
      const removed = await tickflow(data, "trigger", "remove", "c1", "--module", MODULE, "--json");
      expect(JSON.parse(removed.stdout)).toMatchObject({ action: "removed", applied: true });
      expect(manager.states()).toEqual({ c1: "disabled" });
    } finally {
      await manager.stop({ graceMs: 0 });
      await store.close();
    }
  }, 60_000);
});
