/**
 * Text made safe inside a quoted Mermaid node label: quotes and angle brackets become
 * Mermaid's entity codes, so a label can never end the string or open markup.
 *
 * @example
 * ```ts
 * mermaidText('say "hi"'); // "say #quot;hi#quot;"
 * ```
 */
export function mermaidText(text: string): string {
  return text
    .replaceAll("#", "#35;")
    .replaceAll('"', "#quot;")
    .replaceAll("<", "#lt;")
    .replaceAll(">", "#gt;")
    .replaceAll("|", "#124;")
    .replaceAll("\n", " ");
}
