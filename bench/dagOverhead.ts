import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Dag } from "../src/dag/Dag.js";
import { DagProvenance } from "../src/provenance/DagProvenance.js";
import { NullProvenance } from "../src/provenance/NullProvenance.js";
import { DagRunner } from "../src/run/DagRunner.js";
import { type Metrics, median, round, tempDir } from "./lib.js";
import { benchOtelSdk } from "./otelSdk.js";

/**
 * How long and how often `dagOverhead` measures.
 *
 * @example
 * ```ts
 * const options: DagOverheadOptions = { rounds: 5, roundMs: 1000 };
 * ```
 */
export interface DagOverheadOptions {
  readonly rounds: number;
  readonly roundMs: number;
  readonly dir?: string;
}

const WIDTH = 100;

/** A chain of `n` no-op nodes: each passes its input on. */
function chainDag(n: number): Dag {
  const dag = new Dag();
  let previous = dag.node((x: number) => x + 1, { label: "n0" });
  for (let i = 1; i < n; i++)
    previous = previous.to(dag.node((x: number) => x + 1, { label: `n${i}` }));
  return dag;
}

/** One source feeding `n` no-op leaves (n + 1 nodes). */
function fanOutDag(n: number): Dag {
  const dag = new Dag();
  const source = dag.node((x: number) => x, { label: "source" });
  for (let i = 0; i < n; i++) source.to(dag.node((x: number) => x + i, { label: `leaf${i}` }));
  return dag;
}

type Contender = {
  readonly name: string;
  readonly nodes: number;
  readonly run: () => Promise<unknown>;
  /** Runs with the OpenTelemetry SDK registered (spans exported to memory). */
  readonly otel?: boolean;
};

/**
 * `dag_overhead`: what the runner costs per node, for a 100-node chain and a 100-wide
 * fan-out of no-op nodes, with `NullProvenance` and with `DagProvenance` (SQLite), against
 * the same work as bare awaited promises in the same process. Contenders alternate within
 * each round (rotating order); figures are medians over the rounds.
 */
export async function dagOverhead(options: DagOverheadOptions): Promise<Metrics> {
  const dir = tempDir(options.dir, "dag");
  const provenance = new DagProvenance(path.join(dir, "provenance.db"));
  try {
    const chain = chainDag(WIDTH);
    const fan = fanOutDag(WIDTH);
    const nullChain = new DagRunner(chain, { provenance: NullProvenance });
    const nullFan = new DagRunner(fan, { provenance: NullProvenance });
    const durableChain = new DagRunner(chain, { provenance });
    const durableFan = new DagRunner(fan, { provenance });
    const step = async (x: number) => x + 1;
    const contenders: readonly Contender[] = [
      {
        name: "bare_chain",
        nodes: WIDTH,
        run: async () => {
          let x = 0;
          for (let i = 0; i < WIDTH; i++) x = await step(x);
          return x;
        },
      },
      {
        name: "bare_fanout",
        nodes: WIDTH + 1,
        run: async () => {
          const x = await step(0);
          return Promise.all(Array.from({ length: WIDTH }, (_, i) => step(x + i)));
        },
      },
      { name: "null_chain", nodes: WIDTH, run: () => nullChain.run(0) },
      { name: "null_fanout", nodes: WIDTH + 1, run: () => nullFan.run(0) },
      { name: "durable_chain", nodes: WIDTH, run: () => durableChain.run(0) },
      { name: "durable_fanout", nodes: WIDTH + 1, run: () => durableFan.run(0) },
      { name: "otel_chain", nodes: WIDTH, run: () => nullChain.run(0), otel: true },
      { name: "otel_fanout", nodes: WIDTH + 1, run: () => nullFan.run(0), otel: true },
    ];
    const sdk = benchOtelSdk();
    const cpu = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    const once = async (contender: Contender, ms: number) => {
      if (contender.otel) sdk.on();
      try {
        return await measure(contender, ms);
      } finally {
        if (contender.otel) await sdk.off();
      }
    };
    const measure = async (contender: Contender, ms: number) => {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const deadline = start + ms;
      let runs = 0;
      do {
        const result = (await contender.run()) as { status?: string };
        if (result?.status !== undefined && result.status !== "completed") {
          throw new Error(`${contender.name}: run ${result.status}`);
        }
        runs += 1;
      } while (performance.now() < deadline);
      const used = process.cpuUsage(cpuStart);
      cpu.get(contender.name)?.push((used.user + used.system) / (runs * contender.nodes));
      return ((performance.now() - start) * 1000) / (runs * contender.nodes);
    };
    for (const contender of contenders) await once(contender, Math.min(500, options.roundMs));
    const perRound = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const contender = contenders[(round + k) % contenders.length] as Contender;
        perRound.get(contender.name)?.push(await once(contender, options.roundMs));
      }
    }
    const us = (name: string) => median(perRound.get(name) ?? []);
    // CPU time of the process (all its threads, GC included) per node: what a node costs
    // when the machine's other load steals wall time from the run.
    // (The first entry of each is its warm-up.)
    const cpuUs = (name: string) => median((cpu.get(name) ?? []).slice(1));
    return {
      us_per_node: round(us("null_chain")),
      us_per_node_fanout: round(us("null_fanout")),
      us_per_node_durable: round(us("durable_chain")),
      us_per_node_durable_fanout: round(us("durable_fanout")),
      cpu_us_per_node: round(cpuUs("null_chain")),
      cpu_us_per_node_fanout: round(cpuUs("null_fanout")),
      bare_us_per_node: round(us("bare_chain"), 3),
      bare_us_per_node_fanout: round(us("bare_fanout"), 3),
      ratio_to_bare: round(us("null_chain") / us("bare_chain"), 1),
      ratio_to_bare_fanout: round(us("null_fanout") / us("bare_fanout"), 1),
      // With the OpenTelemetry SDK registered (a span per run and per node, to memory).
      otel_us_per_node: round(us("otel_chain")),
      otel_us_per_node_fanout: round(us("otel_fanout")),
      otel_cpu_us_per_node: round(cpuUs("otel_chain")),
      otel_cpu_us_per_node_fanout: round(cpuUs("otel_fanout")),
    };
  } finally {
    provenance.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
