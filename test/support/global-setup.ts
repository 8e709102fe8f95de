/**
 * Runs once before any test file (jest `globalSetup`): builds lib/ when it is older than a source,
 * so that tests which start the compiled CLI as a child process never race a `tsc` rewriting the
 * files those children load, and says once what is skipped when `../shared` is absent.
 */
import * as fs from 'fs';
import * as path from 'path';
import { sharedNotice } from './shared';

interface BuildResult {
  readonly built: boolean;
  readonly status: number;
  readonly output: string;
}

// Plain JavaScript (it runs before anything is compiled), so it is required, not imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildIfStale } = require('../../scripts/build-if-stale') as { buildIfStale: () => BuildResult };

const REPO = path.resolve(__dirname, '..', '..');

export default function globalSetup(): void {
  const notice = sharedNotice();
  if (notice) process.stdout.write(`\n${notice}\n`);
  const result = buildIfStale();
  if (!fs.existsSync(path.join(REPO, 'lib', 'charts', 'main.js'))) {
    throw new Error(`lib/ is not built and building it failed; run \`npm run build\` (after \`npm ci\`) and look at its errors:\n${result.output}`);
  }
  // tsc emits even with type errors; `npm test` stops on them before jest, a direct `npx jest` tests what was emitted.
  if (result.status !== 0) process.stdout.write(`\ntsc reported errors; testing the JavaScript it emitted anyway:\n${result.output.slice(0, 2000)}\n`);
}
