// The Jinja2 filters and `%` formatting Assay adds to @huggingface/jinja (src/core/template/jinjaExtras.ts).
// Each expected text is what Jinja2 3.1.2 renders for the same template and values (Python's jinja2,
// `jinja2.Environment().from_string(src).render(**vars)`), so these check parity, not our own idea of it.
import * as assert from 'node:assert/strict';
import { renderJinja } from '../../src/core/template/jinjaRenderer';

const CASES: [src: string, vars: Record<string, unknown>, jinja2: string][] = [
  ['{{ [3,1,2] | max }} {{ ["b","A","c"] | min }} {{ ["b","A","c"] | max(case_sensitive=True) }}', {}, '3 A c'],
  ['{{ (xs | max(attribute="a")).a }}|{{ (xs | min(attribute="a")).a }}', { xs: [{ a: 1 }, { a: 5 }] }, '5|1'],
  ['{{ xs | sum(attribute="a") }} {{ [1,2,3] | sum(start=10) }}', { xs: [{ a: 1 }, { a: 5 }] }, '6 16'],
  ['{{ "%s-%s" | format("a", "b") }} {{ "%(n)s!" | format(n="k") }}', {}, 'a-b k!'],
  ['{{ "%.1f" % 3.14159 }}|{{ "%5.2f|%-4d|%03d|%x|%e|%g" % (3.14159, 7, 5, 255, 12345.678, 0.0001234) }}', {}, '3.1| 3.14|7   |005|ff|1.234568e+04|0.0001234'],
  ['{{ "%(n)s is %(v)d" % {"n": "x", "v": 3} }} {{ "%d%%" % 50 }} {{ "%s" % name }}', { name: 'Ann' }, 'x is 3 50% Ann'],
  // (the library's lexer reads no exponent literal such as 1e20: the values come in as variables)
  ['{{ 7 % 3 }} {{ -7 % 3 }} {{ "%+d % d %g %G" % (5, 5, big, small) }}', { big: 1e20, small: 0.00001 }, '1 2 +5  5 1e+20 1E-05'],
  ['{{ "Hello world foo bar" | truncate(9) }}|{{ "Hello world foo bar" | truncate(9, True) }}|{{ "short" | truncate(3) }}|{{ "Hello world foo bar" | truncate(12, False, "~", 0) }}', {}, 'Hello...|Hello ...|short|Hello~'],
  ['[{{ "x" | center(6) }}][{{ "ab" | center(7) }}]', {}, '[  x   ][   ab  ]'],
  ['{{ 2.5 | round | int }} {{ 3.14159 | round(2) }} {{ 3.1 | round(0, "ceil") | int }} {{ 3.9 | round(1, "floor") }}', {}, '2 3.14 4 3.9'],
  ['{{ "Hi there, you—42 x_y" | wordcount }} {{ [1,2,3] | count }} {{ "abc" | count }}', {}, '5 3 3'],
  ['{% for row in [1,2,3,4,5] | batch(2, 0) %}{{ row | join(",") }};{% endfor %}', {}, '1,2;3,4;5,0;'],
  ['{{ "<b>x</b>  <!-- c -->y\n z" | striptags }}', {}, 'x y z'],
];

describe('Jinja2 filters and % formatting added to @huggingface/jinja', () => {
  for (const [src, vars, want] of CASES) {
    it(src, () => assert.deepEqual(renderJinja(src, vars), { text: want }));
  }

  it('a format string with too few or too many values is an error, as in Python', () => {
    for (const src of ['{{ "%s %s" % ("a",) }}', '{{ "%s" % ("a", "b") }}']) {
      const r = renderJinja(src, {});
      assert.ok('error' in r, `${src} should fail`);
    }
  });

  it('filters the library has keep the library’s behaviour (no rewrite of upper, join…)', () => {
    assert.deepEqual(renderJinja('{{ "ab" | upper }} {{ [1,2] | join("-") }}', {}), { text: 'AB 1-2' });
  });
});
