// Jinja2's template inheritance (`{% extends %}` / `{% block %}`) for `.prompty` bodies, which the Jinja2
// library Assay renders with (@huggingface/jinja) lacks. Prompty renders a child with Jinja2 over a loader
// holding the base prompty's body under its file name (1.0: renderers.py builds a DictLoader from the
// `base:` chain), so `{% extends "evaluation.prompty" %}` renders the base's body with the child's blocks
// in place of the base's. Done here as a source transform before rendering: the child's blocks replace the
// base's, and every block tag becomes an `if true` tag, which Jinja2 trims (`{%-`, `-%}`) the same way.

const TAG = /\{%(-?)\s*(block\s+(\w+)|endblock(?:\s+\w+)?|extends\s+(?:"([^"]+)"|'([^']+)'))\s*(-?)%\}/g;

interface Block {
  name: string;
  /** Offsets of the opening tag's start, the body's start and end, and the closing tag's end. */
  open: number;
  bodyStart: number;
  bodyEnd: number;
  close: number;
  openTrim: [string, string];
  closeTrim: [string, string];
}

/** The top-level blocks of `source` (nested ones stay inside their parent's body), or the problem. */
function topBlocks(source: string): { blocks: Block[]; extendsName?: string } | { error: string } {
  const blocks: Block[] = [];
  const stack: Omit<Block, 'bodyEnd' | 'close' | 'closeTrim'>[] = [];
  let extendsName: string | undefined;
  for (const m of source.matchAll(TAG)) {
    const at = m.index;
    if (m[2]!.startsWith('extends')) {
      extendsName ??= m[4] ?? m[5];
    } else if (m[3] !== undefined) {
      stack.push({ name: m[3], open: at, bodyStart: at + m[0].length, openTrim: [m[1]!, m[6]!] });
    } else {
      const b = stack.pop();
      if (!b) return { error: 'Jinja2: endblock without block' };
      if (stack.length === 0) blocks.push({ ...b, bodyEnd: at, close: at + m[0].length, closeTrim: [m[1]!, m[6]!] });
    }
  }
  if (stack.length > 0) return { error: `Jinja2: block '${stack[stack.length - 1]!.name}' is not closed` };
  return extendsName !== undefined ? { blocks, extendsName } : { blocks };
}

/** Block tags as `if true` tags with the same whitespace control. */
function blocksAsIfs(source: string): string {
  return source.replace(TAG, (all, l: string, stmt: string, name: string | undefined, _a, _b, r: string) =>
    stmt.startsWith('extends') ? all : name !== undefined ? `{%${l} if true ${r}%}` : `{%${l} endif ${r}%}`,
  );
}

/** `base` with each top-level block's body replaced by the child's block of the same name, when it has one. */
function fillBlocks(base: string, baseBlocks: Block[], child: Map<string, string>): string {
  let out = '';
  let at = 0;
  for (const b of baseBlocks) {
    const body = child.get(b.name);
    out += base.slice(at, b.bodyStart) + (body ?? base.slice(b.bodyStart, b.bodyEnd));
    at = b.bodyEnd;
  }
  return out + base.slice(at);
}

/**
 * The template to render for `source`: blocks as plain sections and, for a child (`{% extends "NAME" %}`),
 * the base's body (`load(NAME)`: its text, or why it cannot be read) with the child's blocks. A child's
 * text outside its blocks is not rendered, as in Jinja2.
 */
export function resolveInheritance(source: string, load: (name: string) => { text: string } | { error: string }, depth = 0): { template: string } | { error: string } {
  if (!/\{%-?\s*(block|extends)\b/.test(source)) return { template: source };
  const child = topBlocks(source);
  if ('error' in child) return child;
  if (child.extendsName === undefined) return { template: blocksAsIfs(source) };
  if (depth > 8) return { error: `Jinja2: '${child.extendsName}' extends too deeply (more than 8 levels)` };
  if (/\bsuper\(\)/.test(source)) return { error: 'Jinja2: super() in a block is not supported' };
  const base = load(child.extendsName);
  if ('error' in base) return { error: `Cannot read the base template '${child.extendsName}': ${base.error}` };
  const baseBlocks = topBlocks(base.text);
  if ('error' in baseBlocks) return baseBlocks;
  const bodies = new Map(child.blocks.map((b) => [b.name, source.slice(b.bodyStart, b.bodyEnd)]));
  // The merged text is a child of the base's own base, or a plain template with blocks: resolve it again.
  return resolveInheritance(fillBlocks(base.text, baseBlocks.blocks, bodies), load, depth + 1);
}
