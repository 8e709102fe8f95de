#!/usr/bin/env node
/**
 * npm's `prepare`, which npm runs in three places (npm 11, @npmcli/arborist rebuild.js and
 * pacote git.js / dir.js):
 * - after `npm ci` / `npm install` in this repository;
 * - installing from a git URL: npm clones, installs the clone's devDependencies, runs prepare,
 *   then packs the clone as `npm pack` would (`files`), without running prepack;
 * - installing a local clone (`npm install ../clone`): npm links the folder and runs prepare in
 *   it, but installs none of the clone's dependencies, which the linked code still needs at run
 *   time; with `--install-links` npm packs the clone after prepare instead.
 * So: build lib/ when it is stale, and in a clone nobody ran `npm ci` in, run it first (the same
 * pinned versions as this repository's lock file) instead of failing with `tsc: not found`.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { buildIfStale } = require('./build-if-stale');

const REPO = path.resolve(__dirname, '..');

function haveTypeScript() {
  try {
    require.resolve('typescript/bin/tsc', { paths: [REPO] });
    return true;
  } catch {
    return false;
  }
}

if (!haveTypeScript()) {
  const npm = process.env.npm_execpath;
  process.stderr.write(`cdk8s-vcluster-platform: installing this clone's dependencies (npm ci in ${REPO}) to build lib/\n`);
  // --ignore-scripts: this script is that install's prepare; it runs once, here, below.
  const args = ['ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
  const r = npm ? spawnSync(process.execPath, [npm, ...args], { cwd: REPO, stdio: 'inherit' }) : spawnSync('npm', args, { cwd: REPO, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0 || !haveTypeScript()) {
    process.stderr.write(`cdk8s-vcluster-platform: could not install TypeScript in ${REPO} to build lib/; run \`npm ci\` there, or install a packed tarball (\`npm pack\`).\n`);
    process.exit(1);
  }
}
const built = buildIfStale({ inherit: true });
if (!fs.existsSync(path.join(REPO, 'lib', 'src', 'cli', 'main.js'))) process.exit(1);
process.exitCode = built.status;
