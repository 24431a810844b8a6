// `assay test` at scale (issue #19): 20,000 cases × 2 models through the packaged CLI, history + JSON
// report, against the mock LLM server in a process of its own (latency 5 ms). Peak RSS comes from
// bench/threadCpu.cjs (preloaded); the results are compared with the same run at concurrency 1.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchSuite } from './benchTypes';
import { startMockProcess } from './benchMock';

const N = 20_000;
const MODELS = 'openai:gpt-4o-mini,openai:gpt-4.1-mini';
const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist/cli.js');
const PROBE = join(__dirname, 'threadCpu.cjs');

const PROMPT = `---
name: scale
params: { temperature: 0, max_tokens: 20 }
inputs:
  n: { type: number }
---
user:
Ticket {{ n }}: I was charged twice this month
`;

function bank(count: number): string {
  const lines = ['tests:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  - description: ticket ${i}`, `    vars: { n: ${i} }`, '    assert:', '      - type: contains', `        value: "${i % 10 === 0 ? 'absent' : `Ticket ${i}:`}"`);
  }
  return lines.join('\n') + '\n';
}

/** Runs the CLI with the probe; resolves with wall time, peak RSS and the results file's executions. */
function runCli(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; maxRssKb: number; results: unknown[] }> {
  const probeFile = join(cwd, 'probe.json');
  rmSync(probeFile, { force: true });
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--require', PROBE, CLI, 'test', ...args], { cwd, env: { ...env, ASSAY_BENCH_PROBE_OUT: probeFile }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      // Exit 1: the bank fails every tenth case on purpose.
      if (code !== 1) return reject(new Error(`assay test exited ${code}:\n${err.slice(-2000)}`));
      const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as { maxRssKb: number };
      const report = JSON.parse(readFileSync(join(cwd, 'results.json'), 'utf8')) as { suites: { results: Record<string, unknown>[] }[] };
      // What a run means: everything but timings and ids.
      const results = report.suites.flatMap((s) => s.results.map(({ caseId, model, status, score, output, assertions, tokens, cost }) => ({ caseId, model, status, score, output, assertions, tokens, cost })));
      resolve({ wallMs, maxRssKb: probe.maxRssKb, results });
    }),
  );
}

export const suite: BenchSuite = async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `node esbuild.mjs --production` (npm run bench does)');
  const dir = mkdtempSync(join(tmpdir(), 'assay-bench-scale-'));
  const mock = await startMockProcess(['--latency', '5']);
  try {
    writeFileSync(join(dir, 'scale.prompt'), PROMPT);
    writeFileSync(join(dir, 'scale.tests.yaml'), bank(N));
    const env = { PATH: process.env.PATH, OPENAI_BASE_URL: `${mock.url}/v1`, OPENAI_API_KEY: 'bench-key-0000000000' };
    const base = ['scale.tests.yaml', '--models', MODELS, '--no-cache', '--json', 'results.json'];
    const wide = await runCli(dir, [...base, '--concurrency', '100'], env);
    rmSync(join(dir, '.assay'), { recursive: true, force: true });
    const serial = await runCli(dir, [...base, '--concurrency', '1', '--no-history'], env);
    const same = JSON.stringify(wide.results) === JSON.stringify(serial.results);
    const mb = wide.maxRssKb / 1024;
    return [
      {
        what: `assay test, ${N.toLocaleString('en')} cases × 2 models at concurrency 100 (mock latency 5 ms), history + JSON: peak RSS`,
        figure: `${mb.toFixed(0)} MB (${(wide.wallMs / 1000).toFixed(1)} s)`,
        target: '≤ 400 MB',
        pass: mb <= 400,
      },
      {
        what: `the same ${(N * 2).toLocaleString('en')} executions at concurrency 1 (no history): results equal (case, model, status, score, output, assertions, tokens, cost, in order)`,
        figure: `${same ? 'identical' : 'DIFFERENT'} (${wide.results.length.toLocaleString('en')} vs ${serial.results.length.toLocaleString('en')} results; ${(serial.wallMs / 1000).toFixed(1)} s; peak RSS ${(serial.maxRssKb / 1024).toFixed(0)} MB)`,
        target: 'identical',
        pass: same && wide.results.length === N * 2,
      },
    ];
  } finally {
    mock.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
};
