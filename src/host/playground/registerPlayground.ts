// What activation registers for the playground: the panel serializer (so panels come back after a reload)
// and the open function behind `assay.openPlayground`. Both load the panel code on first use.
import * as vscode from 'vscode';
import { PLAYGROUND_VIEW_TYPE } from '../../shared/playgroundProtocol';
import type { Ctx } from '../context';
import type { PlaygroundManager } from './playgroundManager';
import type { PlaygroundPanel } from './playgroundPanel';

const managers = new WeakMap<Ctx, Promise<PlaygroundManager>>();

function manager(ctx: Ctx): Promise<PlaygroundManager> {
  let m = managers.get(ctx);
  if (!m) {
    m = import('./playgroundManager').then(({ PlaygroundManager }) => ctx.push(new PlaygroundManager(ctx)));
    managers.set(ctx, m);
  }
  return m;
}

export function registerPlayground(ctx: Ctx): void {
  ctx.push(
    vscode.window.registerWebviewPanelSerializer(PLAYGROUND_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => (await manager(ctx)).revive(panel, state),
    }),
  );
}

/** Options of `assay.openPlayground`'s second argument. */
export interface OpenPlaygroundOptions {
  /** Variables to fill the inputs form with (e.g. a trace's). */
  vars?: Record<string, unknown>;
  /** What the variables come from, for the status line (e.g. "trace 01J…"). */
  source?: string;
}

/**
 * "Assay: Open Playground" on `uri` (CodeLens and the editor title pass it), else the active prompt file;
 * `options.vars` fills the inputs form.
 */
export async function openPlayground(ctx: Ctx, uri?: vscode.Uri, options?: unknown): Promise<PlaygroundPanel | undefined> {
  const o = options && typeof options === 'object' ? (options as OpenPlaygroundOptions) : {};
  const vars = o.vars && typeof o.vars === 'object' && !Array.isArray(o.vars) ? o.vars : undefined;
  return (await manager(ctx)).open(uri, vars ? { vars, ...(typeof o.source === 'string' ? { source: o.source } : {}) } : undefined);
}
