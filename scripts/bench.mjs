// `npm run bench`: runs every bench/*.bench.ts (each exports `suite: BenchSuite`), prints one table and
// rewrites docs/benchmarks.md. `npm run bench -- NAME` runs the suites whose file name contains NAME.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2];
const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const files = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
const rows = [];
let failed = false;
for (const file of files) {
  // Each suite in its own process so memory and event-loop figures don't leak between suites.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(root, 'scripts/bench-one.ts'), join(root, 'bench', file)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    console.error(`bench ${file} failed (exit ${r.status})`);
    failed = true;
    continue;
  }
  const line = r.stdout.trim().split('\n').pop();
  for (const row of JSON.parse(line)) rows.push({ file, ...row });
}

const mark = (p) => (p === null ? '' : p ? '✓' : '✗');
const table = [
  '| what | figure | target | ok | suite |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.what} | ${r.figure} | ${r.target} | ${mark(r.pass)} | ${r.file} |`),
].join('\n');
console.log('\n' + table);

if (!filter) {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const doc = `# Benchmarks

Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} — Node ${process.version}, ${cpus().length} × ${cpu}.
Each suite runs in its own process against the production bundles; targets are those of DESIGN.md §7 and the issues.

${table}
`;
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs/benchmarks.md'), doc);
  console.log('\nwrote docs/benchmarks.md');
}
if (failed || rows.some((r) => r.pass === false)) process.exitCode = 1;
