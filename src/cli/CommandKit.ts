import type { Command } from "commander";
import type pino from "pino";
import { LOG_LEVELS } from "./logLevels.js";
import type { CliIO, Output } from "./Output.js";
import type { OpenDatabases, OpenMode } from "./openDatabases.js";

/**
 * The options every command accepts (`tickflow --data DIR status` or
 * `tickflow status --data DIR`).
 *
 * @example
 * ```ts
 * const globals: GlobalOptions = { data: "./data", debug: false, logLevel: "warn" };
 * ```
 */
export interface GlobalOptions {
  readonly data?: string;
  readonly db?: string;
  readonly debug: boolean;
  readonly logLevel: string;
}

/**
 * What every command gets: the terminal, the global options, the databases and the
 * logger. Commands stay small: they parse, call the inspection API, and print.
 *
 * The stores and the logger are imported when first asked for, not when the CLI loads:
 * `tickflow --help` and a command that needs neither never load SQLite, effect or pino.
 *
 * @example
 * ```ts
 * const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
 * ```
 */
export class CommandKit {
  #logger: pino.Logger | undefined;

  constructor(
    readonly io: CliIO,
    readonly out: Output,
    /** The command line as given (without node and the script): how each flag was typed. */
    readonly argv: readonly string[] = [],
  ) {}

  /** The global options, wherever on the command line they were given. */
  options(command: Command): GlobalOptions {
    return command.optsWithGlobals<GlobalOptions>();
  }

  /** The databases at `--data`/`--db`, opened for reading or writing. */
  async open(command: Command, how: OpenMode): Promise<OpenDatabases> {
    const options = this.options(command);
    const [{ databasePaths }, { openDatabases }] = await Promise.all([
      import("./databasePaths.js"),
      import("./openDatabases.js"),
    ]);
    return openDatabases(databasePaths({ data: options.data, db: options.db }, this.io.cwd), how);
  }

  /** The structured logger at `--log-level`, on stderr (made once). */
  async logger(command: Command): Promise<pino.Logger> {
    if (this.#logger === undefined) {
      const [{ createLogger }, { parseOption }] = await Promise.all([
        import("./createLogger.js"),
        import("./parseOption.js"),
      ]);
      const level = parseOption.choice("--log-level", this.options(command).logLevel, LOG_LEVELS);
      this.#logger ??= createLogger(level);
    }
    return this.#logger;
  }
}
