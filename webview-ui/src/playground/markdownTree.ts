// Model output as markdown, safely: markdown-it with raw HTML disabled parses it, and its tokens become a
// small tree of allow-listed tags and plain text. The view builds DOM nodes from the tree with
// createElement/createTextNode, so no HTML string from a model is ever parsed by the browser.
// No DOM here: the unit tests check the tree in Node.
import MarkdownIt from 'markdown-it';

/** An element (allow-listed tag and attributes) or a run of text. */
export type MdNode = { tag: string; attrs: Record<string, string>; children: MdNode[] } | { text: string };

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** Tags the tree may contain; anything else from the tokens becomes its text content. */
export const ALLOWED_TAGS = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
  'em', 'strong', 's', 'a', 'code', 'pre', 'hr', 'br',
]);

/** Link targets that may be followed: web, mail and in-page anchors. */
export function isSafeHref(href: string): boolean {
  return /^(https?:|mailto:|#)/i.test(href.trim());
}

type Token = ReturnType<MarkdownIt['parse']>[number];

function element(tag: string, attrs: Record<string, string> = {}): MdNode & { children: MdNode[] } {
  return { tag, attrs, children: [] };
}

/** Parses `source` into a tree. Never throws. */
export function markdownTree(source: string): MdNode[] {
  const root = element('root');
  const stack: (MdNode & { children: MdNode[] })[] = [root];
  const top = (): MdNode & { children: MdNode[] } => stack[stack.length - 1]!;
  const text = (t: string): void => {
    if (t !== '') top().children.push({ text: t });
  };

  const open = (tok: Token): void => {
    const tag = tok.tag;
    if (tag === 'a') {
      const href = tok.attrGet('href') ?? '';
      // An unsafe link keeps its text, without being a link.
      const el = isSafeHref(href) ? element('a', { href, ...(tok.attrGet('title') ? { title: tok.attrGet('title')! } : {}) }) : element('span');
      top().children.push(el);
      stack.push(el);
      return;
    }
    const attrs: Record<string, string> = {};
    if (tag === 'ol' && tok.attrGet('start')) attrs.start = String(Number(tok.attrGet('start')) || 1);
    const el = element(ALLOWED_TAGS.has(tag) ? tag : 'span', attrs);
    top().children.push(el);
    stack.push(el);
  };
  const close = (): void => {
    if (stack.length > 1) stack.pop();
  };

  const walk = (tokens: Token[]): void => {
    for (const tok of tokens) {
      if (tok.nesting === 1) {
        open(tok);
        continue;
      }
      if (tok.nesting === -1) {
        close();
        continue;
      }
      switch (tok.type) {
        case 'inline':
          walk(tok.children ?? []);
          break;
        case 'text':
        case 'html_inline':
        case 'html_block':
          text(tok.content);
          break;
        case 'softbreak':
          text('\n');
          break;
        case 'hardbreak':
          top().children.push(element('br'));
          break;
        case 'code_inline': {
          const code = element('code');
          code.children.push({ text: tok.content });
          top().children.push(code);
          break;
        }
        case 'fence':
        case 'code_block': {
          const pre = element('pre');
          const code = element('code');
          code.children.push({ text: tok.content });
          pre.children.push(code);
          top().children.push(pre);
          break;
        }
        case 'hr':
          top().children.push(element('hr'));
          break;
        case 'image':
          // Images are not loaded (the CSP would block remote ones anyway): their description stands in.
          text(`[image${tok.content ? `: ${tok.content}` : ''}]`);
          break;
        default:
          if (tok.content) text(tok.content);
      }
    }
  };

  try {
    walk(md.parse(source, {}));
  } catch {
    return [{ text: source }];
  }
  return root.children;
}
