import type { Command } from "commander";
import type { TriggerCatalog } from "../../inspect/inspect.js";
import type { CommandKit } from "../CommandKit.js";
import { InvalidOption } from "../errors.js";

/**
 * `tickflow ui [--port 8765] [--host 127.0.0.1] [--allow-actions [--token T]]`: serves
 * the web inspector over the databases at `--data`/`--db` until Ctrl-C. Read-only
 * unless `--allow-actions`; the server and the pages load lazily (this file is all the
 * CLI loads for the command until it runs).
 *
 * @example
 * ```ts
 * uiCommand(program, kit); // tickflow ui --data ./data --port 8765
 * ```
 */
export function uiCommand(program: Command, kit: CommandKit): void {
  program
    .command("ui")
    .description("serve a web inspector: triggers live, ledgers with reasons, runs drawn as DAGs")
    .option("--port <n>", "port to listen on (0: any free port)", "8765")
    .option("--host <address>", "address to bind; beyond loopback it needs --token", "127.0.0.1")
    .option(
      "--allow-actions",
      "enable fire / activate / deactivate from the pages (token required)",
    )
    .option("--token <secret>", "the token actions need (default: a random one, printed at start)")
    .option(
      "--module <path>",
      "the module defining the triggers: lists those not activated yet; actions with no supervisor running need it",
    )
    .action(
      async (
        options: {
          port: string;
          host: string;
          allowActions?: boolean;
          token?: string;
          module?: string;
        },
        command: Command,
      ) => {
        const port = parsePort(options.port);
        const { randomBytes } = await import("node:crypto");
        const { UiHostNeedsToken } = await import("../../ui/errors.js");
        const { isLoopbackHost, startInspectorServer } = await import(
          "../../ui/startInspectorServer.js"
        );
        const { createInspector } = await import("../../ui/createInspector.js");
        if (!isLoopbackHost(options.host) && options.token === undefined) {
          throw new UiHostNeedsToken({ host: options.host });
        }
        const token = options.allowActions
          ? (options.token ?? randomBytes(18).toString("base64url"))
          : options.token;
        let namespace: TriggerCatalog | undefined;
        if (options.module !== undefined) {
          const { loadNamespace } = await import("../loadNamespace.js");
          namespace = await loadNamespace(options.module, kit.io.cwd);
        }
        const actions = options.allowActions
          ? (await import("../uiActions.js")).uiActions(kit, command, options.module)
          : undefined;
        const dbs = await kit.open(command, {
          mode: "read",
          triggers: "required",
          provenance: "optional",
        });
        try {
          const inspector = createInspector({
            store: dbs.triggers as NonNullable<typeof dbs.triggers>,
            provenance: dbs.provenance,
            namespace,
            actions,
            token,
            onAction: (line) => kit.out.warn(`tickflow ui: action ${line}`),
            // On loopback, only this machine's own names: no DNS rebinding.
            allowedHostnames: isLoopbackHost(options.host)
              ? ["localhost", "127.0.0.1", "::1", options.host.replace(/^\[|\]$/g, "")]
              : undefined,
          });
          const server = await startInspectorServer(inspector, { host: options.host, port });
          const link = actions === undefined ? server.url : `${server.url}#token=${token}`;
          kit.out.line(`tickflow ui: ${link}`);
          kit.out.line(
            actions === undefined
              ? "read-only; Ctrl-C stops"
              : "actions on: each needs the token in that link; Ctrl-C stops",
          );
          await stopRequested();
          await server.close();
        } finally {
          await dbs.close();
        }
      },
    );
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidOption({
      option: "--port",
      value: text,
      reason: "is not a port number (0 to 65535; 0 picks a free one)",
      example: "--port 8765",
    });
  }
  return port;
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(130));
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
