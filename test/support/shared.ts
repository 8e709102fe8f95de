import * as fs from 'fs';
import * as path from 'path';

/** `../shared` beside the repository: the vCluster chart schemas and the GitOps CRDs. */
export const SHARED_DIR = path.resolve(__dirname, '..', '..', '..', 'shared');

/** True when `../shared` is present; tests that need it use `describeShared`. */
export const HAVE_SHARED = fs.existsSync(path.join(SHARED_DIR, 'FACTS.md'));

/**
 * One paragraph naming what is skipped when `../shared` is absent (printed once, before the tests,
 * by the jest globalSetup); undefined when it is present.
 */
export function sharedNotice(): string | undefined {
  if (HAVE_SHARED) return undefined;
  return [
    `NOTE: ${SHARED_DIR} is absent, so the tests that need it are skipped: validation of generated`,
    'custom resources against the Argo CD, Flux, External Secrets and Sealed Secrets CRDs, and of every',
    "vcluster.yaml against the vCluster chart's values schema. Every other test runs. Check out the",
    "team's shared folder beside this repository to run them.",
  ].join('\n');
}

/**
 * `describe` when `../shared` exists, otherwise a skipped block with a message saying why,
 * so a checkout without it still runs every other test.
 */
export function describeShared(name: string, fn: () => void): void {
  if (HAVE_SHARED) {
    describe(name, fn);
  } else {
    // The block keeps its name, so jest --ci sees its snapshots as skipped rather than obsolete;
    // the reason travels as one more skipped test.
    describe.skip(name, () => {
      test.skip(`needs ${SHARED_DIR} (the chart schemas and CRDs), which is absent`, () => undefined);
      fn();
    });
  }
}
