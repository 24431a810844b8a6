// Test `options` that change how a case runs (which calls, in what order, with which variables): a value
// of the wrong type would otherwise be ignored, and the case would run as a different test.

const BOOLEAN_OPTIONS = ['runSerially', 'disableConversationVar'] as const;

/** Problems with a case's run options, one message each. */
export function checkRunOptions(options: Record<string, unknown> | undefined): string[] {
  if (!options) return [];
  const problems: string[] = [];
  const steps = options.maxToolSteps;
  if (steps !== undefined && !(typeof steps === 'number' && Number.isInteger(steps) && steps >= 1)) {
    problems.push('options.maxToolSteps must be a whole number ≥ 1 (model calls a tool loop may make)');
  }
  const store = options.storeOutputAs;
  if (store !== undefined && !(typeof store === 'string' && store.trim() !== '')) {
    problems.push('options.storeOutputAs must be the name of the variable later cases read the output as');
  }
  for (const key of BOOLEAN_OPTIONS) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') problems.push(`options.${key} must be true or false`);
  }
  return problems;
}
