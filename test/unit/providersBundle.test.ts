import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { startMockLlm, type MockLlm } from '../support/mockLlmServer';

const root = join(__dirname, '..', '..');

// The same mapping esbuild.mjs applies: the SDKs live in vendor/*.cjs beside the bundle and are
// imported at run time.
const VENDORED: Record<string, string> = { openai: 'openai.cjs', '@anthropic-ai/sdk': 'anthropic.cjs' };
const vendorPlugin: esbuild.Plugin = {
  name: 'vendor-sdks',
  setup(build) {
    build.onResolve({ filter: /^(openai|@anthropic-ai\/sdk)$/ }, (args) => ({ path: `./vendor/${VENDORED[args.path]}`, external: true }));
  },
};

describe('providers: as bundled for the extension and the CLI', function () {
  this.timeout(60_000);
  let dir: string;
  let mock: MockLlm;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'assay-bundle-'));
    mock = await startMockLlm({ reply: () => 'from the bundle' });
    writeFileSync(
      join(dir, 'entry.ts'),
      [
        `import { ProviderRegistry } from ${JSON.stringify(join(root, 'src/core/providers/providerRegistry'))};`,
        `import { Engine } from ${JSON.stringify(join(root, 'src/core/run/engine'))};`,
        'export async function main(url: string): Promise<string[]> {',
        "  const providers = [{ name: 'openai', kind: 'openai' as const, baseUrl: url + '/v1', apiKey: 'k-0123456789' }, { name: 'anthropic', kind: 'anthropic' as const, baseUrl: url, apiKey: 'k-0123456789' }];",
        '  const engine = new Engine({ registry: new ProviderRegistry({ providers }) });',
        "  const loadedBefore = Object.keys(require.cache).filter((k) => k.includes('vendor')).length;",
        '  const out: string[] = [String(loadedBefore)];',
        "  for (const provider of ['openai', 'anthropic']) for (const stream of [false, true]) {",
        "    const r = await engine.call({ model: { provider, model: 'm' }, messages: [{ role: 'user', content: 'hi' }], params: {} }, { stream });",
        '    out.push(`${provider}/${stream}: ${r.error ? r.error.kind + " " + r.error.message : r.text}`);',
        '  }',
        '  return out;',
        '}',
        'main(process.argv[2]!).then((lines) => console.log(JSON.stringify(lines)));',
      ].join('\n'),
    );
    const node = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node20', minify: true, logLevel: 'silent' as const };
    await Promise.all([
      esbuild.build({ ...node, entryPoints: [join(dir, 'entry.ts')], outfile: join(dir, 'entry.js'), plugins: [vendorPlugin] }),
      esbuild.build({
        ...node,
        entryPoints: { openai: join(root, 'scripts/vendor/openai.cjs'), anthropic: join(root, 'scripts/vendor/anthropic.cjs') },
        outdir: join(dir, 'vendor'),
        outExtension: { '.js': '.cjs' },
      }),
    ]);
  });

  after(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the vendored SDKs on the first call and talks to both APIs', async () => {
    const child = spawn(process.execPath, [join(dir, 'entry.js'), mock.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), [
      '0',
      'openai/false: from the bundle',
      'openai/true: from the bundle',
      'anthropic/false: from the bundle',
      'anthropic/true: from the bundle',
    ]);
  });
});
