import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import type { NodeOptions } from "../../src/dag/NodeOptions.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import type { TriggerSpec } from "../../src/namespace/TriggerDefinition.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import type { Clock } from "../../src/schedule/Clock.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import {
  type ManagerEvent,
  TriggerManager,
  type TriggerManagerOptions,
} from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";

/** Monday 2026-01-05 00:00:00 UTC: every simulated schedule starts here. */
export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** One macrotask turn. */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits, turn by turn, until `condition` holds. The real-time bound only turns a hang
 * into a readable failure; no test asserts how long anything took.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  maxRealMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + maxRealMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await turn();
  }
}

/** A promise the test opens when it wants: a DAG node blocked on it runs "long". */
export interface Gate {
  readonly promise: Promise<void>;
  readonly opened: boolean;
  open(): void;
}

export function gate(): Gate {
  let resolve!: () => void;
  let opened = false;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return {
    promise,
    get opened() {
      return opened;
    },
    open() {
      opened = true;
      resolve();
    },
  };
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, the promise resolved");
}

/** What `fn` throws (fails the test if it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw, none happened");
}

export interface HarnessOptions {
  /** Record runs in a DagProvenance file next to the trigger store. */
  readonly provenance?: boolean;
  /** A clock other than a TestClock at T0 (the real-time test). */
  readonly clock?: Clock;
}

/**
 * A namespace, a TriggerStore (and optionally a DagProvenance) on real SQLite files in a
 * fresh temp dir, a TestClock at T0, and managers that record what they report.
 */
export class Harness {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-"));
  readonly ns = new Namespace();
  readonly clock: Clock;
  readonly store: TriggerStore;
  readonly provenance: DagProvenance | undefined;
  /** Everything every manager of this harness reported through onEvent, in order. */
  readonly events: ManagerEvent[] = [];
  /** Everything reported through onError; tests expect it empty unless they say so. */
  readonly errors: unknown[] = [];
  readonly #managers: TriggerManager[] = [];
  /** Reports by kind and by kind|trigger: counting stays cheap over 10,000s of reports. */
  readonly #counts = new Map<string, number>();

  constructor(options: HarnessOptions = {}) {
    this.clock = options.clock ?? new TestClock(T0);
    this.store = new TriggerStore(path.join(this.dir, "triggers.db"));
    this.provenance = options.provenance
      ? new DagProvenance(path.join(this.dir, "provenance.db"))
      : undefined;
  }

  get testClock(): TestClock {
    if (!(this.clock instanceof TestClock)) throw new Error("this harness has no TestClock");
    return this.clock;
  }

  manager(options: Partial<TriggerManagerOptions> = {}): TriggerManager {
    const manager = new TriggerManager({
      namespace: this.ns,
      store: this.store,
      clock: this.clock,
      ...(this.provenance ? { provenance: this.provenance } : {}),
      onEvent: (event) => {
        this.events.push(event);
        for (const key of [event.kind, `${event.kind}|${event.trigger}`]) {
          this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
        }
      },
      onError: (error) => this.errors.push(error),
      ...options,
    });
    this.#managers.push(manager);
    return manager;
  }

  /**
   * Registers `fn` under `<branch>:fn` and a one-node DAG around it under
   * `<branch>:dag`; returns the DAG's nsref.
   */
  dag<I, O>(
    branch: string,
    fn: (input: I, ctx: NodeContext) => O | Promise<O>,
    options: NodeOptions = {},
  ): string {
    const node = this.ns.register(fn as (input: unknown, ctx: NodeContext) => unknown, {
      nsref: `${branch}:fn`,
      ...options,
    });
    const dag = new Dag();
    dag.node(node);
    const nsref = `${branch}:dag`;
    this.ns.register(dag, { nsref });
    return nsref;
  }

  /** A poll trigger in UTC. */
  poll(name: string, dagNsref: string, schedule: string, extra: Partial<TriggerSpec> = {}): void {
    this.ns.registerTrigger({
      name,
      dagNsref,
      triggerType: "poll",
      schedule,
      timezone: "UTC",
      ...extra,
    });
  }

  /** What managers reported of one kind (optionally for one trigger). */
  reported(kind: ManagerEvent["kind"], trigger?: string): ManagerEvent[] {
    return this.events.filter(
      (e) => e.kind === kind && (trigger === undefined || e.trigger === trigger),
    );
  }

  /** How many events of `kind` (for `trigger`) managers reported. */
  count(kind: ManagerEvent["kind"], trigger?: string): number {
    return this.#counts.get(trigger === undefined ? kind : `${kind}|${trigger}`) ?? 0;
  }

  /** Waits until managers reported `n` events of `kind` (for `trigger`). */
  async reportedAtLeast(n: number, kind: ManagerEvent["kind"], trigger?: string): Promise<void> {
    await until(
      () => this.count(kind, trigger) >= n,
      `${n} "${kind}" reports${trigger ? ` of ${trigger}` : ""} (have ${this.count(kind, trigger)})`,
    );
  }

  /** Advances the TestClock by `ms` and waits until `n` runs have finished in all. */
  async advanceAndFinish(ms: number, n: number, trigger?: string): Promise<void> {
    await this.testClock.advance(ms);
    await this.reportedAtLeast(n, "finished", trigger);
  }

  /** Stops every manager (grace 0 on the TestClock is given by advancing) and closes files. */
  async close(): Promise<void> {
    for (const manager of this.#managers.splice(0)) {
      const stopped = manager.stop({ graceMs: 0 });
      if (this.clock instanceof TestClock) await this.clock.advance(0);
      await stopped;
    }
    this.store.close();
    this.provenance?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Call at the top of a test file: returns a maker of harnesses that are closed
 * (managers stopped, files removed) after each test.
 */
export function harnessPerTest(): (options?: HarnessOptions) => Harness {
  let open: Harness[] = [];
  afterEach(async () => {
    const closing = open;
    open = [];
    for (const h of closing) await h.close();
  });
  return (options) => {
    const h = new Harness(options);
    open.push(h);
    return h;
  };
}
