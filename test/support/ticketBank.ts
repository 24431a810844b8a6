// The numbered-ticket prompt and bank the crash tests and the crash benchmark run: each call's prompt
// names its ticket, so the mock's log and the history can be matched call by call.

/** A prompt file whose user message is `Ticket N`. */
export const TICKET_PROMPT = `---
model: openai:gpt-4o-mini
inputs:
  n: { type: number }
---
user:
Ticket {{ n }}
`;

/** A bank of `count` cases, ticket 0 to count − 1, each asserting the output contains "Ticket". */
export function ticketBank(count: number): string {
  const lines = ['tests:'];
  for (let i = 0; i < count; i++) lines.push(`  - description: ticket ${i}`, `    vars: { n: ${i} }`, '    assert: [{ type: contains, value: "Ticket" }]');
  return lines.join('\n') + '\n';
}
