// What one render may make. A template's source is workspace code: it is rendered only in a trusted
// workspace or the CLI, and model output and variable values reach it as data, never as template source.
// Nunjucks is not a sandbox (a template can reach JavaScript and do whatever the workspace's code could),
// so these limits are no defence against a hostile template — trust is, which is why Restricted Mode
// renders nothing. What they do is turn the usual mistakes (`range(1000000000000)`, a loop that doubles a
// string) into a clear error for that render instead of an out-of-memory crash of the extension host or
// the CLI. Rendering in a terminable worker would bound time as well, but would cost a thread hop per
// render and could not carry custom filters (functions) across.

/** Numbers `range()` may make in one render (all its calls together). */
export const RANGE_BUDGET = 1_000_000;
/** Characters one render may produce: four times the longest context window (~2M tokens ≈ 8M characters). */
export const RENDERED_CHARS_LIMIT = 32 * 1024 * 1024;

/** Numbers `range()` may still make in the render under way; `undefined` outside one (each call is then limited alone). */
let rangeLeft: number | undefined;

const fmt = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en-US') : String(n));

/** Jinja2's and Nunjucks' `range(stop)` / `range(start, stop[, step])`, within the render's budget. */
export function limitedRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (!step) throw new Error('range() step must not be zero');
  const span = (Number(stop) - Number(start)) / Number(step);
  const count = span > 0 ? Math.ceil(span) : 0;
  const made = RANGE_BUDGET - (rangeLeft ?? RANGE_BUDGET);
  if (made + count > RANGE_BUDGET) {
    const total = made > 0 ? ` (${fmt(made + count)} in this render)` : '';
    throw new Error(`range(${[start, stop, step].join(', ')}) would make ${fmt(count)} numbers${total}; one render may make at most ${fmt(RANGE_BUDGET)}: check the loop's bounds`);
  }
  if (rangeLeft !== undefined) rangeLeft -= count;
  const out: number[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(i);
  else if (step < 0) for (let i = start; i > stop; i += step) out.push(i);
  return out;
}

/** Nunjucks' `range`, whose missing or zero step is 1, within the render's budget. */
export const nunjucksRange = (start: number, stop?: number, step?: number): number[] => limitedRange(start, stop, step || 1);

/** Runs one render with a fresh `range()` budget and checks the size of what it made. Throws past a limit. */
export function withRenderLimits(render: () => string): string {
  const outer = rangeLeft;
  rangeLeft = RANGE_BUDGET;
  let text: string;
  try {
    text = render();
  } catch (e) {
    // V8's string length limit (~1 GB), reached before any check could see the text (Nunjucks wraps the RangeError).
    if (/Invalid string length/.test((e as Error)?.message ?? '')) throw tooLong();
    throw e;
  } finally {
    rangeLeft = outer;
  }
  if (text.length > RENDERED_CHARS_LIMIT) throw tooLong(text.length);
  return text;
}

function tooLong(length?: number): Error {
  const made = length === undefined ? 'more text than a JavaScript string can hold' : `${fmt(length)} characters`;
  return new Error(`the template made ${made}; one render may make at most ${fmt(RENDERED_CHARS_LIMIT)} characters: check its loops`);
}
