// The run's fast bank reader must give exactly what the editor's positional loader gives (ranges aside),
// and fall back to it whenever there is anything to report.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBankForRun } from '../../src/core/run/testSuite';
import { loadTestBankFile } from '../../src/core/testBank/loadTestBank';
import type { TestBank } from '../../src/core/testBank/testBankTypes';
import { tempFolder } from '../support/storeFixtures';
import { TEST_FILES } from '../support/testFiles';

const ROOT = join(__dirname, '..', '..');

/** The bank as plain data without positions (the fast reader has none). */
function withoutRanges(bank: TestBank): unknown {
  return JSON.parse(JSON.stringify(bank, (key, value: unknown) => (key === 'range' ? undefined : value)));
}

describe('loadBankForRun', () => {
  const banks = [
    'examples/support-triage.tests.yaml',
    'examples/rag-answer.tests.yaml',
    'examples/chat-followup.tests.yaml',
    'examples/order-agent.tests.yaml',
    'test/fixtures/banks/list.json',
    'test/fixtures/banks/triage.tests.yaml',
    'test/fixtures/banks/promptfoo/tests/a.yaml',
    'test/fixtures/banks/promptfoo/tests/nested/c.yaml',
    'test/fixtures/prompts/cases-from-file.tests.yaml',
    'examples/invoice-extraction.csv',
  ];
  for (const bank of banks) {
    it(`reads ${bank} as the positional loader does`, () => {
      const path = join(ROOT, bank);
      const fast = loadBankForRun(path, TEST_FILES);
      const full = loadTestBankFile(path, TEST_FILES);
      assert.deepStrictEqual(withoutRanges(fast), withoutRanges(full));
      if (/\.(ya?ml|json)$/.test(bank) && full.diagnostics.length === 0) {
        assert.ok(fast.cases.length > 0 && fast.cases.every((c) => c.range === undefined), 'a clean YAML bank takes the fast path (no positions)');
      }
    });
  }

  describe('edge cases', () => {
    let folder: ReturnType<typeof tempFolder>;
    beforeEach(() => {
      folder = tempFolder('assay-banks-');
    });
    afterEach(() => folder.cleanup());

    const cases: [string, string, string][] = [
      ['dates stay text (YAML 1.2 core, no timestamps)', 'd.yaml', '- vars: { day: 2024-07-04, n: 0o14, big: 1e3, no: no, nul: ~ }\n  assert: [{ type: contains, value: "2024" }]'],
      ['a duplicate key is reported with its position', 'dup.yaml', '- vars: { a: 1, a: 2 }'],
      ['a syntax error is reported with its position', 'bad.yaml', '- vars: { a: [1, 2 }'],
      ['an unknown bank key warns', 'k.yaml', 'tests: []\nsetup: x\n'],
      ['a bad assertion is reported', 'a.yaml', '- assert: [{ type: contans, value: x }]'],
      ['defaults and description', 'm.yaml', 'description: bank\ndefaults: { vars: { x: 1 }, repeat: 2 }\ntests:\n  - description: one\n    vars: { y: 2 }\n'],
      ['an empty file', 'e.yaml', ''],
      ['a merge key is not special in YAML 1.2', 'merge.yaml', '- vars: { <<: { a: 1 }, b: 2 }'],
    ];
    for (const [why, name, text] of cases) {
      it(why, () => {
        const path = join(folder.dir, name);
        writeFileSync(path, text);
        const full = loadTestBankFile(path, TEST_FILES);
        assert.deepStrictEqual(withoutRanges(loadBankForRun(path, TEST_FILES)), withoutRanges(full));
        assert.deepStrictEqual(loadBankForRun(path, TEST_FILES).diagnostics, full.diagnostics, 'diagnostics keep their positions');
      });
    }
  });
});
