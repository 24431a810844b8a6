// Runs one bench suite and prints its results as one JSON line on stdout (see scripts/bench.mjs).
import { pathToFileURL } from 'node:url';
import type { BenchSuite } from '../bench/benchTypes';

async function main(): Promise<void> {
  const file = process.argv[2]!;
  const mod = (await import(pathToFileURL(file).href)) as { suite: BenchSuite };
  const results = await mod.suite();
  process.stdout.write('\n' + JSON.stringify(results) + '\n');
}
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
