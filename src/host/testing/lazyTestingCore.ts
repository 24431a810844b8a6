// Loads the test core (part of dist/lazyHost.js, see testingCore.ts) once, on the first run, discovery or "Add to test bank".
import type { testingCore } from './testingCore';

/** The core functions the test features use. */
export type TestingCore = typeof testingCore;

let loading: Promise<TestingCore> | undefined;

/** Loads the testing core once; later calls share the same promise. */
export function loadTestingCore(): Promise<TestingCore> {
  loading ??= import('./testingCore').then((m) => m.testingCore);
  return loading;
}
