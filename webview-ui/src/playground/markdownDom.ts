// Builds DOM nodes from a markdown tree: createElement for allow-listed tags, createTextNode for text.
import { textNode } from '../common/dom';
import { ALLOWED_TAGS, isSafeHref, markdownTree, type MdNode } from './markdownTree';

function build(node: MdNode): Node {
  if ('text' in node) return textNode(node.text);
  const el = document.createElement(ALLOWED_TAGS.has(node.tag) ? node.tag : 'span');
  for (const [k, v] of Object.entries(node.attrs)) {
    if (k === 'href' && !isSafeHref(v)) continue;
    if (k === 'href' || k === 'title' || k === 'start') el.setAttribute(k, v);
  }
  for (const child of node.children) el.appendChild(build(child));
  return el;
}

/** Markdown rendered without HTML: safe for untrusted model output. */
export function renderMarkdown(source: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const node of markdownTree(source)) fragment.appendChild(build(node));
  return fragment;
}
