// promptfoo's test semantics over loaded cases: `scenarios` (every config row × every scenario test),
// list-valued vars expanded into one test per combination, and the `prompts` / `providers` filters.
import { createHash } from 'node:crypto';
import type { Node } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import { isRecord } from '../assertions/valueUtils';
import type { FileAccess } from '../files/safeFiles';
import type { Range } from '../types';
import { assignIds, diagnostic, normalizeCase, type CaseLocation, type UnidentifiedCase } from './normalizeCase';
import { rangeOf, type PositionAt } from './positions';
import type { BankDiagnostic, TestCase } from './testBankTypes';

/**
 * promptfoo's expansion of one test's vars: a var holding a list whose first item is text becomes one test
 * per item, and several such vars multiply (in key order, the last var varying fastest). A list of
 * anything else (numbers, mappings, an empty list) is one value, passed whole.
 */
export function expandVarCombinations(vars: Record<string, unknown>): Record<string, unknown>[] {
  let combinations: Record<string, unknown>[] = [{}];
  for (const [key, value] of Object.entries(vars)) {
    const values = Array.isArray(value) && typeof value[0] === 'string' ? value : [value];
    combinations = combinations.flatMap((c) => values.map((v: unknown) => ({ ...c, [key]: v })));
  }
  return combinations;
}

/** promptfoo's prompt filter: no list allows all; else the label is listed, or starts with a listed `group:`. */
export function isAllowedPrompt(label: string, allowed: string[] | undefined): boolean {
  return !allowed || allowed.includes(label) || allowed.some((a) => label.startsWith(`${a}:`));
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** A case's `providers` filter: no list allows all; else a label or id is listed (`*` matches any text, e.g. `openai:*`). */
export function isAllowedProvider(names: { label: string; id?: string }, allowed: string[] | undefined): boolean {
  if (!allowed) return true;
  return allowed.some((a) => {
    const re = wildcard(a);
    return re.test(names.label) || (names.id !== undefined && re.test(names.id));
  });
}

const canonicalJson = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(canonicalJson).join(',')}]` : isRecord(v) ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}` : (JSON.stringify(v) ?? 'null');

/**
 * Each case expanded into one case per var combination (none for `options.disableVarExpansion`). An
 * expanded case keeps its description and gets the id `<case id>/<hash of its vars>`, stable while those vars are.
 */
export function expandCases(cases: TestCase[]): TestCase[] {
  return cases.flatMap((c) => {
    if (c.options?.disableVarExpansion === true) return [c];
    const combinations = expandVarCombinations(c.vars);
    if (combinations.length === 1) return [{ ...c, vars: combinations[0]! }];
    const seen = new Map<string, number>();
    return combinations.map((vars) => {
      const hash = createHash('sha1').update(canonicalJson(vars)).digest('hex').slice(0, 6);
      const n = (seen.get(hash) ?? 0) + 1;
      seen.set(hash, n);
      return { ...c, id: `${c.id}/${hash}${n > 1 ? `~${n}` : ''}`, vars };
    });
  });
}

/** Where the `scenarios` value is written. */
export interface ScenarioSource {
  file: string;
  baseDir: string;
  /** What `file://` values in the scenarios may read. */
  files: FileAccess;
  node?: Node | null;
  positionAt?: PositionAt;
}

function rangeOfNode(node: unknown, positionAt: PositionAt | undefined): Range | undefined {
  const r = (node as { range?: [number, number, number] } | undefined)?.range;
  return r && positionAt ? rangeOf(positionAt, r[0], r[1]) : undefined;
}

function child(node: unknown, key: string): unknown {
  if (!isMap(node)) return undefined;
  return node.items.find((p) => isScalar(p.key) && p.key.value === key)?.value ?? undefined;
}

const items = (node: unknown): unknown[] => (isSeq(node) ? node.items : []);

/**
 * promptfoo's `scenarios`: for each scenario, every `config` row combined with every test (one empty test
 * when there are none). The row and test merge as promptfoo merges them: vars and metadata the row's then
 * the test's, assertions the row's then the test's, any other key the test's over the row's — and the
 * row's own `options` dropped, as promptfoo drops them. `defaultTest` is applied later, as to every test.
 * Cases come out in promptfoo's order: scenario, then row, then test.
 */
export function scenarioCases(raw: unknown, source: ScenarioSource, diags: BankDiagnostic[]): TestCase[] {
  if (raw === undefined || raw === null) return [];
  const whole = rangeOfNode(source.node, source.positionAt);
  if (!Array.isArray(raw)) {
    diags.push(diagnostic(source.file, 'error', 'invalid-scenarios', 'scenarios must be a list of { config, tests }', whole));
    return [];
  }
  const scenarioNodes = items(source.node);
  const out: UnidentifiedCase[] = [];
  raw.forEach((scenario, s) => {
    const sNode = scenarioNodes[s];
    const at = rangeOfNode(sNode, source.positionAt) ?? whole;
    if (!isRecord(scenario) || !Array.isArray(scenario.config)) {
      diags.push(diagnostic(source.file, 'error', 'invalid-scenarios', 'a scenario needs config: a list of mappings (vars, assert…), and tests', at));
      return;
    }
    if (typeof scenario.tests === 'string') {
      diags.push(diagnostic(source.file, 'error', 'unsupported', 'scenario tests from a file are not supported: list the tests in the scenario', at));
      return;
    }
    const tests: unknown[] = scenario.tests === undefined || scenario.tests === null ? [{}] : Array.isArray(scenario.tests) ? scenario.tests : [];
    if (!Array.isArray(scenario.tests) && scenario.tests !== undefined && scenario.tests !== null) {
      diags.push(diagnostic(source.file, 'error', 'invalid-scenarios', 'scenario tests must be a list of test cases', at));
      return;
    }
    const rowNodes = items(child(sNode, 'config'));
    const testNodes = items(child(sNode, 'tests'));
    scenario.config.forEach((row, r) => {
      const rowAt = rangeOfNode(rowNodes[r], source.positionAt) ?? at;
      if (!isRecord(row)) {
        diags.push(diagnostic(source.file, 'error', 'invalid-scenarios', 'each scenario config entry must be a mapping (vars, assert…)', rowAt));
        return;
      }
      tests.forEach((test, t) => {
        const testAt = rangeOfNode(testNodes[t], source.positionAt) ?? rowAt;
        if (!isRecord(test)) {
          diags.push(diagnostic(source.file, 'error', 'invalid-case', 'a test case must be a mapping (description, vars, assert…)', testAt));
          return;
        }
        const merged: Record<string, unknown> = { ...row, ...test };
        delete merged.options;
        if (test.options !== undefined) merged.options = test.options;
        if (row.vars !== undefined || test.vars !== undefined) merged.vars = mergeMaps(row.vars, test.vars);
        if (row.metadata !== undefined || test.metadata !== undefined) merged.metadata = mergeMaps(row.metadata, test.metadata);
        const rowAssert = Array.isArray(row.assert) ? (row.assert as unknown[]) : [];
        const testAssert = Array.isArray(test.assert) ? (test.assert as unknown[]) : [];
        if (row.assert !== undefined || test.assert !== undefined) merged.assert = [...rowAssert, ...testAssert];
        const loc: CaseLocation = { file: source.file, index: out.length, baseDir: source.baseDir, files: source.files, ...(testAt ? { range: testAt } : {}) };
        const c = normalizeCase(merged, loc, diags);
        // Negative indexes: scenario tests are not entries of the config's `tests` list.
        if (c) out.push({ ...c, source: { file: source.file, index: -1 - out.length } });
      });
    });
  });
  return assignIds(out, `${source.file}#scenarios`);
}

function mergeMaps(a: unknown, b: unknown): unknown {
  if (a !== undefined && !isRecord(a)) return a;
  if (b !== undefined && !isRecord(b)) return b;
  return { ...(a as Record<string, unknown> | undefined), ...(b as Record<string, unknown> | undefined) };
}
