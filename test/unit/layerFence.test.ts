import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..');

/** Lints a virtual file at `path` and returns the no-restricted-imports messages. */
async function fenceErrors(path: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(source, { filePath: join(root, path) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer fence (DESIGN.md §1)', function () {
  this.timeout(60_000);

  const cases: { path: string; source: string; allowed: boolean; why: string }[] = [
    { path: 'src/core/x.ts', source: "import * as vscode from 'vscode';\nexport const a = vscode;\n", allowed: false, why: 'core may not import vscode' },
    { path: 'src/shared/x.ts', source: "import * as vscode from 'vscode';\nexport const a = vscode;\n", allowed: false, why: 'shared may not import vscode' },
    { path: 'src/shared/x.ts', source: "import { a } from '../core/types';\nexport const b = a;\n", allowed: false, why: 'shared depends on nothing but itself' },
    { path: 'src/core/x.ts', source: "import { a } from '../host/context';\nexport const b = a;\n", allowed: false, why: 'core may not import the host' },
    { path: 'webview-ui/src/x/main.ts', source: "import { a } from '../../../src/core/types';\nexport const b = a;\n", allowed: false, why: 'webviews may not import core' },
    { path: 'webview-ui/src/x/main.ts', source: "import * as fs from 'node:fs';\nexport const b = fs;\n", allowed: false, why: 'webviews run in a browser' },
    { path: 'webview-ui/src/x/main.ts', source: "import { a } from '../../../src/shared/protocol';\nexport const b = a;\n", allowed: true, why: 'webviews may import shared' },
    { path: 'src/host/x.ts', source: "import * as vscode from 'vscode';\nexport const a = vscode;\n", allowed: true, why: 'the host may import vscode' },
    { path: 'src/core/x.ts', source: "import { a } from './types';\nexport const b = a;\n", allowed: true, why: 'core may import core' },
  ];

  for (const c of cases) {
    it(`${c.allowed ? 'allows' : 'rejects'}: ${c.why}`, async () => {
      const errors = await fenceErrors(c.path, c.source);
      assert.equal(errors.length === 0, c.allowed, `${c.path}: ${errors.join('; ')}`);
    });
  }
});
