import * as Data from "effect/Data";

/**
 * A read command found no database where it looked. Read commands never create one
 * (an empty new file would only hide a wrong path).
 *
 * @example
 * ```ts
 * throw new DatabaseMissing({ path: "/srv/data/triggers.db", what: "trigger database" });
 * ```
 */
export class DatabaseMissing extends Data.TaggedError("DatabaseMissing")<{
  readonly path: string;
  readonly what: "trigger database" | "run history";
}> {
  override get message() {
    return `There is no ${this.what} at ${this.path}. Run \`tickflow start <module>\` to create it, or point at an existing one with --data DIR or --db FILE.`;
  }
}

/**
 * `tickflow start <module>` (or `--module`) names a file that does not exist.
 *
 * @example
 * ```ts
 * throw new ModuleNotFound({ path: "/work/examples/markt.ts" });
 * ```
 */
export class ModuleNotFound extends Data.TaggedError("ModuleNotFound")<{
  readonly path: string;
}> {
  override get message() {
    return `No module at ${this.path}. Give the path of a .ts or .js file that exports a Namespace, e.g. \`tickflow start examples/market.ts\`.`;
  }
}

/**
 * The module exists but importing it threw (a syntax error, a failing top-level call).
 * For a syntax error, `location` is `file:line:column`.
 *
 * @example
 * ```ts
 * throw new ModuleLoadFailed({
 *   path: "/work/app.ts",
 *   cause: new SyntaxError("Unexpected token ';'"),
 *   hint: undefined,
 *   location: "/work/app.ts:3:11",
 * });
 * ```
 */
export class ModuleLoadFailed extends Data.TaggedError("ModuleLoadFailed")<{
  readonly path: string;
  readonly cause: unknown;
  /** What to do when the failure has a known cause (e.g. a .ts file loaded as CommonJS). */
  readonly hint: string | undefined;
  /** Where a syntax error is, as `file:line:column` (the column when known). */
  readonly location?: string | undefined;
}> {
  override get message() {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause);
    // esbuild (under tsx) puts the error on its second line, after "Transform failed…".
    const esbuild = /: ERROR: (.*)/.exec(reason)?.[1];
    const first = (esbuild ?? reason.split("\n")[0] ?? "").replace(/\.+$/, "");
    const what =
      this.location === undefined
        ? `Loading ${this.path} failed: ${first}.`
        : `Loading ${this.path} failed: syntax error at ${this.location}: ${first}.`;
    return `${what} ${this.hint ?? "Fix the module, or add --debug for the stack."}`;
  }
}

/**
 * The module is TypeScript, this Node cannot strip types (before 22.18, or syntax that
 * needs more than stripping such as `enum`), and no TypeScript loader is installed.
 *
 * @example
 * ```ts
 * throw new TypeScriptLoaderMissing({ path: "/work/app.ts", nodeVersion: "v20.20.2", reason: "Node v20.20.2 cannot run TypeScript on its own" });
 * ```
 */
export class TypeScriptLoaderMissing extends Data.TaggedError("TypeScriptLoaderMissing")<{
  readonly path: string;
  readonly nodeVersion: string;
  /** Why Node's own type stripping could not load it. */
  readonly reason: string;
}> {
  override get message() {
    return `Cannot load ${this.path}: ${this.reason}. Install a TypeScript loader in your project: npm i -D tsx (or compile it to .js first).`;
  }
}

/**
 * The module loaded but exports no `Namespace` as its default export or as `namespace`
 * or `ns`.
 *
 * @example
 * ```ts
 * throw new NoNamespaceExported({ path: "/work/examples/x.ts", exports: ["dag"] });
 * ```
 */
export class NoNamespaceExported extends Data.TaggedError("NoNamespaceExported")<{
  readonly path: string;
  readonly exports: readonly string[];
}> {
  override get message() {
    const found =
      this.exports.length === 0
        ? "it exports nothing"
        : `its exports are ${this.exports
            .slice(0, 6)
            .map((name) => `"${name}"`)
            .join(", ")}${this.exports.length > 6 ? ` and ${this.exports.length - 6} more` : ""}`;
    return `${this.path} exports no Namespace (${found}). Export the namespace that holds your triggers: \`export default ns\` or \`export const namespace = ns\`.`;
  }
}

/**
 * An option value that cannot be used: `--payload` that is not a JSON object, a
 * `--since` that is neither an instant nor a duration, a negative `--limit`.
 *
 * @example
 * ```ts
 * throw new InvalidOption({ option: "--payload", value: "{", reason: "is not JSON", example: `--payload '{"id": 1}'` });
 * ```
 */
export class InvalidOption extends Data.TaggedError("InvalidOption")<{
  readonly option: string;
  readonly value: string;
  readonly reason: string;
  readonly example: string;
}> {
  override get message() {
    return `${this.option} ${JSON.stringify(this.value)} ${this.reason}. Write it like ${this.example}.`;
  }
}

/**
 * No run with this id is in the run history.
 *
 * @example
 * ```ts
 * throw new RunNotInHistory({ runId: "3f1c", path: "/srv/data/provenance.db" });
 * ```
 */
export class RunNotInHistory extends Data.TaggedError("RunNotInHistory")<{
  readonly runId: string;
  readonly path: string;
}> {
  override get message() {
    return `No run "${this.runId}" in ${this.path}. List recent runs with \`tickflow runs\` and copy the whole run id.`;
  }
}

/**
 * A trigger or nsref named on the command line is not what the command needs (a push
 * trigger has no schedule to preview; a function is not a DAG).
 *
 * @example
 * ```ts
 * throw new NotApplicable({ what: 'trigger "orders"', reason: "is a push trigger: it has no schedule", hint: "preview a cron expression instead" });
 * ```
 */
export class NotApplicable extends Data.TaggedError("NotApplicable")<{
  readonly what: string;
  readonly reason: string;
  readonly hint: string;
}> {
  override get message() {
    return `${this.what} ${this.reason}; ${this.hint}.`;
  }
}

/**
 * `replay-history` found that the journal does not lead to the stored snapshot.
 *
 * @example
 * ```ts
 * throw new JournalMismatch({ name: "t", differences: ["state: replayed \"active\", stored \"disabled\""] });
 * ```
 */
export class JournalMismatch extends Data.TaggedError("JournalMismatch")<{
  readonly name: string;
  readonly differences: readonly string[];
}> {
  override get message() {
    return `The journal of "${this.name}" does not lead to its stored snapshot (${this.differences.join("; ")}). The database was changed outside tickflow, or this is a bug: keep a copy of the file and report it.`;
  }
}

/**
 * A run from the command line (fire, exec, restart, replay) ran, and its run did not complete.
 *
 * @example
 * ```ts
 * throw new RunDidNotComplete({ runId: "r1", status: "failed", error: "boom" });
 * ```
 */
export class RunDidNotComplete extends Data.TaggedError("RunDidNotComplete")<{
  readonly runId: string;
  readonly status: string;
  readonly error: string | undefined;
  /** The node that failed, when known. */
  readonly failedNode?: string | undefined;
}> {
  override get message() {
    const at = this.failedNode === undefined ? "" : ` at node "${this.failedNode}"`;
    return `Run ${this.runId} ${this.status}${at}${this.error ? `: ${this.error}` : ""}. See its nodes with \`tickflow run ${this.runId}\`.`;
  }
}

/**
 * `activate`, `deactivate` or `fire` from the command line while a supervisor holds the
 * database's lease: its machines live in its memory, so a change written beside it
 * would be overwritten or fired twice. Nothing was changed.
 *
 * @example
 * ```ts
 * throw new SupervisorRunning({ holder: "host-1:4242", until: new Date(), path: "/srv/data/triggers.db" });
 * ```
 */
export class SupervisorRunning extends Data.TaggedError("SupervisorRunning")<{
  readonly holder: string;
  readonly until: Date;
  readonly path: string;
}> {
  override get message() {
    return `A supervisor (${this.holder}) is running on ${this.path} (its lease runs until ${this.until.toISOString()}); nothing was changed. Stop it (Ctrl-C), run this command, then start it again.`;
  }
}

/**
 * `activate`, `deactivate` or `fire` while another `tickflow` command (not a supervisor)
 * held the database's lease for longer than this one waited. Nothing was changed and
 * nothing was queued: a command queued for a CLI call's lease would wait for the next
 * supervisor start and be applied then, long after this call returned.
 *
 * @example
 * ```ts
 * throw new AnotherCommandRunning({ holder: "cli-1 (tickflow fire)", waitedMs: 10_000, path: "/srv/data/triggers.db" });
 * ```
 */
export class AnotherCommandRunning extends Data.TaggedError("AnotherCommandRunning")<{
  readonly holder: string;
  readonly waitedMs: number;
  readonly path: string;
}> {
  override get message() {
    return `Another tickflow command (${this.holder}) has been using ${this.path} for the last ${this.waitedMs / 1000} s; nothing was changed. Run this command again once it has finished.`;
  }
}

/**
 * A command queued for the running supervisor was not applied in time, or was refused.
 *
 * @example
 * ```ts
 * throw new CommandNotApplied({ kind: "fire", trigger: "orders", reason: "no answer within 15 s" });
 * ```
 */
export class CommandNotApplied extends Data.TaggedError("CommandNotApplied")<{
  readonly kind: string;
  readonly trigger: string;
  readonly reason: string;
}> {
  override get message() {
    return `The running supervisor did not ${this.kind} "${this.trigger}": ${this.reason}. Check it with \`tickflow status\`.`;
  }
}

/**
 * `tickflow health` found the supervisor unhealthy (exit code 1, for a container probe).
 *
 * @example
 * ```ts
 * throw new Unhealthy({ path: "/srv/data/triggers.db", reasons: ["no supervisor holds a lease"] });
 * ```
 */
export class Unhealthy extends Data.TaggedError("Unhealthy")<{
  readonly path: string;
  readonly reasons: readonly string[];
}> {
  override get message() {
    return `not healthy (${this.path}): ${this.reasons.join("; ")}. See \`tickflow status\` for each trigger.`;
  }
}

/**
 * Options that each choose what a command does were given together: choose one.
 *
 * @example
 * ```ts
 * throw new OptionsConflict({
 *   options: ["--set", "--clear"],
 *   choices: ["tickflow cursor inbox --set '{\"since\": 42}'", "tickflow cursor inbox --clear"],
 * });
 * ```
 */
export class OptionsConflict extends Data.TaggedError("OptionsConflict")<{
  /** The options given together, as typed. */
  readonly options: readonly string[];
  /** One command line per option, each doing one thing. */
  readonly choices: readonly string[];
}> {
  override get message() {
    return `${this.options.join(" and ")} cannot be given together: choose one. ${this.choices.join(", or ")}.`;
  }
}
