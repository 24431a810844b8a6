// Cases that read earlier outputs, with promptfoo 0.121.20's semantics (src/evaluator.ts): a prompt that
// references `_conversation` gets the earlier turns of the same prompt and model (`{ prompt, input, output }`
// in test order; `metadata.conversationId` keeps separate conversations apart; `options.disableConversationVar`
// turns it off for a case), and a case's `options.storeOutputAs` puts its output into a variable every later
// case reads (over its own vars). promptfoo gets the order by running the whole eval at concurrency 1; here
// each model of the suite is one chain whose executions start in test order, each after the one before it
// has its output, while other models' chains and other suites run concurrently. promptfoo shares one set of
// stored outputs across providers (a later test reads whichever provider ran last); each chain keeps its own
// model's outputs (docs/prompt-format.md says so).
import { CONVERSATION_VAR } from '../promptFile/conversationVar';
import { analyzeTemplate } from '../template/templateAnalysis';
import type { TestCase } from '../testBank/testBankTypes';
import type { ChatMessage } from '../types';

export { CONVERSATION_VAR };

/** One earlier turn as a template sees it. */
export interface ConversationTurn {
  /** The rendered prompt: its text, or the chat messages as `{ role, content }`. */
  prompt: unknown;
  /** The last message's content (the new user input of a chat prompt), else the prompt text. */
  input: unknown;
  /** The model's answer as it came (before any `transform`); empty when the call failed. */
  output: string;
}

/** A prompt file's `messages: _conversation` placeholder line. */
const CONVERSATION_PLACEHOLDER = new RegExp(`^[ \\t]*#?[ \\t]*messages[ \\t]*:[ \\t]*${CONVERSATION_VAR}[ \\t]*\\r?$`, 'im');

/** Whether a prompt reads `_conversation` in a template or a messages placeholder (promptfoo attaches it only then). */
export function promptUsesConversation(template: string): boolean {
  if (!template.includes(CONVERSATION_VAR)) return false;
  if (CONVERSATION_PLACEHOLDER.test(template)) return true;
  const analysis = analyzeTemplate(template);
  // A template that does not parse but names it counts as reading it (promptfoo's analyzeTemplateReference).
  return analysis.error !== undefined || analysis.variables.some((v) => v.name === CONVERSATION_VAR);
}

/** Whether a suite's executions depend on earlier ones: its prompt reads `_conversation`, or a case stores its output. */
export function needsChains(template: string, cases: readonly TestCase[]): boolean {
  return promptUsesConversation(template) || cases.some((c) => typeof c.options?.storeOutputAs === 'string');
}

interface Chain {
  /** Settles when the chain's latest execution has its output. */
  tail: Promise<void>;
  conversations: Map<string, ConversationTurn[]>;
  registers: Record<string, unknown>;
}

/** The chains of one suite's run, keyed by model. */
export class ConversationChains {
  private readonly chains = new Map<string, Chain>();

  constructor(private readonly usesConversation: boolean) {}

  /**
   * Takes the next place in `key`'s chain. Call it synchronously in test order (the order places are
   * taken is the order turns happen); await `ready` before rendering, and release the turn once its
   * output is known (or it failed).
   */
  enter(key: string, testCase: TestCase): ChainTurn {
    let chain = this.chains.get(key);
    if (!chain) this.chains.set(key, (chain = { tail: Promise.resolve(), conversations: new Map(), registers: {} }));
    const ready = chain.tail;
    let release!: () => void;
    chain.tail = new Promise((resolve) => (release = resolve));
    const attach = this.usesConversation && testCase.options?.disableConversationVar !== true;
    return new ChainTurn(chain, testCase, attach, ready, release);
  }
}

/** One execution's place in its chain. */
export class ChainTurn {
  private released = false;

  constructor(
    private readonly chain: Chain,
    private readonly testCase: TestCase,
    private readonly attach: boolean,
    /** Settles when the turns before this one are known. */
    readonly ready: Promise<void>,
    private readonly releaseChain: () => void,
  ) {}

  private get turns(): ConversationTurn[] {
    const id = this.testCase.metadata?.conversationId;
    const key = id === undefined ? '' : JSON.stringify(id);
    let turns = this.chain.conversations.get(key);
    if (!turns) this.chain.conversations.set(key, (turns = []));
    return turns;
  }

  /** The variables to render with: the case's, the earlier turns, then the outputs stored so far over them. */
  vars(): Record<string, unknown> {
    return { ...this.testCase.vars, ...(this.attach ? { [CONVERSATION_VAR]: [...this.turns] } : {}), ...this.chain.registers };
  }

  /**
   * Adds this execution's turn (whatever the call's outcome, as promptfoo does). Returns the turns with it,
   * which the assertions see as `_conversation`; `undefined` where the case gets no turns (its own
   * `_conversation` variable, if any, stays as written).
   */
  addTurn(messages: ChatMessage[], output: string): ConversationTurn[] | undefined {
    const turns = this.turns;
    turns.push({ ...turnPrompt(messages), output });
    return this.attach ? [...turns] : undefined;
  }

  /** Stores the judged output under the case's `storeOutputAs` (an empty output stores nothing, as in promptfoo), then lets the next turn go. */
  finish(output: string | undefined): void {
    const name = this.testCase.options?.storeOutputAs;
    if (typeof name === 'string' && output) this.chain.registers[name] = output;
    this.release();
  }

  /** Lets the next turn go (again: no effect). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.releaseChain();
  }
}

/** promptfoo's `prompt` and `input` of a turn: a one-message text prompt as its text; a chat as its messages and the last one's content. */
function turnPrompt(messages: ChatMessage[]): { prompt: unknown; input: unknown } {
  if (messages.length === 1 && messages[0]!.role === 'user') return { prompt: messages[0]!.content, input: messages[0]!.content };
  const chat = messages.map((m) => ({ role: m.role, content: m.content }));
  return { prompt: chat, input: chat[chat.length - 1]?.content ?? '' };
}
