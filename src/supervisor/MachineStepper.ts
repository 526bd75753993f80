import { type AnyActorScope, createActor, type ExecutableActionObject } from "xstate";
import {
  initialTriggerContext,
  type TriggerContext,
  type TriggerEvent,
  type TriggerInput,
  type TriggerSnapshot,
  type TriggerStateValue,
  triggerMachine,
} from "../../machines/trigger.machine.js";

/** The actions of a step that executes none (shared: nothing appends to it). */
const NO_ACTIONS: readonly ExecutableActionObject[] = Object.freeze([]);

/**
 * Steps the trigger machine purely, like XState's `transition(machine, snapshot, event)`,
 * but with one inert actor scope made once instead of a new actor per call: XState's
 * helper builds an actor and a system on every call (about 80 µs here), which is most of
 * a fire's cost when a thousand triggers fall due together; the machine's own
 * `transition(snapshot, event, scope)` with a reused scope gives the same snapshot and
 * action list (checked by the tests) in about a sixth of the time. The machine spawns and
 * invokes nothing, so the scope's actor and system are never used for children.
 *
 * @example
 * ```ts
 * const stepper = new MachineStepper();
 * const [next, actions] = stepper.step(stepper.initial({ name: "t" }), { type: "ACTIVATE" });
 * ```
 */
export class MachineStepper {
  #actions: ExecutableActionObject[] = [];
  #last:
    | {
        readonly snapshot: TriggerSnapshot;
        readonly event: TriggerEvent;
        readonly result: readonly [TriggerSnapshot, readonly ExecutableActionObject[]];
      }
    | undefined;
  readonly #scope: AnyActorScope;
  /** One resolved snapshot per state, made on first use: `#at` clones it with a context. */
  readonly #templates = new Map<TriggerStateValue, TriggerSnapshot>();

  constructor() {
    const self = createActor(triggerMachine, { input: { name: "stepper" } });
    this.#scope = {
      self,
      defer: () => {},
      id: "",
      logger: () => {},
      sessionId: "",
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: (action: ExecutableActionObject) => {
        this.#actions.push(action);
      },
    } as unknown as AnyActorScope;
  }

  /**
   * The machine's initial snapshot for a trigger (like XState's `initialTransition`):
   * the `inactive` state with the input's context, without a transition. The initial
   * state has no entry actions, so this is the same snapshot (checked by the tests); a
   * full initial transition allocates ~14 KB, resolving the state ~1.5 KB, this copy of a
   * state resolved once only the context and the snapshot (10,000 at a boot).
   */
  initial(input: TriggerInput): TriggerSnapshot {
    return this.#at("inactive", initialTriggerContext(input));
  }

  /**
   * The next snapshot and the named actions the transition executes (not run). The
   * transition is pure, so the same snapshot and event objects give the same answer: the
   * last one is kept, and the fire path's look-ahead (does this FIRE or TICK start a run?)
   * followed by the step itself costs one transition, not two.
   */
  step(
    snapshot: TriggerSnapshot,
    event: TriggerEvent,
  ): readonly [TriggerSnapshot, readonly ExecutableActionObject[]] {
    const last = this.#last;
    if (last !== undefined && last.snapshot === snapshot && last.event === event) {
      return last.result;
    }
    if (event.type === "ACTIVATE") {
      const direct = this.#activate(snapshot);
      if (direct !== undefined) return direct;
    }
    this.#actions = [];
    const next = triggerMachine.transition(snapshot, event, this.#scope) as TriggerSnapshot;
    const result = [next, this.#actions] as const;
    this.#last = { snapshot, event, result };
    return result;
  }

  /**
   * ACTIVATE without the macrostep: every new trigger's first step (10,000 at a boot)
   * and the ACTIVATE every service instance sends its active triggers at boot. Neither
   * transition has actions or touches the context, so the answer is known in advance:
   * `inactive` (and `disabled` with nothing in flight) goes `active`, `disabled` with runs
   * in flight goes `firing` (the machine's `hasInFlight` guard), and `active` or `firing`
   * ignore it (the same snapshot, as XState returns). The tests check each case against
   * XState's `transition`. XState's own path costs ~8 KB of garbage per call.
   * `undefined` for a snapshot that is not a plain running one (never seen here).
   */
  #activate(
    snapshot: TriggerSnapshot,
  ): readonly [TriggerSnapshot, readonly ExecutableActionObject[]] | undefined {
    if (snapshot.status !== "active" || snapshot.machine !== triggerMachine) return undefined;
    switch (snapshot.value) {
      case "inactive":
        return [this.#at("active", snapshot.context), NO_ACTIONS];
      case "disabled": {
        const target = snapshot.context.inFlight.length > 0 ? "firing" : "active";
        return [this.#at(target, snapshot.context), NO_ACTIONS];
      }
      case "active":
      case "firing":
        return [snapshot, NO_ACTIONS];
      default:
        return undefined;
    }
  }

  /**
   * The snapshot of `value` with `context`: a shallow copy of one resolved once, so it
   * shares that one's state nodes, (empty) tags, children and history, which XState never
   * mutates (it copies on write, and itself shares `children` between snapshots).
   */
  #at(value: TriggerStateValue, context: TriggerContext): TriggerSnapshot {
    let template = this.#templates.get(value);
    if (template === undefined) {
      template = triggerMachine.resolveState({
        value,
        context: initialTriggerContext({ name: "" }),
      }) as TriggerSnapshot;
      this.#templates.set(value, template);
    }
    return { ...template, context } as TriggerSnapshot;
  }
}
