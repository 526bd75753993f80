/**
 * The helpers a scenario's child process needs, in plain JavaScript so that a child
 * running the built package with plain `node` (no TypeScript loader) can use them too;
 * `lib.ts` re-exports them for the children written in TypeScript. Types in
 * `childLib.d.mts`.
 */
import { performance } from "node:perf_hooks";

export const round = (n, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function childArgs() {
  return JSON.parse(process.argv[2] ?? "{}");
}

export function childDone(result) {
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
  process.exit(0);
}

export function cpuMs(since) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

export const rssMb = () => process.memoryUsage().rss / 1024 / 1024;

export function retainedHeapMb() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Imports `specifier` and says how long it took (ms, `performance.now()` around it). */
export async function timedImport(specifier) {
  const t0 = performance.now();
  const module = await import(specifier);
  return { module, ms: performance.now() - t0 };
}

/**
 * The application's namespace both tickflow children start from: one no-op DAG and
 * `count` triggers named `${prefix}0…` on `schedule`, built with the package the child
 * imported (`tickflow`: its exports).
 */
export function noopNamespace(tickflow, { count, prefix, schedule }) {
  const ns = new tickflow.Namespace();
  const dag = new tickflow.Dag();
  dag.node(() => null, { label: "noop" });
  ns.register(dag, { nsref: "bench:noop" });
  for (let k = 0; k < count; k++) {
    ns.registerTrigger({
      name: `${prefix}${k}`,
      dagNsref: "bench:noop",
      triggerType: "poll",
      schedule,
    });
  }
  return ns;
}
