// The replay report (src/host/traces/replayReportPanel.ts is the host): what a prompt edit did to a run's
// recorded calls, case by case, with a link to both traces of each. Model output is untrusted: text only.
import { DidLoadReplayReportNotification, OpenTraceCommand, type ReplayReportData, type ReplayReportItem, type ReplayReportSide } from '../../../src/shared/traceProtocol';
import { append, clear, h } from '../common/dom';
import { onNotification, sendCommand, signalReady } from '../common/ipc';

const CSS = `
body { padding: 0 16px 24px; }
.totals { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 8px 0; }
.verdict-line { font-weight: 600; margin: 8px 0 16px; }
.item { border: 1px solid var(--assay-border); border-left-width: 3px; border-radius: 3px; padding: 6px 10px; margin: 8px 0; }
.item.regressed { border-left-color: var(--assay-fail); }
.item.fixed { border-left-color: var(--assay-pass); }
.item.changed { border-left-color: var(--assay-warn); }
.item h3 { margin: 2px 0 4px; overflow-wrap: anywhere; }
.sides { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 260px), 1fr)); gap: 8px; }
.side pre { max-height: 12em; overflow: auto; }
.side .head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; margin-bottom: 2px; }
a.trace-link { cursor: pointer; }
`;

const CHANGE_WORDS: Record<ReplayReportItem['change'], string> = {
  regressed: 'Regression: passed before, fails now',
  fixed: 'Fixed: failed before, passes now',
  changed: 'Output changed, same verdict',
  same: 'Unchanged',
  skipped: 'Not replayed',
};

const app = document.getElementById('app')!;

function verdict(pass: boolean | null): HTMLElement {
  return h('span', { class: pass === null ? 'muted' : pass ? 'pass' : 'fail' }, pass === null ? 'no verdict' : pass ? 'PASS' : 'FAIL');
}

function traceLink(traceId: string, label: string): HTMLElement {
  return h('a', { href: '#', class: 'trace-link', 'data-trace-id': traceId, title: `Open trace ${traceId}`, onclick: (e: Event) => (e.preventDefault(), sendCommand(OpenTraceCommand, { traceId })) }, label);
}

function side(title: string, s: ReplayReportSide, link: string): HTMLElement {
  return h(
    'div',
    { class: 'side' },
    h('div', { class: 'head' }, h('b', {}, title), verdict(s.pass), traceLink(s.traceId, link)),
    h('pre', { class: s.error ? 'error' : '' }, s.text === '' ? '(empty output)' : s.text),
  );
}

function item(it: ReplayReportItem): HTMLElement {
  return h(
    'section',
    { class: `item ${it.change}`, 'data-change': it.change },
    h('h3', {}, it.label),
    h('div', { class: 'muted' }, `${it.model} · ${CHANGE_WORDS[it.change]}${it.assertions ? ` (${it.assertions})` : ''}`),
    it.problem ? h('div', { class: 'banner' }, it.problem) : null,
    h('div', { class: 'sides' }, side('Recorded', it.old, 'open recorded trace'), it.new ? side('With the current prompt', it.new, 'open replayed trace') : null),
  );
}

function render(r: ReplayReportData): void {
  clear(app);
  const t = r.totals;
  const figure = (label: string, n: number, cls = '') => h('span', {}, h('span', { class: 'muted' }, `${label} `), h('b', { class: cls }, String(n)));
  append(
    app,
    h('h1', {}, r.title),
    h('div', { class: 'totals', id: 'replay-totals' }, figure('calls', t.traces), figure('replayed', t.replayed), figure('outputs changed', t.outputsChanged), figure('regressions', t.regressions, t.regressions ? 'fail' : ''), figure('fixed', t.fixes, t.fixes ? 'pass' : ''), figure('failed calls', t.errors, t.errors ? 'fail' : ''), figure('not replayed', t.skipped)),
    h(
      'div',
      { class: `verdict-line ${t.regressions || t.errors ? 'fail' : 'pass'}` },
      t.regressions === 0 && t.errors === 0 && t.skipped === 0 ? 'No regressions: every verdict that passed before still passes.' : `${t.regressions} regression${t.regressions === 1 ? '' : 's'}, ${t.errors} failed call${t.errors === 1 ? '' : 's'}, ${t.skipped} not replayed.`,
    ),
  );
  if (r.significance.length > 0) append(app, h('ul', { class: 'significance', id: 'replay-significance' }, ...r.significance.map((line) => h('li', {}, line))));
  const shown = r.items.filter((i) => i.change !== 'same');
  if (shown.length === 0) append(app, h('p', { class: 'muted' }, 'Every output is the same as before.'));
  for (const it of shown) append(app, item(it));
  const same = r.items.length - shown.length;
  if (same > 0) append(app, h('p', { class: 'muted' }, `${same} call${same === 1 ? '' : 's'} gave the same output as before.`));
}

const style = document.createElement('style');
style.textContent = CSS;
document.head.appendChild(style);
onNotification(DidLoadReplayReportNotification, render);
signalReady();
