// Tiny DOM helpers. Model output is untrusted: text goes in through text nodes only, never innerHTML, and
// with its bidi controls shown as marks (src/shared/bidi.ts).
import { revealBidiControls } from '../../../src/shared/bidi';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;

/** Creates an element; `on*` attributes that are functions become event listeners, strings become text. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? textNode(c) : c);
  }
}

/** A text node for untrusted text: bidi controls become visible `⟨U+202E⟩` marks. */
export function textNode(text: string): Text {
  return document.createTextNode(revealBidiControls(text));
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}
