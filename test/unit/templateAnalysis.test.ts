import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import * as nunjucks from 'nunjucks';
import { analyzeTemplate } from '../../src/core/template/templateAnalysis';

const njParse = (nunjucks as unknown as { parser: { parse(src: string): unknown } }).parser.parse;

/** `name@offset[?]` for each variable, `?` marking guarded uses. */
function vars(src: string, exact = false): string[] {
  return analyzeTemplate(src, { exact }).variables.map((v) => `${v.name}@${v.start}${v.guarded ? '?' : ''}`);
}

describe('templateAnalysis', () => {
  const cases: [string, string, string[]][] = [
    ['a plain variable', 'Hi {{ name }}', ['name@6']],
    ['attribute and index lookups report the root', '{{ user.name }} {{ rows[i] }}', ['user@3', 'rows@19', 'i@24']],
    ['filters are not variables; their arguments are', '{{ t | truncate(n) | upper }}', ['t@3', 'n@16']],
    ['loop variables and loop are bound inside the loop', '{% for d in docs %}{{ d }}{{ loop.index }}{% endfor %}{{ d }}', ['docs@12', 'd@57']],
    ['two loop targets', '{% for k, v in m %}{{ k }}{{ v }}{% endfor %}', ['m@15']],
    ['set binds after the tag', '{{ x }}{% set x = y %}{{ x }}', ['x@3', 'y@18']],
    ['block set', '{% set s %}{{ inner }}{% endset %}{{ s }}', ['inner@14']],
    ['macro arguments and defaults', '{% macro m(a, b=c) %}{{ a }}{{ b }}{{ d }}{% endmacro %}{{ m(1) }}', ['c@16', 'd@38']],
    ['globals are not variables', '{% for i in range(3) %}{{ cycler("a","b").next() }}{% endfor %}', []],
    ['dict keys are not variables; values are', '{{ {a: b, "c": d} | dump }}', ['b@7', 'd@15']],
    ['keyword argument names are not variables', '{{ f(k=v) }}', ['f@3', 'v@7']],
    ['default() guards its subject', '{{ x | default("") }} {{ y.z | d(1) }}', ['x@3?', 'y@25?']],
    ['is defined guards the test and the if body', '{% if x is defined %}{{ x }}{% else %}{{ x }}{% endif %}', ['x@6?', 'x@24?', 'x@41']],
    ['is undefined guards the else branch', '{% if x is undefined %}none{% else %}{{ x }}{% endif %}', ['x@6?', 'x@40?']],
    ['and-chains of is defined', '{% if a is defined and b is defined %}{{ a }}{{ b }}{{ c }}{% endif %}', ['a@6?', 'b@23?', 'a@41?', 'b@48?', 'c@55']],
    ['inline if', '{{ x if x is defined else "-" }}', ['x@3?', 'x@8?']],
    ['tests with arguments read them', '{% if n is divisibleby(k) %}y{% endif %}', ['n@6', 'k@23']],
    ['raw blocks hold no variables', '{% raw %}{{ a }}{% endraw %}{{ b }}', ['b@31']],
    ['comments hold no variables', '{# {{ a }} #}{{ b }}', ['b@16']],
    ['strings may hold tag ends', '{{ "%}" ~ x ~ "}}" }}', ['x@10']],
    ['multi-line positions', 'line one\n  {{ a }}\n\n{% if b %}{% endif %}', ['a@14', 'b@26']],
  ];
  for (const [why, src, expected] of cases) {
    it(`variables: ${why}`, () => {
      assert.deepEqual(vars(src), expected);
      for (const v of analyzeTemplate(src).variables) assert.equal(src.slice(v.start, v.end), v.name, 'range covers the name');
    });
  }

  const syntax: [string, string, string, string][] = [
    ['unclosed if', 'a\n{% if x %}\nb', 'expected elif, else, or endif, got the end of the section', '{% if x %}'],
    ['unclosed for inside an if', '{% if a %}{% for x in y %}{% endif %}', 'unknown block tag: endif', 'endif'],
    ['unclosed variable tag', 'Hi {{ name', 'expected variable end', '{{'],
    ['unclosed comment', 'Hi {# note', 'expected end of comment', '{#'],
    ['stray comment end', 'Hi #} there', 'unexpected end of comment', '#}'],
    ['bad expression', 'x\n{{ 1 + }}', 'unexpected token: }}', '}}'],
    ['unknown tag', '{% frob %}', 'unknown block tag: frob', 'frob'],
    ['end tag without an opener', 'x {% endfor %}', 'unknown block tag: endfor', 'endfor'],
  ];
  for (const [why, src, says, covers] of syntax) {
    it(`syntax error: ${why}`, () => {
      const a = analyzeTemplate(src);
      assert.ok(a.error, 'has an error');
      assert.ok(a.error.message.includes(says), `"${a.error.message}" should include "${says}"`);
      assert.equal(src.slice(a.error.start, a.error.end), covers, 'error range');
    });
  }

  it('lists include/import/extends tags (there is no loader)', () => {
    const src = 'a {% include "x.txt" %} {% import "m" as m %}{% from "f" import g %}';
    const a = analyzeTemplate(src);
    assert.deepEqual(a.loaderTags.map((t) => src.slice(t.start, t.end)), ['{% include "x.txt" %}', '{% import "m" as m %}', '{% from "f" import g %}']);
    assert.deepEqual(a.variables, [], 'imported names are bound');
  });

  it('memoises by source and returns the same answer', () => {
    const src = 'memo {{ a }} ' + Math.random();
    assert.equal(analyzeTemplate(src), analyzeTemplate(src));
  });

  // The skeleton drops plain text before Nunjucks parses; this holds it to parsing the full text.
  const piece = fc.constantFrom(
    'text ', '\n', ' ', '{{ a }}', '{{ b.c }}', '{{ d | upper }}', '{{ "}}" }}', "{{ '%}' }}", '{% if x %}', '{% elif y %}', '{% else %}',
    '{% endif %}', '{% for i in items %}', '{% endfor %}', '{% raw %}', '{% endraw %}', '{{ a ', '{%', '%}', '}}', '{{', '{#', '#}',
    '{# c #}', '{% set z = w %}', '{{ z }}', '{%- if q -%}', '{{- e -}}', '{% macro m(p) %}{{ p }}{{ o }}', '{% endmacro %}', '{ ', '} ',
    '#', '%', '"', "'", '{% verbatim %}', '{% endverbatim %}', '{{ f(k=v) }}', '{% include "t" %}',
  );
  it('skeleton analysis matches a full parse (same error or none, same variables)', () => {
    const outcomes = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const src = parts.join('');
        let fullError = false;
        try {
          njParse(src);
        } catch {
          fullError = true;
        }
        const fast = analyzeTemplate(src);
        const exact = analyzeTemplate(src, { exact: true });
        assert.equal(!!fast.error, fullError, `error agreement for ${JSON.stringify(src)}: ${fast.error?.message}`);
        assert.deepEqual(fast.variables, exact.variables, `variables for ${JSON.stringify(src)}`);
        if (fast.error && exact.error) assert.equal(fast.error.message, exact.error.message, `message for ${JSON.stringify(src)}`);
        outcomes[fullError ? 'error' : 'ok']++;
      }),
      { numRuns: 1000 },
    );
    assert.ok(outcomes.ok > 100 && outcomes.error > 100, `both valid and broken templates were tried: ${JSON.stringify(outcomes)}`);
  });
});
