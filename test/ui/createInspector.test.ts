/**
 * createInspector without a browser: its fetch handler's JSON endpoints over a real
 * SQLite store, the security headers, paths that are not there, a mount under a base
 * path, the live feed's first event, and actions (off, then guarded by the token).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createInspector,
  DagProvenance,
  type Inspector,
  InspectorTokenMissing,
  TriggerManager,
  TriggerStore,
} from "../../src/index.js";
import { ns } from "./fixtures/uiNamespace.js";

const dir = mkdtempSync(path.join(tmpdir(), "tickflow-inspector-"));
const store = new TriggerStore(path.join(dir, "triggers.db"));
const provenance = new DagProvenance(path.join(dir, "provenance.db"));
const TOKEN = "a-token-of-enough-length";
let inspector: Inspector;
let failedRunId = "";

const get = (url: string, init?: RequestInit) =>
  inspector.fetch(new Request(`http://inspector.test${url}`, init));

beforeAll(async () => {
  const manager = new TriggerManager({ namespace: ns, store, provenance, onError: () => {} });
  await manager.activate("broken");
  await manager.activate("spare");
  failedRunId = (await manager.fire("broken", {})).runId;
  inspector = createInspector({ store, provenance, clock: { now: () => Date.now() } });
});
afterAll(() => inspector.close());

describe("createInspector", () => {
  it("serves the triggers, a trigger with its machine and replay, and a ledger page with reasons", async () => {
    const triggers = (await (await get("/api/triggers")).json()) as {
      name: string;
      state: string;
    }[];
    expect(triggers.map((t) => [t.name, t.state])).toEqual([
      ["broken", "active"],
      ["spare", "active"],
    ]);
    const broken = (await (await get("/api/triggers/broken")).json()) as {
      machine: string;
      replay: { matchesSnapshot: boolean; state: string };
    };
    expect(broken.machine).toContain("class active current");
    expect(broken.replay).toMatchObject({ matchesSnapshot: true, state: "active" });
    const ledger = (await (await get("/api/triggers/broken/ledger?limit=5")).json()) as {
      events: { status: string; decisions: { reason: string }[] }[];
    };
    expect(ledger.events[0]?.status).toBe("failed");
    expect(ledger.events[0]?.decisions[0]?.reason).toMatch(/failed/);
  });

  it("serves the runs, filtered, and a run with its nodes and its DAG as Mermaid text", async () => {
    const runs = (await (await get("/api/runs?status=failed")).json()) as {
      runs: { runId: string }[];
    };
    expect(runs.runs.map((r) => r.runId)).toEqual([failedRunId]);
    const run = (await (await get(`/api/runs/${failedRunId}`)).json()) as {
      run: { nodes: { label: string; status: string; error?: string }[] };
      mermaid: string;
    };
    expect(run.run.nodes.find((n) => n.label === "boom")).toMatchObject({ status: "failed" });
    expect(run.mermaid).toMatch(/:::failed/);
    expect((await get("/api/runs?status=nonsense")).status).toBe(400);
  });

  it("answers every page with the security policy, and 404 for what is not there", async () => {
    const page = await get("/triggers/broken");
    expect(page.status).toBe(200);
    const policy = page.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await page.text()).toContain('<base href="/" />');
    expect((await get("/api/triggers/nope")).status).toBe(404);
    expect((await get("/api/runs/nope")).status).toBe(404);
    expect((await get("/assets/../../package.json")).status).toBe(404);
    expect((await get("/vendor/mermaid/../package.json")).status).toBe(404);
    expect((await get("/assets/app.js")).headers.get("content-type")).toContain("javascript");
    expect((await get("/vendor/mermaid/mermaid.esm.min.mjs")).status).toBe(200);
    const packed = await get("/assets/app.js", { headers: { "accept-encoding": "gzip, br" } });
    expect(packed.headers.get("content-encoding")).toBe("gzip");
  });

  it("mounts under a base path", async () => {
    const mounted = createInspector({ store, provenance, basePath: "/ops/tickflow/" });
    const page = await mounted.fetch(new Request("http://x.test/ops/tickflow/runs"));
    expect(await page.text()).toContain('<base href="/ops/tickflow/" />');
    expect((await mounted.fetch(new Request("http://x.test/api/triggers"))).status).toBe(404);
    expect(
      (await mounted.fetch(new Request("http://x.test/ops/tickflow/api/triggers"))).status,
    ).toBe(200);
    mounted.close();
  });

  it("answers only to the allowed host names (DNS rebinding)", async () => {
    const local = createInspector({ store, allowedHostnames: ["localhost", "127.0.0.1", "::1"] });
    const at = (host: string) =>
      local.fetch(new Request(`http://${host}/api/triggers`, { headers: { host } }));
    expect((await at("127.0.0.1:8765")).status).toBe(200);
    expect((await at("[::1]:8765")).status).toBe(200);
    expect((await at("localhost")).status).toBe(200);
    expect((await at("evil.example:8765")).status).toBe(421);
    local.close();
  });

  it("streams the trigger list as Server-Sent Events", async () => {
    const abort = new AbortController();
    const response = await get("/api/live", { signal: abort.signal });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("event: triggers")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toMatch(/event: triggers\ndata: \[\{"name":"broken"/);
    await reader.cancel();
    abort.abort();
  });

  it("refuses actions when off, and without the token when on", async () => {
    const post = (target: Inspector, auth?: string, type = "application/json") =>
      target.fetch(
        new Request("http://x.test/api/triggers/spare/deactivate", {
          method: "POST",
          headers: { "content-type": type, ...(auth ? { authorization: auth } : {}) },
          body: JSON.stringify({ note: "why" }),
        }),
      );
    expect((await post(inspector)).status).toBe(403);
    const taken: string[] = [];
    const acting = createInspector({
      store,
      provenance,
      token: TOKEN,
      actions: {
        fire: async () => ({}),
        activate: async () => {},
        deactivate: async (name, note) => taken.push(`${name}: ${note}`),
      },
    });
    expect((await post(acting)).status).toBe(401);
    expect((await post(acting, "Bearer not-the-token-at-all")).status).toBe(401);
    expect((await post(acting, `Bearer ${TOKEN}`, "text/plain")).status).toBe(415);
    expect((await post(acting, `Bearer ${TOKEN}`)).status).toBe(200);
    expect(taken).toEqual(["spare: why"]);
    acting.close();
    expect(() =>
      createInspector({
        store,
        actions: { fire: async () => ({}), activate: async () => {}, deactivate: async () => {} },
      }),
    ).toThrow(InspectorTokenMissing);
    expect(() => createInspector({ store, token: "short" })).toThrow(/16 characters/);
  });
});
