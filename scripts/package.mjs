// Production build, then `vsce package`; prints the .vsix path and size.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `${pkg.name}-${pkg.version}.vsix`);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

/**
 * The README inside the .vsix (shown on the extension's page in VS Code) is README.md without what only
 * works in the repository: relative links become plain text and relative images are left out, since the
 * package has no repository URL to resolve them against (vsce refuses to package them otherwise).
 */
function packageReadme() {
  const text = readFileSync(join(root, 'README.md'), 'utf8')
    .replace(/!\[[^\]]*\]\((?!https:)[^)]*\)\n?/g, '')
    .replace(/\[([^\]]+)\]\((?!https?:|#)[^)]*\)/g, '$1');
  const file = join(root, 'out', 'README.vsix.md');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

run(process.execPath, ['esbuild.mjs', '--production']);
run(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--readme-path', relative(root, packageReadme()), '--out', out]);
const size = statSync(out).size;
console.log(`packaged ${relative(process.cwd(), out) || out} (${(size / 1024 / 1024).toFixed(2)} MB)`);
