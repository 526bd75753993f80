import Table from "cli-table3";
import picocolors from "picocolors";

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

  /** A borderless table, headers dimmed, two spaces between columns. */
  table(head: readonly string[], rows: readonly (readonly string[])[]): string {
    const table = new Table({
      head: head.map((h) => this.color.bold(h)),
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
    });
    for (const row of rows) table.push([...row]);
    // cli-table3 pads the last column too; trailing spaces only get in the way of diffs.
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
