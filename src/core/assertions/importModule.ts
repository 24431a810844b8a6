// The one dynamic `import()` of the core: a user's JavaScript file for a `javascript` assertion. It is a
// module of its own so that the CLI build can leave it outside dist/cliMain.js, which src/cli/bin.ts loads
// through V8's code cache — code from a cache cannot `import()` in Node 20 — as dist/importModule.js,
// loaded by Node itself.
export function importModule(url: string): Promise<Record<string, unknown>> {
  return import(url) as Promise<Record<string, unknown>>;
}
