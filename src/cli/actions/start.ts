import type { Command } from "commander";
import { formatInstant } from "../../inspect/formatInstant.js";
import type { ManagerEvent } from "../../supervisor/TriggerManager.js";
import { TriggerManager } from "../../supervisor/TriggerManager.js";
import type { CommandKit } from "../CommandKit.js";
import { databasePaths } from "../databasePaths.js";
import { loadNamespace } from "../loadNamespace.js";
import { parseOption } from "../parseOption.js";
import { when } from "../when.js";

/** The `start` command's work, loaded when the command runs (see ../commands/start.ts). */
export async function startAction(
  kit: CommandKit,
  modulePath: string,
  options: { for?: string; grace: string },
  command: Command,
): Promise<void> {
  const seconds = options.for === undefined ? undefined : parseOption.seconds("--for", options.for);
  const graceMs = parseOption.seconds("--grace", options.grace) * 1000;
  const namespace = await loadNamespace(modulePath, kit.io.cwd);
  const logger = await kit.logger(command);
  const out = kit.out;
  const c = out.color;
  const globals = kit.options(command);
  const paths = databasePaths({ data: globals.data, db: globals.db }, kit.io.cwd);
  const dbs = await kit.open(command, { mode: "write" });
  const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
  let signal: ReturnType<typeof stopSignal> | undefined;
  try {
    const width = Math.max(0, ...namespace.listTriggers().map((t) => t.name.length));
    const onEvent = (event: ManagerEvent) => out.line(eventLine(kit, event, width));
    const manager = new TriggerManager({
      namespace,
      store,
      provenance: dbs.provenance as NonNullable<typeof dbs.provenance>,
      onEvent,
      // The manager logs its own structured lines (fires, runs, nodes) to it.
      logger,
      onError: (error, trigger) => {
        // The manager logs it too: print a plain line only when the log would not.
        if (logger.isLevelEnabled("error")) return;
        out.warn(
          `tickflow: ${trigger ? `[${trigger}] ` : ""}${error instanceof Error ? error.message : String(error)}`,
        );
      },
    });
    // Listening from here on: a Ctrl-C during start-up still stops gracefully.
    signal = stopSignal(seconds, () => {
      out.warn(
        "tickflow: stopping now; runs in flight are interrupted and resumed on the next start",
      );
    });
    const stored = new Map((await store.listActivations()).map((a) => [a.name, a]));
    for (const definition of namespace.listTriggers()) {
      const existing = stored.get(definition.name);
      if (existing === undefined) {
        await manager.activate(definition.name);
        out.line(`activated ${c.bold(definition.name)} (new)`);
      } else if (existing.status === "disabled") {
        out.line(
          `${c.bold(definition.name)} stays disabled (tickflow activate ${definition.name} --module ${modulePath})`,
        );
      }
    }
    // Triggers defined as data are not in the module: they are stored in the database.
    const data = new Set(
      (await store.definitionsSince(0)).filter((d) => d.removedAt === undefined).map((d) => d.name),
    );
    for (const name of stored.keys()) {
      if (!namespace.hasTrigger(name) && !data.has(name)) {
        out.line(
          c.yellow(`${name} is stored but ${modulePath} does not define it: it will not fire`),
        );
      }
    }
    await manager.start();
    const role = manager.status();
    if (role.role === "standby") {
      out.line(
        c.yellow(
          `standby: another supervisor (${role.holder ?? "unknown"}) holds ${paths.triggers}; this one takes over when it stops`,
        ),
      );
    }
    const active = Object.entries(manager.states()).filter(
      ([, state]) => state === "active" || state === "firing",
    );
    // Never print a PostgreSQL URL as given: it may hold a password.
    const where = paths.postgres
      ? store.location
      : paths.shared
        ? paths.triggers
        : `${paths.triggers} + ${paths.provenance}`;
    if (role.role === "member") {
      out.line(
        `sharing the triggers with the other supervisors on ${store.location}: this one (${role.ownerId}) owns ${role.owned.length} now; the share follows as supervisors come and go`,
      );
    }
    out.line(
      `supervising ${active.length} trigger${active.length === 1 ? "" : "s"} from ${modulePath} (${where}); ${seconds === undefined ? "Ctrl-C to stop" : `stopping after ${seconds} s`}`,
    );
    for (const [name] of active) {
      const next = manager.nextFireAt(name);
      // A tick already due is being caught up (its line follows): no "next" to show.
      if (next !== undefined && next.getTime() > Date.now()) {
        out.line(`  ${name}: next fire ${when(next, Date.now())}`);
      }
    }
    const reason = await signal.stopped;
    out.line(`stopping (${reason}); runs in flight get ${graceMs / 1000} s to finish`);
    await manager.stop({ graceMs });
    out.line("stopped");
  } finally {
    signal?.dispose();
    await dbs.close();
  }
}

/**
 * The reason to stop, once there is one: SIGINT, SIGTERM, or `--for` elapsed. A second
 * signal while stopping exits at once (code 130): the write-ahead records make that
 * safe, and a person pressing Ctrl-C twice means it. `dispose` removes the listeners and
 * the timer, so a failed start-up does not linger.
 */
function stopSignal(
  seconds: number | undefined,
  onForce: () => void,
): { readonly stopped: Promise<string>; dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  let resolveStop: (reason: string) => void = () => {};
  const force = () => {
    onForce();
    process.exit(130);
  };
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  const dispose = () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", force);
    process.off("SIGTERM", force);
    if (timer !== undefined) clearTimeout(timer);
  };
  const stop = (reason: string) => {
    dispose();
    process.once("SIGINT", force);
    process.once("SIGTERM", force);
    resolveStop(reason);
  };
  const stopped = new Promise<string>((resolve) => {
    resolveStop = resolve;
  });
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onTerm);
  if (seconds !== undefined) {
    timer = setTimeout(() => stop(`--for ${seconds} s elapsed`), seconds * 1000);
  }
  return { stopped, dispose };
}

/** One line per supervisor event: time, trigger, what happened, the run and the tick. */
function eventLine(kit: CommandKit, event: ManagerEvent, width: number): string {
  const out = kit.out;
  const parts = [
    out.color.dim(formatInstant(event.at).padEnd(24)),
    out.color.bold(event.trigger.padEnd(width)),
    out.status(event.kind.padEnd(15)),
  ];
  if (event.runId !== undefined) parts.push(`run ${event.runId}`);
  if (event.status !== undefined) parts.push(out.status(event.status));
  if (event.scheduledAt !== undefined)
    parts.push(out.color.dim(`tick ${formatInstant(event.scheduledAt)}`));
  if (event.error !== undefined) parts.push(out.color.red(event.error));
  return parts.join("  ");
}
