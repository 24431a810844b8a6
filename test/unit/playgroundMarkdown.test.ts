import * as assert from 'node:assert/strict';
import { ALLOWED_TAGS, isSafeHref, markdownTree, type MdNode } from '../../webview-ui/src/playground/markdownTree';

/** The tree as compact HTML-like text (for readable expectations; the view never builds HTML strings). */
function show(nodes: MdNode[]): string {
  return nodes
    .map((n) => {
      if ('text' in n) return n.text;
      const attrs = Object.entries(n.attrs).map(([k, v]) => ` ${k}="${v}"`).join('');
      return `<${n.tag}${attrs}>${show(n.children)}</${n.tag}>`;
    })
    .join('');
}

function allTags(nodes: MdNode[], out: string[] = []): string[] {
  for (const n of nodes) {
    if ('text' in n) continue;
    out.push(n.tag);
    allTags(n.children, out);
  }
  return out;
}

function allAttrs(nodes: MdNode[], out: string[] = []): string[] {
  for (const n of nodes) {
    if ('text' in n) continue;
    for (const [k, v] of Object.entries(n.attrs)) out.push(`${k}=${v}`);
    allAttrs(n.children, out);
  }
  return out;
}

describe('playground markdown (untrusted model output)', () => {
  const xss: { source: string; why: string }[] = [
    { source: '<script>window.__assayXss = 1</script>', why: 'a script tag' },
    { source: '<img src=x onerror="window.__assayXss = 2">', why: 'an image with onerror' },
    { source: '[click me](javascript:window.__assayXss=3)', why: 'a javascript: link' },
    { source: '[click me](JaVaScRiPt:alert(1))', why: 'a mixed-case javascript: link' },
    { source: '[x](vbscript:msgbox(1)) [y](data:text/html;base64,PHNjcmlwdD4=)', why: 'vbscript: and data: links' },
    { source: '<a href="javascript:alert(1)">raw link</a>', why: 'a raw HTML link' },
    { source: '![pixel](https://evil.example/track.png)', why: 'a remote image' },
    { source: '<svg onload=alert(1)>', why: 'an svg with onload' },
    { source: '<javascript:alert(1)>', why: 'an autolink to javascript:' },
  ];
  for (const c of xss) {
    it(`renders ${c.why} inert`, () => {
      const tree = markdownTree(c.source);
      const tags = allTags(tree);
      for (const t of tags) assert.ok(ALLOWED_TAGS.has(t) || t === 'span', `tag <${t}> is not allowed`);
      assert.ok(!tags.includes('script') && !tags.includes('img') && !tags.includes('svg'), `no script/img/svg element for ${c.why}: ${show(tree)}`);
      for (const a of allAttrs(tree)) {
        assert.ok(!/^on/i.test(a), `no event handler attribute: ${a}`);
        if (a.startsWith('href=')) assert.ok(isSafeHref(a.slice(5)), `unsafe href kept: ${a}`);
      }
    });
  }

  it('shows raw HTML as its text', () => {
    assert.strictEqual(show(markdownTree('<script>window.__assayXss = 1</script>')), '<p><script>window.__assayXss = 1</script></p>', 'the tag is text inside a paragraph');
    assert.deepStrictEqual(markdownTree('<b>bold?</b>')[0], { tag: 'p', attrs: {}, children: [{ text: '<b>bold?</b>' }] }, 'one text node, no <b> element');
  });

  it('keeps a javascript: link as plain text without a link', () => {
    const tree = markdownTree('[click me](javascript:alert(1))');
    assert.ok(!allTags(tree).includes('a'), 'no <a> element');
    assert.match(show(tree), /\[click me\]\(javascript:alert\(1\)\)|click me/, 'the text stays visible');
  });

  const rendering: { source: string; expected: string; why: string }[] = [
    { source: '# Title\n\nSome *em* and **strong**.', expected: '<h1>Title</h1><p>Some <em>em</em> and <strong>strong</strong>.</p>', why: 'headings and emphasis' },
    { source: '- one\n- two', expected: '<ul><li><p>one</p></li><li><p>two</p></li></ul>', why: 'lists' },
    { source: '3. c\n4. d', expected: '<ol start="3"><li><p>c</p></li><li><p>d</p></li></ol>', why: 'ordered list start' },
    { source: '```json\n{"a": 1}\n```', expected: '<pre><code>{"a": 1}\n</code></pre>', why: 'fenced code as text' },
    { source: 'a `<b>` b', expected: '<p>a <code><b></code> b</p>', why: 'inline code as text' },
    { source: '[site](https://example.com "t")', expected: '<p><a href="https://example.com" title="t">site</a></p>', why: 'a web link with a title' },
    { source: '![alt text](x.png)', expected: '<p>[image: alt text]</p>', why: 'images become their description' },
    { source: '| a | b |\n|---|:-:|\n| 1 | 2 |', expected: '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>', why: 'tables, alignment styles dropped' },
  ];
  for (const c of rendering) {
    it(`renders ${c.why}`, () => assert.strictEqual(show(markdownTree(c.source)), c.expected, c.why));
  }

  it('allows only web, mail and anchor links', () => {
    const cases: [string, boolean][] = [
      ['https://example.com', true],
      ['http://x', true],
      ['mailto:a@b.c', true],
      ['#section', true],
      ['javascript:alert(1)', false],
      [' javascript:alert(1)', false],
      ['data:text/html,x', false],
      ['file:///etc/passwd', false],
      ['command:workbench.action.reloadWindow', false],
    ];
    for (const [href, ok] of cases) assert.strictEqual(isSafeHref(href), ok, href);
  });
});
