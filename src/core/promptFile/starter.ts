/** The example a user gets from "Assay: New Prompt File": realistic, valid, and runnable with the echo provider. */
export const STARTER_PROMPT = `---
name: triage
description: Route a customer support ticket to the right team
models: [openai:gpt-5.5, anthropic:claude-haiku-4-5]
params:
  max_tokens: 400
inputs:
  ticket:
    type: string
    description: The customer's message
    default: I was charged twice for my subscription this month
tests:
  - description: a double charge goes to billing
    vars: { ticket: "You billed me twice this month" }
    assert:
      - type: equals
        value: billing
---
system:
You route support tickets. Answer with exactly one lowercase word: billing, bug or other.

user:
{{ ticket }}
`;
