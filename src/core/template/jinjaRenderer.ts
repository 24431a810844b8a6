// Templates in `.prompty` files are Jinja2 (Prompty renders them with Python's Jinja2), so they are
// rendered by a Jinja2 implementation (@huggingface/jinja), not by Nunjucks: `.items()`, string methods,
// slicing, `namespace()` and undefined-renders-empty behave as in Prompty. `.prompt` files and promptfoo
// configs stay on Nunjucks (templateRenderer.ts) for promptfoo compatibility.
import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { addJinjaExtras, declareJinjaExtras } from './jinjaExtras';
import { limitedRange, withRenderLimits } from './templateLimits';
import type { TemplateFailure } from './templateRenderer';

const CACHE_LIMIT = 256;
type Program = ReturnType<typeof parse>;
const compiled = new Map<string, Program>();

/** Jinja2's globals. */
const GLOBALS: Record<string, unknown> = {
  true: true, false: false, none: null, True: true, False: false, None: null, range: limitedRange,
  raise_exception: (message: string) => {
    throw new Error(message);
  },
};

function failure(err: unknown): TemplateFailure {
  const message = (err instanceof Error ? err.message : String(err)).trim();
  return { message: `Jinja2: ${message}` };
}

/** Compiles a Jinja2 template (memoised by source); the syntax error, if any. */
export function compileJinja(source: string): { template: Program } | { error: TemplateFailure } {
  let template = compiled.get(source);
  if (template) return { template };
  try {
    // Jinja2's defaults (no trim_blocks/lstrip_blocks), which Prompty keeps; the library's `Template`
    // turns both on for chat templates.
    template = addJinjaExtras(parse(tokenize(source, {})));
  } catch (err) {
    return { error: failure(err) };
  }
  compiled.set(source, template);
  if (compiled.size > CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
  return { template };
}

/** Renders one Jinja2 template. An undefined variable renders empty, as in Jinja2. Never throws. */
export function renderJinja(source: string, vars: Record<string, unknown>): { text: string } | { error: TemplateFailure } {
  const c = compileJinja(source);
  if ('error' in c) return c;
  try {
    const env = new Environment();
    for (const [k, v] of Object.entries(GLOBALS)) env.set(k, v);
    declareJinjaExtras(env);
    for (const [k, v] of Object.entries(vars)) env.set(k, v);
    return { text: withRenderLimits(() => String(new Interpreter(env).run(c.template).value)) };
  } catch (err) {
    return { error: failure(err) };
  }
}
