var __defProp = Object.defineProperty;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __esm = (fn, res, err) =>
  function __init() {
    if (err) throw err[0];
    try {
      return (fn && (res = (0, fn[__getOwnPropNames(fn)[0]])((fn = 0))), res);
    } catch (e) {
      throw ((err = [e]), e);
    }
  };
var __export = (target, all) => {
  for (var name in all) __defProp(target, name, { get: all[name], enumerable: true });
};

// src/dag/DagNode.ts
var DagNode;
var init_DagNode = __esm({
  "src/dag/DagNode.ts"() {
    DagNode = class {
      constructor(graph, label, spec) {
        this.graph = graph;
        this.label = label;
        this.spec = spec;
      }
      graph;
      label;
      spec;
      to(next, options = {}) {
        this.graph.addEdge(this, next, options);
        return next;
      }
    };
  },
});

// src/dag/errors.ts
import { Data } from "effect";

var DagCycle,
  ForeignEdge,
  DuplicateLabel,
  EmptyDag,
  SchemaMismatch,
  InvalidNodeTarget,
  InvalidSubDag,
  InvalidBranches,
  InvalidMapNode,
  InvalidDagFactory;
var init_errors = __esm({
  "src/dag/errors.ts"() {
    DagCycle = class extends Data.TaggedError("DagCycle") {
      get message() {
        return `The DAG has a cycle: ${this.cycle.join(" \u2192 ")}. Remove one of these edges.`;
      }
    };
    ForeignEdge = class extends Data.TaggedError("ForeignEdge") {
      get message() {
        return `The edge ${this.from} \u2192 ${this.to} joins nodes of two different DAGs. Create both nodes with the same dag.node(...).`;
      }
    };
    DuplicateLabel = class extends Data.TaggedError("DuplicateLabel") {
      get message() {
        return `The DAG already has a node labelled "${this.label}". Pass a distinct label: dag.node(fn, { label: "${this.label}_2" }).`;
      }
    };
    EmptyDag = class extends Data.TaggedError("EmptyDag") {
      get message() {
        return `The DAG${this.dagNsref ? ` "${this.dagNsref}"` : ""} has no nodes. Add at least one with dag.node(fn).`;
      }
    };
    SchemaMismatch = class extends Data.TaggedError("SchemaMismatch") {
      get message() {
        return `The output schema of "${this.from}" cannot feed the input schema of "${this.to}": ${this.reason}.`;
      }
    };
    InvalidNodeTarget = class extends Data.TaggedError("InvalidNodeTarget") {
      get message() {
        return `dag.node() takes a function, a namespace node (ns.get(...)) or a Dag; it got ${this.received}.`;
      }
    };
    InvalidSubDag = class extends Data.TaggedError("InvalidSubDag") {
      get message() {
        const which = this.branch === void 0 ? "" : ` (branch "${this.branch}")`;
        return `The sub-DAG of "${this.nodeLabel}"${which} ${this.reason}.`;
      }
    };
    InvalidBranches = class extends Data.TaggedError("InvalidBranches") {
      get message() {
        return `The branches of switch "${this.nodeLabel}" are invalid: ${this.reason}.`;
      }
    };
    InvalidMapNode = class extends Data.TaggedError("InvalidMapNode") {
      get message() {
        return `dag.map() cannot make its node: ${this.reason}.`;
      }
    };
    InvalidDagFactory = class extends Data.TaggedError("InvalidDagFactory") {
      get message() {
        return `The factory registered as "${this.nsref}" returned ${this.received}, not a Dag. Make it return new Dag() with its nodes.`;
      }
    };
  },
});

// src/dag/SwitchNode.ts
var SwitchNode;
var init_SwitchNode = __esm({
  "src/dag/SwitchNode.ts"() {
    init_DagNode();
    SwitchNode = class extends DagNode {};
  },
});

// src/dag/schemaAssignable.ts
import { SchemaAST } from "effect";

function schemaMismatch(from, to) {
  return mismatch(SchemaAST.typeAST(from.ast), SchemaAST.encodedAST(to.ast), "");
}
function mismatch(from, to, path) {
  if (SchemaAST.isRefinement(from)) return mismatch(from.from, to, path);
  if (SchemaAST.isRefinement(to)) return mismatch(from, to.from, path);
  if (
    SchemaAST.isUnknownKeyword(to) ||
    SchemaAST.isAnyKeyword(to) ||
    SchemaAST.isAnyKeyword(from) ||
    SchemaAST.isDeclaration(from) ||
    SchemaAST.isDeclaration(to) ||
    SchemaAST.isSuspend(from) ||
    SchemaAST.isSuspend(to) ||
    SchemaAST.isTemplateLiteral(to) ||
    SchemaAST.isTransformation(from) ||
    SchemaAST.isTransformation(to)
  ) {
    return void 0;
  }
  if (SchemaAST.isUnion(from)) {
    for (const member of from.types) {
      const reason = mismatch(member, to, path);
      if (reason !== void 0) return reason;
    }
    return void 0;
  }
  if (SchemaAST.isUnion(to)) {
    const fits = to.types.some((member) => mismatch(from, member, path) === void 0);
    return fits ? void 0 : `${describe(from)} fits no member of ${describe(to)}${where(path)}`;
  }
  if (SchemaAST.isLiteral(from)) {
    if (SchemaAST.isLiteral(to)) {
      return from.literal === to.literal
        ? void 0
        : `${describe(from)} is not ${describe(to)}${where(path)}`;
    }
    return keywordOf(from.literal) === to._tag
      ? void 0
      : `${describe(from)} is not ${describe(to)}${where(path)}`;
  }
  if (SchemaAST.isTypeLiteral(from) && SchemaAST.isTypeLiteral(to)) {
    for (const target of to.propertySignatures) {
      const key = String(target.name);
      const source = from.propertySignatures.find((p) => p.name === target.name);
      const at = path === "" ? key : `${path}.${key}`;
      if (source === void 0) {
        if (target.isOptional || from.indexSignatures.length > 0) continue;
        return `field "${at}" is required but not produced`;
      }
      const reason = mismatch(source.type, target.type, at);
      if (reason !== void 0) return reason;
    }
    return void 0;
  }
  if (SchemaAST.isTupleType(from) && SchemaAST.isTupleType(to)) {
    const fromRest = from.rest[0]?.type;
    const toRest = to.rest[0]?.type;
    if (fromRest !== void 0 && toRest !== void 0) {
      return mismatch(fromRest, toRest, `${path}[]`);
    }
    return void 0;
  }
  if (from._tag !== to._tag) {
    return `${describe(from)} is not ${describe(to)}${where(path)}`;
  }
  return void 0;
}
function keywordOf(literal) {
  switch (typeof literal) {
    case "string":
      return "StringKeyword";
    case "number":
      return "NumberKeyword";
    case "boolean":
      return "BooleanKeyword";
    case "bigint":
      return "BigIntKeyword";
    default:
      return "Literal";
  }
}
function describe(ast) {
  return String(ast);
}
var where;
var init_schemaAssignable = __esm({
  "src/dag/schemaAssignable.ts"() {
    where = (path) => (path === "" ? "" : ` at ${path}`);
  },
});

// src/dag/subDagProblems.ts
function subDagsOf(spec) {
  switch (spec.kind) {
    case "function":
      return [];
    case "dag":
      return [{ ref: { dag: spec.dag, nsref: spec.nsref }, branch: void 0, mapped: false }];
    case "switch":
      return [...spec.branches].map(([branch, ref]) => ({ ref, branch, mapped: false }));
    case "map":
      return spec.over.kind === "dag"
        ? [{ ref: spec.over.ref, branch: void 0, mapped: true }]
        : [...spec.over.branches].map(([branch, ref]) => ({ ref, branch, mapped: true }));
  }
}
function mappedShapeProblem(dag2) {
  if (dag2.nodes.length === 0)
    return "has no nodes; a mapped sub-DAG needs one source and one sink";
  const sources = dag2.sources().map((node) => node.label);
  if (sources.length !== 1)
    return `has ${sources.length} sources (${sources.join(", ")}); a mapped sub-DAG needs exactly one, which receives the element`;
  const sinks = dag2.sinks().map((node) => node.label);
  if (sinks.length !== 1)
    return `has ${sinks.length} sinks (${sinks.join(", ")}); a mapped sub-DAG needs exactly one, whose output is the element's result`;
  return void 0;
}
function subDagProblem(dag2, chain, checkSub) {
  for (const node of dag2.nodes) {
    for (const { ref, branch, mapped } of subDagsOf(node.spec)) {
      const problem = (reason) => new InvalidSubDag({ nodeLabel: node.label, branch, reason });
      if (chain.includes(ref.dag)) return problem("contains the DAG that runs it");
      const sub = ref.dag;
      const inner = checkSub(sub, [...chain, sub]);
      if (inner !== void 0) return problem(`is invalid: ${inner.message}`);
      const shape = mapped ? mappedShapeProblem(sub) : void 0;
      if (shape !== void 0) return problem(shape);
    }
  }
  return void 0;
}
var init_subDagProblems = __esm({
  "src/dag/subDagProblems.ts"() {
    init_errors();
  },
});

// src/dag/switchBranches.ts
function switchBranches(nodeLabel, branches, toRef) {
  const fail = (reason) => new InvalidBranches({ nodeLabel, reason });
  let named;
  if (Array.isArray(branches)) {
    named = branches.map((target, index) => {
      const name = nameOf(target);
      if (name === void 0)
        throw fail(
          `branch ${index} has no name; give it a named function, or pass an object of label \u2192 branch`,
        );
      return [name, target];
    });
  } else if (typeof branches === "object" && branches !== null) {
    named = Object.entries(branches);
  } else {
    throw fail(`expected an object of label \u2192 branch or an array, got ${typeOf(branches)}`);
  }
  if (named.length === 0) throw fail("there are none; give at least one");
  const result = /* @__PURE__ */ new Map();
  for (const [name, target] of named) {
    if (name === "") throw fail("a branch label is empty");
    if (result.has(name)) throw fail(`two branches are labelled "${name}"`);
    const ref = toRef(target, name);
    if (ref === void 0)
      throw fail(
        `branch "${name}" is ${typeOf(target)}; a branch is a Dag, a function or a namespace node`,
      );
    result.set(name, ref);
  }
  return result;
}
function nameOf(target) {
  if (typeof target === "function") return target.name || void 0;
  if (typeof target === "object" && target !== null && "nsref" in target) {
    const nsref = target.nsref;
    if (typeof nsref === "string") return nsref.slice(nsref.lastIndexOf(":") + 1);
  }
  return void 0;
}
function typeOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}
var init_switchBranches = __esm({
  "src/dag/switchBranches.ts"() {
    init_errors();
  },
});

// src/dag/topologicalOrder.ts
function topologicalOrder(labels, edges) {
  const index = new Map(labels.map((label, i) => [label, i]));
  const indegree = new Map(labels.map((label) => [label, 0]));
  const next = new Map(labels.map((label) => [label, []]));
  for (const edge of edges) {
    indegree.set(edge.to, (indegree.get(edge.to) ?? 0) + 1);
    next.get(edge.from)?.push(edge.to);
  }
  const ready = labels.filter((label) => indegree.get(label) === 0);
  const order = [];
  while (ready.length > 0) {
    const label = ready.shift();
    order.push(label);
    for (const to of next.get(label) ?? []) {
      const left = (indegree.get(to) ?? 0) - 1;
      indegree.set(to, left);
      if (left === 0) {
        const at = ready.findIndex((r2) => (index.get(r2) ?? 0) > (index.get(to) ?? 0));
        ready.splice(at === -1 ? ready.length : at, 0, to);
      }
    }
  }
  if (order.length === labels.length) return { order };
  return { cycle: findCycle(labels, next) };
}
function findCycle(labels, next) {
  const state = /* @__PURE__ */ new Map();
  const stack = [];
  const visit = (label) => {
    state.set(label, "open");
    stack.push(label);
    for (const to of next.get(label) ?? []) {
      if (state.get(to) === "open") return [...stack.slice(stack.indexOf(to)), to];
      if (state.get(to) === void 0) {
        const found = visit(to);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(label, "done");
    return void 0;
  };
  for (const label of labels) {
    if (state.get(label) === void 0) {
      const found = visit(label);
      if (found) return found;
    }
  }
  return [];
}
var init_topologicalOrder = __esm({
  "src/dag/topologicalOrder.ts"() {},
});

// src/dag/fingerprint.ts
import { createHash } from "node:crypto";

function fingerprint(dag2) {
  return createHash("sha256")
    .update(JSON.stringify(shapeOf(dag2)))
    .digest("hex")
    .slice(0, 16);
}
function shapeOf(dag2) {
  return {
    nodes: dag2.nodes.map((node) => `${node.label}=${node.spec.nsref ?? node.spec.kind}`),
    edges: dag2.edges.map((edge) => `${edge.from}->${edge.to}${edge.as ? `:${edge.as}` : ""}`),
  };
}
var init_fingerprint = __esm({
  "src/dag/fingerprint.ts"() {},
});

// src/provenance/Provenance.ts
import { Context } from "effect";

var Provenance;
var init_Provenance = __esm({
  "src/provenance/Provenance.ts"() {
    Provenance = class extends Context.Tag("tickflow/Provenance")() {};
  },
});

// src/provenance/NullProvenance.ts
import { Effect, Layer } from "effect";

var service, NullProvenance;
var init_NullProvenance = __esm({
  "src/provenance/NullProvenance.ts"() {
    init_Provenance();
    service = {
      runStarted: () => Effect.void,
      runResumed: () => Effect.void,
      nodesStarted: () => Effect.void,
      nodeCompleted: () => Effect.void,
      runFinished: () => Effect.void,
      loadRunState: () => Effect.succeed(void 0),
      loadChildRuns: () => Effect.succeed(/* @__PURE__ */ new Map()),
    };
    NullProvenance = {
      service,
      layer: Layer.succeed(Provenance, service),
    };
  },
});

// src/store/runTyped.ts
import { Cause, Effect as Effect2, Exit } from "effect";

async function runTyped(effect) {
  const exit = await Effect2.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  throw Cause.squash(exit.cause);
}
var init_runTyped = __esm({
  "src/store/runTyped.ts"() {},
});

// src/run/errors.ts
import { Data as Data2 } from "effect";

function describeCause(cause) {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === "string") return cause;
  try {
    return JSON.stringify(cause) ?? String(cause);
  } catch {
    return String(cause);
  }
}
var NodeFailed,
  NodeTimedOut,
  InputInvalid,
  OutputInvalid,
  MissingInput,
  DagPause,
  MapInputInvalid,
  SwitchLabelMissing,
  UnknownBranch,
  RunNotFound,
  RunNotRestartable,
  DagChanged,
  UnknownLabel;
var init_errors2 = __esm({
  "src/run/errors.ts"() {
    NodeFailed = class extends Data2.TaggedError("NodeFailed") {
      get message() {
        const at = this.element === void 0 ? "" : ` at element ${JSON.stringify(this.element)}`;
        return `Node "${this.nodeLabel}" failed${at} on attempt ${this.attempt}: ${describeCause(this.cause)}`;
      }
    };
    NodeTimedOut = class extends Data2.TaggedError("NodeTimedOut") {
      get message() {
        return `Node "${this.nodeLabel}" timed out after ${this.timeoutMs} ms on attempt ${this.attempt}. Raise its timeout or make it faster.`;
      }
    };
    InputInvalid = class extends Data2.TaggedError("InputInvalid") {
      get message() {
        const first = this.issues[0]?.message ?? "does not match";
        return `Input of node "${this.nodeLabel}" is invalid${this.field ? ` at field "${this.field}"` : ""}: ${first}`;
      }
    };
    OutputInvalid = class extends Data2.TaggedError("OutputInvalid") {
      get message() {
        const first = this.issues[0]?.message ?? "does not match";
        return `Output of node "${this.nodeLabel}" is invalid${this.field ? ` at field "${this.field}"` : ""}: ${first}`;
      }
    };
    MissingInput = class extends Data2.TaggedError("MissingInput") {
      get message() {
        return `Node "${this.nodeLabel}" expects an input but its upstream "${this.upstream}" returned undefined. Make "${this.upstream}" return a value.`;
      }
    };
    DagPause = class extends Data2.TaggedError("DagPause") {
      get message() {
        return `Run paused${this.reason ? `: ${this.reason}` : ""}. Continue it with runner.restart(runId).`;
      }
    };
    MapInputInvalid = class extends Data2.TaggedError("MapInputInvalid") {
      get message() {
        return `Map node "${this.nodeLabel}" needs an array (or an object) to map over, but its input is ${this.received}. Make its upstream return a list.`;
      }
    };
    SwitchLabelMissing = class extends Data2.TaggedError("SwitchLabelMissing") {
      get message() {
        const at =
          this.element === void 0 ? "its input" : `element ${JSON.stringify(this.element)}`;
        return `Switch node "${this.nodeLabel}" cannot tell the branch: ${at} is ${this.received}. Return ["branch", data] or { __switch__: "branch", ...data }.`;
      }
    };
    UnknownBranch = class extends Data2.TaggedError("UnknownBranch") {
      get message() {
        const at = this.element === void 0 ? "" : ` (element ${JSON.stringify(this.element)})`;
        return `Switch node "${this.nodeLabel}" has no branch "${this.branch}"${at}. Its branches are: ${this.known.join(", ")}.`;
      }
    };
    RunNotFound = class extends Data2.TaggedError("RunNotFound") {
      get message() {
        return `No run "${this.runId}" is recorded in this history. Check the run id, and that the runner uses the same provenance database.`;
      }
    };
    RunNotRestartable = class extends Data2.TaggedError("RunNotRestartable") {
      get message() {
        return `Run "${this.runId}" is ${this.status}; only failed, paused or interrupted runs can be restarted. Use replay() to run it again as a new run.`;
      }
    };
    DagChanged = class extends Data2.TaggedError("DagChanged") {
      get message() {
        return `The DAG changed since run "${this.runId}" was recorded: ${this.changes.join("; ")}. Pass { allowChangedDag: true } to go ahead anyway.`;
      }
    };
    UnknownLabel = class extends Data2.TaggedError("UnknownLabel") {
      get message() {
        return `The DAG has no node "${this.label}". Its nodes are: ${this.known.join(", ")}.`;
      }
    };
  },
});

// src/run/retryDelay.ts
function retryDelayMs(policy, retry) {
  const base = policy.backoffMs ?? 100;
  const factor = policy.factor ?? 2;
  const cap = policy.maxBackoffMs ?? 1e4;
  return Math.min(cap, base * factor ** Math.max(0, retry - 1));
}
var init_retryDelay = __esm({
  "src/run/retryDelay.ts"() {},
});

// src/run/ChildRuns.ts
import { randomUUID } from "node:crypto";

function outputOf(dag2, outputs) {
  const sinks = dag2.sinks();
  const [only] = sinks;
  return sinks.length === 1 && only !== void 0 ? outputs[only.label] : outputs;
}
var settling, ChildRuns;
var init_ChildRuns = __esm({
  "src/run/ChildRuns.ts"() {
    init_fingerprint();
    settling = /* @__PURE__ */ new Map();
    ChildRuns = class {
      constructor(parentRunId, recorded, runnerFor) {
        this.parentRunId = parentRunId;
        this.recorded = recorded;
        this.runnerFor = runnerFor;
      }
      parentRunId;
      recorded;
      runnerFor;
      #prints = /* @__PURE__ */ new Map();
      #runners = /* @__PURE__ */ new Map();
      /** Runs, resumes or reuses the child run of `key`; rejects only if the runner does. */
      async run(ref, key, input, signal) {
        const dag2 = ref.dag;
        const previous = this.recorded.get(key);
        const same = previous !== void 0 && previous.fingerprint === this.#fingerprint(dag2);
        if (same && previous.status === "completed") {
          return {
            kind: "completed",
            runId: previous.runId,
            output: outputOf(dag2, previous.outputs ?? {}),
            reused: true,
          };
        }
        const runner = this.#runner(ref);
        let runId;
        let running;
        if (same) {
          runId = previous.runId;
          await settling.get(runId);
          running = runner.restart(runId, { allowRunning: true, signal });
        } else {
          runId = randomUUID();
          running = runner.run(input, {
            runId,
            parentRunId: this.parentRunId,
            expansionKey: key,
            signal,
          });
        }
        settling.set(runId, running);
        try {
          const result = await running;
          switch (result.status) {
            case "completed":
              return {
                kind: "completed",
                runId,
                output: outputOf(dag2, result.outputs),
                reused: false,
              };
            case "failed":
              return result.error
                ? { kind: "failed", runId, error: result.error }
                : { kind: "interrupted", runId };
            default:
              return { kind: result.status, runId };
          }
        } finally {
          if (settling.get(runId) === running) settling.delete(runId);
        }
      }
      #fingerprint(dag2) {
        let print = this.#prints.get(dag2);
        if (print === void 0) {
          print = fingerprint(dag2);
          this.#prints.set(dag2, print);
        }
        return print;
      }
      /** One runner per sub-DAG per call: a runner derives its DAG's order once, not per element. */
      #runner(ref) {
        let runner = this.#runners.get(ref.dag);
        if (runner === void 0) {
          runner = this.runnerFor(ref);
          this.#runners.set(ref.dag, runner);
        }
        return runner;
      }
    };
  },
});

// src/run/routeSwitch.ts
function routeSwitch(nodeLabel, value, branches, element) {
  const at = element === void 0 ? {} : { element };
  const { branch, data } = labelled(value, (received) => {
    throw new SwitchLabelMissing({ nodeLabel, received, ...at });
  });
  const ref = branches.get(branch);
  if (ref === void 0) {
    throw new UnknownBranch({ nodeLabel, branch, known: [...branches.keys()], ...at });
  }
  return { branch, ref, data };
}
function labelled(value, missing) {
  if (Array.isArray(value)) {
    const [branch, data] = value;
    if (value.length === 2 && typeof branch === "string") return { branch, data };
    return missing(
      `an array of ${value.length} item${value.length === 1 ? "" : "s"}, not a ["branch", data] pair`,
    );
  }
  if (typeof value === "object" && value !== null) {
    if (!("__switch__" in value)) return missing("an object without __switch__");
    const { __switch__: branch, ...data } = value;
    if (typeof branch !== "string")
      return missing(`an object whose __switch__ is ${typeof branch}`);
    return { branch, data };
  }
  return missing(value === null ? "null" : typeof value);
}
var init_routeSwitch = __esm({
  "src/run/routeSwitch.ts"() {
    init_errors2();
  },
});

// src/run/runComposite.ts
async function runComposite(call) {
  const recorded = await recordedChildren(call);
  const children = new ChildRuns(call.parentRunId, recorded, call.runnerFor);
  const { spec, label } = call;
  if (spec.kind === "map") return runMap(call, spec, children);
  const route =
    spec.kind === "switch"
      ? routeSwitch(label, call.input, spec.branches)
      : { branch: "", ref: { dag: spec.dag, nsref: spec.nsref }, data: call.input };
  const key = spec.kind === "switch" ? `${label}:${route.branch}` : label;
  const outcome = await settle(() => children.run(route.ref, key, route.data, call.signal));
  return outputOrThrow(call, outcome, void 0);
}
async function recordedChildren(call) {
  const load = call.provenance.loadChildRuns;
  if (!call.mayHaveChildren || load === void 0) return /* @__PURE__ */ new Map();
  return runTyped(load(call.parentRunId));
}
async function runMap(call, spec, children) {
  const { label, input } = call;
  const entries = entriesOf(label, input, spec.keyed);
  const refs = spec.over.kind === "dag" ? [[void 0, spec.over.ref]] : [...spec.over.branches];
  for (const [branch, ref] of refs) {
    const reason = mappedShapeProblem(ref.dag);
    if (reason !== void 0) throw new InvalidSubDag({ nodeLabel: label, branch, reason });
  }
  const elements = entries.map(([at, value]) => {
    const slot = typeof at === "number" ? `${label}[${at}]` : `${label}[${JSON.stringify(at)}]`;
    if (spec.over.kind === "dag") {
      return { at, key: slot, route: { branch: "", ref: spec.over.ref, data: value } };
    }
    const route = routeSwitch(label, value, spec.over.branches, at);
    return { at, key: `${slot}:${route.branch}`, route };
  });
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (call.signal.aborted) abort();
  else call.signal.addEventListener("abort", abort, { once: true });
  const results = new Array(elements.length);
  let failed;
  let paused = false;
  let next = 0;
  const worker = async () => {
    while (next < elements.length && failed === void 0 && !paused && !controller.signal.aborted) {
      const index = next++;
      const element = elements[index];
      const { ref, data } = element.route;
      const outcome = await settle(() => children.run(ref, element.key, data, controller.signal));
      if (outcome.kind === "completed") {
        results[index] = outcome.output;
      } else if (outcome.kind === "failed") {
        if (failed === void 0) failed = { element, outcome };
        abort();
      } else if (outcome.kind === "paused") {
        paused = true;
      }
    }
  };
  try {
    const limit = Math.min(spec.concurrency ?? elements.length, elements.length);
    await Promise.all(Array.from({ length: limit }, worker));
  } finally {
    call.signal.removeEventListener("abort", abort);
  }
  if (failed !== void 0) return outputOrThrow(call, failed.outcome, failed.element.at);
  if (call.signal.aborted) throw new Error(`map node "${label}" was interrupted`);
  if (paused) {
    throw new DagPause({ reason: `a child run of "${label}" paused; restart the run to go on` });
  }
  if (Array.isArray(input)) return results.flat();
  return Object.fromEntries(entries.map(([at], i) => [at, results[i]]));
}
function entriesOf(label, input, keyed) {
  if (Array.isArray(input) && !keyed) return input.map((value, i) => [i, value]);
  if (isPlainObject(input)) return Object.entries(input);
  const received = describeValue(input);
  throw new MapInputInvalid({
    nodeLabel: label,
    received:
      keyed && Array.isArray(input)
        ? `${received} (the node is keyed: it maps an object's values)`
        : received,
  });
}
function isPlainObject(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
function describeValue(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `a ${value.constructor?.name ?? "object"}`;
  return typeof value === "undefined" ? "undefined" : `a ${typeof value}`;
}
function compositeError(cause) {
  return cause instanceof NodeFailed ||
    cause instanceof MapInputInvalid ||
    cause instanceof SwitchLabelMissing ||
    cause instanceof UnknownBranch
    ? cause
    : void 0;
}
async function settle(run) {
  try {
    return await run();
  } catch (cause) {
    return { kind: "failed", runId: "", error: cause };
  }
}
function outputOrThrow(call, outcome, element) {
  switch (outcome.kind) {
    case "completed":
      return outcome.output;
    case "failed":
      throw new NodeFailed({
        nodeLabel: call.label,
        attempt: call.attempt,
        cause: outcome.error,
        ...(element === void 0 ? {} : { element }),
        ...(outcome.runId === "" ? {} : { childRunId: outcome.runId }),
      });
    case "paused":
      throw new DagPause({ reason: `child run ${outcome.runId} paused; restart the run to go on` });
    case "interrupted":
      throw new Error(`child run ${outcome.runId} was interrupted`);
  }
}
var init_runComposite = __esm({
  "src/run/runComposite.ts"() {
    init_errors();
    init_subDagProblems();
    init_runTyped();
    init_ChildRuns();
    init_errors2();
    init_routeSwitch();
  },
});

// src/run/DagRunner.ts
var DagRunner_exports = {};
__export(DagRunner_exports, {
  DagRunner: () => DagRunner,
});

import { randomUUID as randomUUID2 } from "node:crypto";
import {
  Cause as Cause2,
  Clock,
  Duration,
  Effect as Effect3,
  Either,
  Exit as Exit2,
  Fiber,
  Layer as Layer2,
  ParseResult,
  Queue,
  Schema,
} from "effect";

function lazySignal() {
  let controller;
  let aborted = false;
  return {
    get: () => {
      if (controller === void 0) {
        controller = new AbortController();
        if (aborted) controller.abort();
      }
      return controller.signal;
    },
    abort: () => {
      aborted = true;
      controller?.abort();
    },
  };
}
function failOnFailed(result) {
  return result.status === "failed" && result.error
    ? Effect3.fail(result.error)
    : Effect3.succeed(result);
}
function shapeChanges(before, after) {
  if (before === void 0) return ["the recorded run has no shape to compare"];
  const changes = [];
  const diff = (kind, was, now) => {
    for (const item of now) if (!was.includes(item)) changes.push(`${kind} added: ${item}`);
    for (const item of was) if (!now.includes(item)) changes.push(`${kind} removed: ${item}`);
  };
  diff("node", before.nodes, after.nodes);
  diff("edge", before.edges, after.edges);
  return changes.length > 0 ? changes : ["the fingerprint differs"];
}
function decode(schema, value, toError) {
  const result = Schema.decodeUnknownEither(schema)(value);
  if (Either.isRight(result)) return Effect3.succeed(result.right);
  const issues = issuesOf(result.left);
  return Effect3.fail(toError(issues, fieldOf(issues)));
}
function issuesOf(error) {
  return ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: issue.path,
    message: issue.message,
  }));
}
function fieldOf(issues) {
  return (issues[0]?.path ?? []).map(String).join(".");
}
var RESTARTABLE, DagRunner;
var init_DagRunner = __esm({
  "src/run/DagRunner.ts"() {
    init_Dag();
    init_fingerprint();
    init_NullProvenance();
    init_Provenance();
    init_runTyped();
    init_errors2();
    init_retryDelay();
    init_runComposite();
    RESTARTABLE = /* @__PURE__ */ new Set(["failed", "paused", "interrupted"]);
    DagRunner = class _DagRunner {
      constructor(dag2, options = {}) {
        this.dag = dag2;
        this.options = options;
        const compiled = this.#compiled();
        this.#order = compiled.problem === void 0 ? compiled.order : void 0;
      }
      dag;
      options;
      /** Refreshed by every execution: the DAG is a builder and may grow after this runner is made. */
      #order;
      #compiledCache;
      /** The DAG's check, order, fingerprint, sources and sinks, for its current version. */
      #compiled() {
        const version = this.dag.version;
        if (this.#compiledCache?.version === version) return this.#compiledCache;
        const problem = this.dag.check(this.options.dagNsref);
        const order = problem === void 0 ? this.dag.topologicalOrder() : [];
        this.#compiledCache = {
          version,
          problem,
          order,
          rank: new Map(order.map((node, i) => [node.label, i])),
          fingerprint: fingerprint(this.dag),
          shape: shapeOf(this.dag),
          sources: new Set(this.dag.sources().map((node) => node.label)),
          sinks: this.dag.sinks(),
        };
        return this.#compiledCache;
      }
      /**
       * The run as an Effect: succeeds with the result of a completed or paused run, fails
       * with the node's typed error, or with `DagInvalid` before anything runs.
       *
       * @example
       * ```ts
       * const result = yield* runner.runEffect({ symbol: "AAPL" });
       * ```
       */
      runEffect(input, options = {}) {
        return this.executeEffect(this.newPlan(input, options)).pipe(Effect3.flatMap(failOnFailed));
      }
      /**
       * The run as a Promise: resolves to the result whatever the run's status; rejects
       * only for misuse (an invalid DAG) or a failing history store.
       *
       * @example
       * ```ts
       * const { status, outputs } = await runner.run({ symbol: "AAPL" });
       * ```
       */
      run(input, options = {}) {
        return this.runPlan(this.newPlan(input, options), options.signal);
      }
      /**
       * Continues a `failed`, `paused` or `interrupted` run in place: completed nodes are
       * not run again (their stored outputs feed downstream), the rest run, and the same
       * run id ends with the new status. Rejects with `RunNotFound`, `RunNotRestartable`
       * or `DagChanged`.
       *
       * @example
       * ```ts
       * const first = await runner.run(input);          // failed at "enrich"
       * const again = await fixedRunner.restart(first.runId); // completed; "fetch" not re-run
       * ```
       */
      restart(runId, options = {}) {
        return this.#runResolved(this.restartPlan(runId, options), options.signal);
      }
      /**
       * A new run that copies the recorded outputs of every node not named in `rerun`
       * (recorded as `skipped`) and runs the named nodes and everything downstream of them.
       *
       * @example
       * ```ts
       * const replayed = await runner.replay(runId, { rerun: ["summarize"] });
       * ```
       */
      replay(runId, options) {
        return this.#runResolved(this.replayPlan(runId, options), options.signal);
      }
      /** The Effect form of `restart`. */
      restartEffect(runId, options = {}) {
        return this.restartPlan(runId, options).pipe(
          Effect3.flatMap((plan) => this.executeEffect(plan)),
          Effect3.flatMap(failOnFailed),
        );
      }
      /** The Effect form of `replay`. */
      replayEffect(runId, options) {
        return this.replayPlan(runId, options).pipe(
          Effect3.flatMap((plan) => this.executeEffect(plan)),
          Effect3.flatMap(failOnFailed),
        );
      }
      /** @internal The plan that continues a recorded run. */
      restartPlan(runId, options) {
        return Effect3.gen(this, function* () {
          const stored = yield* this.#loadChecked(runId, options.allowChangedDag ?? false);
          const allowed =
            RESTARTABLE.has(stored.status) || (options.allowRunning && stored.status === "running");
          if (!allowed)
            return yield* Effect3.fail(new RunNotRestartable({ runId, status: stored.status }));
          const known = /* @__PURE__ */ new Map();
          const attemptsSpent = /* @__PURE__ */ new Map();
          for (const node of stored.nodes.values()) {
            if (this.dag.get(node.label) === void 0) continue;
            if (node.status === "completed" || node.status === "skipped") {
              known.set(node.label, { output: node.output, copied: false });
            } else {
              attemptsSpent.set(node.label, node.attempt);
            }
          }
          return {
            runId,
            input: stored.input,
            resume: true,
            known,
            attemptsSpent,
            parentRunId: void 0,
            expansionKey: void 0,
          };
        });
      }
      /** @internal The plan of a replay: a new run with copied outputs. */
      replayPlan(runId, options) {
        return Effect3.gen(this, function* () {
          const labels = this.dag.nodes.map((node) => node.label);
          for (const label of options.rerun) {
            if (this.dag.get(label) === void 0) {
              return yield* Effect3.fail(new UnknownLabel({ label, known: labels }));
            }
          }
          const stored = yield* this.#loadChecked(runId, options.allowChangedDag ?? false);
          const rerun = new Set(options.rerun);
          for (const node of this.#order ?? []) {
            if (this.dag.upstreamEdges(node.label).some((edge) => rerun.has(edge.from))) {
              rerun.add(node.label);
            }
          }
          const known = /* @__PURE__ */ new Map();
          for (const node of stored.nodes.values()) {
            if (rerun.has(node.label) || this.dag.get(node.label) === void 0) continue;
            if (node.status === "completed" || node.status === "skipped") {
              known.set(node.label, { output: node.output, copied: true });
            }
          }
          return {
            ...this.newPlan(stored.input, options.runId === void 0 ? {} : { runId: options.runId }),
            known,
          };
        });
      }
      #loadChecked(runId, allowChangedDag) {
        return Effect3.gen(this, function* () {
          const provenance = yield* Provenance;
          const stored = yield* provenance.loadRunState(runId);
          if (stored === void 0) return yield* Effect3.fail(new RunNotFound({ runId }));
          const compiled = this.#compiled();
          if (!allowChangedDag && stored.fingerprint !== compiled.fingerprint) {
            return yield* Effect3.fail(
              new DagChanged({ runId, changes: shapeChanges(stored.shape, compiled.shape) }),
            );
          }
          return stored;
        });
      }
      async #runResolved(plan, signal) {
        const provider = this.options.provenance ?? NullProvenance;
        const resolved = await runTyped(plan.pipe(Effect3.provide(provider.layer)));
        return this.runPlan(resolved, signal);
      }
      /** @internal A new run's plan. */
      newPlan(input, options) {
        return {
          runId: options.runId ?? randomUUID2(),
          input,
          resume: false,
          known: /* @__PURE__ */ new Map(),
          attemptsSpent: /* @__PURE__ */ new Map(),
          parentRunId: options.parentRunId,
          expansionKey: options.expansionKey,
        };
      }
      /** @internal Runs a plan as a Promise, resolving interruption to an `interrupted` result. */
      async runPlan(plan, signal) {
        const provider = this.options.provenance ?? NullProvenance;
        const exit = await Effect3.runPromiseExit(
          this.executeEffect(plan).pipe(Effect3.provide(provider.layer)),
          signal ? { signal } : void 0,
        );
        if (Exit2.isSuccess(exit)) return exit.value;
        if (Cause2.isInterruptedOnly(exit.cause)) {
          return { runId: plan.runId, status: "interrupted", outputs: {} };
        }
        throw Cause2.squash(exit.cause);
      }
      /**
       * @internal Executes a plan: the result for every status but interruption from
       * outside, which interrupts the Effect after recording `interrupted`.
       */
      executeEffect(plan) {
        const compiled = this.#compiled();
        if (compiled.problem !== void 0) return Effect3.fail(compiled.problem);
        const order = compiled.order;
        this.#order = order;
        return Effect3.gen(this, function* () {
          const provenance = yield* Provenance;
          const state = this.#initialState(order, plan);
          return yield* Effect3.scoped(this.#loop(provenance, plan, state)).pipe(
            Effect3.onInterrupt(() => this.#recordInterrupted(provenance, plan, state)),
          );
        });
      }
      #initialState(order, plan) {
        const outputs = /* @__PURE__ */ new Map();
        for (const [label, known] of plan.known) outputs.set(label, known.output);
        const waiting = /* @__PURE__ */ new Map();
        const ready = [];
        for (const node of order) {
          if (outputs.has(node.label)) continue;
          const pending = this.dag
            .upstreamEdges(node.label)
            .filter((edge) => !outputs.has(edge.from)).length;
          waiting.set(node.label, pending);
          if (pending === 0) ready.push(node.label);
        }
        return {
          outputs,
          waiting,
          ready,
          running: /* @__PURE__ */ new Map(),
          ended: [],
          failed: void 0,
          pauseRequested: false,
        };
      }
      #loop(provenance, plan, state) {
        return Effect3.gen(this, function* () {
          const inbox = yield* Queue.unbounded();
          const now = yield* Clock.currentTimeMillis;
          const starting = this.#takeStarts(plan, state, now);
          if (plan.resume) {
            yield* provenance.runResumed(plan.runId, starting);
          } else {
            const compiled = this.#compiled();
            const sinks = new Set(compiled.sinks.map((node) => node.label));
            const sources = compiled.sources;
            yield* provenance.runStarted(
              {
                runId: plan.runId,
                dagNsref: this.options.dagNsref,
                parentRunId: plan.parentRunId,
                expansionKey: plan.expansionKey,
                fingerprint: compiled.fingerprint,
                shape: compiled.shape,
                startedAt: now,
                input: plan.input,
                nodes: this.dag.nodes.map((node) => ({
                  label: node.label,
                  isSource: sources.has(node.label),
                  isSink: sinks.has(node.label),
                })),
              },
              starting,
            );
            for (const [label, known] of plan.known) {
              if (!known.copied) continue;
              yield* provenance.nodeCompleted(
                plan.runId,
                { label, output: known.output, finishedAt: now, edges: [], status: "skipped" },
                [],
              );
            }
          }
          const log = this.options.logger?.child({
            runId: plan.runId,
            dagNsref: this.options.dagNsref,
          });
          log?.info({ resume: plan.resume }, plan.resume ? "run resumed" : "run started");
          for (const start of starting)
            log?.debug({ nodeLabel: start.label, attempt: start.attempt }, "node started");
          let inline = yield* this.#launch(provenance, plan, state, inbox, starting);
          while (state.running.size > 0) {
            const message = inline ?? (yield* Queue.take(inbox));
            inline = void 0;
            state.running.delete(message.label);
            const at = yield* Clock.currentTimeMillis;
            if (message.kind === "storeFailed") {
              return yield* Effect3.fail(message.error);
            }
            if (message.kind === "failed") {
              log?.warn({ nodeLabel: message.label, error: message.error.message }, "node failed");
              state.failed = { label: message.label, error: message.error };
              state.ended.push({
                label: message.label,
                status: "failed",
                error: message.error.message,
                finishedAt: at,
              });
              for (const [label, fiber] of state.running) {
                if (fiber !== void 0) yield* Fiber.interrupt(fiber);
                state.ended.push({ label, status: "interrupted", error: void 0, finishedAt: at });
              }
              state.running.clear();
              break;
            }
            if (message.kind === "paused") {
              state.pauseRequested = true;
              state.ended.push({
                label: message.label,
                status: "paused",
                error: void 0,
                finishedAt: at,
              });
              continue;
            }
            state.outputs.set(message.label, message.output);
            for (const edge of this.dag.downstreamEdges(message.label)) {
              const left = (state.waiting.get(edge.to) ?? 1) - 1;
              state.waiting.set(edge.to, left);
              if (left === 0) this.#enqueueReady(state, edge.to);
            }
            const next = this.#takeStarts(plan, state, at);
            yield* provenance.nodeCompleted(
              plan.runId,
              {
                label: message.label,
                output: message.output,
                finishedAt: at,
                edges: this.dag
                  .downstreamEdges(message.label)
                  .map((edge) => ({ from: edge.from, to: edge.to })),
                status: "completed",
              },
              next,
            );
            log?.debug({ nodeLabel: message.label }, "node completed");
            for (const start of next)
              log?.debug({ nodeLabel: start.label, attempt: start.attempt }, "node started");
            inline = yield* this.#launch(provenance, plan, state, inbox, next);
          }
          const finishedAt = yield* Clock.currentTimeMillis;
          const outputs = this.#sinkOutputs(state);
          const status = state.failed
            ? "failed"
            : state.pauseRequested || state.ready.length > 0
              ? "paused"
              : "completed";
          yield* provenance.runFinished(plan.runId, {
            status,
            finishedAt,
            outputs,
            error: state.failed?.error.message,
            nodes: state.ended,
          });
          log?.info(
            { status, ...(state.failed ? { failedNode: state.failed.label } : {}) },
            "run finished",
          );
          const result = state.failed
            ? {
                runId: plan.runId,
                status,
                outputs,
                failedNode: state.failed.label,
                error: state.failed.error,
              }
            : { runId: plan.runId, status, outputs };
          return result;
        });
      }
      #enqueueReady(state, label) {
        const ranks = this.#compiled().rank;
        const rank = (l) => ranks.get(l) ?? -1;
        const mine = rank(label);
        const last = state.ready.at(-1);
        if (last === void 0 || rank(last) < mine) {
          state.ready.push(label);
          return;
        }
        const at = state.ready.findIndex((other) => rank(other) > mine);
        state.ready.splice(at === -1 ? state.ready.length : at, 0, label);
      }
      /** Takes the ready nodes that may start now (concurrency, pause) and describes their starts. */
      #takeStarts(plan, state, now) {
        if (state.pauseRequested || state.failed) return [];
        const limit = this.options.concurrency ?? Number.POSITIVE_INFINITY;
        const starts = [];
        while (state.ready.length > 0 && state.running.size + starts.length < limit) {
          const label = state.ready.shift();
          starts.push({
            label,
            input: this.#wiredInput(plan, state, label),
            attempt: (plan.attemptsSpent.get(label) ?? 0) + 1,
            startedAt: now,
          });
        }
        return starts;
      }
      /**
       * Starts nodes, each in its own fiber that reports to the inbox. A node that is the
       * only one able to run (nothing else in flight, nothing else started) runs inline in
       * the loop's fiber instead and its message is returned: the same run, interruption and
       * signal, without a fiber and a queue round trip per node of a chain.
       */
      #launch(provenance, plan, state, inbox, starts) {
        const [only] = starts;
        if (only !== void 0 && starts.length === 1 && state.running.size === 0) {
          state.running.set(only.label, void 0);
          return this.#reported(provenance, plan, state, only);
        }
        return Effect3.forEach(
          starts,
          (start) =>
            Effect3.gen(this, function* () {
              const fiber = yield* Effect3.forkScoped(
                this.#reported(provenance, plan, state, start).pipe(
                  Effect3.flatMap((message) => Queue.offer(inbox, message)),
                  Effect3.asVoid,
                ),
              );
              state.running.set(start.label, fiber);
            }),
          { discard: true },
        ).pipe(Effect3.as(void 0));
      }
      /** A node's run as the message it reports; a failing history store is a message too. */
      #reported(provenance, plan, state, start) {
        return this.#runNode(provenance, plan, state, start).pipe(
          Effect3.catchAll((error) =>
            Effect3.succeed({ kind: "storeFailed", label: start.label, error }),
          ),
        );
      }
      /** The default wiring rule: run input for sources, the upstream's output, or an object of upstreams. */
      #wiredInput(plan, state, label) {
        const upstream = this.dag.upstreamEdges(label);
        if (upstream.length === 0) return plan.input;
        const [only] = upstream;
        if (upstream.length === 1 && only !== void 0 && only.as === void 0) {
          return state.outputs.get(only.from);
        }
        return Object.fromEntries(
          upstream.map((edge) => [edge.as ?? edge.from, state.outputs.get(edge.from)]),
        );
      }
      /** One node: its tries (with retry and backoff) until an output, a pause or a final error. */
      #runNode(provenance, plan, state, start) {
        const node = this.dag.get(start.label);
        const retry = node.spec.options.retry;
        const maxTries = Math.max(1, retry?.attempts ?? 1);
        const firstAttempt = start.attempt;
        const attemptOnce = (attempt) =>
          this.#callOnce(provenance, plan, state, node, start.input, attempt).pipe(
            Effect3.map((output) => ({ kind: "done", label: node.label, output })),
            Effect3.catchAll((error) => {
              if (error instanceof DagPause)
                return Effect3.succeed({ kind: "paused", label: node.label });
              const retryable = error._tag === "NodeFailed" || error._tag === "NodeTimedOut";
              const tries = attempt - firstAttempt + 1;
              if (!retryable || tries >= maxTries || retry === void 0) {
                return Effect3.succeed({ kind: "failed", label: node.label, error });
              }
              return Effect3.gen(this, function* () {
                yield* Effect3.sleep(Duration.millis(retryDelayMs(retry, tries)));
                const startedAt = yield* Clock.currentTimeMillis;
                yield* provenance.nodesStarted(plan.runId, [
                  { label: node.label, input: start.input, attempt: attempt + 1, startedAt },
                ]);
                return yield* attemptOnce(attempt + 1);
              });
            }),
          );
        return attemptOnce(firstAttempt);
      }
      #callOnce(provenance, plan, state, node, rawInput, attempt) {
        const { spec } = node;
        const label = node.label;
        return Effect3.gen(this, function* () {
          const upstream = this.dag.upstreamEdges(label);
          const [only] = upstream;
          const expectsInput =
            spec.options.input !== void 0 || (spec.kind === "function" && spec.fn.length > 0);
          if (
            upstream.length === 1 &&
            only &&
            only.as === void 0 &&
            rawInput === void 0 &&
            expectsInput
          ) {
            return yield* Effect3.fail(new MissingInput({ nodeLabel: label, upstream: only.from }));
          }
          const input = spec.options.input
            ? yield* decode(
                spec.options.input,
                rawInput,
                (issues, field) => new InputInvalid({ nodeLabel: label, field, issues }),
              )
            : rawInput;
          const signal = lazySignal();
          const call = Effect3.tryPromise({
            try: () => this.#invoke(provenance, plan, state, node, input, attempt, signal),
            catch: (cause) =>
              cause instanceof DagPause
                ? cause
                : ((spec.kind !== "function" ? compositeError(cause) : void 0) ??
                  new NodeFailed({ nodeLabel: label, attempt, cause })),
          }).pipe(Effect3.onInterrupt(() => Effect3.sync(signal.abort)));
          const timeoutMs = spec.options.timeout;
          const output =
            timeoutMs === void 0
              ? yield* call
              : yield* call.pipe(
                  Effect3.timeoutFail({
                    duration: Duration.millis(timeoutMs),
                    onTimeout: () => new NodeTimedOut({ nodeLabel: label, attempt, timeoutMs }),
                  }),
                );
          if (spec.options.output) {
            const check = Schema.validateEither(spec.options.output)(output);
            if (Either.isLeft(check)) {
              const issues = issuesOf(check.left);
              return yield* Effect3.fail(
                new OutputInvalid({ nodeLabel: label, field: fieldOf(issues), issues }),
              );
            }
          }
          return output;
        });
      }
      async #invoke(provenance, plan, state, node, input, attempt, signal) {
        const { spec } = node;
        if (spec.kind !== "function") {
          const layer = Layer2.succeed(Provenance, provenance);
          return runComposite({
            label: node.label,
            spec,
            input,
            attempt,
            signal: signal.get(),
            parentRunId: plan.runId,
            // Children can be on record only if this node ran before: a resume or a retry.
            mayHaveChildren: plan.resume || attempt > 1,
            provenance,
            runnerFor: (ref) => {
              if (!(ref.dag instanceof Dag))
                throw new TypeError(`node "${node.label}" holds no Dag`);
              return new _DagRunner(ref.dag, {
                ...this.options,
                provenance: { layer },
                dagNsref: ref.nsref ?? node.label,
              });
            },
          });
        }
        const ctx = {
          runId: plan.runId,
          nodeLabel: node.label,
          dagNsref: this.options.dagNsref,
          attempt,
          get signal() {
            return signal.get();
          },
          namespace: this.options.namespace,
          pause: () => {
            state.pauseRequested = true;
          },
        };
        return spec.fn(input, ctx);
      }
      #sinkOutputs(state) {
        const outputs = {};
        for (const sink of this.#compiled().sinks) {
          if (state.outputs.has(sink.label)) outputs[sink.label] = state.outputs.get(sink.label);
        }
        return outputs;
      }
      #recordInterrupted(provenance, plan, state) {
        return Effect3.gen(this, function* () {
          const finishedAt = yield* Clock.currentTimeMillis;
          const ended = [
            ...state.ended,
            ...[...state.running.keys()].map((label) => ({
              label,
              status: "interrupted",
              error: void 0,
              finishedAt,
            })),
          ];
          yield* provenance.runFinished(plan.runId, {
            status: "interrupted",
            finishedAt,
            outputs: this.#sinkOutputs(state),
            error: void 0,
            nodes: ended,
          });
        }).pipe(
          // The run is already being torn down; a store failure here leaves the run
          // `running`, which findUnfinishedRuns() reports for the supervisor to resume.
          Effect3.catchAll(() => Effect3.void),
        );
      }
    };
  },
});

// src/dag/Dag.ts
function isNodeSource(value) {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value;
  return (
    typeof candidate.nsref === "string" &&
    (candidate.spec?.kind === "function" || candidate.spec?.kind === "dag")
  );
}
var Dag, NO_EDGES;
var init_Dag = __esm({
  "src/dag/Dag.ts"() {
    init_DagNode();
    init_errors();
    init_SwitchNode();
    init_schemaAssignable();
    init_subDagProblems();
    init_switchBranches();
    init_topologicalOrder();
    Dag = class _Dag {
      #nodes = /* @__PURE__ */ new Map();
      #edges = [];
      #foreign = [];
      #version = 0;
      /** Edges by their end and by their start, rebuilt lazily after the DAG grows. */
      #index;
      node(target, options = {}) {
        const { label: given, ...overrides } = options;
        const { spec, label: defaultLabel } = this.#specOf(target, overrides);
        const label = given ?? defaultLabel;
        if (this.#nodes.has(label)) throw new DuplicateLabel({ label });
        const node = new DagNode(this, label, spec);
        this.#nodes.set(label, node);
        this.#version += 1;
        return node;
      }
      map(target, options = {}) {
        const { label: given, concurrency, keyed = false, ...overrides } = options;
        if (concurrency !== void 0 && !(Number.isInteger(concurrency) && concurrency >= 1)) {
          throw new InvalidMapNode({
            reason: `concurrency must be a positive integer, not ${String(concurrency)}`,
          });
        }
        const made = this.#mapTargetOf(target);
        const label = given ?? made.label;
        if (this.#nodes.has(label) && label !== made.replaces) throw new DuplicateLabel({ label });
        const refs = made.over.kind === "dag" ? [[void 0, made.over.ref]] : [...made.over.branches];
        for (const [branch, ref] of refs) {
          const reason = mappedShapeProblem(ref.dag);
          if (reason !== void 0) throw new InvalidSubDag({ nodeLabel: label, branch, reason });
        }
        if (made.replaces !== void 0) this.#nodes.delete(made.replaces);
        const node = new DagNode(this, label, {
          kind: "map",
          over: made.over,
          concurrency,
          keyed,
          options: { ...made.options, ...overrides },
        });
        this.#nodes.set(label, node);
        this.#version += 1;
        return node;
      }
      switch(branches, options = {}) {
        const { label: given, ...overrides } = options;
        const label = given ?? `switch${this.#nodes.size + 1}`;
        if (this.#nodes.has(label)) throw new DuplicateLabel({ label });
        const refs = switchBranches(label, branches, (target, name) =>
          this.#branchRef(target, name),
        );
        const node = new SwitchNode(this, label, {
          kind: "switch",
          branches: refs,
          options: overrides,
        });
        this.#nodes.set(label, node);
        this.#version += 1;
        return node;
      }
      /** @internal Called by `DagNode.to`. */
      addEdge(from, to, options) {
        this.#version += 1;
        if (this.#nodes.get(from.label) !== from || this.#nodes.get(to.label) !== to) {
          this.#foreign.push(new ForeignEdge({ from: from.label, to: to.label }));
          return;
        }
        this.#edges.push({ from: from.label, to: to.label, as: options.as });
      }
      /** The nodes in insertion order. */
      get nodes() {
        return [...this.#nodes.values()];
      }
      /** The edges in insertion order. */
      get edges() {
        return this.#edges;
      }
      /** The node with this label, or `undefined`. */
      get(label) {
        return this.#nodes.get(label);
      }
      /**
       * Grows by one with every node and edge added (a DAG only grows): anything derived
       * from the DAG may be cached under it, as the runner does with its order.
       */
      get version() {
        return this.#version;
      }
      /** Edges that end at `label`, in insertion order. */
      upstreamEdges(label) {
        return this.#edgeIndex().upstream.get(label) ?? NO_EDGES;
      }
      /** Edges that start at `label`, in insertion order. */
      downstreamEdges(label) {
        return this.#edgeIndex().downstream.get(label) ?? NO_EDGES;
      }
      /** The edge lists by label, built once per version: runs ask for them per node. */
      #edgeIndex() {
        if (this.#index?.version === this.#version) return this.#index;
        const upstream = /* @__PURE__ */ new Map();
        const downstream = /* @__PURE__ */ new Map();
        for (const edge of this.#edges) {
          const up = upstream.get(edge.to) ?? [];
          up.push(edge);
          upstream.set(edge.to, up);
          const down = downstream.get(edge.from) ?? [];
          down.push(edge);
          downstream.set(edge.from, down);
        }
        this.#index = { version: this.#version, upstream, downstream };
        return this.#index;
      }
      /** Nodes without upstreams: they receive the run's input. */
      sources() {
        const fed = new Set(this.#edges.map((edge) => edge.to));
        return this.nodes.filter((node) => !fed.has(node.label));
      }
      /** Nodes without downstreams: their outputs are the run's outputs. */
      sinks() {
        const feeding = new Set(this.#edges.map((edge) => edge.from));
        return this.nodes.filter((node) => !feeding.has(node.label));
      }
      /**
       * The nodes so that each comes after all its upstreams; ties keep insertion order.
       * Throws `DagCycle` when there is a cycle.
       */
      topologicalOrder() {
        const result = topologicalOrder([...this.#nodes.keys()], this.#edges);
        if ("cycle" in result) throw new DagCycle({ cycle: result.cycle });
        return result.order.map((label) => this.#nodes.get(label));
      }
      /**
       * The first problem that would stop this DAG from running, or `undefined`:
       * no nodes, an edge to another DAG's node, a cycle, or schemas that cannot meet.
       *
       * @example
       * ```ts
       * const problem = dag.check();
       * if (problem) console.error(problem.message);
       * ```
       */
      check(dagNsref) {
        return this.#check(dagNsref, [this]);
      }
      /** `check`, knowing the DAGs that run this one as a sub-DAG (`chain`, this one last). */
      #check(dagNsref, chain) {
        if (this.#nodes.size === 0) return new EmptyDag({ dagNsref });
        if (this.#foreign.length > 0) return this.#foreign[0];
        const result = topologicalOrder([...this.#nodes.keys()], this.#edges);
        if ("cycle" in result) return new DagCycle({ cycle: result.cycle });
        for (const edge of this.#edges) {
          const output = this.#nodes.get(edge.from)?.spec.options.output;
          const input = this.#nodes.get(edge.to)?.spec.options.input;
          if (output && input && this.upstreamEdges(edge.to).length === 1 && edge.as === void 0) {
            const reason = schemaMismatch(output, input);
            if (reason !== void 0)
              return new SchemaMismatch({ from: edge.from, to: edge.to, reason });
          }
        }
        return subDagProblem(this, chain, (sub, longer) => sub.#check(void 0, longer));
      }
      /**
       * Throws the first problem `check()` finds.
       *
       * @example
       * ```ts
       * dag.validate(); // throws DagCycle, ForeignEdge, EmptyDag or SchemaMismatch
       * ```
       */
      validate() {
        const problem = this.check();
        if (problem) throw problem;
      }
      /**
       * Runs the DAG once without history (`NullProvenance`) and resolves to its result.
       *
       * @example
       * ```ts
       * const { status, outputs } = await dag.run({ symbol: "AAPL" });
       * ```
       */
      async run(input) {
        const { DagRunner: DagRunner2 } = await Promise.resolve().then(
          () => (init_DagRunner(), DagRunner_exports),
        );
        return new DagRunner2(this).run(input);
      }
      #specOf(target, overrides) {
        if (typeof target === "function") {
          const fn = target;
          return {
            spec: { kind: "function", fn, options: overrides },
            label: fn.name || `node${this.#nodes.size + 1}`,
          };
        }
        if (target instanceof _Dag) {
          return {
            spec: { kind: "dag", dag: target, options: overrides },
            label: `dag${this.#nodes.size + 1}`,
          };
        }
        if (isNodeSource(target)) {
          const leaf = target.nsref.slice(target.nsref.lastIndexOf(":") + 1);
          return {
            spec: { ...target.spec, options: { ...target.spec.options, ...overrides } },
            label: leaf,
          };
        }
        throw new InvalidNodeTarget({
          received: target === null ? "null" : Array.isArray(target) ? "an array" : typeof target,
        });
      }
      /** What a map node runs, its default label, and the switch node it replaces. */
      #mapTargetOf(target) {
        const fallback = `map${this.#nodes.size + 1}`;
        if (target instanceof SwitchNode) {
          if (this.#nodes.get(target.label) !== target) {
            throw new InvalidMapNode({
              reason: `the switch "${target.label}" is not a node of this DAG (another DAG's, or already mapped)`,
            });
          }
          if (this.#edges.some((edge) => edge.from === target.label || edge.to === target.label)) {
            throw new InvalidMapNode({
              reason: `the switch "${target.label}" is already wired; map an unwired dag.switch(...) and wire the map node`,
            });
          }
          const spec = target.spec;
          return {
            over: { kind: "switch", branches: spec.branches },
            label: target.label,
            replaces: target.label,
            options: spec.options,
          };
        }
        if (target instanceof _Dag) {
          return {
            over: { kind: "dag", ref: { dag: target, nsref: void 0 } },
            label: fallback,
            replaces: void 0,
            options: {},
          };
        }
        if (isNodeSource(target) && target.spec.kind === "dag") {
          return {
            over: { kind: "dag", ref: { dag: target.spec.dag, nsref: target.nsref } },
            label: target.nsref.slice(target.nsref.lastIndexOf(":") + 1),
            replaces: void 0,
            options: target.spec.options,
          };
        }
        const received = isNodeSource(target)
          ? `the registered function "${target.nsref}"`
          : typeof target === "function"
            ? "a function"
            : target === null
              ? "null"
              : Array.isArray(target)
                ? "an array"
                : typeof target;
        throw new InvalidMapNode({
          reason: `it got ${received}; put a function in a one-node Dag to map it`,
        });
      }
      /** A switch branch as a sub-DAG; `undefined` for a value that cannot be a branch. */
      #branchRef(target, name) {
        if (target instanceof _Dag) return { dag: target, nsref: void 0 };
        if (isNodeSource(target) && target.spec.kind === "dag") {
          return { dag: target.spec.dag, nsref: target.nsref };
        }
        if (typeof target === "function" || isNodeSource(target)) {
          const one = new _Dag();
          one.node(target, { label: name });
          return { dag: one, nsref: isNodeSource(target) ? target.nsref : void 0 };
        }
        return void 0;
      }
    };
    NO_EDGES = Object.freeze([]);
  },
});

// bench/_p3.ts
init_Dag();
init_NullProvenance();
init_DagRunner();
var dag = new Dag();
dag
  .node((x) => x + 1, { label: "a" })
  .to(dag.node((x) => x + 1, { label: "b" }))
  .to(dag.node((x) => x + 1, { label: "c" }));
var r = new DagRunner(dag, { provenance: NullProvenance });
for (let k = 0; k < 4; k++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 2e3) {
    await r.run(n);
    n++;
  }
  const c = process.cpuUsage(c0);
  console.log(
    "3-node null run: wall us",
    (((performance.now() - t0) * 1e3) / n).toFixed(1),
    "cpu us",
    ((c.user + c.system) / n).toFixed(1),
  );
}
