// Playground streaming: four columns at 100 tokens/s each through the real engine and SDK, against the mock
// LLM server in its own process, into one PlaygroundSession (the host side of a panel). What the webview
// would receive is counted: messages per second per panel must stay at or under one per frame (60/s),
// however many deltas arrive, and every column's text must arrive whole.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ProviderRegistry } from '../src/core/providers/providerRegistry';
import { Engine } from '../src/core/run/engine';
import { PlaygroundSession } from '../src/host/playground/playgroundSession';
import type { RunUpdate } from '../src/shared/playgroundProtocol';
import type { BenchResult, BenchSuite } from './benchTypes';
import { startMockProcess } from './benchMock';

const COLUMNS = 4;
const TOKENS_PER_SECOND = 100;
/** Words in the prompt; the mock echoes them back ("Echo: " + prompt), one chunk per word. */
const WORDS = 300;

const PROMPT = `---
name: bench
inputs:
  text: { type: string }
---
user:
{{ text }}
`;

interface Measured {
  messages: number;
  deltas: number;
  seconds: number;
  maxPerSecond: number;
  minGapMs: number;
  complete: boolean;
  cpuMs: number;
  loopP99: number;
}

async function measure(engine: Engine, runId: string): Promise<Measured> {
  const sent: number[] = [];
  const texts = new Map<string, string>();
  let deltas = 0;
  let ended!: () => void;
  const finished = new Promise<void>((resolve) => (ended = resolve));
  const session = new PlaygroundSession({
    engine: () => engine,
    store: async () => null,
    readPrompt: async () => ({ text: PROMPT, label: 'bench.prompt' }),
    isTrusted: () => true,
    restrictedReason: '',
    send: (updates: RunUpdate[]) => {
      sent.push(performance.now());
      for (const u of updates) for (const [id, t] of Object.entries(u.deltas ?? {})) texts.set(id, (texts.get(id) ?? '') + t);
      if (updates.some((u) => u.done)) ended();
    },
  });
  const offDelta = engine.events.on('delta', () => deltas++);
  const words = Array.from({ length: WORDS }, (_, i) => `token${i}`).join(' ');
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const cpu0 = process.cpuUsage();
  loop.enable();
  await session.run({
    runId,
    columns: Array.from({ length: COLUMNS }, (_, i) => ({ id: `c${i}`, model: `mock:m${i}`, params: {} })),
    values: { text: words },
  });
  // The last batch (the results and the run's end) goes out on the coalescer's timer.
  await finished;
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  session.dispose();
  offDelta();

  let maxPerSecond = 0;
  for (let i = 0, j = 0; i < sent.length; i++) {
    while (sent[i]! - sent[j]! >= 1000) j++;
    maxPerSecond = Math.max(maxPerSecond, i - j + 1);
  }
  const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
  const expected = `Echo: ${words}`;
  return {
    messages: sent.length,
    deltas,
    seconds: (sent[sent.length - 1]! - sent[0]!) / 1000,
    maxPerSecond,
    minGapMs: Math.min(...gaps),
    complete: [...Array(COLUMNS).keys()].every((i) => texts.get(`c${i}`) === expected),
    cpuMs: (cpu.user + cpu.system) / 1000,
    loopP99: loop.percentile(99) / 1e6,
  };
}

export const suite: BenchSuite = async () => {
  const mock = await startMockProcess(['--tps', String(TOKENS_PER_SECOND)]);
  try {
    const engine = new Engine({
      registry: new ProviderRegistry({ providers: [{ name: 'mock', kind: 'openai-compatible', baseUrl: `${mock.url}/v1` }] }),
      concurrency: COLUMNS,
    });
    // Warm-up: the SDK loads and connections open.
    await engine.call({ model: { provider: 'mock', model: 'warm' }, messages: [{ role: 'user', content: 'hi' }], params: {} }, { stream: true });
    const m = await measure(engine, 'bench');
    if (!m.complete) throw new Error('a column did not receive its whole text');
    const perSecond = m.messages / m.seconds;
    const rows: BenchResult[] = [
      {
        what: `playground: messages to the webview per second per panel, ${COLUMNS} columns streaming ${TOKENS_PER_SECOND} tokens/s each (mean over ${m.seconds.toFixed(1)} s / busiest second)`,
        figure: `${perSecond.toFixed(1)} / ${m.maxPerSecond}`,
        target: '≤ 60',
        pass: m.maxPerSecond <= 60,
      },
      {
        what: '… text deltas coalesced into those messages (every column complete)',
        figure: `${m.deltas} → ${m.messages} (${(m.deltas / m.messages).toFixed(1)} per message)`,
        target: '—',
        pass: null,
      },
      { what: '… shortest gap between two messages', figure: `${m.minGapMs.toFixed(1)} ms`, target: '≥ 16.7 ms', pass: m.minGapMs >= 1000 / 60 - 0.05 },
      {
        what: '… extension-host CPU for the run (SDK, engine, coalescing) / event-loop delay p99',
        figure: `${((m.cpuMs / m.seconds) / 10).toFixed(1)}% of one core / ${m.loopP99.toFixed(1)} ms`,
        target: '—',
        pass: null,
      },
    ];
    return rows;
  } finally {
    mock.child.kill();
  }
};
