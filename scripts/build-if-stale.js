#!/usr/bin/env node
/**
 * Compiles the project with tsc only when lib/ is older than a source, so `npm run synth`, the
 * cdk8s app and a direct `npx jest` start in a fraction of a second when nothing changed. A
 * no-change `tsc` still costs seconds: it parses every source and cdk8s's type declarations
 * before it can tell that nothing is to be done.
 *
 * Plain JavaScript on purpose: it has to run before anything is compiled.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
/** The folders tsconfig.json includes, plus what else changes the emitted JavaScript. */
const SOURCE_DIRS = ['src', 'charts', 'bench', 'test', 'schema'];
const SOURCE_FILES = ['tsconfig.json', 'package.json'];
const STAMP = path.join(REPO, 'lib', '.tsbuildinfo');
/** Outputs every build has; when one is gone, tsc's incremental state would not bring it back. */
const OUTPUTS = ['lib/src/index.js', 'lib/charts/main.js', 'lib/src/cli/main.js'];

function newestMtime(dir, newest) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '__snapshots__' && e.name !== 'fixtures' && e.name !== 'out') newest = newestMtime(p, newest);
    } else if (/\.(ts|json)$/.test(e.name)) {
      newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  }
  return newest;
}

/** Why lib/ must be rebuilt, or undefined when it is up to date. */
function staleReason(repo = REPO) {
  const stamp = path.join(repo, 'lib', '.tsbuildinfo');
  if (!fs.existsSync(stamp)) return 'lib/ was never built';
  for (const out of OUTPUTS) if (!fs.existsSync(path.join(repo, out))) return `${out} is missing`;
  let newest = 0;
  for (const d of SOURCE_DIRS) newest = newestMtime(path.join(repo, d), newest);
  for (const f of SOURCE_FILES) newest = Math.max(newest, fs.statSync(path.join(repo, f)).mtimeMs);
  const built = fs.statSync(stamp).mtimeMs;
  return newest > built ? 'a source is newer than lib/' : undefined;
}

/**
 * Builds when stale. Returns { built, status, output }: status is tsc's exit code (tsc still
 * emits JavaScript on type errors, which are reported but do not stop a synth).
 */
function buildIfStale(options = {}) {
  // --clean (npm pack): a fresh lib/, so no output of a deleted source is packed.
  if (options.clean) fs.rmSync(path.join(REPO, 'lib'), { recursive: true, force: true });
  const reason = staleReason();
  if (reason === undefined) return { built: false, status: 0, output: '' };
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [REPO] });
  } catch {
    return { built: false, status: 1, output: `cannot build lib/ (${reason}): TypeScript is not installed here; run \`npm ci\` first\n` };
  }
  for (const out of OUTPUTS) if (!fs.existsSync(path.join(REPO, out))) fs.rmSync(STAMP, { force: true });
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: REPO, encoding: 'utf8', stdio: options.inherit ? 'inherit' : 'pipe' });
  // A touched but unchanged source leaves tsc's state file as it was; stamp it so the next run skips.
  if (fs.existsSync(STAMP)) {
    const now = new Date();
    fs.utimesSync(STAMP, now, now);
  }
  return { built: true, status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

module.exports = { buildIfStale, staleReason };

if (require.main === module) {
  const r = buildIfStale({ inherit: true, clean: process.argv.includes('--clean') });
  if (!r.built && r.status !== 0) process.stderr.write(r.output);
  process.exitCode = r.status;
}
