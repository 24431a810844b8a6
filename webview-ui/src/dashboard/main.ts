// The dashboard webview (src/host/traces/dashboardPanel.ts is the host): uPlot charts per model over time,
// totals for today / 7 / 30 days, cost and usage by prompt file. Colours come from the theme's CSS
// variables and the charts are rebuilt when VS Code switches themes (the body's class changes).
import uPlot from 'uplot';
import { DidLoadDashboardNotification, SetRangeCommand, ShowTracesCommand, type DashboardData, type DashboardMetric, type DashboardTotals, type PassRateRow, type RunBar } from '../../../src/shared/traceProtocol';
import { append, clear, h } from '../common/dom';
import { formatCost } from '../../../src/shared/format';
import { getState, onNotification, sendCommand, setState, signalReady } from '../common/ipc';
import { registerComponents } from '../components/toolkit';
import { UPLOT_CSS } from './uplotCss';

const CSS = `
body { padding: 0 16px 24px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--assay-border); border-radius: 4px; padding: 8px 12px; }
.card h3 { margin: 0 0 4px; font-size: 0.9em; color: var(--assay-muted); font-weight: 600; }
.card .big { font-size: 1.5em; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.chart { min-width: 0; }
.chart h3 { margin: 4px 0; }
.uplot { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
.u-legend { font-size: 0.9em; }
.u-legend .u-marker { border-radius: 2px; }
.models { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; margin: 8px 0; }
.chip { cursor: pointer; border: 1px solid var(--assay-border); border-radius: 10px; padding: 0 8px; background: none; color: inherit; font: inherit; }
.chip:hover { background: var(--vscode-list-hoverBackground); }
.chip .swatch { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 4px; }
table.grid tr.link { cursor: pointer; }
footer { margin-top: 16px; font-size: 0.85em; }
.run-bars { display: grid; grid-template-columns: minmax(0, max-content) minmax(80px, 1fr) max-content; gap: 4px 10px; align-items: center; margin: 8px 0 16px; }
.run-bars .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; cursor: pointer; }
.run-bars .label:hover { text-decoration: underline; }
.run-bars .track { height: 12px; display: flex; }
.run-bars .ok { background: var(--vscode-charts-blue, #3794ff); }
.run-bars .err { background: var(--vscode-charts-red, #f14c4c); }
.run-bars .figures { white-space: nowrap; font-variant-numeric: tabular-nums; }
#pass-rates td { font-variant-numeric: tabular-nums; vertical-align: middle; }
#pass-rates .rate { display: flex; align-items: center; gap: 8px; white-space: nowrap; }
#pass-rates .ci-track { position: relative; width: 120px; height: 10px; border: 1px solid var(--assay-border); border-radius: 2px; flex: none; }
#pass-rates .ci-range { position: absolute; top: 2px; height: 4px; background: var(--vscode-charts-blue, #3794ff); opacity: 0.45; }
#pass-rates .ci-point { position: absolute; top: -1px; width: 2px; height: 10px; background: var(--vscode-charts-blue, #3794ff); }
#pass-rates .regression { color: var(--vscode-errorForeground); }
#pass-rates .improvement { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
`;

const METRICS: { metric: DashboardMetric; title: string; format: (v: number) => string }[] = [
  { metric: 'latencyP50', title: 'Latency p50', format: (v) => (v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`) },
  { metric: 'latencyP95', title: 'Latency p95', format: (v) => (v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`) },
  { metric: 'tokens', title: 'Tokens per day', format: (v) => compact(v) },
  { metric: 'cost', title: 'Cost per day', format: (v) => formatCost(v) },
  { metric: 'errorRate', title: 'Error rate', format: (v) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%` },
];

const PALETTE_VARS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const PALETTE_FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

interface Theme {
  foreground: string;
  grid: string;
  palette: string[];
}

function theme(): Theme {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    foreground: v('--vscode-charts-foreground', v('--vscode-foreground', '#cccccc')),
    grid: v('--vscode-charts-lines', v('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)')),
    palette: PALETTE_VARS.map((name, i) => v(name, PALETTE_FALLBACK[i]!)),
  };
}

const app = document.getElementById('app')!;
let data: DashboardData | undefined;
let charts: uPlot[] = [];
let days = getState<{ days?: number }>()?.days ?? 30;

function totalsCard(title: string, t: DashboardTotals, id: string): HTMLElement {
  return h(
    'div',
    { class: 'card', id },
    h('h3', {}, title),
    h('div', { class: 'big' }, formatCost(t.cost)),
    h('div', {}, `${t.traces.toLocaleString()} calls · ${t.errors.toLocaleString()} errors${t.traces ? ` (${((t.errors / t.traces) * 100).toFixed(1)}%)` : ''}`),
    h('div', { class: 'muted' }, `tokens in ${compact(t.inputTokens)} · out ${compact(t.outputTokens)}`),
  );
}

function chartWidth(el: HTMLElement): number {
  return Math.max(280, Math.floor(el.clientWidth || 420));
}

function buildCharts(): void {
  for (const c of charts) c.destroy();
  charts = [];
  if (!data || data.x.length === 0) return;
  const t = theme();
  for (const m of METRICS) {
    const host = document.getElementById(`chart-${m.metric}`);
    if (!host) continue;
    clear(host);
    const series = data.metrics[m.metric];
    const axis = { stroke: t.foreground, grid: { stroke: t.grid, width: 1 }, ticks: { stroke: t.grid, width: 1 } };
    const opts: uPlot.Options = {
      width: chartWidth(host),
      height: 200,
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      axes: [axis, { ...axis, size: 64, values: (_u, splits) => splits.map((v) => (v === null ? '' : m.format(v))) }],
      series: [
        { value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toLocaleDateString()) },
        ...series.map((s, i) => ({
          label: s.key,
          stroke: t.palette[i % t.palette.length]!,
          width: 2,
          points: { show: true, size: 5 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : m.format(v)),
        })),
      ],
      legend: { show: true },
    };
    const chart = new uPlot(opts, [data.x, ...series.map((s) => s.values)] as uPlot.AlignedData, host);
    charts.push(chart);
  }
}

function render(): void {
  clear(app);
  if (!data) return;
  const d = data;
  const range = h(
    'div',
    { class: 'toolbar' },
    h('h1', {}, 'Assay Dashboard'),
    h('span', { class: 'spacer' }),
    ...[7, 30, 90].map((n) =>
      h(
        'vscode-button',
        {
          appearance: n === d.days ? 'primary' : 'secondary',
          id: `range-${n}`,
          onclick: () => {
            days = n;
            setState({ days });
            sendCommand(SetRangeCommand, { days: n });
          },
        },
        `${n} days`,
      ),
    ),
  );
  append(app, range);
  if (d.empty) {
    append(app, h('div', { class: 'banner' }, d.empty));
    return;
  }
  if (d.runs) {
    renderShortHistory(d, d.runs);
    return;
  }
  append(app, h('div', { class: 'cards' }, totalsCard('Today', d.totals.today, 'total-today'), totalsCard('Last 7 days', d.totals.last7, 'total-7'), totalsCard('Last 30 days', d.totals.last30, 'total-30')));
  const models = d.metrics.cost.map((s) => s.key);
  const palette = theme().palette;
  if (models.length === 0) {
    append(app, h('p', { class: 'muted', id: 'no-data' }, `No model calls in the last ${d.days} days.`));
  } else {
    append(
      app,
      h(
        'div',
        { class: 'models' },
        h('span', { class: 'muted' }, 'Show traces of'),
        ...models.map((m, i) => h('button', { class: 'chip', title: `Filter the Runs view to ${m}`, onclick: () => sendCommand(ShowTracesCommand, { model: m }) }, h('span', { class: 'swatch', style: `background:${palette[i % palette.length]}` }), m)),
      ),
      h('div', { class: 'charts' }, ...METRICS.map((m) => h('div', { class: 'chart' }, h('h3', {}, m.title), h('div', { id: `chart-${m.metric}` })))),
    );
  }
  if (d.byPrompt === null) append(app, h('p', { class: 'muted', id: 'by-prompt-loading' }, 'Counting cost and usage by prompt file…'));
  else if (d.byPrompt.length) {
    append(
      app,
      h('h2', {}, `Cost and usage by prompt file (last ${d.days} days)`),
      h(
        'table',
        { class: 'grid', id: 'by-prompt' },
        h('tr', {}, h('th', {}, 'prompt'), h('th', {}, 'calls'), h('th', {}, 'errors'), h('th', {}, 'tokens in'), h('th', {}, 'tokens out'), h('th', {}, 'cost')),
        ...d.byPrompt.map((p) =>
          h(
            'tr',
            { class: 'link', title: 'Show these traces', onclick: () => sendCommand(ShowTracesCommand, { promptPath: p.promptPath }) },
            h('td', {}, p.promptPath),
            h('td', {}, p.traces.toLocaleString()),
            h('td', {}, p.errors.toLocaleString()),
            h('td', {}, compact(p.inputTokens)),
            h('td', {}, compact(p.outputTokens)),
            h('td', {}, formatCost(p.cost)),
          ),
        ),
      ),
    );
  }
  renderPassRates(d);
  append(app, h('footer', { class: 'muted' }, `Built in ${d.buildMs.toFixed(0)} ms from the workspace history.`));
  buildCharts();
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

const CHANGE_WORDS: Record<NonNullable<PassRateRow['change']>['verdict'], { text: string; cls: string }> = {
  'significant-regression': { text: '▼ significant regression', cls: 'regression' },
  'significant-improvement': { text: '▲ significant improvement', cls: 'improvement' },
  'within-noise': { text: 'within noise', cls: 'muted' },
  'no-change': { text: 'no change', cls: 'muted' },
};

/** Test runs' pass rate per prompt version, with its 95% interval drawn and the change from the version before. */
function renderPassRates(d: DashboardData): void {
  if (d.passRates === undefined || d.passRates === null || d.passRates.length === 0) return;
  const cell = (r: PassRateRow) => {
    if (r.passRate === null) return h('td', {}, 'no verdicts');
    const at = (x: number): string => `${(x * 100).toFixed(1)}%`;
    return h(
      'td',
      { class: 'rate' },
      h(
        'span',
        { class: 'ci-track', 'aria-hidden': 'true' },
        h('span', { class: 'ci-range', style: `left:${at(r.interval.low)};width:${at(r.interval.high - r.interval.low)}` }),
        h('span', { class: 'ci-point', style: `left:calc(${at(r.passRate)} - 1px)` }),
      ),
      `${pct(r.passRate)} (95% CI ${pct(r.interval.low)}–${pct(r.interval.high)})`,
    );
  };
  append(
    app,
    h('h2', {}, `Pass rate by prompt version (test runs, last ${d.days} days)`),
    h(
      'table',
      { class: 'grid', id: 'pass-rates' },
      h('tr', {}, h('th', {}, 'prompt'), h('th', {}, 'model'), h('th', {}, 'version'), h('th', {}, 'runs'), h('th', {}, 'first run'), h('th', {}, 'pass rate'), h('th', {}, 'vs previous version')),
      ...d.passRates.map((r) => {
        const change = r.change ? CHANGE_WORDS[r.change.verdict] : undefined;
        return h(
          'tr',
          {},
          h('td', {}, r.suite),
          h('td', {}, r.model),
          h('td', { title: r.versionId ?? 'runs without a prompt file' }, r.versionId ? r.versionId.slice(0, 8) : '—'),
          h('td', {}, String(r.runs)),
          h('td', {}, new Date(r.firstAt).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })),
          cell(r),
          h('td', change ? { class: change.cls, title: r.change!.text } : { class: 'muted' }, change ? change.text : 'first version'),
        );
      }),
    ),
  );
}

/** Fewer than two days of calls: trends would be single dots, so the totals and one bar per run instead. */
function renderShortHistory(d: DashboardData, runs: RunBar[]): void {
  const what = d.daysWithCalls === 0 ? `No model calls in the last ${d.days} days.` : 'Not enough history yet for trends: the charts need calls on at least two days. Here is what there is so far.';
  append(app, h('div', { class: 'banner', id: 'not-enough-history' }, what), h('div', { class: 'cards' }, totalsCard('Today', d.totals.today, 'total-today')));
  if (runs.length === 0) {
    renderPassRates(d);
    return;
  }
  const most = Math.max(...runs.map((r) => r.traces));
  const bars = h('div', { class: 'run-bars', id: 'run-bars', role: 'list', 'aria-label': 'Calls per run' });
  for (const r of runs) {
    const width = (n: number): string => `width:${((n / most) * 100).toFixed(1)}%`;
    const cost = r.unpriced > 0 && r.cost === 0 ? 'cost unknown' : formatCost(r.cost);
    append(
      bars,
      h(
        'span',
        { class: 'label', role: 'listitem', title: `${r.promptPath ?? '(no prompt file)'} · ${r.kind} run · ${new Date(r.startedAt).toLocaleString()}`, onclick: r.promptPath ? () => sendCommand(ShowTracesCommand, { promptPath: r.promptPath! }) : undefined },
        `${new Date(r.startedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} ${r.promptPath ?? r.kind}`,
      ),
      h('span', { class: 'track', 'aria-hidden': 'true' }, h('span', { class: 'ok', style: width(r.traces - r.errors) }), h('span', { class: 'err', style: width(r.errors) })),
      h('span', { class: 'figures muted' }, `${r.traces} call${r.traces === 1 ? '' : 's'}${r.errors ? ` · ${r.errors} error${r.errors === 1 ? '' : 's'}` : ''} · ${cost}`),
    );
  }
  append(app, h('h2', {}, 'Runs so far'), bars);
  renderPassRates(d);
}

registerComponents();
for (const css of [UPLOT_CSS, CSS]) {
  const style = document.createElement('style');
  style.textContent = css;
  document.head.appendChild(style);
}
setState({ days });

// VS Code swaps vscode-light / vscode-dark / vscode-high-contrast on the body when the theme changes.
new MutationObserver(() => buildCharts()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
let resizeFrame = 0;
new ResizeObserver(() => {
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(() => {
    for (const c of charts) {
      const host = c.root.parentElement;
      if (host) c.setSize({ width: chartWidth(host), height: 200 });
    }
  });
}).observe(document.body);

onNotification(DidLoadDashboardNotification, (d) => {
  data = d;
  days = d.days;
  setState({ days });
  render();
});
signalReady();
