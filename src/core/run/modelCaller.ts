// How a test run gets its model calls answered. By default each call goes to the engine as it comes; a
// batch run (src/core/batch) instead collects every call of the run and answers them from provider batches.
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

/** Answers a suite's model calls in place of `engine.call`. */
export interface ModelCaller {
  call(request: ChatRequest, options: CallOptions, key: ExecutionKey): Promise<CallResult>;
  /** An execution that makes no call (its case did not render, the run was cancelled before it started…). */
  skip(key: ExecutionKey): void;
  /** How many executions may wait for their call at once (a batch waits for all of them); default: the engine's width. */
  readonly lanes?: number;
}
