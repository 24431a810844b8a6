// Text from models, servers and files, made safe to print: a reply can hold terminal escape sequences
// (which recolour, move the cursor, retitle the window or hide text) or bidirectional-override characters
// (which reorder what the reader sees). Both are shown as visible escapes instead of acting.

/**
 * C0 controls but tab and newline (carriage return and backspace rewrite the line), DEL, C1 controls
 * (0x9B alone starts an escape sequence on some terminals), and the bidi controls: marks, embeddings,
 * overrides and isolates.
 */
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

function visible(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** `s` with every control character and bidi control written out, e.g. ESC as `\x1b`, U+202E as `\u202e`. */
export function terminalSafe(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, visible) : s;
}
