// The trace detail webview (src/host/traces/traceDetailPanel.ts is the host): what was sent and received,
// feedback, replay with the current prompt (old and new side by side, word diff, verdicts), copy as curl.
// Model output and payloads are untrusted: they go in as text only.
import {
  AddToTestBankRequest,
  CopyCurlRequest,
  CopyTextCommand,
  DidLoadTraceNotification,
  OpenInPlaygroundCommand,
  OpenTraceCommand,
  OpenVersionDiffCommand,
  ReplayRequest,
  SetFeedbackRequest,
  StartReplayNotification,
  type ReplaySideView,
  type ReplayView,
  type TraceDetail,
  type TraceDetailState,
  type TraceDetailViewState,
} from '../../../src/shared/traceProtocol';
import { append, clear, h, textNode } from '../common/dom';
import { formatCallLatency, formatCostFigure, formatMs } from '../../../src/shared/format';
import { getState, onNotification, sendCommand, sendRequest, setState, signalReady } from '../common/ipc';
import { registerComponents } from '../components/toolkit';

const CSS = `
body { padding: 0 16px 24px; }
header { display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; margin-top: 12px; }
header h1 { margin: 0; }
.meta { font-size: 0.9em; }
section { margin: 12px 0; }
section > h2 { border-bottom: 1px solid var(--assay-border); padding-bottom: 2px; }
.stats { margin: 8px 0; }
.msg { margin: 6px 0; }
.msg .role { font-weight: 600; text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.04em; color: var(--assay-muted); }
.msg pre { margin-top: 2px; }
.part-tool_call pre, .part-tool_call_response pre { border-left: 2px solid var(--vscode-charts-purple, #b180d7); }
.part-image { display: flex; gap: 8px; align-items: flex-start; }
.thumb { max-width: 160px; max-height: 160px; border: 1px solid var(--vscode-panel-border, transparent); border-radius: 2px; }
details.thinking { border-left: 2px solid var(--vscode-textBlockQuote-border, var(--vscode-panel-border)); padding-left: 8px; margin: 8px 0; }
details.thinking summary { cursor: pointer; color: var(--vscode-descriptionForeground); }
.feedback { display: flex; gap: 8px; align-items: flex-start; flex-wrap: wrap; }
.feedback vscode-text-area { flex: 1 1 280px; }
.feedback vscode-button[aria-pressed="true"] { outline: 2px solid var(--vscode-focusBorder); outline-offset: 1px; }
.actions { display: flex; gap: 6px; flex-wrap: wrap; }
details > summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
.json-head { display: flex; gap: 8px; align-items: center; }
.compare { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.compare .side { border: 1px solid var(--assay-border); border-radius: 4px; padding: 8px; min-width: 0; }
.compare h3 { margin-top: 0; }
.diff { white-space: pre-wrap; word-break: break-word; }
.diff .added { background: var(--vscode-diffEditor-insertedTextBackground, rgba(155, 185, 85, 0.3)); }
.diff .removed { background: var(--vscode-diffEditor-removedTextBackground, rgba(255, 0, 0, 0.25)); text-decoration: line-through; }
.verdict { font-weight: 600; }
.note { font-size: 0.9em; }
#status { min-height: 1.4em; }
`;

interface ViewState extends TraceDetailViewState {
  replay?: ReplayView;
}

const app = document.getElementById('app')!;
let current: TraceDetail | undefined;
let saved = getState<ViewState>();
let replay: ReplayView | undefined = saved?.replay;

function save(): void {
  if (!current) return;
  saved = { traceId: current.id, ...(replay ? { replay } : {}) };
  setState<ViewState>(saved);
}

let lastStatus: { text: string; kind: 'info' | 'error' } = { text: '', kind: 'info' };

/** The status line; kept across re-renders (the host re-sends the trace after feedback and replays). */
function status(text: string, kind: 'info' | 'error' = 'info'): void {
  lastStatus = { text, kind };
  const el = document.getElementById('status');
  if (!el) return;
  el.textContent = text;
  el.className = kind === 'error' ? 'error' : 'muted';
}

function button(label: string, attrs: Record<string, string | boolean | EventListener | undefined>): HTMLElement {
  return h('vscode-button', attrs, label);
}

function stat(label: string, value: string, id?: string): HTMLElement {
  return h('span', { class: 'stat', ...(id ? { id } : {}) }, `${label} `, h('b', {}, value));
}

function jsonBlock(title: string, json: string, id: string): HTMLElement {
  if (json === '') return h('p', { class: 'muted' }, `${title}: not stored`);
  return h(
    'details',
    { id },
    h('summary', {}, title),
    h('div', { class: 'json-head' }, button('Copy', { appearance: 'secondary', onclick: () => sendCommand(CopyTextCommand, { text: json, what: title.toLowerCase() }) })),
    h('pre', { class: 'mono' }, json),
  );
}

function renderMessages(t: TraceDetail): HTMLElement {
  const list = h('div', { id: 'messages' });
  if (t.messages.length === 0) list.appendChild(h('p', { class: 'muted' }, 'No messages in the stored payload.'));
  for (const m of t.messages) {
    const el = h('div', { class: 'msg' }, h('div', { class: 'role' }, m.name ? `${m.role} (${m.name})` : m.role));
    for (const p of m.parts) {
      if (p.kind === 'image') {
        el.appendChild(h('div', { class: 'part-image' }, p.imageUri ? h('img', { class: 'thumb', src: p.imageUri, alt: p.text, title: p.text }) : null, h('pre', {}, p.text)));
        continue;
      }
      el.appendChild(h('div', { class: `part-${p.kind}` }, p.kind === 'tool_call' ? h('span', { class: 'muted' }, 'tool call') : null, p.kind === 'tool_call_response' ? h('span', { class: 'muted' }, 'tool result') : null, h('pre', {}, p.text)));
    }
    list.appendChild(el);
  }
  return list;
}

/** The model's thinking, collapsed: it is not the output and assertions do not see it. */
function renderThinking(t: TraceDetail): HTMLElement | null {
  if (t.thinking.length === 0) return null;
  return h(
    'details',
    { class: 'thinking', id: 'thinking' },
    h('summary', {}, `Thinking (${t.thinking.length} ${t.thinking.length === 1 ? 'block' : 'blocks'}; not part of the output)`),
    ...t.thinking.map((b) => (b.redacted ? h('p', { class: 'muted' }, 'Redacted thinking: encrypted by the provider, nothing readable.') : h('pre', {}, b.text))),
  );
}

function renderFeedback(t: TraceDetail): HTMLElement {
  const rating = t.feedback?.rating ?? 0;
  const note = h('vscode-text-area', { id: 'feedback-note', placeholder: 'A note (what was good or wrong)', rows: 2, resize: 'vertical' }) as HTMLElement & { value: string };
  note.value = t.feedback?.note ?? '';
  const send = async (r: 1 | -1 | 0) => {
    status('Saving feedback…');
    const result = await sendRequest(SetFeedbackRequest, { rating: r, note: note.value ?? '' });
    status('error' in result ? result.error : 'Feedback saved.', 'error' in result ? 'error' : 'info');
  };
  return h(
    'div',
    { class: 'feedback' },
    button('👍 Good', { id: 'thumbs-up', title: 'Good answer', 'aria-pressed': rating === 1 ? 'true' : 'false', appearance: rating === 1 ? 'primary' : 'secondary', onclick: () => void send(rating === 1 ? 0 : 1) }),
    button('👎 Bad', { id: 'thumbs-down', title: 'Bad answer', 'aria-pressed': rating === -1 ? 'true' : 'false', appearance: rating === -1 ? 'primary' : 'secondary', onclick: () => void send(rating === -1 ? 0 : -1) }),
    note,
    button('Save Note', { id: 'save-note', appearance: 'secondary', onclick: () => void send(rating === 0 ? 1 : (rating as 1 | -1)) }),
  );
}

function verdictText(v: ReplaySideView['verdict']): string {
  if (!v) return 'no verdict';
  return `${v.pass ? 'PASS' : 'FAIL'}${v.source === 'stored' ? ' (as recorded)' : ''}`;
}

function renderSide(title: string, side: ReplaySideView | null, id: string, diff?: ReplayView['diff']): HTMLElement {
  const el = h('div', { class: 'side', id }, h('h3', {}, title));
  if (!side) {
    el.appendChild(h('p', { class: 'muted' }, 'Not replayed.'));
    return el;
  }
  el.appendChild(h('div', { class: 'stats' }, stat('latency', formatMs(side.latencyMs)), stat('cost', formatCostFigure(side.cost)), h('span', { class: `verdict ${side.verdict ? (side.verdict.pass ? 'pass' : 'fail') : 'muted'}` }, verdictText(side.verdict))));
  if (side.error) el.appendChild(h('div', { class: 'banner error-banner' }, side.error));
  else if (diff && !diff.identical) {
    const pre = h('pre', { class: 'diff' });
    for (const p of diff.parts) {
      if (p.kind === 'same') pre.appendChild(textNode(p.value));
      else if ((id === 'replay-old' && p.kind === 'removed') || (id === 'replay-new' && p.kind === 'added')) pre.appendChild(h('span', { class: p.kind }, p.value));
    }
    el.appendChild(pre);
  } else el.appendChild(h('pre', {}, side.text === '' ? '(empty output)' : side.text));
  if (side.verdict && side.verdict.assertions.length) {
    const table = h('table', { class: 'grid' }, h('tr', {}, h('th', {}, 'assertion'), h('th', {}, 'verdict'), h('th', {}, 'reason')));
    for (const a of side.verdict.assertions) table.appendChild(h('tr', {}, h('td', {}, a.type), h('td', { class: a.pass ? 'pass' : 'fail' }, a.pass ? 'pass' : 'fail'), h('td', {}, a.reason ?? '')));
    el.appendChild(table);
  }
  el.appendChild(h('a', { href: '#', class: 'note', onclick: (e: Event) => (e.preventDefault(), sendCommand(OpenTraceCommand, { traceId: side.traceId })) }, 'open this trace'));
  return el;
}

function renderReplay(r: ReplayView): HTMLElement {
  const words =
    r.verdictChange === 'regressed' ? 'The verdict regressed: it passed before and fails now.' : r.verdictChange === 'fixed' ? 'The verdict is fixed: it failed before and passes now.' : r.verdictChange === 'same' ? 'The verdict is unchanged.' : '';
  return h(
    'section',
    { id: 'replay-result' },
    h('h2', {}, 'Replay with the current prompt'),
    h('p', { id: 'replay-summary', class: r.verdictChange === 'regressed' ? 'fail' : r.verdictChange === 'fixed' ? 'pass' : '' }, r.diff.identical ? 'The output is identical. ' : `The output changed: +${r.diff.added} / −${r.diff.removed} words. `, words),
    r.problem ? h('div', { class: 'banner' }, r.problem) : null,
    h('div', { class: 'compare' }, renderSide('Recorded output', r.old, 'replay-old', r.diff), renderSide('With the current prompt', r.new, 'replay-new', r.diff)),
  );
}

function render(state: TraceDetailState): void {
  clear(app);
  if ('error' in state) {
    app.appendChild(h('div', { class: 'banner error-banner', id: 'load-error' }, state.error));
    return;
  }
  const t = state.trace;
  if (current && current.id !== t.id) replay = undefined;
  current = t;
  save();
  const time = new Date(t.startedAt).toLocaleString();
  append(
    app,
    h(
      'header',
      {},
      h('h1', {}, t.model),
      h('span', { class: `pill ${t.status === 'ok' ? 'pass' : 'fail'}`, id: 'trace-status' }, t.status === 'ok' ? 'ok' : `error: ${t.error?.kind ?? 'unknown'}`),
      h('span', { class: 'meta muted' }, [time, t.promptPath, t.caseId ? `case ${t.caseId}${t.repeatIndex ? ` #${t.repeatIndex + 1}` : ''}` : null, t.step ? `tool loop step ${t.step.index + 1}${t.step.last ? ' (the answer)' : ''}` : null, t.runId ? `run ${t.runId}` : null].filter(Boolean).join(' · ')),
    ),
    h(
      'div',
      { class: 'stats', id: 'trace-stats' },
      stat('latency', formatCallLatency(t.latencyMs, t.status !== 'ok')),
      stat('first token', formatMs(t.ttftMs)),
      stat('tokens in', t.usage ? String(t.usage.input) : '—'),
      stat('out', t.usage ? String(t.usage.output) : '—'),
      stat('cached', t.usage ? String(t.usage.cached) : '—'),
      t.usage && t.usage.cacheWrite > 0 ? stat('cache write', String(t.usage.cacheWrite)) : null,
      stat('cost', formatCostFigure(t.cost)),
      stat('finish', t.finishReason ?? '—'),
      t.cacheHit ? stat('cache', 'hit') : null,
      t.attempts && t.attempts > 1 ? stat('attempts', String(t.attempts)) : null,
    ),
    t.error ? h('div', { class: 'banner error-banner', id: 'trace-error' }, `${t.error.kind}${t.error.status ? ` (HTTP ${t.error.status})` : ''}: ${t.error.message}`) : null,
    renderFeedback(t),
    h(
      'div',
      { class: 'actions toolbar' },
      button('Replay with Current Prompt', { id: 'replay', disabled: t.replayBlocked !== undefined, title: t.replayBlocked ?? 'Re-run the same variables and model with the prompt file as it is now', onclick: () => void doReplay() }),
      button('Copy as curl', { id: 'copy-curl', appearance: 'secondary', onclick: () => void copyCurl() }),
      button('Open in Playground', { id: 'open-playground', appearance: 'secondary', disabled: t.promptPath === null, onclick: () => sendCommand(OpenInPlaygroundCommand, {}) }),
      button('Add to Test Bank', { id: 'add-to-bank', appearance: 'secondary', disabled: t.status !== 'ok', onclick: () => void addToBank() }),
      t.promptVersion !== 'unknown'
        ? button(t.promptVersion === 'same' ? 'Prompt Version (unchanged)' : t.promptVersion === 'missing' ? 'Prompt Version (file gone)' : 'Diff Prompt Version', {
            id: 'version-diff',
            appearance: 'secondary',
            onclick: () => sendCommand(OpenVersionDiffCommand, {}),
          })
        : null,
    ),
    h('div', { id: 'status', role: 'status', 'aria-live': 'polite', class: lastStatus.kind === 'error' ? 'error' : 'muted' }, lastStatus.text),
    replay ? renderReplay(replay) : h('div', { id: 'replay-slot' }),
    // A failure with no output has its error above: no empty Output section under it.
    t.error && t.output === '' && t.toolCalls.length === 0 && !t.thinking?.length
      ? null
      : h('section', {}, h('h2', {}, 'Output'), renderThinking(t), t.output === '' && t.toolCalls.length === 0 ? h('p', { class: 'muted' }, '(empty output)') : h('pre', { id: 'output' }, t.output), ...t.toolCalls.map((c) => h('pre', { class: 'part-tool_call' }, `${c.name}(${c.arguments})`))),
    t.reasoning !== null ? h('section', {}, h('h2', {}, 'Reasoning summary'), h('pre', { id: 'reasoning', class: 'muted' }, t.reasoning)) : null,
    h('section', {}, h('h2', {}, 'Messages sent'), renderMessages(t)),
    t.variables && Object.keys(t.variables).length
      ? h('section', {}, h('h2', {}, 'Variables'), h('table', { class: 'grid', id: 'variables' }, ...Object.entries(t.variables).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, h('pre', {}, typeof v === 'string' ? v : JSON.stringify(v, null, 2)))))))
      : null,
    t.evaluations.length
      ? h(
          'section',
          {},
          h('h2', {}, 'Evaluations'),
          h(
            'table',
            { class: 'grid', id: 'evaluations' },
            h('tr', {}, h('th', {}, 'assertion'), h('th', {}, 'verdict'), h('th', {}, 'score'), h('th', {}, 'reason')),
            ...t.evaluations.map((e) => h('tr', {}, h('td', {}, e.metric ? `${e.type} (${e.metric})` : e.type), h('td', { class: e.pass ? 'pass' : 'fail' }, e.pass ? 'pass' : 'fail'), h('td', {}, e.score === null ? '—' : e.score.toFixed(2)), h('td', {}, e.reason ?? ''))),
          ),
        )
      : null,
    h('section', {}, h('h2', {}, 'Payloads'), jsonBlock('Request', t.requestJson, 'request-json'), jsonBlock('Response', t.responseJson, 'response-json')),
  );
}

async function doReplay(): Promise<void> {
  status('Replaying with the current prompt…');
  const result = await sendRequest(ReplayRequest, {}).catch((err: Error) => ({ error: err.message }));
  if ('error' in result) {
    status(result.error, 'error');
    return;
  }
  replay = result;
  save();
  const slot = document.getElementById('replay-slot') ?? document.getElementById('replay-result');
  slot?.replaceWith(renderReplay(result));
  status('Replayed.');
}

async function copyCurl(): Promise<void> {
  const r = await sendRequest(CopyCurlRequest, {});
  status('error' in r ? r.error : `Copied as curl${r.keyVariable ? `; set $${r.keyVariable} before running it` : ''}.`, 'error' in r ? 'error' : 'info');
}

async function addToBank(): Promise<void> {
  const r = await sendRequest(AddToTestBankRequest, {});
  status('error' in r ? r.error : `Added a test case to ${r.file}.`, 'error' in r ? 'error' : 'info');
}

registerComponents();
const style = document.createElement('style');
style.textContent = CSS;
document.head.appendChild(style);
if (saved?.traceId) app.appendChild(h('p', { class: 'muted' }, 'Loading the trace…'));
onNotification(DidLoadTraceNotification, render);
onNotification(StartReplayNotification, () => void doReplay());
signalReady();
