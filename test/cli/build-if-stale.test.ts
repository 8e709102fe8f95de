/**
 * scripts/build-if-stale.js decides whether `npm run synth`, the cdk8s app and jest's globalSetup
 * pay for a `tsc` run: only when lib/ is older than a source or lacks a key output.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Plain JavaScript (it runs before anything is compiled), so it is required, not imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleReason } = require('../../scripts/build-if-stale') as { staleReason: (repo: string) => string | undefined };

let repo: string;
const OLD = new Date('2026-01-01T00:00:00Z');
const NEW = new Date('2026-01-02T00:00:00Z');

function write(rel: string, when: Date): void {
  const abs = path.join(repo, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, '');
  fs.utimesSync(abs, when, when);
}

beforeEach(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'build-if-stale-'));
  for (const f of ['tsconfig.json', 'package.json', 'src/index.ts', 'src/cli/main.ts', 'charts/main.ts', 'test/a.test.ts', 'schema/vclusters.schema.json']) write(f, OLD);
  for (const f of ['lib/src/index.js', 'lib/charts/main.js', 'lib/src/cli/main.js', 'lib/.tsbuildinfo']) write(f, NEW);
});
afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

test('a lib/ newer than every source needs no build', () => {
  expect(staleReason(repo)).toBeUndefined();
});

test.each([
  ['a TypeScript source', 'src/cli/main.ts'],
  ['the cdk8s app', 'charts/main.ts'],
  ['a test', 'test/a.test.ts'],
  ['the schema (imported as JSON)', 'schema/vclusters.schema.json'],
  ['tsconfig.json', 'tsconfig.json'],
])('%s newer than lib/ makes it stale', (_label, file) => {
  write(file, new Date('2026-01-03T00:00:00Z'));
  expect(staleReason(repo)).toBe('a source is newer than lib/');
});

test.each([
  ['lib/.tsbuildinfo', 'lib/ was never built'],
  ['lib/src/cli/main.js', 'lib/src/cli/main.js is missing'],
  ['lib/charts/main.js', 'lib/charts/main.js is missing'],
])('a missing %s makes it stale', (file, reason) => {
  fs.rmSync(path.join(repo, file));
  expect(staleReason(repo)).toBe(reason);
});

test('snapshots and fixtures do not count as sources', () => {
  write('test/__snapshots__/a.test.ts.snap', new Date('2026-01-03T00:00:00Z'));
  write('test/fixtures/fleet/x.json', new Date('2026-01-03T00:00:00Z'));
  expect(staleReason(repo)).toBeUndefined();
});
