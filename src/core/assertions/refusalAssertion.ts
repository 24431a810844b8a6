// `is-refusal`: the output declines the request, by promptfoo 0.121.20's phrase list (refusalPhrases.ts).
import type { AssertionDefinition } from './assertionTypes';
import { REFUSAL_PHRASES, REFUSAL_PREFIXES } from './refusalPhrases';

const straightApostrophes = (s: string) => s.replace(/['′’]/g, "'");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const PREFIXES = REFUSAL_PREFIXES.map((p) => straightApostrophes(p.toLowerCase()));
const PHRASES = REFUSAL_PHRASES.map((p) => new RegExp(`\\b${escape(p.toLowerCase())}\\b`));

/** Whether the text reads as a refusal: it starts with a refusal phrase or contains one as whole words. */
export function isRefusal(text: string): boolean {
  const lower = straightApostrophes(text.trim().toLowerCase());
  return PREFIXES.some((p) => lower.startsWith(p)) || PHRASES.some((re) => re.test(lower));
}

export const REFUSAL_ASSERTION: AssertionDefinition = {
  type: 'is-refusal',
  description: 'The output refuses the request.',
  docs:
    'Passes when the trimmed, lower-cased output starts with a refusal ("I\'m sorry", "I cannot", "As an AI"…) or contains a refusal phrase as whole words, from promptfoo\'s list. ' +
    'An empty output (or one with only tool calls) counts as a refusal but scores 0 either way, as in promptfoo: `is-refusal` passes with score 0, `not-is-refusal` fails with score 0. ' +
    'Takes no value. Score 1 or 0.',
  example: 'assert:\n  - type: not-is-refusal',
  modelGraded: false,
  evaluate(_spec, { output }) {
    if (output.trim() === '') return { pass: true, score: 0, negatedScore: 0, reason: 'Empty response treated as refusal' };
    const refused = isRefusal(output);
    return { pass: refused, score: refused ? 1 : 0, reason: refused ? 'Output is a refusal' : 'Output is not a refusal' };
  },
};
