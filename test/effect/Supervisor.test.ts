import path from "node:path";
import { Context, Effect, Either, Exit, Layer } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { Supervisor } from "../../src/effect/Supervisor.js";
import { TriggerStoreService } from "../../src/effect/TriggerStoreService.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import type { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { makeTempDir } from "../store/tempDir.js";

class Greeting extends Context.Tag("test/Greeting")<Greeting, { readonly word: string }>() {}

let cleanup: () => void = () => {};
afterEach(() => cleanup());

/** A namespace with a push trigger "hang" whose Effect node never ends until interrupted. */
function withHangingTrigger(seen: { started: boolean; interrupted: boolean }): Namespace {
  const ns = greetNamespace();
  const dag = new Dag();
  dag.node(
    () =>
      Effect.sync(() => {
        seen.started = true;
      }).pipe(
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            seen.interrupted = true;
          }),
        ),
      ),
    { label: "hang" },
  );
  ns.register(dag, { nsref: "jobs:hang" });
  ns.registerTrigger({ name: "hang", dagNsref: "jobs:hang", triggerType: "push" });
  return ns;
}

/** A namespace with a push trigger "greet" whose DAG is an Effect node needing Greeting. */
function greetNamespace(): Namespace {
  const ns = new Namespace();
  const dag = new Dag();
  dag.node(
    (input: { name?: string }) =>
      Effect.map(Greeting, (g) => `${g.word}, ${input.name ?? "nobody"}`),
    { label: "greet" },
  );
  ns.register(dag, { nsref: "jobs:greet" });
  ns.registerTrigger({ name: "greet", dagNsref: "jobs:greet", triggerType: "push" });
  return ns;
}

/** Fresh SQLite files, and the app layer over them with a Greeting service. */
function setup() {
  const temp = makeTempDir();
  cleanup = temp.cleanup;
  const ns = greetNamespace();
  const stores = Layer.merge(
    TriggerStoreService.layer(path.join(temp.dir, "triggers.db")),
    DagProvenance.layer(path.join(temp.dir, "provenance.db")),
  );
  const app = (options: Partial<Parameters<typeof Supervisor.layer>[0]> = {}) =>
    Supervisor.layer({ namespace: ns, activate: ["greet"], ...options }).pipe(
      Layer.provide(stores),
      Layer.provide(Layer.succeed(Greeting, { word: "Hello" })),
    );
  return { dir: temp.dir, app };
}

describe("Supervisor.layer", () => {
  it("starts the supervisor when built and stops it when its scope closes", async () => {
    const { app } = setup();
    let manager: TriggerManager | undefined;
    const role = await Effect.runPromise(
      Effect.gen(function* () {
        const supervisor = yield* Supervisor;
        manager = supervisor.manager;
        return supervisor.manager.status().role;
      }).pipe(Effect.provide(app())),
    );
    expect(role).toBe("leader");
    expect(manager?.started).toBe(false);
  });

  it("fires with the Effect node's requirements taken from the layer's context", async () => {
    const { app } = setup();
    const result = await Effect.runPromise(
      Supervisor.fire("greet", { name: "Ada" }).pipe(Effect.provide(app())),
    );
    expect(result).toMatchObject({ status: "completed", outputs: { greet: "Hello, Ada" } });
  });

  it("activate, deactivate, inspect and health as Effects; typed errors in the error channel", async () => {
    const { app } = setup();
    const program = Effect.gen(function* () {
      const unknown = yield* Effect.either(Supervisor.fire("nope"));
      yield* Supervisor.deactivate("greet");
      const inactive = yield* Effect.either(Supervisor.fire("greet"));
      const states = (yield* Supervisor.inspect()).map((t) => [t.name, t.state]);
      yield* Supervisor.activate("greet");
      const missing = yield* Effect.either(Supervisor.activate("nope"));
      const health = yield* Supervisor.health();
      return { unknown, inactive, states, missing, health };
    });
    const out = await Effect.runPromise(program.pipe(Effect.provide(app())));
    expect(Either.isLeft(out.unknown) && out.unknown.left._tag).toBe("TriggerNotFound");
    expect(Either.isLeft(out.inactive) && out.inactive.left._tag).toBe("TriggerNotActive");
    expect(out.states).toEqual([["greet", "disabled"]]);
    expect(Either.isLeft(out.missing) && out.missing.left._tag).toBe("TriggerNotFound");
    expect(out.health).toMatchObject({ ok: true, role: "leader" });
  });

  it("upsertTrigger and removeTrigger as Effects; a refused definition is a typed error", async () => {
    const { app } = setup();
    const program = Effect.gen(function* () {
      const created = yield* Supervisor.upsertTrigger({
        name: "greet_data",
        dagNsref: "jobs:greet",
        triggerType: "push",
      });
      const bad = yield* Effect.either(
        Supervisor.upsertTrigger({
          name: "x",
          dagNsref: "jobs:greet",
          triggerType: "push",
          overlap: "allowALL" as never,
        }),
      );
      const sources = (yield* Supervisor.inspect()).map((t) => [t.name, t.source]);
      const removed = yield* Supervisor.removeTrigger("greet_data", { by: "test" });
      const again = yield* Effect.either(Supervisor.removeTrigger("greet_data"));
      return { created, bad, sources, removed, again };
    });
    const out = await Effect.runPromise(program.pipe(Effect.provide(app())));
    expect(out.created).toMatchObject({ name: "greet_data", action: "created" });
    expect(Either.isLeft(out.bad) && out.bad.left._tag).toBe("InvalidTriggerOption");
    expect(out.sources).toEqual([
      ["greet", "code"],
      ["greet_data", "data"],
    ]);
    expect(out.removed.action).toBe("removed");
    expect(Either.isLeft(out.again) && out.again.left._tag).toBe("DataTriggerNotFound");
  });

  it("closing the scope stops gracefully: a run still in flight after graceMs is interrupted", async () => {
    const { app } = setup();
    const seen = { started: false, interrupted: false };
    let manager: TriggerManager | undefined;
    const program = Effect.gen(function* () {
      const supervisor = yield* Supervisor;
      manager = supervisor.manager;
      yield* Effect.fork(supervisor.fire("hang"));
      while (!seen.started) yield* Effect.yieldNow();
    });
    await Effect.runPromise(
      program.pipe(
        Effect.provide(
          app({
            activate: ["greet", "hang"],
            graceMs: 0,
            namespace: withHangingTrigger(seen),
          }),
        ),
      ),
    );
    expect(seen.interrupted).toBe(true);
    expect(manager?.started).toBe(false);
  });

  it("fails to build with TriggerNotFound for an unknown trigger in `activate`, started nothing", async () => {
    const { app } = setup();
    const exit = await Effect.runPromiseExit(
      Effect.void.pipe(Effect.provide(app({ activate: ["nope"] }))),
    );
    expect(Exit.isFailure(exit)).toBe(true);
    if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain("TriggerNotFound");
  });

  it("fails to build with the store's typed error when the database cannot be opened", async () => {
    const { dir } = setup();
    const ns = new Namespace();
    const layer = Supervisor.layer({ namespace: ns }).pipe(
      Layer.provide(
        Layer.merge(
          TriggerStoreService.layer(path.join(dir, "no", "such", "dir", "triggers.db"), {
            readonly: true,
          }),
          DagProvenance.layer(path.join(dir, "provenance.db")),
        ),
      ),
    );
    const either = await Effect.runPromise(Effect.either(Layer.build(layer).pipe(Effect.scoped)));
    expect(Either.isLeft(either) && either.left._tag).toMatch(
      /^(StoreError|NotADatabase|DatabaseReadOnly)$/,
    );
  });
});
