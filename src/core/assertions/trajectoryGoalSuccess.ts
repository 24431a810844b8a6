// `trajectory:goal-success` (promptfoo 0.121.20, src/assertions/trajectory.ts and matchesTrajectoryGoalSuccess):
// a grader model judges from the goal, the summarized steps and the final output whether the agent got there.
import type { AssertionSpec, AssertionInput, RawAssertionResult } from './assertionTypes';
import { TRAJECTORY_GOAL_SUCCESS_PROMPT } from './graderPrompts';
import { checkGraded, errorResult, gradeWith, rubricTemplate, tryParse } from './graderSupport';
import { readVerdict } from './modelGradedAssertions';
import { inputTrajectory, summarizeTrajectory, trajectoryDefinition } from './trajectorySteps';
import { isRecord } from './valueUtils';

const TYPE = 'trajectory:goal-success';

function goalOf(value: unknown): string | { error: string } {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (isRecord(value) && typeof value.goal === 'string' && value.goal.trim() !== '') return value.goal.trim();
  return { error: `${TYPE} assertion must have a string value or an object with a goal property` };
}

/** The grader's verdict on the goal, with the assertion's grader, rubric prompt and threshold. */
async function goalSuccess(goal: string, spec: AssertionSpec, input: AssertionInput): Promise<RawAssertionResult> {
  const vars = { ...input.vars, goal, output: tryParse(input.output), trajectory: summarizeTrajectory(inputTrajectory(input)) };
  const reply = await gradeWith(spec, input, rubricTemplate(spec, input, TRAJECTORY_GOAL_SUCCESS_PROMPT), vars);
  if ('error' in reply) return errorResult(reply.error, reply.grader);
  const verdict = readVerdict(reply.text, spec.threshold);
  if (!verdict) return errorResult(`Could not extract JSON from ${TYPE} response: ${reply.text.slice(0, 200)}`, reply.grader);
  const inverseReason = verdict.pass ? `Agent unexpectedly achieved the goal: ${goal}` : `Agent did not achieve the forbidden goal: ${goal}`;
  return { ...verdict, grader: reply.grader, inverse: { pass: !verdict.pass, score: verdict.pass ? 0 : 1, reason: inverseReason } };
}

export const TRAJECTORY_GOAL_SUCCESS_ASSERTION = trajectoryDefinition<string>({
  type: TYPE,
  description: 'A grader model judges whether the agent achieved the goal, from its steps and final output.',
  docs:
    "Sends promptfoo's goal-success prompt to the grader model (`provider` on the assertion, the test's `options.provider`, else setting `assay.grader.model`) with the goal (`value`, or `value.goal`), " +
    'the final output and a JSON summary of the steps (each model call a `message` step, each tool call a `tool` step; repeats collapsed, more than 24 cut in the middle). ' +
    'The first JSON object of the reply is the verdict (`pass`, `score`, `reason`, as `llm-rubric`); with `threshold` the score must also reach it. `rubricPrompt` replaces the prompt (variables `goal`, `trajectory`, `output`). ' +
    'Under `not-` the score is 0 or 1. A failed grader call or a reply without a JSON object is an evaluation error either way.',
  example: 'assert:\n  - type: trajectory:goal-success\n    value: Tell the user the weather in Paris using the weather tool',
  modelGraded: true,
  parse: goalOf,
  alsoCheck: checkGraded(TYPE),
  judge: (goal, input, spec) => goalSuccess(goal, spec, input),
});
