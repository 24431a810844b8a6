// promptfoo assertion types Assay knows and refuses, each with the reason and what to do instead: a file
// that uses one gets that reason as an error before any call, rather than "unknown type".

/** Refused type → why Assay cannot run it exactly as promptfoo does. */
export const REFUSED_ASSERTIONS: Readonly<Record<string, string>> = {
  'agent-rubric': "is not supported: it grades an agent run recorded by promptfoo's agent providers, which Assay does not have (use llm-rubric or the trajectory:* types over a tool loop)",
  guardrails: "is not supported: it reads the guardrail verdicts promptfoo's cloud providers attach to a response, and Assay's providers report none (use moderation or is-refusal)",
  pi: 'is not supported: it scores with the Pi Labs hosted scorer, a commercial API with its own key (use llm-rubric or g-eval with your grader)',
  ruby: 'is not supported: Assay runs no Ruby code (use a javascript or python assertion)',
  'skill-used': 'is not supported: it reads which agent skills a promptfoo agent provider used, and Assay has no such provider (use trajectory:tool-used over a tool loop)',
  'search-rubric': "is not supported: it needs a grader with web search (promptfoo's search providers); use llm-rubric with facts in the rubric",
  human: "is not supported: a person grades in promptfoo's web view; in Assay rate outputs 👍/👎 in the trace explorer, the results panel or the HTML report",
};
