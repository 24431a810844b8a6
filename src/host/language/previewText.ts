// The text of the rendered-prompt preview: Markdown (a heading per message) or the JSON a provider would
// get, and the notice shown instead when there is nothing to render. Pure (no `vscode`).
import type { ChatMessage, ModelParams } from '../../core/types';

/** The two ways the preview shows messages. */
export type PreviewFormat = 'markdown' | 'json';

/** What a rendered preview shows. */
export interface RenderedPreview {
  /** The prompt's name (or the file name). */
  title: string;
  /** The source file's name, for the header line. */
  sourceName: string;
  /** "the default inputs" or the chosen test case's label. */
  inputsLabel: string;
  models: string[];
  params: ModelParams;
  messages: ChatMessage[];
}

function paramsText(params: ModelParams): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return 'none';
  return entries.map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
}

function messageHeading(m: ChatMessage): string {
  if (m.role === 'tool') return `## tool${m.tool_call_id ? ` (answers ${m.tool_call_id})` : ''}`;
  return `## ${m.role}${m.name ? ` (${m.name})` : ''}`;
}

/** Markdown: a header naming the inputs used, then `## role` and the text of each message. */
export function previewMarkdown(p: RenderedPreview): string {
  const out = [
    `<!-- Rendered by Assay from ${p.sourceName}. Read-only: edit the prompt file and this view follows. -->`,
    `# ${p.title} — rendered with ${p.inputsLabel}`,
    '',
    `Models: ${p.models.length > 0 ? p.models.join(', ') : 'none (the assay.defaultModels setting applies)'}  `,
    `Params: ${paramsText(p.params)}  `,
    `Messages: ${p.messages.length}`,
  ];
  if (p.messages.length === 0) out.push('', '_Every message rendered empty, so nothing would be sent._');
  for (const m of p.messages) {
    out.push('', messageHeading(m), '', m.content === '' ? '_(empty)_' : m.content);
    if (m.tool_calls && m.tool_calls.length > 0) out.push('', '```json', JSON.stringify(m.tool_calls, null, 2), '```');
  }
  return `${out.join('\n')}\n`;
}

/** JSON: the models, params and messages, as a provider request would carry them. */
export function previewJson(p: RenderedPreview): string {
  return `${JSON.stringify({ prompt: p.title, inputs: p.inputsLabel, models: p.models, params: p.params, messages: p.messages }, null, 2)}\n`;
}

/** Renders `p` in `format`. */
export function previewText(p: RenderedPreview, format: PreviewFormat): string {
  return format === 'json' ? previewJson(p) : previewMarkdown(p);
}

/** What the preview shows when it cannot render: a heading saying why, then the detail. */
export function previewNotice(format: PreviewFormat, title: string, heading: string, detail: string): string {
  if (format === 'json') return `${JSON.stringify({ prompt: title, error: heading, detail }, null, 2)}\n`;
  return `# ${title} — not rendered\n\n**${heading}**\n\n${detail}\n`;
}
