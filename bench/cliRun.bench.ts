// `assay test` as CI runs it: the packaged `node dist/cli.js test …` as a child process, a 2,000-case bank
// against the mock LLM server in a process of its own, spawn to exit — start-up, parsing, rendering,
// assertions, history writes, the JSON and JUnit reports and the final save included. Each shape is
// compared with the floor of the same machine: the same calls from a bare keep-alive node:http client
// (bench/latencyFloor.mjs), CLI and floor runs taking turns so a burst of load elsewhere hits both.
// The main thread's CPU per call comes from bench/threadCpu.cjs (preloaded): the run's main-thread CPU
// minus that of a one-case run of the same bank (start-up and the bank's parse), divided by the calls.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceStore } from '../src/core/store/traceStore';
import type { BenchResult, BenchSuite } from './benchTypes';
import { startMockProcess } from './benchMock';

const N = 2000;
const RUNS = 5;
const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist/cli.js');
const FLOOR = join(__dirname, 'latencyFloor.mjs');
const PROBE = join(__dirname, 'threadCpu.cjs');

/** The shapes of issue #19, each with its target as a multiple of the floor. */
const SHAPES = [
  { concurrency: 50, latencyMs: 100, target: 1.08 },
  { concurrency: 100, latencyMs: 50, target: 1.3 },
];

interface Probe {
  mainThreadCpuMs: number;
  processCpuMs: number;
  maxRssKb: number;
}

interface Run {
  code: number | null;
  out: string;
  wallMs: number;
  probe?: Probe;
}

/** Runs `node [--require PROBE] SCRIPT ARGS`; resolves with its exit code, output, wall time (spawn → exit) and probe. */
function runNode(cwd: string, script: string, args: string[], env: NodeJS.ProcessEnv, probed = false): Promise<Run> {
  const probeFile = join(cwd, `probe-${process.pid}.json`);
  rmSync(probeFile, { force: true });
  const t0 = performance.now();
  const child = spawn(process.execPath, [...(probed ? ['--require', PROBE] : []), script, ...args], {
    cwd,
    env: probed ? { ...env, ASSAY_BENCH_PROBE_OUT: probeFile } : env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      resolve({ code, out, wallMs, ...(probed && existsSync(probeFile) ? { probe: JSON.parse(readFileSync(probeFile, 'utf8')) as Probe } : {}) });
    }),
  );
}

async function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run & { probe: Probe }> {
  const run = await runNode(cwd, CLI, ['test', ...args], env, true);
  if (run.code !== 0) throw new Error(`assay test ${args.join(' ')} failed (exit ${run.code}):\n${run.out.slice(-2000)}`);
  if (!run.probe) throw new Error('the CPU probe wrote nothing');
  return run as Run & { probe: Probe };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const list = (xs: number[], digits = 0): string => xs.map((x) => x.toFixed(digits)).join(', ');

const PROMPT = `---
name: bench
model: openai:gpt-4o-mini
params: { temperature: 0, max_tokens: 20 }
inputs:
  ticket: { type: string }
  n: { type: number }
---
system:
You route tickets. Answer with one word: billing, bug or other.

user:
Ticket {{ n }}: {{ ticket }}
`;

/** Case `i` as a bank or promptfoo config writes it: a `contains` assertion, and a `regex` one when asked. */
function caseLines(i: number, regex: boolean): string[] {
  const lines = [`  - description: ticket ${i}`, `    vars: { n: ${i}, ticket: "I was charged twice this month (${i})" }`, '    assert:', '      - type: contains', `        value: "Ticket ${i}:"`];
  return regex ? [...lines, '      - type: regex', '        value: "^Echo: "'] : lines;
}

/** A bank of `count` cases, three assertions each (one from the defaults). */
function bank(count: number): string {
  const lines = ['defaults:', '  assert:', '    - type: not-icontains', '      value: error', 'tests:'];
  for (let i = 0; i < count; i++) lines.push(...caseLines(i, true));
  return lines.join('\n') + '\n';
}

/** The same cases as a promptfoo config, streamed or not (promptfoo's `config.stream`). */
function promptfooConfig(count: number, stream: boolean): string {
  const lines = [
    'prompts:',
    '  - id: bench',
    '    raw: |',
    '      [{"role": "system", "content": "You route tickets. Answer with one word: billing, bug or other."},',
    '       {"role": "user", "content": "Ticket {{ n }}: {{ ticket }}"}]',
    'providers:',
    '  - id: openai:chat:gpt-4o-mini',
    `    config: { temperature: 0, max_tokens: 20, stream: ${stream} }`,
    'defaultTest:',
    '  assert:',
    '    - type: not-icontains',
    '      value: error',
    'tests:',
  ];
  for (let i = 0; i < count; i++) lines.push(...caseLines(i, false));
  return lines.join('\n') + '\n';
}

/** Main-thread CPU per call of `runs` against `startup`, in ms. */
const cpuPerCall = (runs: Probe[], startup: Probe): number[] => runs.map((p) => (p.mainThreadCpuMs - startup.mainThreadCpuMs) / N);

async function checkHistory(dir: string, perCase: number): Promise<void> {
  const store = await TraceStore.open({ path: join(dir, '.assay/history.sqlite') });
  const stats = await store.stats();
  await store.close();
  if (stats.counts.traces !== N || stats.counts.evaluations !== N * perCase) throw new Error(`history holds ${stats.counts.traces} traces and ${stats.counts.evaluations} evaluations`);
}

export const suite: BenchSuite = async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `node esbuild.mjs --production` (npm run bench does)');
  const rows: BenchResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'assay-bench-cli-'));
  try {
    writeFileSync(join(dir, 'bench.prompt'), PROMPT);
    writeFileSync(join(dir, 'bench.tests.yaml'), bank(N));
    writeFileSync(join(dir, 'warm.prompt'), PROMPT);
    writeFileSync(join(dir, 'warm.tests.yaml'), bank(400));
    writeFileSync(join(dir, 'plain.promptfooconfig.yaml'), promptfooConfig(N, false));
    writeFileSync(join(dir, 'streamed.promptfooconfig.yaml'), promptfooConfig(N, true));
    const outputs = ['--no-cache', '--json', 'results.json', '--junit', 'junit.xml'];

    for (const shape of SHAPES) {
      const { concurrency: C, latencyMs: L } = shape;
      const mock = await startMockProcess(['--latency', String(L)]);
      try {
        const env = { PATH: process.env.PATH, OPENAI_BASE_URL: `${mock.url}/v1`, OPENAI_API_KEY: 'bench-key-0000000000' };
        const args = ['--concurrency', String(C), ...outputs];
        // Warm the OS file cache (bundle, SDK, wasm) and the mock's JIT: the mock stands in for a remote
        // server, whose own warm-up is not the CLI's cost.
        await cli(dir, ['warm.tests.yaml', '--no-history', ...args], env);
        const startup = await cli(dir, ['bench.tests.yaml', '--no-history', '--filter', 'ticket 1999', ...args], env);

        const walls: number[] = [];
        const floors: number[] = [];
        const probes: Probe[] = [];
        for (let i = 0; i < RUNS; i++) {
          rmSync(join(dir, '.assay'), { recursive: true, force: true });
          const run = await cli(dir, ['bench.tests.yaml', ...args], env);
          walls.push(run.wallMs);
          probes.push(run.probe);
          const floor = await runNode(dir, FLOOR, [`${mock.url}/v1`, String(N), String(C)], env);
          if (floor.code !== 0) throw new Error(`the latency-floor client failed (exit ${floor.code}):\n${floor.out}`);
          floors.push(floor.wallMs);
        }
        const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { totals: { executions: number; passed: number } };
        if (results.totals.executions !== N || results.totals.passed !== N) throw new Error(`expected ${N} passing executions: ${JSON.stringify(results.totals)}`);
        await checkHistory(dir, 3);

        const cliMedian = median(walls);
        const floorMedian = median(floors);
        const ideal = Math.ceil(N / C) * L;
        rows.push({
          what: `assay test (node dist/cli.js), ${N.toLocaleString('en')} cases × 3 assertions, concurrency ${C}, mock latency ${L} ms, history + JSON + JUnit, spawn to exit, against the floor (a bare keep-alive node:http client, same calls; ideal ${ideal} ms)`,
          figure: `${(cliMedian / floorMedian).toFixed(3)} × floor: ${cliMedian.toFixed(0)} ms (median of ${list(walls)}) vs floor ${floorMedian.toFixed(0)} ms (median of ${list(floors)}); the CLI adds ${(cliMedian - floorMedian).toFixed(0)} ms`,
          target: `≤ ${shape.target} × floor`,
          pass: cliMedian <= floorMedian * shape.target,
        });
        if (C === SHAPES[0]!.concurrency) {
          const perCall = cpuPerCall(probes, startup.probe);
          rows.push({
            what: `main-thread CPU per call, non-streamed (render, request, parse, assertions, history hand-off; start-up and the bank's parse excluded), same runs`,
            figure: `${median(perCall).toFixed(3)} ms (median of ${list(perCall, 3)}); whole process incl. the history worker ${((median(probes.map((p) => p.processCpuMs)) - startup.probe.processCpuMs) / N).toFixed(3)} ms`,
            target: '≤ 0.4 ms',
            pass: median(perCall) <= 0.4,
          });
          rows.push({
            what: 'assay test, one case (start-up, parse of the 2,000-case bank, one call, outputs), spawn to exit',
            figure: `${startup.wallMs.toFixed(0)} ms (main thread ${startup.probe.mainThreadCpuMs.toFixed(0)} ms CPU)`,
            target: '—',
            pass: null,
          });
        }
        if (C === SHAPES[1]!.concurrency) rows.push(...(await streamedRows(dir, env, C)));
      } finally {
        mock.child.kill();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
};

/** Main-thread CPU per call of the promptfoo-config run, streamed and not (3 runs each, taking turns). */
async function streamedRows(dir: string, env: NodeJS.ProcessEnv, concurrency: number): Promise<BenchResult[]> {
  const args = ['--concurrency', String(concurrency), '--no-cache', '--json', 'results.json', '--junit', 'junit.xml'];
  const per: Record<'plain' | 'streamed', number[]> = { plain: [], streamed: [] };
  for (const kind of ['plain', 'streamed'] as const) await cli(dir, [`${kind}.promptfooconfig.yaml`, '--no-history', '--filter', 'ticket 1999', ...args], env);
  for (let i = 0; i < 3; i++) {
    for (const kind of ['plain', 'streamed'] as const) {
      const config = `${kind}.promptfooconfig.yaml`;
      const startup = await cli(dir, [config, '--no-history', '--filter', 'ticket 1999', ...args], env);
      rmSync(join(dir, '.assay'), { recursive: true, force: true });
      const run = await cli(dir, [config, ...args], env);
      per[kind].push(...cpuPerCall([run.probe], startup.probe));
      await checkHistory(dir, 2);
    }
  }
  return [
    {
      what: `main-thread CPU per call, streamed (promptfoo config, config.stream: true, ${N.toLocaleString('en')} cases × 2 assertions, concurrency ${concurrency})`,
      figure: `${median(per.streamed).toFixed(3)} ms (median of ${list(per.streamed, 3)}); the same config not streamed: ${median(per.plain).toFixed(3)} ms (median of ${list(per.plain, 3)})`,
      target: '≤ 0.6 ms',
      pass: median(per.streamed) <= 0.6,
    },
  ];
}
