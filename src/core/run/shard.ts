// CI sharding: `assay test --shard i/n` runs the cases whose stable hash falls in shard i of n. The key
// is the bank and the case's id, and a case's id is made from its description (or, without one, its
// vars) — never from its position — so adding or removing cases moves no other case to another shard.
// Every execution of a case (all models, all repeats, every prompt of a promptfoo config) lands in the
// case's shard, which keeps per-case statistics (flaky, comparisons) whole within one shard. A bank whose
// cases read earlier outputs lands whole in one shard.
import { createHash } from 'node:crypto';
import type { TestCase } from '../testBank/testBankTypes';
import { needsChains } from './conversationChains';
import type { ModelRef } from '../types';
import type { TestSuite } from './testSuite';

/** Shard `index` (1-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** The largest shard count accepted (a CI matrix beyond this is a typo). */
export const MAX_SHARDS = 1000;

/** `i/n` with 1 ≤ i ≤ n ≤ MAX_SHARDS, or why not. */
export function parseShard(text: string): ShardSpec | { error: string } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const usage = `--shard takes i/n with 1 ≤ i ≤ n ≤ ${MAX_SHARDS}, e.g. --shard 2/4 (got '${text}')`;
  if (!m) return { error: usage };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS || index < 1 || index > count) return { error: usage };
  return { index, count };
}

/** What a case is sharded by: its bank (a promptfoo config's prompts share it) and its id. */
export function shardKey(suite: Pick<TestSuite, 'bankPath' | 'name'>, testCase: Pick<TestCase, 'id'>): string {
  return `${suite.bankPath ?? suite.name}\n${testCase.id}`;
}

/** The shard (1-based) of `count` a key falls in: the first 48 bits of its SHA-256, modulo `count`. */
export function shardOf(key: string, count: number): number {
  const hash = createHash('sha256').update(key, 'utf8').digest();
  return (hash.readUIntBE(0, 6) % count) + 1;
}

/** A fingerprint of a suite's whole case list (ids in order), so shards of different banks are told apart. */
export function casesFingerprint(cases: readonly Pick<TestCase, 'id'>[]): string {
  const h = createHash('sha256');
  for (const c of cases) h.update(c.id, 'utf8').update('\n');
  return h.digest('hex').slice(0, 16);
}

/**
 * A suite cut down to one shard's cases; each case keeps its position in the whole suite (`caseIndices`).
 * `whole`: every case goes to the shard of that key (a bank whose cases read earlier outputs).
 */
export function shardSuite(suite: TestSuite, shard: ShardSpec, whole?: string): TestSuite {
  const cases: TestCase[] = [];
  const caseIndices: number[] = [];
  suite.cases.forEach((c, i) => {
    if (shardOf(whole ?? shardKey(suite, c), shard.count) !== shard.index) return;
    cases.push(c);
    caseIndices.push(i);
  });
  return { ...suite, cases, caseIndices, shard: { ...shard, cases: suite.cases.length, fingerprint: casesFingerprint(suite.cases) } };
}

/**
 * The suites of a run cut down to one shard. A bank whose cases read earlier outputs (`_conversation`,
 * `storeOutputAs`) in any of its suites stays whole, in the shard of its first case: split across machines,
 * a later case would miss the turns before it.
 */
export function shardSuites(suites: readonly TestSuite[], shard: ShardSpec): TestSuite[] {
  const whole = new Map<string, string>();
  for (const s of suites) {
    const bank = s.bankPath ?? s.name;
    if (!whole.has(bank) && s.cases.length > 0 && needsChains(s.prompt.content, s.cases)) whole.set(bank, shardKey(s, s.cases[0]!));
  }
  return suites.map((s) => shardSuite(s, shard, whole.get(s.bankPath ?? s.name)));
}

/** A model as a shard's report records it: enough for the merged report's order, stats and promptfoo ids. */
export interface ShardModel {
  label: string;
  id: string;
  ref: ModelRef;
}

/** A suite as a shard's report records it (every suite of the run, also one with no case in this shard). */
export interface ShardSuiteInfo {
  name: string;
  promptPath: string | null;
  bankPath: string | null;
  /** The whole suite's case count and fingerprint. */
  cases: number;
  fingerprint: string;
  prompt: { label: string; content: string };
  models: ShardModel[];
  derivedMetrics: { name: string; value: string }[];
}

/** The `shard` section of a shard's JSON report: which shard, and every suite of the whole run. */
export interface ShardSection {
  index: number;
  count: number;
  suites: ShardSuiteInfo[];
}

/** The `shard` section for `jsonReport`, from the run's suites after `shardSuite`. */
export function shardSection(shard: ShardSpec, suites: readonly TestSuite[]): ShardSection {
  return {
    index: shard.index,
    count: shard.count,
    suites: suites.map((s) => ({
      name: s.name,
      promptPath: s.promptPath,
      bankPath: s.bankPath,
      cases: s.shard?.cases ?? s.cases.length,
      fingerprint: s.shard?.fingerprint ?? casesFingerprint(s.cases),
      prompt: { label: s.prompt.label, content: s.prompt.content },
      models: s.models.map((m) => ({ label: m.label, id: m.id ?? `${m.ref.provider}:${m.ref.model}`, ref: m.ref })),
      derivedMetrics: s.derivedMetrics ?? [],
    })),
  };
}
