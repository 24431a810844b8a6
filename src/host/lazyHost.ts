// Entry of dist/lazyHost.js: everything the editor features load on first use — the prompt-file core, the
// test runner, the playground and the trace explorer's panels. One bundle rather than one per feature, so
// the shared core (YAML, Nunjucks, assertions, engine) ships once; esbuild.mjs turns each feature's lazy
// `import('./languageCore' | './testingCore' | './playgroundManager' | './traceHost')` into a require of
// this file, which Node loads once and caches.
export * from './language/languageCore';
export * from './testing/testingCore';
export * from './playground/playgroundManager';
export * from './traces/traceHost';
