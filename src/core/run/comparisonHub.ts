// Where the executions of a case meet before `select-best` and `max-score` compare them: every model of
// the case, and — for a promptfoo config with several prompts, which Assay runs as one suite per prompt —
// every prompt too, as promptfoo compares every prompt × provider of a test. The runs of those suites
// share one hub; each execution arrives once it is evaluated, and the last one to arrive runs the
// comparison and settles them all. A run waits for its own executions' groups before it finishes.
import { resolveAssertionType } from '../assertions/assertionRegistry';
import type { AssertionInput, CaseVerdict } from '../assertions/assertionTypes';
import { compareOutputs } from '../assertions/compareOutputs';
import type { TestCase } from '../testBank/testBankTypes';
import { isAllowedProvider } from '../testBank/promptfooTests';
import type { TestSuite } from './testSuite';

/** One execution of a case in a comparison group. */
export interface ComparisonMember {
  suite: TestSuite;
  /** The model's label (`ModelTarget.label`). */
  model: string;
  testCase: TestCase;
  /** The verdict over the case's other assertions and what they saw; absent when the execution produced no output to judge. */
  evaluated?: { input: AssertionInput; verdict: CaseVerdict };
  /** Records the execution with its final verdict (`undefined` when it was not evaluated). */
  settle(verdict: CaseVerdict | undefined): void;
}

interface Group {
  left: number;
  members: ComparisonMember[];
  settled: Promise<void>;
  resolve: () => void;
}

const hasComparison = (c: TestCase): boolean => c.assert.some((a) => resolveAssertionType(a.type)?.definition.compare);

/** The comparison groups of suites that run together. */
export class ComparisonHub {
  private readonly groups = new Map<string, Group>();
  private readonly suites: readonly TestSuite[];
  /** Models in the order their suites name them first: promptfoo lists a test's outputs provider by provider, each with its prompts in order. */
  private readonly models = new Map<string, number>();

  /**
   * `suites` are every suite that will run now, with the run's `repeat` override. Suites of one promptfoo
   * config (the same `comparisonScope`) share their groups; any other suite has groups of its own.
   */
  constructor(suites: readonly TestSuite[], repeat?: number) {
    this.suites = suites;
    for (const suite of suites) for (const m of suite.models) if (!this.models.has(m.label)) this.models.set(m.label, this.models.size);
    for (const suite of suites) {
      for (const c of suite.cases) {
        if (!hasComparison(c)) continue;
        const repeats = Math.max(1, Math.floor(repeat ?? c.repeat ?? 1));
        const models = suite.models.filter((t) => isAllowedProvider(t, c.providers)).length;
        for (let r = 0; r < repeats; r++) {
          const key = ComparisonHub.key(suite, c, r);
          const group = this.groups.get(key) ?? this.newGroup();
          group.left += models;
          this.groups.set(key, group);
        }
      }
    }
  }

  /** The group an execution belongs to, or `undefined` when its case compares nothing. */
  static key(suite: TestSuite, c: TestCase, repeatIndex: number): string {
    return `${suite.comparisonScope ?? suite.name}\u0000${c.id}\u0000${repeatIndex}`;
  }

  has(key: string): boolean {
    return this.groups.has(key);
  }

  /**
   * Adds an execution to its group; resolves once the group is compared and settled. The last arrival
   * runs the comparison (in its own run's lane) and settles every member, in `order`.
   */
  async arrive(key: string, member: ComparisonMember): Promise<void> {
    const group = this.groups.get(key);
    if (!group) return member.settle(member.evaluated?.verdict);
    group.members.push(member);
    if (--group.left > 0) return group.settled;
    const members = group.members.sort((a, b) => this.order(a) - this.order(b));
    const evaluated = members.filter((m) => m.evaluated !== undefined);
    const verdicts = await compareOutputs(members[0]!.testCase, evaluated.map((m) => m.evaluated!), members.length - evaluated.length);
    const final = new Map(evaluated.map((m, i) => [m, verdicts[i]!]));
    for (const m of members) m.settle(final.get(m));
    group.resolve();
  }

  private order(m: ComparisonMember): number {
    return (this.models.get(m.model) ?? 0) * (this.suites.length + 1) + this.suites.indexOf(m.suite);
  }

  private newGroup(): Group {
    let resolve!: () => void;
    const settled = new Promise<void>((r) => (resolve = r));
    return { left: 0, members: [], settled, resolve };
  }
}
