// The Runs tree's filter and grouping pickers (its title-bar buttons): a quick pick of the fields, each
// with its own pick of the values the history holds. Edits apply at once; the list comes back until the
// user is done.
import * as vscode from 'vscode';
import type { TraceStore } from '../../core/store/traceStore';
import { describeFilter, GROUPINGS, type ExplorerFilter, type Grouping, type SinceRange } from './runsTreeModel';

type Field = 'model' | 'prompt' | 'status' | 'since' | 'text' | 'rating' | 'clear' | 'done';

interface FieldItem extends vscode.QuickPickItem {
  field: Field;
}

const GROUPING_WORDS: Record<Grouping, string> = { run: 'Run', prompt: 'Prompt file', model: 'Model', day: 'Day' };

/** Values the history holds for the pickers: models (with their providers) and prompt files. */
async function knownValues(store: TraceStore): Promise<{ models: { provider: string; model: string; traces: number }[]; prompts: { path: string; traces: number }[] }> {
  const [stats, prompts] = await Promise.all([store.stats(), store.timeSeries({ bucket: 'day', groupBy: 'prompt' })]);
  const byPrompt = new Map<string, number>();
  for (const p of prompts) if (p.key !== '') byPrompt.set(p.key, (byPrompt.get(p.key) ?? 0) + p.traces);
  return {
    models: stats.byModel.map((m) => ({ provider: m.provider, model: m.model, traces: m.traces })),
    prompts: [...byPrompt.entries()].map(([path, traces]) => ({ path, traces })).sort((a, b) => b.traces - a.traces),
  };
}

async function pickOne<T>(title: string, items: (vscode.QuickPickItem & { value: T })[]): Promise<T | undefined> {
  const pick = await vscode.window.showQuickPick(items, { title, matchOnDescription: true });
  return pick?.value;
}

/**
 * The filter flow. Resolves to the new filter, or undefined when nothing changed. `store` lists the
 * values to pick from.
 */
export async function pickFilter(current: ExplorerFilter, store: TraceStore | null): Promise<ExplorerFilter | undefined> {
  let filter: ExplorerFilter = { ...current };
  let changed = false;
  const values = store ? await knownValues(store) : { models: [], prompts: [] };
  for (;;) {
    const items: FieldItem[] = [
      { field: 'model', label: '$(hubot) Model', description: filter.model ? `${filter.provider ?? '*'}:${filter.model}` : filter.provider ? `${filter.provider}:*` : 'any' },
      { field: 'prompt', label: '$(file) Prompt file', description: filter.promptPath ?? 'any' },
      { field: 'status', label: '$(pass) Status', description: filter.status ?? 'any' },
      { field: 'since', label: '$(calendar) Time range', description: filter.since ?? (filter.from ? 'custom' : 'all time') },
      { field: 'text', label: '$(search) Text in the output', description: filter.text ? `“${filter.text}”` : 'none' },
      { field: 'rating', label: '$(thumbsup) Feedback', description: filter.rating === 1 ? '👍' : filter.rating === -1 ? '👎' : 'any' },
      { field: 'clear', label: '$(clear-all) Clear the filter' },
      { field: 'done', label: '$(check) Done', description: describeFilter(filter) || 'no filter' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'Filter traces', placeHolder: describeFilter(filter) || 'Pick what to filter by' });
    if (!pick || pick.field === 'done') return changed ? filter : undefined;
    const next = { ...filter };
    switch (pick.field) {
      case 'model': {
        const value = await pickOne<{ provider?: string; model?: string }>('Model', [
          { label: 'Any model', value: {} },
          ...[...new Set(values.models.map((m) => m.provider))].map((p) => ({ label: `$(server) ${p}:*`, description: 'every model of this provider', value: { provider: p } })),
          ...values.models.map((m) => ({ label: `${m.provider}:${m.model}`, description: `${m.traces.toLocaleString()} calls`, value: { provider: m.provider, model: m.model } })),
        ]);
        if (!value) continue;
        delete next.provider;
        delete next.model;
        Object.assign(next, value);
        break;
      }
      case 'prompt': {
        const value = await pickOne<string | null>('Prompt file', [{ label: 'Any prompt file', value: null }, ...values.prompts.map((p) => ({ label: p.path, description: `${p.traces.toLocaleString()} calls`, value: p.path }))]);
        if (value === undefined) continue;
        if (value === null) delete next.promptPath;
        else next.promptPath = value;
        break;
      }
      case 'status': {
        const value = await pickOne<'ok' | 'error' | null>('Status', [
          { label: 'Any status', value: null },
          { label: '$(pass) ok', description: 'the call answered', value: 'ok' },
          { label: '$(error) error', description: 'the call failed', value: 'error' },
        ]);
        if (value === undefined) continue;
        if (value === null) delete next.status;
        else next.status = value;
        break;
      }
      case 'since': {
        const value = await pickOne<SinceRange | null>('Time range', [
          { label: 'All time', value: null },
          { label: 'Last hour', value: '1h' },
          { label: 'Last 24 hours', value: '24h' },
          { label: 'Last 7 days', value: '7d' },
          { label: 'Last 30 days', value: '30d' },
        ]);
        if (value === undefined) continue;
        delete next.from;
        delete next.to;
        if (value === null) delete next.since;
        else next.since = value;
        break;
      }
      case 'text': {
        const value = await vscode.window.showInputBox({ title: 'Text in the output', prompt: 'Traces whose output contains this (case-insensitive); empty for any', value: filter.text ?? '' });
        if (value === undefined) continue;
        if (value.trim() === '') delete next.text;
        else next.text = value;
        break;
      }
      case 'rating': {
        const value = await pickOne<1 | -1 | null>('Feedback', [
          { label: 'Any', value: null },
          { label: '👍 rated good', value: 1 },
          { label: '👎 rated bad', value: -1 },
        ]);
        if (value === undefined) continue;
        if (value === null) delete next.rating;
        else next.rating = value;
        break;
      }
      case 'clear':
        return {};
    }
    filter = next;
    changed = true;
  }
}

export async function pickGrouping(current: Grouping): Promise<Grouping | undefined> {
  const pick = await vscode.window.showQuickPick(
    GROUPINGS.map((g) => ({ label: `${g === current ? '$(check) ' : ''}${GROUPING_WORDS[g]}`, value: g })),
    { title: 'Group traces by' },
  );
  return pick?.value;
}

/** Reads an explorer filter from a command argument (tests, alerts and the dashboard pass one). */
export function filterFromArg(arg: unknown): ExplorerFilter | undefined {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return undefined;
  const a = arg as Record<string, unknown>;
  const out: ExplorerFilter = {};
  for (const k of ['model', 'provider', 'promptPath', 'promptVersionId', 'runId', 'caseId', 'text'] as const) if (typeof a[k] === 'string' && a[k] !== '') out[k] = a[k] as string;
  if (a.status === 'ok' || a.status === 'error') out.status = a.status;
  if (a.since === '1h' || a.since === '24h' || a.since === '7d' || a.since === '30d') out.since = a.since;
  if (typeof a.from === 'number') out.from = a.from;
  if (typeof a.to === 'number') out.to = a.to;
  if (a.rating === 1 || a.rating === -1) out.rating = a.rating;
  if (typeof a.cacheHit === 'boolean') out.cacheHit = a.cacheHit;
  return out;
}
