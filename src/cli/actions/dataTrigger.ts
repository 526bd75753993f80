import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { DataTriggerExists, DataTriggerNotFound } from "../../supervisor/dataTriggerErrors.js";
import { type DataTriggerChange, dataTriggerSpec } from "../../supervisor/dataTriggerSpec.js";
import { configOf } from "../../supervisor/ledgerRows.js";
import type { TriggerStore } from "../../trigger/TriggerStore.js";
import type { CommandKit } from "../CommandKit.js";
import { InvalidOption, SupervisorRunning } from "../errors.js";
import { loadNamespace } from "../loadNamespace.js";
import { parseOption } from "../parseOption.js";
import { withManager } from "../withManager.js";

/** The flags of `tickflow trigger add|update`: each sets one field of the definition. */
export interface DefinitionFlags {
  readonly module: string;
  readonly file?: string;
  readonly dag?: string;
  readonly type?: string;
  readonly schedule?: string;
  readonly every?: string;
  readonly timezone?: string;
  readonly jitter?: string;
  readonly startAt?: string;
  readonly endAt?: string;
  readonly payload?: string;
  readonly poll?: string;
  readonly overlap?: string;
  readonly maxConcurrent?: string;
  readonly pollTimeout?: string;
  readonly catchUp?: string;
  readonly maxCatchUp?: string;
  readonly catchUpWindow?: string;
  readonly pauseAfterFailures?: string;
  readonly by?: string;
  readonly json?: boolean;
}

/** Flag → definition field, for the flags that carry text as it is. */
const TEXT_FIELDS = {
  dag: "dagNsref",
  type: "triggerType",
  schedule: "schedule",
  every: "every",
  timezone: "timezone",
  jitter: "jitter",
  startAt: "startAt",
  endAt: "endAt",
  poll: "pollNsref",
  overlap: "overlap",
  catchUp: "catchUp",
} as const;

/** Flag → definition field, for the flags that carry a number. */
const NUMBER_FIELDS = {
  maxConcurrent: "maxConcurrent",
  pollTimeout: "pollTimeout",
  maxCatchUp: "maxCatchUp",
  catchUpWindow: "catchUpWindow",
  pauseAfterFailures: "pauseAfterFailures",
} as const;

/** How long a running supervisor has to apply a change (it reads them each heartbeat). */
const APPLY_MS = 15_000;

/**
 * `tickflow trigger add|update <name>`: the definition from `--file` and the flags (a
 * flag wins over the file; `update` without `--file` changes only the fields given), then
 * stored — through an in-process manager when no supervisor runs, else written to the
 * definitions table for the running supervisor(s) to apply at their next heartbeat.
 */
export async function upsertAction(
  kit: CommandKit,
  mode: "add" | "update",
  name: string | undefined,
  flags: DefinitionFlags,
  command: Command,
): Promise<void> {
  const fromFile = flags.file === undefined ? {} : readDefinitionFile(kit, flags.file);
  const given = withInferredType(mode, {
    ...fromFile,
    ...definitionOfFlags(flags),
    ...(name === undefined ? {} : { name }),
  });
  const target = typeof given.name === "string" ? given.name : String(name);
  const namespace = await loadNamespace(flags.module, kit.io.cwd);
  const by = flags.by === undefined ? {} : { by: flags.by };
  const outcome = await directOrStored(
    kit,
    command,
    flags.module,
    async (store) => {
      const standing = await standingDefinition(store, target);
      if (mode === "add" && standing !== undefined) throw new DataTriggerExists({ name: target });
      if (mode === "update" && standing === undefined) {
        throw new DataTriggerNotFound({ name: target, nearest: [] });
      }
      // `update` patches the stored definition unless a whole one is given (--file).
      return flags.file === undefined && standing !== undefined ? { ...standing, ...given } : given;
    },
    (manager, definition) => manager.upsertTrigger(definition as never, by),
    async (store, definition) => {
      const { definition: checked, json } = dataTriggerSpec(namespace, definition);
      const version = await store.writeDefinition({
        name: checked.name,
        json,
        by: flags.by ?? null,
        at: Date.now(),
      });
      const applied = await waitFor(async () => {
        const record = await store.getActivation(checked.name);
        if (record === undefined) return false;
        if (mode === "add") return record.status === "active";
        return (
          record.dagNsref === checked.dagNsref &&
          JSON.stringify(record.config) === JSON.stringify(configOf(checked))
        );
      });
      return {
        change: { name: checked.name, action: mode === "add" ? "created" : "updated", version },
        applied,
      } as const;
    },
  );
  report(kit, outcome, flags.json);
}

/** `tickflow trigger remove <name>`. */
export async function removeAction(
  kit: CommandKit,
  name: string,
  flags: { readonly module?: string; readonly by?: string; readonly json?: boolean },
  command: Command,
): Promise<void> {
  const by = flags.by === undefined ? {} : { by: flags.by };
  const outcome = await directOrStored(
    kit,
    command,
    flags.module,
    async (store) => {
      if ((await standingDefinition(store, name)) === undefined) {
        throw new DataTriggerNotFound({ name, nearest: [] });
      }
      return { name };
    },
    (manager) => manager.removeTrigger(name, by),
    async (store) => {
      const version = await store.writeDefinition({
        name,
        json: null,
        by: flags.by ?? null,
        at: Date.now(),
      });
      const applied = await waitFor(
        async () => (await store.getActivation(name))?.status !== "active",
      );
      return { change: { name, action: "removed", version }, applied } as const;
    },
  );
  report(kit, outcome, flags.json);
}

type Outcome = {
  readonly change: DataTriggerChange;
  /** Applied by this command (`direct`), or by a running supervisor in time (`true`). */
  readonly applied: boolean | "direct";
};

/**
 * Checks the change against the stored definitions (`prepare`), then makes it in process
 * (`direct`, holding the database lease) or, while a supervisor runs, writes it for the
 * supervisor to apply (`stored`) and waits a moment for it to.
 */
async function directOrStored(
  kit: CommandKit,
  command: Command,
  modulePath: string | undefined,
  prepare: (store: TriggerStore) => Promise<Record<string, unknown>>,
  direct: (
    manager: Parameters<Parameters<typeof withManager>[3]>[0],
    definition: Record<string, unknown>,
  ) => Promise<DataTriggerChange>,
  stored: (store: TriggerStore, definition: Record<string, unknown>) => Promise<Outcome>,
): Promise<Outcome> {
  try {
    const change = await withManager(
      kit,
      command,
      modulePath,
      async (manager) => direct(manager, await prepare(manager.store)),
      { createDatabase: true },
    );
    return { change, applied: "direct" };
  } catch (error) {
    if (!(error instanceof SupervisorRunning)) throw error;
  }
  const dbs = await kit.open(command, { mode: "write" });
  try {
    const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
    const outcome = await stored(store, await prepare(store));
    kit.out.warn(
      outcome.applied
        ? "a supervisor is running on this database: it applied the change"
        : `a supervisor is running on this database: the change is stored (version ${outcome.change.version}); it was not applied within ${APPLY_MS / 1000} s — a supervisor applies it at its next heartbeat or start`,
    );
    return outcome;
  } finally {
    await dbs.close();
  }
}

function report(kit: CommandKit, outcome: Outcome, json: boolean | undefined): void {
  const { change, applied } = outcome;
  if (json) {
    kit.out.json({ ...change, viaSupervisor: applied !== "direct", applied: applied !== false });
    return;
  }
  kit.out.line(`${change.action} ${change.name} (version ${change.version})`);
}

/** The standing data definition of `name`, as stored, or `undefined`. */
async function standingDefinition(
  store: TriggerStore,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  await store.ready();
  const row = (await store.definitionsSince(0)).find((d) => d.name === name);
  if (row?.definitionJson === undefined) return undefined;
  return JSON.parse(row.definitionJson) as Record<string, unknown>;
}

/**
 * `add` without a type: a definition naming a poll function is a poll trigger, one with a
 * schedule (cron or `every`) a cron trigger. Anything else still needs `--type`, so a
 * forgotten `--schedule` is reported instead of making a push trigger nobody fires.
 */
function withInferredType(
  mode: "add" | "update",
  given: Record<string, unknown>,
): Record<string, unknown> {
  if (mode !== "add" || given.triggerType !== undefined) return given;
  if (given.pollNsref !== undefined) return { ...given, triggerType: "poll" };
  if (given.schedule !== undefined || given.every !== undefined) {
    return { ...given, triggerType: "cron" };
  }
  return given;
}

/** The fields the flags set. */
function definitionOfFlags(flags: DefinitionFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(TEXT_FIELDS)) {
    const value = flags[flag as keyof typeof TEXT_FIELDS];
    if (value !== undefined) out[field] = value;
  }
  for (const [flag, field] of Object.entries(NUMBER_FIELDS)) {
    const value = flags[flag as keyof typeof NUMBER_FIELDS];
    if (value === undefined) continue;
    const n = Number(value);
    // Not a number: handed on as text, so the definition's check quotes it.
    out[field] = value.trim() !== "" && Number.isFinite(n) ? n : value;
  }
  if (flags.payload !== undefined) out.payload = parseOption.payload("--payload", flags.payload);
  return out;
}

function readDefinitionFile(kit: CommandKit, file: string): Record<string, unknown> {
  const full = path.resolve(kit.io.cwd, file);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch (error) {
    throw new InvalidOption({
      option: "--file",
      value: file,
      reason: `cannot be read (${error instanceof Error ? error.message : String(error)})`,
      example: "--file ./customer-42.json",
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidOption({
      option: "--file",
      value: file,
      reason: `is not JSON (${error instanceof Error ? error.message : String(error)})`,
      example: '--file ./customer-42.json holding {"name": "customer_42", ...}',
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidOption({
      option: "--file",
      value: file,
      reason: "does not hold a JSON object",
      example: '--file ./customer-42.json holding {"name": "customer_42", ...}',
    });
  }
  return parsed as Record<string, unknown>;
}

async function waitFor(probe: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + APPLY_MS;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
