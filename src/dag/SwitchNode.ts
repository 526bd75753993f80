import { DagNode } from "./DagNode.js";

/**
 * A node made by `dag.switch(...)`: it routes its input to one branch by label. Wire it
 * like any node, or hand it (unwired) to `dag.map(...)` to route each element of a list.
 *
 * @example
 * ```ts
 * const route = dag.switch({ small: handleSmall, large: handleLarge }, { label: "route" });
 * classify.to(route);
 * // or: classifyAll.to(dag.map(dag.switch({ small, large }), { label: "routeAll" }));
 * ```
 */
export class SwitchNode<in I, out O> extends DagNode<I, O> {
  /** @internal Brand: tells a switch node from a plain node in `dag.map`'s overloads. */
  declare readonly _switch: true;
}
