/**
 * Where the end-to-end time goes (informational, not used for the goals): the same pipeline as
 * `lib/charts/main.js` with a clock around each step and the garbage collector's total pause.
 *
 * usage: node lib/bench/phases.js FLEET OUT_DIR   (prints one JSON line)
 */
import * as path from 'path';
import { PerformanceObserver, performance } from 'perf_hooks';

function main(argv: readonly string[]): void {
  const [fleetFile, out] = argv;
  if (!fleetFile || !out) throw new Error('usage: node lib/bench/phases.js FLEET OUT_DIR');
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });

  const phases: Record<string, number> = {};
  let last = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    phases[name] = (now - last) / 1000;
    last = now;
  };
  // Required here so that module loading is a phase of its own.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { loadFleet } = require('../src/fleet/loader') as typeof import('../src/fleet/loader');
  const { synthesizeFleet } = require('../src/fleet/synthesize') as typeof import('../src/fleet/synthesize');
  const { layoutTree } = require('../src/output/layout') as typeof import('../src/output/layout');
  const { writeTreeAtomically } = require('../src/output/writer') as typeof import('../src/output/writer');
  /* eslint-enable @typescript-eslint/no-require-imports */
  lap('require');
  const fleet = loadFleet(path.resolve(fleetFile), { env: process.env, displayPath: fleetFile });
  lap('load');
  const synthesis = synthesizeFleet(fleet, process.env);
  lap('synthesizeFleet');
  const files = layoutTree(synthesis.folders, synthesis.valuesFiles, { rootFolders: synthesis.rootFolders, source: fleetFile });
  lap('layoutTree');
  writeTreeAtomically(path.resolve(out), files);
  lap('write');
  // GC entries are delivered asynchronously; collect what is still queued.
  setTimeout(() => {
    for (const entry of observer.takeRecords()) gcMs += entry.duration;
    observer.disconnect();
    process.stdout.write(`${JSON.stringify({ phases, gcSeconds: gcMs / 1000, startupSeconds: performance.nodeTiming.bootstrapComplete / 1000 })}\n`);
  }, 20);
}

if (require.main === module) main(process.argv.slice(2));
