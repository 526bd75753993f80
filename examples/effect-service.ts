/**
 * tickflow in an Effect service: the supervisor is a scoped layer (building it starts
 * the supervisor, closing its scope stops it gracefully), DAG nodes are Effects whose
 * services come from the application's layers, and the run's typed errors reach the
 * Effect caller.
 *
 * Run it with `node --import tsx examples/effect-service.ts` (SQLite files go to ./data).
 * It stops itself with SIGTERM after a few seconds, as an orchestrator would stop it.
 */
import { rmSync } from "node:fs";
import { Context, Data, Effect, Exit, Fiber, Layer } from "effect";
import {
  Dag,
  DagProvenance,
  Namespace,
  NodeFailed,
  Supervisor,
  TriggerStoreService,
} from "../src/index.js";

const dataDir = process.env.TICKFLOW_DATA ?? "./data";
rmSync(`${dataDir}/effect-triggers.db`, { force: true });
rmSync(`${dataDir}/effect-provenance.db`, { force: true });

// A service of the application, and the typed error of one of its operations.
class UnknownSymbol extends Data.TaggedError("UnknownSymbol")<{ readonly symbol: string }> {
  override get message() {
    return `no price for ${this.symbol}`;
  }
}
class Prices extends Context.Tag("example/Prices")<
  Prices,
  { readonly quote: (symbol: string) => Effect.Effect<number, UnknownSymbol> }
>() {}
const PricesLive = Layer.succeed(Prices, {
  quote: (symbol) =>
    symbol === "AAPL" ? Effect.succeed(185) : Effect.fail(new UnknownSymbol({ symbol })),
});

// An Effect node: its requirement (Prices) is provided from the layers the supervisor
// is built with; its output (a number) feeds the next node.
const ns = new Namespace();
const dag = new Dag();
dag
  .node(
    (input: { symbol?: string }) =>
      Effect.flatMap(Prices, (prices) => prices.quote(input.symbol ?? "AAPL")),
    { label: "quote" },
  )
  .to(dag.node((price: number) => `AAPL at $${price.toFixed(2)}`, { label: "report" }));
ns.register(dag, { nsref: "pipelines:quote" });
ns.registerTrigger({
  name: "every_second",
  dagNsref: "pipelines:quote",
  triggerType: "poll",
  schedule: "* * * * * *",
  timezone: "UTC",
});
ns.registerTrigger({ name: "on_demand", dagNsref: "pipelines:quote", triggerType: "push" });

// The supervisor layer over the two stores and the application's own services.
const SupervisorLive = Supervisor.layer({
  namespace: ns,
  activate: ["every_second", "on_demand"],
  graceMs: 2_000,
  onEvent: (event) => {
    if (event.kind === "finished") console.log(`  ${event.trigger}: run ${event.status}`);
  },
}).pipe(
  Layer.provide(TriggerStoreService.layer(`${dataDir}/effect-triggers.db`)),
  Layer.provide(DagProvenance.layer(`${dataDir}/effect-provenance.db`)),
  Layer.provide(PricesLive),
);

// What the service does once the supervisor runs: fire by hand, catch a node's typed
// error by its tag, then (for this demo) ask to be stopped.
const Tour = Layer.scopedDiscard(
  Effect.forkScoped(
    Effect.gen(function* () {
      const ok = yield* Supervisor.fire("on_demand", { symbol: "AAPL" });
      console.log(`on_demand: ${ok.status} ${JSON.stringify(ok.outputs)}`);
      const failed = yield* Supervisor.fire("on_demand", { symbol: "XYZ" });
      const error = failed.error;
      if (error instanceof NodeFailed && error.cause instanceof UnknownSymbol) {
        console.log(`on_demand: ${failed.status}, ${error.cause._tag} for ${error.cause.symbol}`);
      }
      yield* Effect.sleep("2500 millis");
      const health = yield* Supervisor.health();
      console.log(`health: ok=${health.ok} role=${health.role}`);
      process.kill(process.pid, "SIGTERM");
    }),
  ),
);

// The tour and the supervisor it uses, as one application layer.
const App = Tour.pipe(Layer.provideMerge(SupervisorLive));

// Layer.launch builds the layers and keeps them until interrupted: SIGINT/SIGTERM
// interrupt the fiber, which closes the scope and stops the supervisor gracefully.
const fiber = Effect.runFork(Layer.launch(App));
const stop = () => Effect.runFork(Fiber.interrupt(fiber));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
const exit = await Effect.runPromise(Fiber.await(fiber));
if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) {
  console.error("the service failed:", exit.cause);
  process.exitCode = 1;
} else {
  console.log("stopped gracefully");
}
