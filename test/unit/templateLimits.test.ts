// A template that would make too much — a huge range(), a string doubled past any prompt — is an error
// for that render, in both engines (Nunjucks for .prompt files and promptfoo configs, Jinja2 for
// .prompty), instead of an out-of-memory crash of the process. The outcome is asserted, not the time.
import * as assert from 'node:assert/strict';
import { parsePromptFile } from '../../src/core/promptFile/parsePromptFile';
import { renderPrompt } from '../../src/core/promptFile/renderPrompt';
import { renderGraderPrompt } from '../../src/core/assertions/graderSupport';
import { renderJinja } from '../../src/core/template/jinjaRenderer';
import { RANGE_BUDGET, RENDERED_CHARS_LIMIT } from '../../src/core/template/templateLimits';
import { renderTemplate } from '../../src/core/template/templateRenderer';

const ENGINES = {
  nunjucks: (source: string, vars: Record<string, unknown> = {}) => renderTemplate(source, vars),
  jinja2: (source: string, vars: Record<string, unknown> = {}) => renderJinja(source, vars),
};

const rows: { why: string; source: string; vars?: Record<string, unknown>; text?: string; error?: RegExp }[] = [
  { why: 'range() within the budget renders as before', source: '{% for x in range(1, 7, 2) %}{{ x }},{% endfor %}{{ range(3) | length }}', text: '1,3,5,3' },
  { why: 'a negative step counts down', source: '{% for x in range(3, 0, -1) %}{{ x }}{% endfor %}', text: '321' },
  { why: 'an empty range is fine', source: '{% for x in range(5, 1) %}{{ x }}{% endfor %}done', text: 'done' },
  {
    why: 'range(1000000000000) is an error, not an out-of-memory crash',
    source: '{% for x in range(1000000000000) %}x{% endfor %}',
    error: /range\(0, 1000000000000, 1\) would make 1,000,000,000,000 numbers; one render may make at most 1,000,000: check the loop's bounds/,
  },
  {
    why: 'the ranges of one render share its budget',
    source: '{% set a = range(600000) %}{% set b = range(600000) %}{{ a | length }}',
    error: /range\(0, 600000, 1\) would make 600,000 numbers \(1,200,000 in this render\); one render may make at most 1,000,000/,
  },
  {
    why: 'a string doubled past what JavaScript can hold is an error',
    source: '{% set s = "x" %}{% for i in range(40) %}{% set s = s + s %}{% endfor %}{{ s }}',
    vars: {},
    error: /the template made (more text than a JavaScript string can hold|[\d,]+ characters); one render may make at most 33,554,432 characters: check its loops/,
  },
  {
    why: 'output past the character limit is an error',
    source: '{{ big }}{{ big }}',
    vars: { big: 'x'.repeat(RENDERED_CHARS_LIMIT / 2 + 1) },
    error: /the template made 33,554,434 characters; one render may make at most 33,554,432 characters: check its loops/,
  },
];

describe('untrusted text is never template source', () => {
  // Model output and test variables reach templates only as values: a hostile one is printed, not run.
  const hostile = '{% for x in range(1000000000000) %}x{% endfor %}{{ 7 * 6 }}';
  it('nunjucks and jinja2 print a value holding template syntax as text', () => {
    assert.deepEqual(renderTemplate('<{{ v }}>', { v: hostile }), { text: `<${hostile}>` });
    assert.deepEqual(renderJinja('<{{ v }}>', { v: hostile }), { text: `<${hostile}>` });
  });
  it('a grader prompt prints the model output as text', () => {
    assert.equal(renderGraderPrompt('Output: {{ output }}', { output: hostile }), `Output: ${hostile}`);
  });
});

describe('template limits', () => {
  for (const [engine, render] of Object.entries(ENGINES)) {
    for (const row of rows) {
      // Jinja2 scopes `set` inside a loop to the loop, so the doubling template cannot grow there.
      if (engine === 'jinja2' && row.source.includes('set s = s + s')) continue;
      it(`${engine}: ${row.why}`, () => {
        const r = render(row.source, row.vars);
        if (row.error) {
          assert.ok('error' in r, 'the render must fail');
          assert.match(r.error.message, row.error);
        } else assert.deepEqual(r, { text: row.text });
      });
    }
  }

  it('nunjucks: a zero step is 1, as in Nunjucks', () => {
    assert.deepEqual(renderTemplate('{{ range(0, 3, 0) | join(",") }}', {}), { text: '0,1,2' });
  });

  it('the budget is per render: a second render gets it afresh', () => {
    const source = `{% set xs = range(${RANGE_BUDGET}) %}ok`;
    assert.deepEqual(renderTemplate(source, {}), { text: 'ok' });
    assert.deepEqual(renderTemplate(source, { again: 1 }), { text: 'ok' });
  });

  it('a .prompt file whose template loops without bound fails to render with the reason, and no message is made', () => {
    const doc = parsePromptFile('---\nmodel: openai:gpt-4o-mini\n---\nuser:\n{% for x in range(1000000000000) %}{{ ticket }}{% endfor %}\n');
    const r = renderPrompt(doc, { ticket: 'hi' });
    assert.ok('error' in r, 'the render must fail');
    assert.match(r.error.message, /range\(0, 1000000000000, 1\) would make 1,000,000,000,000 numbers/);
  });
});
