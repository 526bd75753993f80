#!/usr/bin/env node
/**
 * The `tickflow` command's entry point: the package's bin is this file compiled
 * (`dist/src/cli/main.js`); the repository runs it from source with
 * `node --import tsx src/cli/main.ts`. Sets the exit code rather than calling
 * `process.exit`, so a supervisor's last writes and the logger's lines are flushed
 * before the process ends.
 *
 * @example
 * ```sh
 * npx tickflow status --data ./data
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
