// promptfoo treats a test's text variables as templates too: before a prompt renders, `{{ name }}`
// references between variables are resolved, and (for a prompt that is not JSON) each text variable is
// itself rendered with Nunjucks, so `input: "{{ 'A ' * 4000 }}"` reaches the model as promptfoo's
// Nunjucks prints it. These are promptfoo 0.121's `resolveVariables`, `referencesUndefinedVariables`
// and `autoWrapRawIfPartialNunjucks` (src/evaluatorHelpers.ts), with the same limits.
import { renderTemplate, type TemplateFilters } from '../template/templateRenderer';

/** A reference to another variable: the first one in a value is resolved per pass. */
const VAR_REFERENCE = /\{\{\s*(\w+)\s*\}\}/;
/** promptfoo stops resolving after five passes (references in a cycle stay as written). */
const RESOLVE_PASSES = 5;

/**
 * `{{ name }}` references between text variables, replaced by the named variable's value, one reference
 * per variable per pass, for at most five passes. A reference to an undefined variable stops that
 * variable's resolving, as in promptfoo.
 */
export function resolveVarReferences(given: Record<string, unknown>): Record<string, unknown> {
  const vars = { ...given };
  for (let pass = 0; pass < RESOLVE_PASSES; pass++) {
    let resolved = true;
    for (const key of Object.keys(vars)) {
      const value = vars[key];
      if (typeof value !== 'string') continue;
      const match = VAR_REFERENCE.exec(value);
      if (!match || vars[match[1]!] === undefined) continue;
      // A string replacement, as promptfoo's `String.replace(placeholder, value)` (with its `$` patterns).
      vars[key] = value.replace(match[0], String(vars[match[1]!]));
      resolved = false;
    }
    if (resolved) break;
  }
  return vars;
}

/** The variables a template names, found as promptfoo's `extractVariablesFromTemplate` finds them. */
function namedVariables(template: string): string[] {
  const names = new Set<string>();
  const text = template.replace(/\{#[\s\S]*?#\}/g, '');
  for (const m of text.matchAll(/\{\{[\s]*([^{}\s|]+)[\s]*(?:\|[^}]+)?\}\}|\{%[\s]*(?:if|for)[\s]+([^{}\s]+)[\s]*.*?%\}/g)) {
    const name = m[1] ?? m[2];
    if (name) names.add(name);
  }
  for (const m of text.matchAll(/\{%[\s]*for[\s]+(\w+)[\s]+in[\s]+(\w+)[\s]*%\}/g)) {
    names.delete(m[1]!);
    names.add(m[2]!);
  }
  return [...names];
}

function referencesUndefined(template: string, vars: Record<string, unknown>): boolean {
  return namedVariables(template).some((name) => {
    const root = /^([A-Za-z_]\w*)/.exec(name)?.[1];
    return root !== undefined && root !== 'env' && vars[root] === undefined;
  });
}

/** A template whose tag is left open (`{{ x` at the end) renders as written, inside `{% raw %}`. */
export function rawIfPartialTemplate(text: string): string {
  const partial = /({%[^%]*$|{{[^}]*$|{#[^#]*$)/m.test(text);
  const wrapped = /{%\s*raw\s*%}/.test(text) && /{%\s*endraw\s*%}/.test(text);
  return partial && !wrapped ? `{% raw %}${text}{% endraw %}` : text;
}

/**
 * Each text variable rendered as a template against all of them (text without a tag renders as itself,
 * so only values holding `{{`, `{%` or `{#` are rendered); a value naming an undefined variable stays as
 * written. The first variable that fails to render is the error.
 */
export function renderVarValues(vars: Record<string, unknown>, filters: TemplateFilters | undefined): { vars: Record<string, unknown> } | { error: { message: string } } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (typeof value !== 'string' || !/\{[{%#]/.test(value) || referencesUndefined(value, vars)) {
      out[key] = value;
      continue;
    }
    const r = renderTemplate(rawIfPartialTemplate(value), vars, filters, 'empty');
    if ('error' in r) return { error: { message: `vars.${key}: ${r.error.message}` } };
    out[key] = r.text;
  }
  return { vars: out };
}
