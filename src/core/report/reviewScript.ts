// The report page's script (webview-ui/src/reviewReport/main.ts, plain DOM code): the build writes it to
// dist/webview/reviewReport.js beside the CLI and extension bundles; run from sources (tests, benches) it
// is bundled here on first use with esbuild, a dev dependency.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

let cached: string | undefined;

/** The page script's text, without a source-map comment (the page is one file; there is no map beside it). */
export function reviewPageScript(): string {
  cached ??= stripSourceMap(readBuilt() ?? bundleFromSources());
  return cached;
}

function readBuilt(): string | undefined {
  const built = join(__dirname, 'webview', 'reviewReport.js');
  return existsSync(built) ? readFileSync(built, 'utf8') : undefined;
}

interface EsbuildLike {
  buildSync(options: Record<string, unknown>): { outputFiles: { text: string }[] };
}

function bundleFromSources(): string {
  const entry = join(__dirname, '..', '..', '..', 'webview-ui', 'src', 'reviewReport', 'main.ts');
  if (!existsSync(entry)) throw new Error(`the report page script is missing: neither ${join(__dirname, 'webview', 'reviewReport.js')} nor ${entry}; run the build`);
  // A runtime require the bundler leaves alone: esbuild is never part of a shipped bundle.
  const esbuild = createRequire(__filename)('esbuild') as EsbuildLike;
  const out = esbuild.buildSync({ entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', minify: true, legalComments: 'none' });
  return out.outputFiles[0]!.text;
}

function stripSourceMap(text: string): string {
  return text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
}
