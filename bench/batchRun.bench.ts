// `assay test --batch` at scale (issue #20): 20,000 cases through the packaged CLI as one OpenAI batch, with
// history and a JSON report, against the local batch server (test/support/mockBatchServer.ts) in a process
// of its own. The client's main-thread CPU and peak RSS come from bench/threadCpu.cjs (preloaded); the
// server answers at once, so the figures are Assay's own work: render, build and upload the batch file,
// poll, read the output file, evaluate and record.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchSuite } from './benchTypes';
import { TICKET_PROMPT, ticketBank } from '../test/support/ticketBank';

const N = 20_000;
const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist/cli.js');
const PROBE = join(__dirname, 'threadCpu.cjs');

/** The batch server in its own process; resolves with its URL. */
async function startServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/mockBatchServer.ts'), '--echo'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      if (buffered.includes('\n')) resolve(buffered.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`batch server exited (${code})`)));
  });
  return { url, stop: () => void child.kill() };
}

export const suite: BenchSuite = async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `node esbuild.mjs --production` (npm run bench does)');
  const dir = mkdtempSync(join(tmpdir(), 'assay-bench-batch-'));
  const server = await startServer();
  try {
    writeFileSync(join(dir, 'scale.prompt'), TICKET_PROMPT);
    writeFileSync(join(dir, 'scale.tests.yaml'), ticketBank(N));
    const probeFile = join(dir, 'probe.json');
    const env = { PATH: process.env.PATH, OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_API_KEY: 'bench-key-0000000000', ASSAY_BENCH_PROBE_OUT: probeFile };
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--require', PROBE, CLI, 'test', 'scale.tests.yaml', '--models', 'openai:gpt-5.4-nano', '--batch', '--batch-poll-max', '0.2', '--json', 'results.json'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const wallMs = performance.now() - t0;
    if (code !== 0) throw new Error(`assay test --batch exited ${code}:\n${err.slice(-2000)}`);
    const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as { mainThreadCpuMs: number; processCpuMs: number; maxRssKb: number };
    const report = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { totals: { passed: number } };
    const passed = report.totals.passed;
    return [
      {
        what: `assay test --batch, ${N.toLocaleString('en')} cases in one OpenAI batch (local batch server, answers at once), history + JSON: client main-thread CPU per case`,
        figure: `${(probe.mainThreadCpuMs / N).toFixed(3)} ms (main thread ${(probe.mainThreadCpuMs / 1000).toFixed(1)} s, whole process ${(probe.processCpuMs / 1000).toFixed(1)} s; ${passed.toLocaleString('en')} passed; spawn to exit ${(wallMs / 1000).toFixed(1)} s)`,
        target: '—',
        pass: null,
      },
      {
        what: `… peak RSS of that run`,
        figure: `${(probe.maxRssKb / 1024).toFixed(0)} MB`,
        target: '—',
        pass: null,
      },
    ];
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
