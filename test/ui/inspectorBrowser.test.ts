/**
 * The web inspector in a real browser (headless Chromium from Debian, driven by
 * puppeteer-core), against a supervisor running as its own process on SQLite:
 * the triggers page follows the fires live, a failed run shows its failed node, a
 * kill -9 and restart shows the missed ticks with their reasons, actions need the
 * token, and strings from the database never run as script.
 * Screenshots land in the test's temp folder (UPDATE_SCREENSHOTS=1 also copies them to
 * docs/ for the README).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createInspector,
  DagProvenance,
  type InspectorServer,
  SqliteStore,
  startInspectorServer,
  TriggerStore,
} from "../../src/index.js";
import { CLI, ROOT } from "../cli/fixtures/tickflow.js";
import { launchBrowser, noBrowser, waitInPage, watchedPage } from "./fixtures/browser.js";

const FIXTURE = path.join(ROOT, "test/ui/fixtures/uiNamespace.ts");
const SUPERVISOR = path.join(ROOT, "test/ui/fixtures/uiSupervisor.ts");
const XSS_NAME = "<img src=x onerror=alert(1)>";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(path.join(tmpdir(), "tickflow-ui-"));
const screens = path.join(dir, "screens");
mkdirSync(screens);
const children = new Set<ChildProcess>();
let browser: Browser | undefined;
let server: InspectorServer | undefined;
let stores: SqliteStore[] = [];

/** Starts the fixture supervisor; resolves once it printed `ready`. */
async function startSupervisor(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", SUPERVISOR, dir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  await lineFrom(child, (line) => line === "ready", 30_000);
  return child;
}

/** Resolves with the first stdout line of `child` that passes `test` (bounded). */
function lineFrom(child: ChildProcess, test: (line: string) => boolean, ms: number) {
  return new Promise<string>((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error(`no such line within ${ms} ms`)), ms);
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      for (const line of buffered.split("\n")) {
        if (test(line.trim())) {
          clearTimeout(timer);
          resolve(line.trim());
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`the child exited (${code}) first`)));
  });
}

async function shot(page: import("puppeteer-core").Page, name: string): Promise<void> {
  const file = path.join(screens, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  // The README's copies: what a person first sees (the viewport), not the whole page.
  if (process.env.UPDATE_SCREENSHOTS === "1" && name !== "ui-xss") {
    await page.screenshot({ path: path.join(ROOT, "docs", `${name}.png`) });
  }
}

/** The inspector over the databases, opened read-only, in this process. */
async function openInspector(): Promise<string> {
  const triggers = SqliteStore.open(path.join(dir, "triggers.db"), { readonly: true });
  const history = SqliteStore.open(path.join(dir, "provenance.db"), { readonly: true });
  stores = [triggers, history];
  const inspector = createInspector({
    store: new TriggerStore(triggers),
    provenance: new DagProvenance(history),
    pollMs: 250,
  });
  server = await startInspectorServer(inspector, { host: "127.0.0.1", port: 0 });
  return server.url;
}

describe.skipIf(noBrowser !== undefined)(
  `the inspector in Chromium${noBrowser ? ` (skipped: ${noBrowser})` : ""}`,
  () => {
    let supervisor: ChildProcess;
    let url: string;

    beforeAll(async () => {
      supervisor = await startSupervisor();
      url = await openInspector();
      browser = await launchBrowser();
    }, 60_000);

    afterAll(async () => {
      for (const child of children) child.kill("SIGKILL");
      await browser?.close();
      await server?.close();
      for (const store of stores) store.close();
    });

    it("the triggers page follows the every-second trigger live: ledger count grows, state changes, no reload", async () => {
      const { page, watch } = await watchedPage(browser as Browser);
      await page.goto(url, { waitUntil: "networkidle2" });
      await page.evaluate("window.__sameDocument = true");
      const row = `document.querySelector('tr[data-trigger="every_second"]')`;
      const first = Number(
        await waitInPage(
          page,
          "the every_second row",
          `${row}?.querySelector("td.ledger")?.dataset.total`,
        ),
      );
      const states = new Set<string>();
      for (let i = 0; i < 120 && (states.size < 2 || states.has("firing") === false); i++) {
        states.add(String(await page.evaluate(`${row}?.dataset.state`)));
        await sleep(50);
      }
      expect([...states]).toEqual(expect.arrayContaining(["active", "firing"]));
      await waitInPage(
        page,
        "the ledger count to grow by 2",
        `Number(${row}?.querySelector("td.ledger")?.dataset.total) >= ${first + 2}`,
      );
      expect(await page.evaluate("window.__sameDocument")).toBe(true);
      expect(await page.$eval("#live", (el) => el.textContent)).toContain("live");
      // The budget: the page without Mermaid (which this page does not load at all).
      const bytes = await watch.transferred({ except: "/api/live" });
      expect(bytes).toBeLessThan(1_000_000);
      expect(await watch.transferred({ only: "/vendor/mermaid/" })).toBe(0);
      process.stdout.write(`triggers page transferred ${bytes} bytes\n`);
      await shot(page, "ui-triggers");
      expect(watch.errors).toEqual([]);
      expect(await watch.violations()).toEqual([]);
      await page.close();
    }, 60_000);

    it("a failed run's page draws the failed node in red and shows its error", async () => {
      const history = new DagProvenance(stores[1] as SqliteStore);
      const [failed] = await history.getRecentRuns({ status: "failed", limit: 1 });
      expect(failed).toBeDefined();
      const { page, watch } = await watchedPage(browser as Browser);
      await page.goto(`${url}runs/${failed?.runId}`, { waitUntil: "networkidle2" });
      await waitInPage(page, "the DAG drawn", `document.querySelector("#dag")?.dataset.drawn`);
      expect(
        await page.$eval(
          "#dag",
          (el) => (el as unknown as { dataset: { drawn: string } }).dataset.drawn,
        ),
      ).toBe("svg");
      const fill = await page.evaluate(`(() => {
      const node = document.querySelector("#dag svg g.node.failed");
      const shape = node?.querySelector("rect, path, polygon");
      return shape ? getComputedStyle(shape).fill : null;
    })()`);
      expect(fill).toBe("rgb(255, 227, 227)"); // #ffe3e3, runToMermaid's "failed"
      expect(await page.$eval("#dag svg g.node.failed", (el) => el.textContent)).toContain("boom");
      const row = await page.$eval('tr[data-node="boom"]', (el) => ({
        status: el.getAttribute("data-status"),
        error: el.querySelector(".node-error")?.textContent,
      }));
      expect(row.status).toBe("failed");
      // The map node's three child runs: nested in the drawing, and listed with their nodes.
      expect(await page.$$eval("section.child[data-run]", (els) => els.length)).toBe(3);
      expect(await page.$$eval("#dag svg g.cluster", (els) => els.length)).toBe(3);
      expect(row.error).toContain("<script>window.__pwned = 1</script> boom");
      expect(await page.evaluate("window.__pwned")).toBeUndefined();
      const bytes = await watch.transferred({ except: "/vendor/mermaid/" });
      const mermaid = await watch.transferred({ only: "/vendor/mermaid/" });
      expect(bytes).toBeLessThan(1_000_000);
      process.stdout.write(`run page transferred ${bytes} bytes + Mermaid ${mermaid}\n`);
      await shot(page, "ui-run");
      await page.goto(`${url}runs`, { waitUntil: "networkidle2" });
      await waitInPage(
        page,
        "the runs listed",
        `document.querySelectorAll("tr[data-run]").length >= 3`,
      );
      await shot(page, "ui-runs");
      await page.goto(`${url}runs?status=failed`, { waitUntil: "networkidle2" });
      await waitInPage(
        page,
        "the failed run listed",
        `document.querySelector('tr[data-run="${failed?.runId}"]')`,
      );
      expect(
        await page.$$eval("tr[data-run]", (rows) => rows.map((r) => r.getAttribute("data-status"))),
      ).toEqual(["failed"]);
      expect(watch.dialogs).toEqual([]);
      expect(watch.errors).toEqual([]);
      expect(await watch.violations()).toEqual([]);
      await page.close();
    }, 60_000);

    it("after kill -9 and a restart, the trigger page shows the missed ticks with their reasons", async () => {
      supervisor.kill("SIGKILL");
      await new Promise((resolve) => supervisor.once("exit", resolve));
      await sleep(3_500);
      supervisor = await startSupervisor();
      const { page, watch } = await watchedPage(browser as Browser);
      await page.goto(`${url}triggers/every_second`, { waitUntil: "networkidle2" });
      const reason = await waitInPage(
        page,
        "a missed tick in the ledger",
        `document.querySelector('#ledger li[data-status="missed"] .reason')?.textContent`,
        20_000,
      );
      expect(reason).toMatch(/missed|down|catch-up/i);
      await waitInPage(
        page,
        "the machine drawn",
        `document.querySelector("#machine")?.dataset.drawn === "svg"`,
      );
      const current = await page.evaluate(
        `document.querySelector("#machine svg g.current")?.textContent`,
      );
      expect(["active", "firing"]).toContain(String(current).trim());
      expect(await page.$eval("#replay", (el) => el.textContent)).toMatch(
        /journal entries replay to/,
      );
      process.stdout.write(
        `trigger page transferred ${await watch.transferred({ except: "/vendor/mermaid/" })} bytes + Mermaid ${await watch.transferred({ only: "/vendor/mermaid/" })}\n`,
      );
      await shot(page, "ui-trigger");
      expect(watch.errors).toEqual([]);
      expect(await watch.violations()).toEqual([]);
      await page.close();
    }, 60_000);

    it("tickflow ui --allow-actions refuses actions without the token, takes them with it", async () => {
      const ui = spawn(
        process.execPath,
        [...CLI, "ui", "--data", dir, "--port", "0", "--allow-actions", "--module", FIXTURE],
        { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
      );
      children.add(ui);
      const line = await lineFrom(ui, (l) => l.startsWith("tickflow ui: http"), 30_000);
      const link = line.replace("tickflow ui: ", "");
      const base = link.split("#")[0] as string;
      const token = new URLSearchParams(link.split("#")[1]).get("token");
      expect(token?.length).toBeGreaterThanOrEqual(16);
      const post = (kind: string, auth?: string) =>
        fetch(`${base}api/triggers/spare/${kind}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
          body: JSON.stringify({ note: "from the test" }),
        });
      expect((await post("deactivate")).status).toBe(401);
      expect((await post("deactivate", "Bearer wrong-token-wrong-token")).status).toBe(401);
      // In the page: no token typed, the button is refused and says so.
      const { page } = await watchedPage(browser as Browser);
      await page.goto(`${base}triggers/spare`, { waitUntil: "networkidle2" });
      await page.click('button[data-action="deactivate"]');
      const refused = await waitInPage(
        page,
        "the refusal",
        `document.querySelector(".action-result")?.textContent?.includes("refused") && document.querySelector(".action-result").textContent`,
      );
      expect(refused).toContain("token");
      await page.close();
      const done = await post("deactivate", `Bearer ${token}`);
      expect(done.status, await done.clone().text()).toBe(200);
      const spare = (await (await fetch(`${base}api/triggers/spare`)).json()) as {
        trigger: { status: string };
      };
      expect(spare.trigger.status).toBe("disabled");
      // Through the link printed at start (the token in its #fragment): the page acts.
      const { page: withToken } = await watchedPage(browser as Browser);
      await withToken.goto(`${base}triggers/spare#token=${token}`, { waitUntil: "networkidle2" });
      await withToken.type("input.note", "back on after the test");
      await withToken.click('button[data-action="activate"]');
      const answer = await waitInPage(
        withToken,
        "the activation",
        `document.querySelector(".action-result .ok, .action-result .error")?.textContent`,
        20_000,
      );
      expect(answer).toBe("activate done");
      expect(withToken.url()).not.toContain("token="); // taken out of the address bar
      await withToken.close();
      ui.kill("SIGTERM");
      // The read-only server in this process has no actions at all.
      expect((await fetch(`${url}api/triggers/spare/fire`, { method: "POST" })).status).toBe(403);
    }, 60_000);

    it("strings from the database never run as script (a trigger named like markup, an error with <script>)", async () => {
      supervisor.kill("SIGKILL");
      await new Promise((resolve) => supervisor.once("exit", resolve));
      // Names are validated when defined; a database can still hold anything.
      const db = new Database(path.join(dir, "triggers.db"));
      db.prepare(
        `INSERT INTO trigger_activations (name, dag_nsref, trigger_type, status, last_run_at, next_run_at,
         last_run_id, created_at, config_json, activated_at, snapshot_json, machine_version, state)
       SELECT ?, ?, trigger_type, status, last_run_at, next_run_at, last_run_id, created_at,
         config_json, activated_at, snapshot_json, machine_version, state
       FROM trigger_activations WHERE name = 'broken'`,
      ).run(XSS_NAME, "<svg onload=alert(2)>:x");
      db.prepare(
        `INSERT INTO trigger_events (event_id, trigger_name, fired_at, scheduled_at, run_id, payload_json, status, error, finished_at)
       VALUES ('xss-1', ?, ?, NULL, NULL, ?, 'failed', ?, ?)`,
      ).run(
        XSS_NAME,
        new Date().toISOString(),
        JSON.stringify({ html: "<img src=x onerror=alert(3)>" }),
        "<script>alert(4)</script><img src=x onerror=alert(5)>",
        new Date().toISOString(),
      );
      db.close();
      const { page, watch } = await watchedPage(browser as Browser);
      await page.goto(url, { waitUntil: "networkidle2" });
      await waitInPage(
        page,
        "the markup-named row",
        `document.querySelectorAll("tr[data-trigger]").length >= 4`,
      );
      const cell = await page.evaluate(
        `[...document.querySelectorAll("tr[data-trigger]")].map((r) => r.dataset.trigger)`,
      );
      expect(cell).toContain(XSS_NAME);
      expect(await page.$$eval("main img, main script, main svg", (els) => els.length)).toBe(0);
      await page.goto(`${url}triggers/${encodeURIComponent(XSS_NAME)}`, {
        waitUntil: "networkidle2",
      });
      await waitInPage(
        page,
        "the ledger row",
        `document.querySelector('#ledger li[data-status="failed"]')`,
      );
      expect(await page.$eval("#trigger-name", (el) => el.textContent)).toBe(XSS_NAME);
      expect(await page.$eval("#ledger", (el) => el.textContent)).toContain(
        "<script>alert(4)</script>",
      );
      expect(
        await page.$$eval("#ledger img, #ledger script, main > img", (els) => els.length),
      ).toBe(0);
      await waitInPage(
        page,
        "the machine drawn",
        `document.querySelector("#machine")?.dataset.drawn`,
      );
      await sleep(500);
      expect(watch.dialogs).toEqual([]);
      expect(watch.errors).toEqual([]);
      expect(await watch.violations()).toEqual([]);
      expect(await page.evaluate("window.__pwned")).toBeUndefined();
      await shot(page, "ui-xss");
      await page.close();
    }, 60_000);
  },
);
