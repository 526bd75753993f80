import { createRequire } from "node:module";
import type Table from "cli-table3";
import picocolors from "picocolors";

const require = createRequire(import.meta.url);

/** cli-table3 (CommonJS), required when a table needs it, not when the CLI loads. */
let TableClass: typeof Table | undefined;
const tableClass = (): typeof Table => (TableClass ??= require("cli-table3") as typeof Table);

/** The two helpers of cli-table3 that define a cell's lines and width. */
interface TableUtils {
  /** The display width of the widest line (colour codes stripped; wide characters count 2). */
  strlen(text: string): number;
  /** A multi-line cell's lines, each closing the colours it leaves open and reopening them. */
  colorizeLines(lines: readonly string[]): string[];
}
let utils: TableUtils | undefined;
const tableUtils = (): TableUtils => (utils ??= require("cli-table3/src/utils.js") as TableUtils);

/** The colour codes cli-table3 strips before measuring (its `codeRegex`). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour code it matches.
const COLOR_CODE = /\u001b\[(?:\d*;){0,5}\d*m/g;
/** Printable ASCII, one column per character: the width is the length. */
const PLAIN = /^[\x20-\x7e]*$/;

/** The display width of one line, as cli-table3 measures it. */
function widthOf(line: string): number {
  const stripped = line.includes("\u001b") ? line.replace(COLOR_CODE, "") : line;
  return PLAIN.test(stripped) ? stripped.length : tableUtils().strlen(line);
}

/**
 * The cli-table3 options of the CLI's tables (borderless, two spaces between columns):
 * `Output.table` draws exactly what cli-table3 draws with them.
 */
export const TABLE_OPTIONS: Table.TableConstructorOptions = {
  chars: {
    top: "",
    "top-mid": "",
    "top-left": "",
    "top-right": "",
    bottom: "",
    "bottom-mid": "",
    "bottom-left": "",
    "bottom-right": "",
    left: "",
    "left-mid": "",
    mid: "",
    "mid-mid": "",
    right: "",
    "right-mid": "",
    middle: "  ",
  },
  style: { "padding-left": 0, "padding-right": 0, head: [], border: [], compact: true },
};

/**
 * Where the CLI writes: its standard streams, its environment and its working
 * directory, passed in so the whole command runs the same in a test.
 *
 * @example
 * ```ts
 * const io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
 * ```
 */
export interface CliIO {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

type Colors = ReturnType<typeof picocolors.createColors>;

/**
 * The CLI's terminal: plain lines, JSON for scripts, borderless tables, and colour
 * only when stdout is a terminal (`NO_COLOR` turns it off, `FORCE_COLOR` on).
 *
 * @example
 * ```ts
 * const out = new Output(io);
 * out.line(out.table(["TRIGGER", "STATE"], [["hourly", out.color.green("active")]]));
 * ```
 */
export class Output {
  /** Colour functions: identity functions when colour is off. */
  readonly color: Colors;

  constructor(readonly io: CliIO) {
    const env = io.env;
    const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0";
    const enabled = forced || (io.stdout.isTTY === true && env.NO_COLOR === undefined);
    this.color = picocolors.createColors(enabled);
  }

  /** Writes one line (or several) to stdout. */
  line(text = ""): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** Writes a value as JSON to stdout (dates as ISO strings). */
  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes one line to stderr. */
  warn(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /**
   * A borderless table, headers bold, two spaces between columns; a cell may have several
   * lines. The layout is cli-table3's with `{ chars: "" but middle "  ", padding 0,
   * compact }` (which drew it before), byte for byte, without its cost per cell: a
   * 10,000-trigger `tickflow status` took 30 s in cli-table3 and takes a few dozen ms
   * here. Rows of another length than the head are left to cli-table3 itself.
   */
  table(head: readonly string[], rows: readonly (readonly string[])[]): string {
    const all = [head.map((h) => this.color.bold(h)), ...rows];
    if (rows.some((row) => row.length !== head.length)) return this.#cliTable3(all);
    // Each cell: its lines (colours closed and reopened across lines) and its width.
    const cells = all.map((row) =>
      row.map((content) => {
        const raw = content.split("\n");
        const lines = content.includes("\u001b") ? tableUtils().colorizeLines(raw) : raw;
        let width = 0;
        for (const line of raw) width = Math.max(width, widthOf(line));
        return { lines, width };
      }),
    );
    // Every column at least 1 wide, every row at least 1 high (cli-table3's minimum).
    const widths = head.map(() => 1);
    for (const row of cells) {
      row.forEach((cell, x) => {
        if (cell.width > (widths[x] as number)) widths[x] = cell.width;
      });
    }
    const out: string[] = [];
    for (const row of cells) {
      const height = row.reduce((h, cell) => Math.max(h, cell.lines.length), 1);
      for (let n = 0; n < height; n++) {
        let line = "";
        row.forEach((cell, x) => {
          const width = widths[x] as number;
          const text = cell.lines[n];
          line += x === 0 ? "" : "  ";
          line +=
            text === undefined
              ? " ".repeat(width)
              : text + " ".repeat(Math.max(0, width - widthOf(text)));
        });
        // cli-table3 drops a line that is empty; trailing spaces only get in the way of diffs.
        if (line.length > 0) out.push(line.trimEnd());
      }
    }
    return out.join("\n");
  }

  /** The same table drawn by cli-table3 itself. */
  #cliTable3(all: readonly (readonly string[])[]): string {
    const [head = [], ...rows] = all;
    const table = new (tableClass())({ head: [...head], ...TABLE_OPTIONS });
    for (const row of rows) table.push([...row]);
    return table
      .toString()
      .split("\n")
      .map((line) => line.trimEnd())
      .join("\n");
  }

  /** A status word in its colour: green done, red failed, yellow skipped, cyan in progress. */
  status(status: string | undefined): string {
    const c = this.color;
    switch (status) {
      case undefined:
        return c.dim("-");
      case "completed":
      case "cached":
      case "active":
        return c.green(status);
      case "failed":
      case "poll_failed":
      case "interrupted":
        return c.red(status);
      case "running":
      case "firing":
      case "buffered":
      case "fired":
        return c.cyan(status);
      case "disabled":
      case "inactive":
      case "not activated":
        return c.dim(status);
      default:
        return c.yellow(status);
    }
  }
}
