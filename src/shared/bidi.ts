// Bidirectional-text controls in untrusted text. A right-to-left override (U+202E) in a model's output
// silently reverses what follows it ("Trojan Source"); every webview shows such characters as visible
// marks instead, the way VS Code's editor flags them.

/** Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the implicit marks LRM, RLM, ALM. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** `text` with each bidi control replaced by a visible `⟨U+202E⟩` mark; other text is unchanged. */
export function revealBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}
