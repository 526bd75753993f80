import type { TriggerStateValue } from "../../machines/trigger.machine.js";
import { triggerMachine } from "../../machines/trigger.machine.js";

interface TransitionConfig {
  readonly target?: string | readonly string[];
}
type OnConfig = Record<string, TransitionConfig | readonly TransitionConfig[] | string>;

/**
 * The trigger machine as a Mermaid state diagram, read from the machine's own
 * definition (so it never drifts from the code): one arrow per event that changes the
 * state, labelled with the events, and `current` highlighted.
 *
 * @example
 * ```ts
 * triggerMachineMermaid("firing");
 * // stateDiagram-v2
 * //   [*] --> inactive
 * //   inactive --> active : ACTIVATE
 * //   ...
 * //   class firing current
 * ```
 */
export function triggerMachineMermaid(current: TriggerStateValue | undefined): string {
  const states = triggerMachine.config.states as Record<string, { on?: OnConfig }>;
  const arrows = new Map<string, string[]>();
  for (const [from, state] of Object.entries(states)) {
    for (const [event, transitions] of Object.entries(state.on ?? {})) {
      const list = Array.isArray(transitions) ? transitions : [transitions];
      for (const transition of list) {
        const target = typeof transition === "string" ? transition : transition.target;
        for (const to of typeof target === "string" ? [target] : (target ?? [])) {
          const name = to.replace(/^\./, "");
          if (name === from) continue;
          const key = `${from} --> ${name}`;
          const events = arrows.get(key) ?? [];
          if (!events.includes(event)) events.push(event);
          arrows.set(key, events);
        }
      }
    }
  }
  const lines = ["stateDiagram-v2", `  [*] --> ${String(triggerMachine.config.initial)}`];
  for (const [arrow, events] of arrows) lines.push(`  ${arrow} : ${events.join(", ")}`);
  lines.push("  classDef current fill:#1971c2,color:#fff,stroke:#0b4f8a,stroke-width:3px");
  if (current !== undefined && current in states) lines.push(`  class ${current} current`);
  return `${lines.join("\n")}\n`;
}
