// How a test run gets its model calls answered. By default each call goes to the engine as it comes; a
// batch run (src/core/batch) instead collects every call of the run and answers them from provider batches,
// the outputs first, then (in rounds) the grader calls their assertions make.
import type { CallResult, ChatRequest } from '../types';
import type { CallOptions } from './engine';

/** Which execution of a suite a call belongs to; stable across runs of the same files. */
export interface ExecutionKey {
  /** The case's position in the suite. */
  caseIndex: number;
  caseId: string;
  /** The model's label in the suite. */
  model: string;
  repeatIndex: number;
}

/** The calls of one execution (case × model × repeat), taken when it starts. */
export interface ExecutionCalls {
  /** The call under test. */
  call(request: ChatRequest, options: CallOptions): Promise<CallResult>;
  /** A grader chat call its assertions make; the engine answers when absent. */
  grade?(request: ChatRequest, options: CallOptions): Promise<CallResult>;
  /**
   * The execution is over: evaluated and handed to history, or it never called (its case did not render,
   * the run was cancelled before it started…). Called once, last. A later grader call (a comparison of the
   * case's outputs across models) goes to the engine.
   */
  finish(): void;
}

/** Answers a suite's model calls in place of `engine.call`. */
export interface ModelCaller {
  execution(key: ExecutionKey): ExecutionCalls;
  /** How many executions may wait for their call at once (a batch waits for all of them); default: the engine's width. */
  readonly lanes?: number;
}
