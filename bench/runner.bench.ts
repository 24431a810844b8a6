// The run engine against the mock LLM server (its own process, so its CPU is not counted): 2,000 calls at
// concurrency 50 with 100 ms of server latency. Wall time is compared with the latency-bound ideal
// ceil(N/C)·L; CPU is this process's `process.cpuUsage()` per call (SDK, transport, engine), through
// chat completions and through the Responses API (`api: responses`).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ProviderRegistry } from '../src/core/providers/providerRegistry';
import { Engine } from '../src/core/run/engine';
import type { ChatRequest, OpenAiApi } from '../src/core/types';
import type { BenchResult, BenchSuite } from './benchTypes';
import { startMockProcess } from './benchMock';

const N = 2000;
const C = 50;
const LATENCY_MS = 100;
const STREAM_N = 500;

const request = (i: number, api: OpenAiApi = 'chat'): ChatRequest => ({
  model: { provider: 'mock', model: 'gpt-4o-mini' },
  messages: [
    { role: 'system', content: 'You route tickets. Answer with one word.' },
    { role: 'user', content: `Ticket ${i}: I was charged twice this month` },
  ],
  params: { temperature: 0, max_tokens: 20, ...(api === 'responses' ? { api } : {}) },
});

/** Runs `count` calls through `engine` and measures wall time, CPU and event-loop delay. */
async function measure(engine: Engine, count: number, stream: boolean, api: OpenAiApi = 'chat'): Promise<{ wallMs: number; cpuMsPerCall: number; p99: number; max: number; errors: number }> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  loop.enable();
  const results = await Promise.all(Array.from({ length: count }, (_, i) => engine.call(request(i + 1_000_000 * (stream ? 1 : 0), api), { stream })));
  loop.disable();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    wallMs,
    cpuMsPerCall: (cpu.user + cpu.system) / 1000 / count,
    p99: loop.percentile(99) / 1e6,
    max: loop.max / 1e6,
    errors: results.filter((r) => r.error).length,
  };
}

export const suite: BenchSuite = async () => {
  const rows: BenchResult[] = [];
  const mock = await startMockProcess(['--latency', String(LATENCY_MS)]);
  const streaming = await startMockProcess(['--latency', String(LATENCY_MS), '--tps', '200']);
  try {
    const engineFor = (url: string): Engine =>
      new Engine({ registry: new ProviderRegistry({ providers: [{ name: 'mock', kind: 'openai', baseUrl: `${url}/v1`, apiKey: 'bench-key-000000' }] }), concurrency: C });

    const engine = engineFor(mock.url);
    await measure(engine, C * 2, false); // warm-up: SDK loaded, connections open, code optimised
    const run = await measure(engine, N, false);
    if (run.errors > 0) throw new Error(`${run.errors} of ${N} calls failed`);
    const ideal = Math.ceil(N / C) * LATENCY_MS;
    rows.push({
      what: `runner wall time, ${N.toLocaleString('en')} calls, concurrency ${C}, mock latency ${LATENCY_MS} ms (ideal ${ideal} ms)`,
      figure: `${run.wallMs.toFixed(0)} ms (${(run.wallMs / ideal).toFixed(3)} × ideal)`,
      target: '≤ 1.05 × ideal',
      pass: run.wallMs <= ideal * 1.05,
    });
    rows.push({
      what: 'runner CPU per call (SDK + transport + engine), engine process only',
      figure: `${run.cpuMsPerCall.toFixed(3)} ms`,
      target: '≤ 1 ms',
      pass: run.cpuMsPerCall <= 1,
    });
    rows.push({
      what: 'event-loop delay during that run (p99 / max)',
      figure: `${run.p99.toFixed(1)} / ${run.max.toFixed(1)} ms`,
      target: '—',
      pass: null,
    });

    const streamEngine = engineFor(streaming.url);
    await measure(streamEngine, C, true);
    const streamed = await measure(streamEngine, STREAM_N, true);
    if (streamed.errors > 0) throw new Error(`${streamed.errors} of ${STREAM_N} streamed calls failed`);
    rows.push({
      what: `streamed calls (~12 chunks each at 200 tokens/s), CPU per call, ${STREAM_N} calls`,
      figure: `${streamed.cpuMsPerCall.toFixed(3)} ms`,
      target: '—',
      pass: null,
    });

    // The same calls through the Responses API: its own payload, JSON and typed SSE events.
    await measure(engine, C, false, 'responses');
    const responses = await measure(engine, N, false, 'responses');
    if (responses.errors > 0) throw new Error(`${responses.errors} of ${N} Responses API calls failed`);
    rows.push({
      what: 'runner CPU per call through the Responses API (api: responses), engine process only',
      figure: `${responses.cpuMsPerCall.toFixed(3)} ms`,
      target: '≤ 1 ms',
      pass: responses.cpuMsPerCall <= 1,
    });
    await measure(streamEngine, C, true, 'responses');
    const responsesStreamed = await measure(streamEngine, STREAM_N, true, 'responses');
    if (responsesStreamed.errors > 0) throw new Error(`${responsesStreamed.errors} of ${STREAM_N} streamed Responses API calls failed`);
    rows.push({
      what: `streamed Responses API calls (typed SSE events, ~12 text deltas each at 200 tokens/s), CPU per call, ${STREAM_N} calls`,
      figure: `${responsesStreamed.cpuMsPerCall.toFixed(3)} ms`,
      target: '—',
      pass: null,
    });
  } finally {
    mock.child.kill();
    streaming.child.kill();
  }
  return rows;
};
