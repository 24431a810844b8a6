// The reviewer's report as one self-contained HTML file. Output in it is hostile by assumption: the data
// sits in a JSON script block (never executed, `<` escaped so no `</script>` can close it), the page
// renders it as text only, and a CSP admits exactly the page's own script and style by hash, so even an
// injection that got past both could run nothing.
import { createHash } from 'node:crypto';
import type { ReviewReportData } from '../../shared/reviewReport';
import { REVIEW_STYLES } from './reviewStyles';

/** JSON that is inert inside a `<script type="application/json">`: no `<` (so no `</script>` or `<!--`), no line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The policy of the page: nothing loads, nothing runs but the page's own script and style. */
export function reviewPolicy(script: string, style: string): string {
  return `default-src 'none'; script-src ${sha256(script)}; style-src ${sha256(style)}; img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'`;
}

/** The page; `script` is the page script's text (reviewScript.ts). */
export function reviewReportHtml(data: ReviewReportData, script: string): string {
  // The page's own code must not be able to end its element early either.
  if (/<\/script|<!--/i.test(script)) throw new Error('the report page script contains </script or <!--; it cannot be inlined');
  const title = `Assay review — ${data.suites.map((s) => s.name).join(', ') || 'no suites'}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${reviewPolicy(script, REVIEW_STYLES)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeText(title)}</title>`,
    `<style>${REVIEW_STYLES}</style>`,
    '</head>',
    '<body>',
    '<noscript>This report needs JavaScript to show its results; its data is in the page source as JSON.</noscript>',
    '<main id="app"></main>',
    `<script type="application/json" id="assay-data">${scriptSafeJson(data)}</script>`,
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
