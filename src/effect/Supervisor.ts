import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Scope from "effect/Scope";
import type { TriggerInspection } from "../inspect/inspect.js";
import {
  InvalidNsref,
  InvalidTriggerDefinition,
  InvalidTriggerOption,
  NsrefNotFound,
  ScheduleNotAllowed,
  ScheduleRequired,
  TriggerNotFound,
} from "../namespace/errors.js";
import { Provenance } from "../provenance/Provenance.js";
import type { DagRunResult } from "../run/DagRunner.js";
import { InvalidSchedule } from "../schedule/InvalidSchedule.js";
import { InvalidTimezone } from "../schedule/InvalidTimezone.js";
import { isStoreFailure, type StoreFailure } from "../store/errors.js";
import {
  CodeDefinedTrigger,
  DataTriggerNotFound,
  DataTriggerRefUnknown,
  TriggerDefinitionNotJson,
} from "../supervisor/dataTriggerErrors.js";
import type { DataTriggerChange, DataTriggerDefinition } from "../supervisor/dataTriggerSpec.js";
import {
  ManagerAlreadyStarted,
  NotLeader,
  NotOwner,
  PayloadInvalid,
  TriggerBusy,
  TriggerNotActive,
} from "../supervisor/errors.js";
import type { HealthOptions, SupervisorHealth } from "../supervisor/ManagerOptions.js";
import { TriggerManager, type TriggerManagerOptions } from "../supervisor/TriggerManager.js";
import { LeaseLost } from "../trigger/LeaseLost.js";
import { TriggerStoreService } from "./TriggerStoreService.js";

/** Why `activate` failed: unknown trigger or DAG, another owner's lease, the store. */
export type ActivateError = TriggerNotFound | NsrefNotFound | NotOwner | LeaseLost | StoreFailure;
/** Why `deactivate` failed. */
export type DeactivateError = TriggerNotFound | NotOwner | LeaseLost | StoreFailure;
/** Why `fire` failed before a run (a run that fails is a result with status `failed`). */
export type FireError =
  | TriggerNotFound
  | TriggerNotActive
  | PayloadInvalid
  | TriggerBusy
  | NotLeader
  | NotOwner
  | LeaseLost
  | StoreFailure;
/** Why `upsertTrigger` refused a definition (nothing was stored), or the store failed. */
export type UpsertTriggerError =
  | InvalidTriggerOption
  | InvalidTriggerDefinition
  | InvalidSchedule
  | InvalidTimezone
  | InvalidNsref
  | ScheduleRequired
  | ScheduleNotAllowed
  | TriggerDefinitionNotJson
  | DataTriggerRefUnknown
  | CodeDefinedTrigger
  | StoreFailure;
/** Why `removeTrigger` refused (nothing was changed), or the store failed. */
export type RemoveTriggerError = DataTriggerNotFound | CodeDefinedTrigger | StoreFailure;
/** Why the layer could not start the supervisor. */
export type StartError = ActivateError | ManagerAlreadyStarted;

/**
 * The supervisor for Effect programs: the `TriggerManager` of the layer, and its
 * operations with their typed errors in the error channel. A failure outside those
 * types (a bug) is a defect. Interrupting `fire` does not stop the run: the supervisor
 * owns it, as for a scheduled fire.
 *
 * @example
 * ```ts
 * const result = yield* Supervisor.fire("orders", { orderId: 42 });
 * ```
 */
export interface SupervisorService {
  readonly manager: TriggerManager;
  activate(name: string): Effect.Effect<void, ActivateError>;
  deactivate(name: string): Effect.Effect<void, DeactivateError>;
  fire(name: string, payload?: Record<string, unknown>): Effect.Effect<DagRunResult, FireError>;
  /** See `TriggerManager.upsertTrigger`. */
  upsertTrigger(
    definition: DataTriggerDefinition,
    options?: { readonly by?: string },
  ): Effect.Effect<DataTriggerChange, UpsertTriggerError>;
  /** See `TriggerManager.removeTrigger`. */
  removeTrigger(
    name: string,
    options?: { readonly by?: string },
  ): Effect.Effect<DataTriggerChange, RemoveTriggerError>;
  inspect(): Effect.Effect<readonly TriggerInspection[], StoreFailure>;
  health(options?: HealthOptions): Effect.Effect<SupervisorHealth>;
}

/**
 * Options of `Supervisor.layer`: the `TriggerManager`'s, without the stores (they come
 * from the layer's `TriggerStoreService` and `Provenance`).
 *
 * @example
 * ```ts
 * Supervisor.layer({ namespace: ns, activate: ["hourly"], graceMs: 5_000 });
 * ```
 */
export interface SupervisorLayerOptions
  extends Omit<TriggerManagerOptions, "store" | "provenance"> {
  /** Triggers to activate before the supervisor starts. */
  readonly activate?: readonly string[];
  /** How long runs in flight get to finish when the scope closes (default 10 000 ms). */
  readonly graceMs?: number;
}

type Known = new (...args: any[]) => Error;
const UPSERT: readonly Known[] = [
  InvalidTriggerOption,
  InvalidTriggerDefinition,
  InvalidSchedule,
  InvalidTimezone,
  InvalidNsref,
  ScheduleRequired,
  ScheduleNotAllowed,
  TriggerDefinitionNotJson,
  DataTriggerRefUnknown,
  CodeDefinedTrigger,
];
const ACTIVATE: readonly Known[] = [TriggerNotFound, NsrefNotFound, NotOwner, LeaseLost];
const FIRE: readonly Known[] = [
  TriggerNotFound,
  TriggerNotActive,
  PayloadInvalid,
  TriggerBusy,
  NotLeader,
  NotOwner,
  LeaseLost,
];

/** A Promise-returning operation as an Effect: its known errors typed, the rest defects. */
function typed<A, E>(run: () => Promise<A>, known: readonly Known[]): Effect.Effect<A, E> {
  return Effect.tryPromise({ try: run, catch: (error) => error }).pipe(
    Effect.catchAll((error) =>
      isStoreFailure(error) || known.some((k) => error instanceof k)
        ? Effect.fail(error as E)
        : Effect.die(error),
    ),
  );
}

/** The service's operations over a manager. */
function serviceOf(manager: TriggerManager): SupervisorService {
  return {
    manager,
    activate: (name) => typed(() => manager.activate(name), ACTIVATE),
    deactivate: (name) => typed(() => manager.deactivate(name), ACTIVATE),
    fire: (name, payload = {}) => typed(() => manager.fire(name, payload), FIRE),
    upsertTrigger: (definition, options) =>
      typed(() => manager.upsertTrigger(definition, options), UPSERT),
    removeTrigger: (name, options) =>
      typed(() => manager.removeTrigger(name, options), [DataTriggerNotFound, CodeDefinedTrigger]),
    inspect: () => typed(() => manager.inspect(), []),
    health: (options) => Effect.promise(() => manager.health(options)),
  };
}

/**
 * The supervisor as an Effect service, with a scoped layer: building the layer starts
 * the supervisor (after activating `activate`), closing its scope stops it gracefully
 * (runs in flight get `graceMs`, then are recorded `interrupted` and resumed by the next
 * start). It needs a `TriggerStoreService` and `Provenance` (`DagProvenance.layer`).
 *
 * DAG nodes that return an `Effect` get their requirements from the context the layer is
 * built in (every service the layers given to it with `Layer.provide` hold), plus the
 * `services` option.
 *
 * @example
 * ```ts
 * const app = Supervisor.layer({ namespace: ns, activate: ["hourly"] }).pipe(
 *   Layer.provide(TriggerStoreService.layer("./data/triggers.db")),
 *   Layer.provide(DagProvenance.layer("./data/provenance.db")),
 * );
 * Effect.runFork(Layer.launch(app)); // interrupt the fiber to stop
 * ```
 */
export class Supervisor extends Context.Tag("tickflow/Supervisor")<
  Supervisor,
  SupervisorService
>() {
  static layer(
    options: SupervisorLayerOptions,
  ): Layer.Layer<Supervisor, StartError, TriggerStoreService | Provenance> {
    const { activate = [], graceMs, services, ...rest } = options;
    return Layer.scoped(
      Supervisor,
      Effect.gen(function* () {
        const store = yield* TriggerStoreService;
        const provenance = yield* Provenance;
        // The build context, less its Scope (a node must not add finalizers to the layer's).
        const context = Context.omit(Scope.Scope)(yield* Effect.context<never>());
        const manager = new TriggerManager({
          ...rest,
          store,
          provenance: { layer: Layer.succeed(Provenance, provenance), service: provenance },
          services: services === undefined ? context : Context.merge(context, services),
        });
        const service = serviceOf(manager);
        yield* Effect.acquireRelease(
          Effect.gen(function* () {
            for (const name of activate) yield* service.activate(name);
            yield* typed<void, ManagerAlreadyStarted | StoreFailure>(
              () => manager.start(),
              [ManagerAlreadyStarted, LeaseLost],
            );
          }),
          () =>
            Effect.promise(() =>
              manager
                .stop(graceMs === undefined ? {} : { graceMs })
                .catch((error: unknown) => options.onError?.(error, undefined)),
            ),
        );
        return service;
      }),
    );
  }

  /** Activates a trigger through the layer's supervisor. */
  static activate(name: string): Effect.Effect<void, ActivateError, Supervisor> {
    return Effect.flatMap(Supervisor, (s) => s.activate(name));
  }

  /** Deactivates a trigger through the layer's supervisor. */
  static deactivate(name: string): Effect.Effect<void, DeactivateError, Supervisor> {
    return Effect.flatMap(Supervisor, (s) => s.deactivate(name));
  }

  /** Fires a trigger now and succeeds with the run's result. */
  static fire(
    name: string,
    payload: Record<string, unknown> = {},
  ): Effect.Effect<DagRunResult, FireError, Supervisor> {
    return Effect.flatMap(Supervisor, (s) => s.fire(name, payload));
  }

  /** Creates or changes a trigger defined as data (see `TriggerManager.upsertTrigger`). */
  static upsertTrigger(
    definition: DataTriggerDefinition,
    options?: { readonly by?: string },
  ): Effect.Effect<DataTriggerChange, UpsertTriggerError, Supervisor> {
    return Effect.flatMap(Supervisor, (s) => s.upsertTrigger(definition, options));
  }

  /** Removes a trigger defined as data (see `TriggerManager.removeTrigger`). */
  static removeTrigger(
    name: string,
    options?: { readonly by?: string },
  ): Effect.Effect<DataTriggerChange, RemoveTriggerError, Supervisor> {
    return Effect.flatMap(Supervisor, (s) => s.removeTrigger(name, options));
  }

  /** What `inspect()` shows for each trigger. */
  static inspect(): Effect.Effect<readonly TriggerInspection[], StoreFailure, Supervisor> {
    return Effect.flatMap(Supervisor, (s) => s.inspect());
  }

  /** The supervisor's health (see `SupervisorHealth`). */
  static health(options?: HealthOptions): Effect.Effect<SupervisorHealth, never, Supervisor> {
    return Effect.flatMap(Supervisor, (s) => s.health(options));
  }
}
