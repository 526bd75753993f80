import type { Command } from "commander";
import type pino from "pino";
import { createLogger, LOG_LEVELS } from "./createLogger.js";
import { databasePaths } from "./databasePaths.js";
import type { CliIO, Output } from "./Output.js";
import { type OpenDatabases, type OpenMode, openDatabases } from "./openDatabases.js";
import { parseOption } from "./parseOption.js";

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
 * @example
 * ```ts
 * const dbs = kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
 * ```
 */
export class CommandKit {
  #logger: pino.Logger | undefined;

  constructor(
    readonly io: CliIO,
    readonly out: Output,
  ) {}

  /** The global options, wherever on the command line they were given. */
  options(command: Command): GlobalOptions {
    return command.optsWithGlobals<GlobalOptions>();
  }

  /** The databases at `--data`/`--db`, opened for reading or writing. */
  open(command: Command, how: OpenMode): OpenDatabases {
    const options = this.options(command);
    return openDatabases(databasePaths({ data: options.data, db: options.db }, this.io.cwd), how);
  }

  /** The structured logger at `--log-level`, on stderr (made once). */
  logger(command: Command): pino.Logger {
    if (this.#logger === undefined) {
      const level = parseOption.choice("--log-level", this.options(command).logLevel, LOG_LEVELS);
      this.#logger = createLogger(level);
    }
    return this.#logger;
  }
}
