#!/usr/bin/env node
// The consumer test (`npm run test:consumer`): checks tickflow as a user gets it. It packs
// the project (`npm pack`, whose `prepack` builds dist/), installs the tarball into
// throw-away projects under os.tmpdir() — no tsx, no @types/* unless a case names them —
// and checks that the package runs from ESM and CommonJS, that its types check under the
// strictest settings with several TypeScript versions and module settings, that the
// `tickflow` command runs a user's .ts and .js module, and what the tarball holds.
//
//   node test/consumer/run.mjs                  # this Node and Node 24 (fetched once)
//   node test/consumer/run.mjs --node current   # only the Node running this script
//   node test/consumer/run.mjs --node 24 --node /opt/node22/bin/node
//   TICKFLOW_CONSUMER_NODES=current,24 node test/consumer/run.mjs
//   node test/consumer/run.mjs --only 'cli|esm' --keep   # a subset; keep the projects
//
// `--node 24` uses the official Node 24 binary that the npm registry serves as the package
// node-<platform>-<arch> (bin/node and include/node for building better-sqlite3), kept
// in os.tmpdir()/tickflow-consumer-cache so later runs do not fetch it again.
//
// Time: installing the tarball builds better-sqlite3 from source (about a minute), so
// it is installed once per Node version into a parent project; each case is a
// sub-project below it with its own package.json (its "type") and Node resolves
// `tickflow` from the parent's node_modules.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const FIXTURES = path.join(HERE, "fixtures");
const CACHE = path.join(os.tmpdir(), "tickflow-consumer-cache");
/** The TypeScript versions a user's own tsc may be. */
const TYPESCRIPTS = { 5.9: "typescript@~5.9.3", 7: "typescript@^7.0.2" };
/** tsx for the .ts cases of a Node that cannot strip types (the CLI registers it). */
const TSX = "tsx@^4.20.0";
/** The trigger the CLI fixtures define: `* * * * * *`, every second. */
const TRIGGER = "every_second";

const { values: options } = parseArgs({
  options: {
    node: { type: "string", multiple: true },
    only: { type: "string" },
    tarball: { type: "string" },
    keep: { type: "boolean", default: false },
    jobs: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  console.log(
    "usage: node test/consumer/run.mjs [--node current|<major>|<path>]... [--only <regex>] [--tarball <file>] [--keep] [--jobs n]",
  );
  process.exit(0);
}
const nodeSpecs = options.node ??
  process.env.TICKFLOW_CONSUMER_NODES?.split(",").filter(Boolean) ?? ["current", "24"];
const only = options.only === undefined ? undefined : new RegExp(options.only);
const jobs = Number(options.jobs ?? 4);

// ---------------------------------------------------------------------------------------
// Processes

/**
 * The environment of every command: this one without npm's own variables (`npm run`
 * sets npm_config_local_prefix and others to this repository, which would make npm and
 * npx inside a test project act on the repository), the Node under test first on PATH
 * (so `npm`, `npx` and the `tickflow` bin's `#!/usr/bin/env node` run on it), no colour.
 */
function baseEnv(node) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === "INIT_CWD" || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  env.PATH = [path.dirname(node.bin), env.PATH].join(path.delimiter);
  env.NO_COLOR = "1";
  env.npm_config_update_notifier = "false";
  env.npm_config_fund = "false";
  env.npm_config_audit = "false";
  if (node.nodedir !== undefined) env.npm_config_nodedir = node.nodedir;
  return env;
}

/** Runs a command; resolves (never rejects) with its exit code and output. */
function exec(command, args, { cwd, env, timeoutMs = 300_000, log } = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      child.kill("SIGKILL");
    }, timeoutMs);
    const finish = (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr, ms: Date.now() - started };
      log?.push(
        `$ (cd ${cwd ?? process.cwd()} && ${[command, ...args].join(" ")})  -> exit ${code ?? signal} in ${result.ms} ms`,
        indent("stdout", stdout),
        indent("stderr", stderr),
      );
      resolve(result);
    };
    child.on("error", (error) => finish(127, String(error)));
    child.on("close", finish);
  });
}

/** Output for the log, its middle cut when long (npm's JSON lists every file). */
function indent(name, text) {
  const trimmed = text.trimEnd();
  if (trimmed === "") return `  (${name} empty)`;
  let lines = trimmed.split("\n");
  if (lines.length > 80) {
    lines = [...lines.slice(0, 20), `[... ${lines.length - 60} lines ...]`, ...lines.slice(-40)];
  }
  return `  ${name}:\n${lines.map((line) => `    ${line}`).join("\n")}`;
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

class CheckFailed extends Error {}

function check(condition, what) {
  if (!condition) throw new CheckFailed(what);
}

function ok(result, what) {
  check(result.code === 0, `${what}: exit ${result.code ?? result.signal}`);
  return result;
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new CheckFailed(`${what}: not JSON`);
  }
}

// ---------------------------------------------------------------------------------------
// Node versions

/** Resolves a `--node` spec to { bin, version, strips, nodedir, label }. */
async function resolveNode(spec, setupLog) {
  let bin;
  if (spec === "current") bin = process.execPath;
  else if (/^\d+$/.test(spec)) bin = await cachedNode(spec, setupLog);
  else bin = path.resolve(spec);
  check(fs.existsSync(bin), `no Node binary at ${bin}`);
  const probe = ok(
    await exec(
      bin,
      ["-p", "JSON.stringify([process.version, Boolean(process.features.typescript)])"],
      {
        log: setupLog,
      },
    ),
    `${bin} -p process.version`,
  );
  const [version, strips] = JSON.parse(probe.stdout);
  // Headers beside the binary (the registry's Node packages have them): node-gyp builds
  // better-sqlite3 against these instead of downloading headers, which this network forbids.
  const prefix = path.dirname(path.dirname(bin));
  const nodedir = fs.existsSync(path.join(prefix, "include/node/common.gypi")) ? prefix : undefined;
  return { bin, version, strips, nodedir, label: `node ${version}` };
}

/** The newest cached Node `major`, fetched from the npm registry when none is cached. */
async function cachedNode(major, setupLog) {
  const pkg = `node-${process.platform}-${process.arch}`;
  fs.mkdirSync(CACHE, { recursive: true });
  const cached = fs
    .readdirSync(CACHE)
    .filter((name) => name.startsWith(`${pkg}-${major}.`))
    .filter((name) => fs.existsSync(path.join(CACHE, name, "package/bin/node")))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const newest = cached.at(-1);
  if (newest !== undefined) return path.join(CACHE, newest, "package/bin/node");
  const env = baseEnv({ bin: process.execPath });
  const packed = ok(
    await exec("npm", ["pack", `${pkg}@${major}`, "--json", "--pack-destination", CACHE], {
      env,
      log: setupLog,
    }),
    `npm pack ${pkg}@${major}`,
  );
  const [{ filename, version }] = parseJson(packed.stdout, "npm pack");
  const tarball = path.join(CACHE, filename);
  const partial = path.join(CACHE, `.${pkg}-${version}-${process.pid}`);
  fs.mkdirSync(partial, { recursive: true });
  ok(await exec("tar", ["xzf", tarball, "-C", partial], { log: setupLog }), "tar");
  fs.rmSync(tarball);
  const dir = path.join(CACHE, `${pkg}-${version}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir); // whole or not at all: an interrupted fetch leaves no cache
  check(fs.existsSync(path.join(dir, "package/include/node/node.h")), `${pkg} has no headers`);
  return path.join(dir, "package/bin/node");
}

// ---------------------------------------------------------------------------------------
// Setup: pack, tools, one installed parent project per Node version

/**
 * `npm pack` of this repository (`prepack` builds dist/ first), or, with `--tarball`, a
 * tarball packed before (its file list read with `npm pack --dry-run` of the tarball).
 */
async function pack(work, setupLog) {
  if (options.tarball !== undefined) {
    const tarball = path.resolve(options.tarball);
    const listed = ok(
      await exec("npm", ["pack", "--dry-run", "--json", tarball], {
        cwd: work,
        env: baseEnv({ bin: process.execPath }),
        log: setupLog,
      }),
      "npm pack --dry-run",
    );
    const [info] = parseJson(listed.stdout, "npm pack --dry-run");
    return { ...info, tarball };
  }
  const packed = ok(
    await exec("npm", ["pack", "--json", "--pack-destination", work], {
      cwd: ROOT,
      env: baseEnv({ bin: process.execPath }),
      log: setupLog,
    }),
    "npm pack",
  );
  const [info] = parseJson(packed.stdout, "npm pack");
  return { ...info, tarball: path.join(work, info.filename) };
}

/** One folder per TypeScript version, outside every case's tree, holding that tsc. */
async function installTypeScripts(work, setupLog) {
  const tools = {};
  await Promise.all(
    Object.entries(TYPESCRIPTS).map(async ([version, spec]) => {
      const dir = path.join(work, "tools", `typescript-${version}`);
      writeJson(path.join(dir, "package.json"), { name: `tools-ts-${version}`, private: true });
      ok(
        await exec("npm", ["install", spec], {
          cwd: dir,
          env: baseEnv({ bin: process.execPath }),
          log: setupLog,
        }),
        `npm install ${spec}`,
      );
      tools[version] = path.join(dir, "node_modules/typescript/bin/tsc");
    }),
  );
  return tools;
}

/**
 * The parent project of one Node version's cases: the tarball installed (effect, a
 * required peer, comes with it; pg and tsx, optional peers, do not). For a Node that
 * cannot strip types, `with-tsx/` is a folder below it with tsx installed, the parent of
 * the .ts CLI cases.
 */
async function installParent(work, node, packed, setupLog) {
  const dir = path.join(work, `node-${node.version}`);
  writeJson(path.join(dir, "package.json"), {
    name: "tickflow-consumer",
    private: true,
    description: "consumer test: the tickflow tarball installed",
  });
  const env = baseEnv(node);
  ok(
    await exec("npm", ["install", packed.tarball], { cwd: dir, env, log: setupLog }),
    "npm install tarball",
  );
  const modules = path.join(dir, "node_modules");
  check(!fs.existsSync(path.join(modules, "@types")), "an @types package was installed");
  check(!fs.existsSync(path.join(modules, "tsx")), "tsx was installed without being asked for");
  check(!fs.existsSync(path.join(modules, "typescript")), "typescript was installed");
  check(fs.existsSync(path.join(modules, "effect")), "effect (a peer) was not installed");
  let tsxDir;
  if (!node.strips) {
    tsxDir = path.join(dir, "with-tsx");
    writeJson(path.join(tsxDir, "package.json"), { name: "with-tsx", private: true });
    ok(await exec("npm", ["install", TSX], { cwd: tsxDir, env, log: setupLog }), "npm install tsx");
  }
  return { dir, tsxDir, env };
}

// ---------------------------------------------------------------------------------------
// Cases

/** @tsconfig/strictest's flags, and skipLibCheck off so tickflow's .d.ts are checked too. */
const STRICTEST = {
  strict: true,
  allowUnusedLabels: false,
  allowUnreachableCode: false,
  exactOptionalPropertyTypes: true,
  noFallthroughCasesInSwitch: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noPropertyAccessFromIndexSignature: true,
  noUncheckedIndexedAccess: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  isolatedModules: true,
  checkJs: true,
  esModuleInterop: true,
  forceConsistentCasingInFileNames: true,
  skipLibCheck: false,
};

/** Module settings of the TypeScript cases: the package's "type", tsconfig, and whether the output runs. */
const TS_SETUPS = {
  "nodenext-module": { type: "module", compilerOptions: { module: "NodeNext" }, run: true },
  "nodenext-commonjs": { type: "commonjs", compilerOptions: { module: "NodeNext" }, run: true },
  "node16-module": { type: "module", compilerOptions: { module: "Node16" }, run: true },
  bundler: {
    type: "module",
    compilerOptions: { module: "ESNext", moduleResolution: "Bundler", noEmit: true },
    run: false,
  },
  // The legacy resolution, through package.json's main/types (no exports). TypeScript 7
  // removed moduleResolution node10 (error TS5108), so only 5.9 runs it.
  "node10-commonjs": {
    type: "commonjs",
    compilerOptions: { module: "CommonJS", moduleResolution: "Node10" },
    run: true,
    typescripts: ["5.9"],
  },
};

function copyFixture(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, from), to);
}

/** The library scenario (scenario.mjs) from ESM or CommonJS. */
function libraryCase(kind) {
  return async (c) => {
    writeJson(path.join(c.dir, "package.json"), {
      name: `consumer-${kind}`,
      private: true,
      type: kind,
    });
    copyFixture("scenario.mjs", path.join(c.dir, "scenario.mjs"));
    const main = kind === "module" ? "main.mjs" : "main.cjs";
    copyFixture(main, path.join(c.dir, main));
    const result = ok(await c.exec(c.node.bin, [main]), `node ${main}`);
    check(/^consumer ok .*"total":325/m.test(result.stdout), "no 'consumer ok' with total 325");
    check(fs.existsSync(path.join(c.dir, "triggers.db")), "no triggers.db in the project");
    check(!/ExperimentalWarning/.test(result.stderr), "Node printed an ExperimentalWarning");
  };
}

/** tsc of fixtures/ts/main.ts with one TypeScript version and module setting, then node. */
function typescriptCase(typescript, setupName) {
  const setup = TS_SETUPS[setupName];
  return async (c) => {
    writeJson(path.join(c.dir, "package.json"), {
      name: `consumer-ts-${setupName}`,
      private: true,
      type: setup.type,
    });
    writeJson(path.join(c.dir, "tsconfig.json"), {
      compilerOptions: {
        target: "ES2022",
        ...STRICTEST,
        ...setup.compilerOptions,
        rootDir: "src",
        outDir: "dist",
      },
      include: ["src"],
    });
    copyFixture("ts/main.ts", path.join(c.dir, "src/main.ts"));
    const compiled = await c.exec(c.node.bin, [c.tools[typescript], "-p", "."]);
    check(compiled.code === 0 && compiled.stdout.trim() === "", `tsc ${typescript}: type errors`);
    if (!setup.run) return;
    const result = ok(await c.exec(c.node.bin, ["dist/main.js"]), "node dist/main.js");
    check(/^consumer ok .*"total":325/m.test(result.stdout), "no 'consumer ok' with total 325");
  };
}

/**
 * `tickflow` as a user in this project types `npx tickflow`: `--no-install` makes npx
 * run the bin installed in node_modules (npx finds it in the parent project's
 * node_modules/.bin, as `npm run` would) and fail rather than fetch a package of that
 * name from the registry, so a missing bin cannot pass unnoticed. (Setup checks once
 * that it resolves to the tarball's bin.)
 */
function tickflow(c, args, timeoutMs = 60_000) {
  return c.exec("npx", ["--no-install", "tickflow", ...args], { timeoutMs });
}

/** `npm init -y` (npm 11 writes "type": "commonjs"), optionally "type": "module". */
async function npmInit(c, type) {
  ok(await c.exec("npm", ["init", "-y"]), "npm init -y");
  if (type === "module") ok(await c.exec("npm", ["pkg", "set", "type=module"]), "npm pkg set type");
  const written = parseJson(
    fs.readFileSync(path.join(c.dir, "package.json"), "utf8"),
    "package.json",
  );
  check(written.type === type, `package.json has type ${written.type}, expected ${type}`);
}

/** `tickflow start <app> --for 3`, then `status --json` and `events --json` show its fires. */
function cliCase({ type, source, app }) {
  return async (c) => {
    await npmInit(c, type);
    copyFixture(source, path.join(c.dir, app));
    const started = ok(await tickflow(c, ["start", app, "--for", "3"]), `tickflow start ${app}`);
    const firedLines = started.stdout
      .split("\n")
      .filter((l) => l.includes(TRIGGER) && / fired /.test(l));
    check(
      firedLines.length >= 2,
      `start printed ${firedLines.length} fired lines, expected at least 2`,
    );

    const status = ok(await tickflow(c, ["status", "--json"]), "tickflow status --json");
    const triggers = parseJson(status.stdout, "status --json");
    const trigger = Array.isArray(triggers) ? triggers.find((t) => t.name === TRIGGER) : undefined;
    check(trigger !== undefined, `status --json has no ${TRIGGER}`);
    check(trigger.status === "active", `status: ${trigger.status}`);
    check(trigger.schedule === "* * * * * *", `status schedule: ${trigger.schedule}`);
    check(
      (trigger.counts?.completed ?? 0) >= 2,
      `status counts: ${JSON.stringify(trigger.counts)}`,
    );
    check(typeof trigger.lastRun?.runId === "string", "status has no last run");

    const events = ok(await tickflow(c, ["events", TRIGGER, "--json"]), "tickflow events --json");
    const page = parseJson(events.stdout, "events --json");
    check(page.trigger === TRIGGER && Array.isArray(page.events), "events --json shape");
    const completed = page.events.filter((e) => e.status === "completed");
    check(completed.length === trigger.counts.completed, "events and status disagree");
    check(
      completed.every((e) => typeof e.runId === "string" && typeof e.scheduledAt === "string"),
      "a completed event without runId or scheduledAt",
    );
    const ticks = new Set(completed.map((e) => e.scheduledAt));
    check(ticks.size === completed.length, "two completed events for one tick");
    check(
      completed.every((e) => new Date(e.scheduledAt).getUTCMilliseconds() === 0),
      "a tick not on a whole second",
    );
  };
}

/** `tickflow start` on a module with a syntax error: file:line:column, no stack, exit ≠ 0. */
function syntaxErrorCase({ type, file, source, column }) {
  return async (c) => {
    await npmInit(c, type);
    fs.writeFileSync(path.join(c.dir, file), source);
    const result = await tickflow(c, ["start", file, "--for", "1"]);
    check(result.code !== 0, "start succeeded on a syntax error");
    const where = `${path.join(c.dir, file)}:3:${column}`;
    check(result.stderr.includes(where), `stderr does not name ${file}:3:${column}`);
    check(!/^\s+at /m.test(result.stderr), "stderr has a stack trace without --debug");
  };
}

/** On a Node without type stripping and no tsx: a clear error that says to install tsx. */
function noLoaderCase() {
  return async (c) => {
    await npmInit(c, "commonjs");
    copyFixture("cli/app.ts", path.join(c.dir, "app.ts"));
    const result = await tickflow(c, ["start", "app.ts", "--for", "1"]);
    check(result.code !== 0, "start succeeded without a TypeScript loader");
    check(/npm i -D tsx/.test(result.stderr), "stderr does not say `npm i -D tsx`");
    check(!/^\s+at /m.test(result.stderr), "stderr has a stack trace without --debug");
  };
}

/**
 * `tickflow ui` from the package on the records a supervisor left: the triggers' JSON,
 * the page, and Mermaid's build shipped inside the package (no mermaid installed).
 */
function uiCase() {
  return async (c) => {
    await npmInit(c, "commonjs");
    copyFixture("cli/app.cjs", path.join(c.dir, "app.js"));
    ok(await tickflow(c, ["start", "app.js", "--for", "2"]), "tickflow start app.js");
    let mermaidInstalled = true;
    try {
      createRequire(path.join(c.dir, "x.js")).resolve("mermaid/package.json");
    } catch {
      mermaidInstalled = false;
    }
    check(!mermaidInstalled, "mermaid was installed with the package");
    // The bin itself, not npx: a signal must reach the server's own process.
    const bin = path.join(
      path.dirname(createRequire(path.join(c.dir, "x.js")).resolve("tickflow/package.json")),
      "dist/src/cli/main.js",
    );
    const child = spawn(c.node.bin, [bin, "ui", "--port", "0"], {
      cwd: c.dir,
      env: baseEnv(c.node),
    });
    try {
      const base = await new Promise((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no URL printed in 30 s: ${out}`)), 30_000);
        child.stdout.on("data", (chunk) => {
          out += chunk;
          const found = /https?:\/\/\S+/.exec(out);
          if (found) {
            clearTimeout(timer);
            resolve(found[0]);
          }
        });
        child.stderr.on("data", (chunk) => {
          out += chunk;
        });
        child.on("exit", (code) => reject(new Error(`tickflow ui exited ${code}: ${out}`)));
      });
      c.log.push(`tickflow ui serves ${base}`);
      const triggers = await fetch(new URL("api/triggers", base));
      check(triggers.ok, `GET api/triggers: ${triggers.status}`);
      const body = JSON.stringify(await triggers.json());
      check(body.includes(TRIGGER), `api/triggers does not list ${TRIGGER}: ${body.slice(0, 300)}`);
      const page = await fetch(base);
      check(page.ok && (await page.text()).includes("<html"), `GET /: ${page.status}`);
      const meta = await (await fetch(new URL("api/meta", base))).json();
      check(meta.mermaid === true, "the package has no Mermaid build to serve");
      const mermaid = await fetch(new URL("vendor/mermaid/mermaid.esm.min.mjs", base));
      check(mermaid.ok && (await mermaid.text()).length > 10_000, `Mermaid: ${mermaid.status}`);
    } finally {
      child.kill("SIGTERM");
    }
  };
}

/** PostgreSQL without the optional `pg` package: one typed error that says `npm i pg`. */
function pgMissingCase() {
  return async (c) => {
    await npmInit(c, "module");
    fs.writeFileSync(
      path.join(c.dir, "pg.mjs"),
      `import { PgStore } from "tickflow";
try {
  await PgStore.connect("postgres://app@127.0.0.1:5432/scheduler").ready();
  console.log("connected?!");
} catch (error) {
  console.log(JSON.stringify({ tag: error._tag, packageName: error.packageName, message: error.message }));
}
`,
    );
    const result = ok(await c.exec(c.node.bin, ["pg.mjs"]), "node pg.mjs");
    const reported = parseJson(result.stdout, "pg.mjs output");
    check(reported.tag === "OptionalDependencyMissing", `error tag: ${reported.tag}`);
    check(reported.packageName === "pg", `packageName: ${reported.packageName}`);
    check(/npm i pg/.test(reported.message), `message: ${reported.message}`);
  };
}

// Line 3, column 37 (TypeScript) and 26 (JavaScript): the `;` where an argument belongs.
const BROKEN_TS = `import { Namespace } from "tickflow";

const ns: Namespace = new Namespace(;
export default ns;
`;
const BROKEN_JS = `const { Namespace } = require("tickflow");

const ns = new Namespace(;
module.exports = ns;
`;

/** The cases of one Node version; `dir` is where each case's project goes. */
function casesFor(node, parent) {
  const ts = node.strips ? parent.dir : parent.tsxDir; // .ts CLI cases: tsx only where needed
  const cases = [
    { name: "esm: main.mjs imports tickflow", dir: "esm", run: libraryCase("module") },
    { name: "cjs: main.cjs requires tickflow", dir: "cjs", run: libraryCase("commonjs") },
  ];
  for (const typescript of Object.keys(TYPESCRIPTS)) {
    for (const [setupName, setup] of Object.entries(TS_SETUPS)) {
      if (setup.typescripts !== undefined && !setup.typescripts.includes(typescript)) continue;
      cases.push({
        name: `tsc ${typescript} ${setupName} (strictest, skipLibCheck false)${setup.run ? ", then node" : ""}`,
        dir: `ts-${typescript}-${setupName}`,
        run: typescriptCase(typescript, setupName),
      });
    }
  }
  const loader = node.strips ? "Node's type stripping, no tsx" : "tsx";
  cases.push(
    {
      name: `cli: npx tickflow start app.ts in an npm init -y ("type":"commonjs") project (${loader})`,
      dir: "cli-ts-commonjs",
      base: ts,
      run: cliCase({ type: "commonjs", source: "cli/app.ts", app: "app.ts" }),
    },
    {
      name: `cli: npx tickflow start app.ts in a "type":"module" project (${loader})`,
      dir: "cli-ts-module",
      base: ts,
      run: cliCase({ type: "module", source: "cli/app.ts", app: "app.ts" }),
    },
    {
      name: "cli: npx tickflow start app.js in a project without TypeScript",
      dir: "cli-js",
      run: cliCase({ type: "commonjs", source: "cli/app.cjs", app: "app.js" }),
    },
    {
      name: `cli: a syntax error in app.ts prints file:line:column (${loader})`,
      dir: "cli-syntax-ts",
      base: ts,
      run: syntaxErrorCase({ type: "module", file: "app.ts", source: BROKEN_TS, column: 37 }),
    },
    {
      name: "cli: tickflow ui serves the triggers, the page and the shipped Mermaid build",
      dir: "cli-ui",
      run: uiCase(),
    },
    {
      name: "esm: PostgreSQL without pg says npm i pg (OptionalDependencyMissing)",
      dir: "pg-missing",
      run: pgMissingCase(),
    },
    {
      name: "cli: a syntax error in app.js prints file:line:column",
      dir: "cli-syntax-js",
      run: syntaxErrorCase({ type: "commonjs", file: "app.js", source: BROKEN_JS, column: 26 }),
    },
  );
  if (!node.strips) {
    cases.push({
      name: "cli: app.ts without tsx on a Node that cannot strip types says to install tsx",
      dir: "cli-ts-no-loader",
      run: noLoaderCase(),
    });
  }
  return cases;
}

/** What the tarball holds: no TypeScript sources but .d.ts, no tests, no benchmarks. */
function tarballCase(packed) {
  return async (c) => {
    const paths = packed.files.map((f) => f.path);
    const sources = paths.filter((p) => /\.[mc]?tsx?$/.test(p) && !/\.d\.[mc]?ts$/.test(p));
    check(sources.length === 0, `TypeScript sources in the tarball: ${sources.join(", ")}`);
    const tests = paths.filter(
      (p) =>
        /(^|\/)(test|tests|bench|__tests__|examples)\//.test(p) || /\.(test|spec|bench)\./.test(p),
    );
    check(tests.length === 0, `tests or benchmarks in the tarball: ${tests.join(", ")}`);
    check(
      paths.includes("dist/src/index.js") && paths.includes("dist/src/index.d.ts"),
      "no dist/src/index",
    );
    check(paths.includes("dist/src/cli/main.js"), "no CLI entry");
    check(
      paths.every((p) => /^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(p)),
      "files outside dist/",
    );
    c.log.push(`${paths.length} files`);
  };
}

// ---------------------------------------------------------------------------------------
// Main

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main() {
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-consumer-"));
  const setupLog = [];
  const results = [];
  const report = (result) => {
    results.push(result);
    const mark = result.ok ? "PASS" : "FAIL";
    console.log(`${mark}  [${result.node}] ${result.name} (${seconds(result.ms)})`);
    if (!result.ok) {
      console.log(`  ${result.error}`);
      console.log(result.log.join("\n"));
    }
  };
  const runCase = async (node, c) => {
    const log = [];
    const dir = c.dir;
    const t0 = Date.now();
    try {
      if (dir !== undefined) fs.mkdirSync(dir, { recursive: true });
      await c.run({
        dir,
        node,
        log,
        tools: c.tools,
        exec: (command, args, extra = {}) =>
          exec(command, args, { cwd: dir, env: c.env, log, ...extra }),
      });
      report({ node: node.label, name: c.name, ok: true, ms: Date.now() - t0, log });
    } catch (error) {
      const message =
        error instanceof CheckFailed ? error.message : (error?.stack ?? String(error));
      report({
        node: node.label,
        name: c.name,
        ok: false,
        ms: Date.now() - t0,
        log,
        error: message,
      });
    }
  };

  try {
    console.log(`consumer test in ${work}`);
    const [nodes, packed] = await Promise.all([
      Promise.all(nodeSpecs.map((spec) => resolveNode(spec, setupLog))),
      pack(work, setupLog),
    ]);
    console.log(
      `tarball ${packed.filename}: ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked, ${packed.files.length} files (packed in ${seconds(Date.now() - started)})`,
    );
    console.log(`node: ${nodes.map((n) => `${n.version} (${n.bin})`).join(", ")}`);
    await runCase(
      { label: "tarball" },
      { name: "tarball: no .ts but .d.ts, no tests, no benchmarks", run: tarballCase(packed) },
    );

    const [tools, parents] = await Promise.all([
      installTypeScripts(work, setupLog),
      Promise.all(
        nodes.map(async (node) => {
          const t0 = Date.now();
          const parent = await installParent(work, node, packed, setupLog);
          console.log(
            `installed the tarball for node ${node.version} in ${seconds(Date.now() - t0)}`,
          );
          return parent;
        }),
      ),
    ]);

    const all = [];
    for (const [i, node] of nodes.entries()) {
      const parent = parents[i];
      // Once per Node: `npx --no-install tickflow` in a case folder is the tarball's bin.
      const probe = path.join(parent.dir, "npx-probe");
      writeJson(path.join(probe, "package.json"), { name: "npx-probe", private: true });
      const which = ok(
        await exec("npx", ["--no-install", "-c", "command -v tickflow"], {
          cwd: probe,
          env: parent.env,
          log: setupLog,
        }),
        "npx --no-install -c 'command -v tickflow'",
      );
      const expected = path.join(parent.dir, "node_modules/.bin/tickflow");
      check(which.stdout.trim() === expected, `npx resolves tickflow to ${which.stdout.trim()}`);
      for (const c of casesFor(node, parent)) {
        if (only !== undefined && !only.test(c.name) && !only.test(c.dir)) continue;
        all.push({
          node,
          c: { ...c, dir: path.join(c.base ?? parent.dir, c.dir), env: parent.env, tools },
        });
      }
    }
    await pool(all, jobs, ({ node, c }) => runCase(node, c));
  } catch (error) {
    const message = error instanceof CheckFailed ? error.message : (error?.stack ?? String(error));
    report({
      node: "setup",
      name: "setup",
      ok: false,
      ms: Date.now() - started,
      log: setupLog,
      error: message,
    });
  }

  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`consumer test took ${seconds(Date.now() - started)}`);
  if (failed === 0 && !options.keep) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`projects kept in ${work}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
