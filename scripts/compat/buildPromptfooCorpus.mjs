// Assembles the promptfoo compatibility corpus OUTSIDE the repository from local git snapshots of the
// repositories listed in docs/compatibility-sources.tsv (name, repo, commit, root, config). Nothing of
// their content is committed here: the list says where the files are, this script copies them.
//
//   node scripts/compat/buildPromptfooCorpus.mjs --mirrors DIR --out /work/corpus/promptfoo
//
// DIR holds one bare or normal git directory per repository, as `OWNER+NAME/repo` (the layout the
// project's snapshot tool gives) or `OWNER+NAME` itself. Each entry becomes OUT/NAME/: the folder `root`
// of the repository at `commit` (the whole repository when root is empty), without node_modules. The
// config to run is OUT/NAME/<config>; OUT/corpus.tsv lists name and config for the harness.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const here = path.dirname(new URL(import.meta.url).pathname);
const sources = arg('--sources', path.join(here, '..', '..', 'docs', 'compatibility-sources.tsv'));
const mirrors = arg('--mirrors', '/work/.mirror');
const out = arg('--out', '/work/corpus/promptfoo');

const rows = fs
  .readFileSync(sources, 'utf8')
  .split('\n')
  .slice(1)
  .filter((l) => l.trim() !== '')
  .map((l) => {
    const [name, repo, commit, root, config] = l.split('\t');
    return { name, repo, commit, root, config };
  });

function gitDir(repo) {
  const base = path.join(mirrors, repo.replace('/', '+'));
  return fs.existsSync(path.join(base, 'repo')) ? path.join(base, 'repo') : base;
}

fs.mkdirSync(out, { recursive: true });
const listed = [];
let missing = 0;
for (const r of rows) {
  const dir = path.join(out, r.name);
  const git = gitDir(r.repo);
  if (!fs.existsSync(git)) {
    process.stderr.write(`${r.name}: no snapshot of ${r.repo} in ${mirrors}\n`);
    missing++;
    continue;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const tree = r.root ? `${r.commit}:${r.root}` : r.commit;
  const tar = execFileSync('git', ['-C', git, 'archive', '--format=tar', tree], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir, '--exclude=node_modules', '--exclude=*/node_modules'], { input: tar });
  if (!fs.existsSync(path.join(dir, r.config))) process.stderr.write(`${r.name}: ${r.config} is not in ${tree}\n`);
  listed.push(`${r.name}\t${r.config}`);
}
fs.writeFileSync(path.join(out, 'corpus.tsv'), `name\tconfig\n${listed.join('\n')}\n`);
process.stdout.write(`${listed.length} configs in ${out}${missing ? `, ${missing} missing` : ''}\n`);
