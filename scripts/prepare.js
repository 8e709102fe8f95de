#!/usr/bin/env node
/**
 * npm's `prepare`: runs after `npm ci` / `npm install` in this repository, when npm installs it
 * from a git URL (npm clones it, installs its devDependencies, runs prepare, then packs it), and
 * when a local clone is installed as a dependency (npm links the folder and runs prepare in it).
 * Builds lib/ when TypeScript is there and lib/ is stale. Without TypeScript (a clone nobody ran
 * `npm ci` in), a built lib/ is used as it is; with none, it says what to do instead of `tsc: not found`.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { buildIfStale } = require('./build-if-stale');

const REPO = path.resolve(__dirname, '..');
let haveTypeScript = true;
try {
  require.resolve('typescript/bin/tsc', { paths: [REPO] });
} catch {
  haveTypeScript = false;
}
if (haveTypeScript) {
  const r = buildIfStale({ inherit: true });
  process.exitCode = r.status;
} else if (!fs.existsSync(path.join(REPO, 'lib', 'src', 'cli', 'main.js'))) {
  process.stderr.write(
    `cdk8s-vcluster-platform: lib/ is not built in ${REPO} and TypeScript is not installed there to build it.\n` +
      `  Run \`npm ci\` in ${REPO} first (it builds lib/), or install a packed tarball (\`npm pack\` in the clone) or the published package.\n`,
  );
  process.exitCode = 1;
}
