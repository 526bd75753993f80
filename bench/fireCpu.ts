/**
 * Process CPU per fire of `fire_throughput`'s tickflow contender alone, for A/B runs and
 * profiles of the fire path: the 3-node DAG fired from push triggers, the trigger store
 * and the run history in one SQLite file (`--two-files`: in two), one at a time and 16
 * at a time. Prints one JSON line: CPU µs per fire, fires/s, commits and SQL statements
 * per fire (by operation with `--statements`).
 *
 * Usage: `npx tsx bench/fireCpu.ts [--fires 2000] [--rounds 3] [--two-files] [--statements]`
 * Profile: bundle it (`npx esbuild bench/fireCpu.ts --bundle --platform=node --format=esm
 * --packages=external --outfile=/tmp/fireCpu.mjs`), run `node --cpu-prof /tmp/fireCpu.mjs`
 * from the repository root, read it with `bench/profileSummary.ts`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Dag } from "../src/dag/Dag.js";
import { Namespace } from "../src/namespace/Namespace.js";
import { DagProvenance } from "../src/provenance/DagProvenance.js";
import type { SqliteStore } from "../src/store/SqliteStore.js";
import { TriggerManager } from "../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../src/trigger/TriggerStore.js";

const { values } = parseArgs({
  options: {
    fires: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    lanes: { type: "string", default: "16" },
    "two-files": { type: "boolean", default: false },
    statements: { type: "boolean", default: false },
    /** Only one of the two modes: `seq` (one at a time) or `conc` (`lanes` at a time). */
    only: { type: "string" },
    /** Where the database files go (default: the OS temp folder). */
    dir: { type: "string" },
    /** Experiments: `PRAGMA`s run on the store before the fires (`cache_size = -16000`). */
    pragma: { type: "string", multiple: true, default: [] },
  },
});
const fires = Number(values.fires);
const rounds = Number(values.rounds);
const lanes = Number(values.lanes);
const oneFile = !values["two-files"];

/** Counts the statements (by operation) and commits run through `store`. */
function countStatements(store: SqliteStore, counts: Map<string, number>): void {
  const bump = (operation: string) => counts.set(operation, (counts.get(operation) ?? 0) + 1);
  const wrap = <K extends "run" | "get" | "all">(method: K) => {
    const original = store[method].bind(store) as (...args: unknown[]) => unknown;
    (store as unknown as Record<K, unknown>)[method] = (operation: string, ...rest: unknown[]) => {
      bump(`${method} ${operation}`);
      return original(operation, ...rest);
    };
  };
  wrap("run");
  wrap("get");
  wrap("all");
}

const dir = fs.mkdtempSync(path.join(values.dir ?? os.tmpdir(), "tickflow-firecpu-"));
const ns = new Namespace();
const dag = new Dag();
dag
  .node(({ i }: { i: number }) => i + 1, { label: "a" })
  .to(dag.node((x: number) => x + 1, { label: "b" }))
  .to(dag.node((x: number) => x + 1, { label: "c" }));
ns.register(dag, { nsref: "bench:chain" });
for (let k = 0; k < lanes; k++) {
  ns.registerTrigger({ name: `push${k}`, dagNsref: "bench:chain", triggerType: "push" });
}
const store = new TriggerStore(path.join(dir, "triggers.db"));
const provenance = oneFile
  ? new DagProvenance(store.store)
  : new DagProvenance(path.join(dir, "provenance.db"));
const stores = oneFile ? [store.store] : [store.store, provenance.store];
for (const pragma of values.pragma) for (const s of stores) s.run("pragma", `PRAGMA ${pragma}`);
const counts = new Map<string, number>();
const manager = new TriggerManager({ namespace: ns, store, provenance });
await Promise.all(Array.from({ length: lanes }, (_, k) => manager.activate(`push${k}`)));
await manager.start();

async function drive(n: number, inFlight: number): Promise<number> {
  const perLane = Math.ceil(n / inFlight);
  await Promise.all(
    Array.from({ length: inFlight }, async (_, lane) => {
      for (let i = 0; i < perLane; i++) {
        const result = await manager.fire(`push${lane}`, { i });
        if (result.status !== "completed") throw new Error(`fire ${result.status}`);
      }
    }),
  );
  return perLane * inFlight;
}

const commits = () => stores.reduce((sum, s) => sum + s.commitCount, 0);
await drive(Math.min(500, fires), 1);
await drive(Math.min(500, fires), lanes);
if (values.statements) for (const s of stores) countStatements(s, counts);
const out: Record<string, unknown> = { oneFile, fires, rounds };
for (const [key, inFlight] of [
  ["seq", 1],
  ["conc", lanes],
] as const) {
  if (values.only !== undefined && values.only !== key) continue;
  const cpu: number[] = [];
  const system: number[] = [];
  const rate: number[] = [];
  let commitsPerFire = 0;
  counts.clear();
  for (let r = 0; r < rounds; r++) {
    const c0 = commits();
    const t0 = performance.now();
    const u0 = process.cpuUsage();
    const done = await drive(fires, inFlight);
    const used = process.cpuUsage(u0);
    rate.push(done / ((performance.now() - t0) / 1000));
    cpu.push((used.user + used.system) / done);
    system.push(used.system / done);
    commitsPerFire = (commits() - c0) / done;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  out[`${key}_cpu_us`] = cpu.map(Math.round);
  out[`${key}_cpu_us_median`] = Math.round(median(cpu) ?? 0);
  out[`${key}_system_cpu_us_median`] = Math.round(median(system) ?? 0);
  out[`${key}_fires_per_s`] = Math.round(median(rate) ?? 0);
  out[`${key}_commits_per_fire`] = Number(commitsPerFire.toFixed(2));
  if (values.statements) {
    const total = fires * rounds;
    let all = 0;
    const byOperation: Record<string, number> = {};
    for (const [operation, n] of [...counts].sort((a, b) => b[1] - a[1])) {
      byOperation[operation] = Number((n / total).toFixed(2));
      all += n;
    }
    out[`${key}_statements_per_fire`] = Number((all / total).toFixed(2));
    out[`${key}_statements`] = byOperation;
  }
}
out.loadavg = os.loadavg().map((x) => Number(x.toFixed(1)));
await manager.stop();
store.close();
if (!oneFile) provenance.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(out));
