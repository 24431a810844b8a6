// The code of a sandbox worker thread, as source text: `new Worker(source, { eval: true })` runs it the
// same way under tsx, in the bundled CLI (whose own code comes from V8's code cache, which cannot
// `import()` in Node 20) and in the extension host, with no extra file to ship. It runs one task at a
// time; the pool (sandboxPool.ts) bounds its time and memory and terminates it when a limit is hit.

import { TS_REQUIRE_HOOKS_SOURCE } from './compileTypeScript';

/** Plain CommonJS JavaScript run by each sandbox worker. */
export const SANDBOX_WORKER_SOURCE = String.raw`'use strict';
const { parentPort } = require('node:worker_threads');
const vm = require('node:vm');

// User code writes to the console of this thread, which Node copies to the process's own output: keep
// it off the run's output (the CLI's report, --json on stdout).
const silent = () => {};
for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table']) console[name] = silent;
process.stdout.write = () => true;
process.stderr.write = () => true;
const SILENT_CONSOLE = { log: silent, info: silent, warn: silent, error: silent, debug: silent };

const scripts = new Map();

function compile(code) {
  const hit = scripts.get(code);
  if (hit) return hit;
  let script;
  try {
    // An expression may end in ';' (promptfoo accepts output.includes('x');).
    script = new vm.Script('(async function (output, context) { return (\n' + code.replace(/[\s;]+$/, '') + '\n); })(output, context)', { filename: 'javascript-assertion.js' });
  } catch {
    // promptfoo's rule for one line: 'return <line>', so an expression ending in ';' is still an expression.
    try {
      if (code.includes('\n')) throw new Error('not one line');
      script = new vm.Script('(async function (output, context) { return ' + code + '\n})(output, context)', { filename: 'javascript-assertion.js' });
    } catch {
      script = new vm.Script('(async function (output, context) {\n' + code + '\n})(output, context)', { filename: 'javascript-assertion.js' });
    }
  }
  const entry = { script, sandbox: vm.createContext({ console: SILENT_CONSOLE }) };
  if (scripts.size > 500) scripts.clear();
  scripts.set(code, entry);
  return entry;
}

async function runInline(task) {
  const { script, sandbox } = compile(task.code);
  sandbox.output = task.output;
  sandbox.context = task.context;
  try {
    return await script.runInContext(sandbox);
  } finally {
    delete sandbox.output;
    delete sandbox.context;
  }
}

// TypeScript files arrive compiled to CommonJS (task.sources, by absolute path) and load through require;
// their relative imports of other .ts files resolve to those sources.
let tsSources = {};
${TS_REQUIRE_HOOKS_SOURCE}
function loadCompiled(task) {
  tsSources = task.sources;
  // A changed file arrives compiled afresh: forget the previous load.
  for (const path of Object.keys(task.sources)) delete require.cache[path];
  return require(task.path);
}

async function runFile(task) {
  let mod;
  try {
    mod = task.sources ? loadCompiled(task) : await import(task.url);
  } catch (e) {
    return { __assaySandboxError: 'cannot load ' + task.path + ': ' + messageOf(e) };
  }
  const base = mod.default !== null && (typeof mod.default === 'object' || typeof mod.default === 'function') ? mod.default : mod;
  const fn = task.exportName ? (base[task.exportName] !== undefined ? base[task.exportName] : mod[task.exportName]) : base;
  if (typeof fn !== 'function') return { __assaySandboxError: task.path + ' does not export a function' + (task.exportName ? ' named ' + task.exportName : '') };
  return await fn(task.output, task.context);
}

function messageOf(e) {
  return e !== null && typeof e === 'object' && typeof e.message === 'string' ? e.message : String(e);
}

parentPort.on('message', async (task) => {
  let value;
  try {
    if (task.kind === 'regex') value = new RegExp(task.source).test(task.text);
    else if (task.kind === 'regex-each') value = task.texts.map((text) => new RegExp(task.source, task.flags).test(text));
    else if (task.kind === 'javascript-file') value = await runFile(task);
    else value = await runInline(task);
  } catch (e) {
    parentPort.postMessage({ id: task.id, ok: false, kind: 'threw', message: messageOf(e) });
    return;
  }
  if (value !== null && typeof value === 'object' && typeof value.__assaySandboxError === 'string') {
    parentPort.postMessage({ id: task.id, ok: false, kind: 'invalid', message: value.__assaySandboxError });
    return;
  }
  try {
    parentPort.postMessage({ id: task.id, ok: true, value });
  } catch (e) {
    parentPort.postMessage({ id: task.id, ok: false, kind: 'invalid', message: 'it returned a value that cannot be passed back (' + messageOf(e) + ')' });
  }
});
`;
