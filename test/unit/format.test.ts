import * as assert from 'node:assert/strict';
import { revealBidiControls } from '../../src/shared/bidi';
import { formatCallLatency, formatCost, formatCostFigure, formatMs, formatUsd } from '../../src/shared/format';

describe('shared formatting', () => {
  const usd: [number, string][] = [
    [0, '$0'],
    [0.0000004, '<$0.000001'],
    [0.000016, '$0.000016'],
    [0.0000821, '$0.000082'],
    [0.000066, '$0.000066'],
    [0.0004, '$0.0004'],
    [0.0099, '$0.0099'],
    [0.012, '$0.012'],
    [0.5, '$0.50'],
    [1.5, '$1.50'],
    [12.345, '$12.35'],
  ];
  for (const [n, text] of usd) it(`formatUsd(${n}) = ${text}`, () => assert.strictEqual(formatUsd(n), text, 'no exponent, two significant digits below $0.10'));

  it('formatCost says "cost unknown" for a model with no price', () => {
    assert.strictEqual(formatCost(null), 'cost unknown');
    assert.strictEqual(formatCost(0.012), '$0.012');
  });

  it('formatCostFigure, shown after a "cost" label, says "unknown" (not "cost cost unknown")', () => {
    assert.strictEqual(formatCostFigure(null), 'unknown');
    assert.strictEqual(formatCostFigure(undefined), 'unknown');
    assert.strictEqual(formatCostFigure(0.012), '$0.012');
  });

  it('formatMs', () => {
    assert.deepStrictEqual([null, 182.4, 2345].map(formatMs), ['—', '182 ms', '2.35 s']);
  });

  it('formatCallLatency: a failed call with no elapsed time was "not sent", not "0 ms"', () => {
    assert.strictEqual(formatCallLatency(0, true), 'not sent');
    assert.strictEqual(formatCallLatency(2512.3, true), '2.51 s');
    assert.strictEqual(formatCallLatency(0, false), '0 ms');
  });

  it('revealBidiControls shows overrides, embeddings, isolates and marks as ⟨U+XXXX⟩, and nothing else', () => {
    assert.strictEqual(revealBidiControls('invoice_\u202Etxt.exe'), 'invoice_⟨U+202E⟩txt.exe');
    assert.strictEqual(revealBidiControls('\u2066a\u2069 \u200F \u061C'), '⟨U+2066⟩a⟨U+2069⟩ ⟨U+200F⟩ ⟨U+061C⟩');
    assert.strictEqual(revealBidiControls('שלום, مرحبا, plain'), 'שלום, مرحبا, plain', 'right-to-left text itself is untouched');
  });
});
