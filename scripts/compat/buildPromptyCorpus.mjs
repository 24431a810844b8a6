// Assembles the Prompty compatibility corpus OUTSIDE the repository from a local git snapshot of
// microsoft/prompty. scripts/compat/prompty-sources.json lists each file (repo, path, commit); nothing
// of their content is committed here.
//
//   node scripts/compat/buildPromptyCorpus.mjs --mirror DIR --out /work/corpus/prompty [--runtimes]
//
// Each source becomes OUT/<commit[0:8]>/<path>, with the other files of its folder at that commit
// beside it (the `${file:…}` references, `base:` templates and images the file names) except
// `prompty.json`: that global model configuration plays no part in rendering, Assay does not read it, and
// the JavaScript runtime's form of it makes Prompty's Python 0.1 refuse the file. OUT/sources.json
// lists the sources with their local `file`, as scripts/compat/prompty.ts and prompty-reference.py read
// it. --runtimes also writes the three Prompty Python runtimes prompty-reference.py runs, next to OUT:
// prompty-runtime (HEAD, 2.0), prompty-runtime-v1 (65a40718, 1.0), prompty-runtime-v01 (8fbc5760, 0.1).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const here = path.dirname(new URL(import.meta.url).pathname);
const sourcesFile = arg('--sources', path.join(here, 'prompty-sources.json'));
const mirror = arg('--mirror', '/work/.mirror/microsoft+prompty/repo');
const out = arg('--out', '/work/corpus/prompty');
const runtimes = [
  { dir: 'prompty-runtime', commit: 'HEAD', root: 'runtime/python/prompty/prompty' },
  { dir: 'prompty-runtime-v1', commit: '65a40718', root: 'runtime/prompty/prompty' },
  { dir: 'prompty-runtime-v01', commit: '8fbc5760', root: 'runtime/prompty/prompty' },
];

const git = (args, input) => execFileSync('git', ['--git-dir', mirror, ...args], { maxBuffer: 1 << 30, input });

/** Writes the folder `dir` of `commit` (its files, not its subfolders) into `target`. */
function writeFolder(commit, dir, target) {
  const listing = git(['ls-tree', '-z', '-l', `${commit}:${dir}`]).toString('utf8').split('\0');
  for (const row of listing.filter(Boolean)) {
    const [meta, name] = row.split('\t');
    const [, type, , size] = meta.split(/\s+/);
    if (type !== 'blob' || Number(size) > 2_000_000 || name === 'prompty.json') continue;
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, name), git(['show', `${commit}:${dir ? `${dir}/` : ''}${name}`]));
  }
}

/** Writes the package folder `root` of the repository at `commit` under `target` (same relative path). */
function writeTree(commit, root, target) {
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  const tar = git(['archive', '--format=tar', `--prefix=${root}/`, `${commit}:${root}`]);
  execFileSync('tar', ['-x', '-C', target], { input: tar, maxBuffer: 1 << 30 });
}

const sources = JSON.parse(fs.readFileSync(sourcesFile, 'utf8'));
fs.rmSync(out, { recursive: true, force: true });
const written = new Set();
const listed = sources.map((s) => {
  const dir = path.posix.dirname(s.path) === '.' ? '' : path.posix.dirname(s.path);
  const local = path.posix.join(s.commit.slice(0, 8), s.path);
  const key = `${s.commit}:${dir}`;
  if (!written.has(key)) {
    writeFolder(s.commit, dir, path.join(out, s.commit.slice(0, 8), dir));
    written.add(key);
  }
  return { ...s, file: local };
});
fs.writeFileSync(path.join(out, 'sources.json'), `${JSON.stringify(listed, null, 1)}\n`);
process.stdout.write(`${listed.length} files in ${out}\n`);

if (process.argv.includes('--runtimes')) {
  for (const r of runtimes) {
    writeTree(r.commit, r.root, path.join(path.dirname(out), r.dir));
    process.stdout.write(`${r.dir}: ${r.root} at ${r.commit}\n`);
  }
}
