import * as fs from 'fs';
import * as path from 'path';

/** `../shared` beside the repository: the vCluster chart schemas and the GitOps CRDs. */
export const SHARED_DIR = path.resolve(__dirname, '..', '..', '..', 'shared');

/** True when `../shared` is present; tests that need it use `describeShared`. */
export const HAVE_SHARED = fs.existsSync(path.join(SHARED_DIR, 'FACTS.md'));

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
