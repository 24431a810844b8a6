import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_IDS, PROMPT_LANGUAGE_ID } from '../../src/host/commandIds';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('package.json manifest', () => {
  it('contributes exactly the commands the extension registers', () => {
    const contributed = (pkg.contributes.commands as { command: string }[]).map((c) => c.command).sort();
    assert.deepEqual(contributed, [...COMMAND_IDS].sort());
  });

  it('never activates on * or onStartupFinished', () => {
    const events: string[] = pkg.activationEvents ?? [];
    assert.ok(!events.includes('*'), 'activation on *');
    assert.ok(!events.includes('onStartupFinished'), 'activation on onStartupFinished');
  });

  it('supports untrusted workspaces only in limited mode', () => {
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('lets no untrusted workspace raise the file size limit', () => {
    const setting = pkg.contributes.configuration.properties['assay.files.maxSizeMB'];
    assert.equal(setting.default, 20);
    assert.equal(setting.minimum, 1);
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('assay.files.maxSizeMB'), 'a Restricted Mode workspace must not raise the limit and exhaust memory');
  });

  it('targets VS Code 1.100 with matching typings', () => {
    assert.equal(pkg.engines.vscode, '^1.100.0');
    assert.match(pkg.devDependencies['@types/vscode'], /^~?1\.100\./);
  });

  it('registers the prompt language for .prompt and .prompty', () => {
    const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === PROMPT_LANGUAGE_ID);
    assert.deepEqual(lang.extensions, ['.prompt', '.prompty']);
    assert.notEqual(PROMPT_LANGUAGE_ID, 'prompt', "VS Code's built-in 'prompt' language would validate our files");
  });
});
