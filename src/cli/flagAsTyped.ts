import type { Command } from "commander";

/**
 * The spelling of an option the user typed on the command line, for its error messages:
 * its short flag (`-n`) when that is how the last occurrence was written (`-n 5`,
 * `-n5`, `-n=5`), else its long one (`--limit`). A message names what the user wrote, so
 * `-n x` is not answered about a `--limit` they never typed.
 *
 * @example
 * ```ts
 * parseOption.count(flagAsTyped(kit.argv, command, "--limit"), options.limit); // "-n" after `runs -n x`
 * ```
 */
export function flagAsTyped(argv: readonly string[], command: Command, long: string): string {
  const option = command.options.find((o) => o.long === long);
  const short = option?.short;
  if (short === undefined) return long;
  // Arguments after a lone "--" are operands, not options.
  const end = argv.indexOf("--");
  const args = end === -1 ? argv : argv.slice(0, end);
  for (let i = args.length - 1; i >= 0; i--) {
    const arg = args[i] as string;
    if (arg === long || arg.startsWith(`${long}=`)) return long;
    if (arg.startsWith(short)) return short;
  }
  return long;
}
