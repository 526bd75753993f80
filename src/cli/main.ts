/**
 * The `tickflow` command's entry point (`bin/tickflow.js` registers tsx and imports
 * this file). Sets the exit code rather than calling `process.exit`, so a supervisor's
 * last writes and the logger's lines are flushed before the process ends.
 *
 * @example
 * ```sh
 * node bin/tickflow.js status --data ./data
 * ```
 *
 * @module
 */
import { runCli } from "./runCli.js";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
