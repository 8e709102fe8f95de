/**
 * The package as users get it: `npm pack`, installed into an empty folder with no build step,
 * offline (the dependencies and peers are linked from this repository's node_modules, so no
 * registry is needed), then used through `npx cdk8s-vcluster-platform` and `require`.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..');
const PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  bin: Record<string, string>;
};
/** npm itself: the one running `npm test`, else the one on PATH. */
const NPM: readonly string[] = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];

let tmp: string;
let tarball: string;
let entries: string[];
let consumer: string;

function npm(args: readonly string[], cwd: string): string {
  return execFileSync(NPM[0]!, [...NPM.slice(1), ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

/** Runs the installed command the way a user does. */
function command(args: readonly string[], cwd = consumer): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(path.join(consumer, 'node_modules', '.bin', 'cdk8s-vcluster-platform'), args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-package-'));
  // lib/ is built (jest globalSetup); --ignore-scripts skips prepack's clean rebuild, which would
  // pull lib/ from under the other test files.
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], REPO)) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(tmp, packed[0]!.filename);
  entries = packed[0]!.files.map((f) => f.path).sort();

  consumer = path.join(tmp, 'consumer');
  fs.mkdirSync(consumer);
  const linked = Object.fromEntries([...Object.keys(PKG.dependencies), ...Object.keys(PKG.peerDependencies)].map((d) => [d, `file:${path.join(REPO, 'node_modules', d)}`]));
  fs.writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies: { [PKG.name]: `file:${tarball}`, ...linked } }),
  );
  npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], consumer);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds the library, the command, the schema and the license, and nothing else', () => {
  const allowed = /^(package\.json|README\.md|LICENSE|schema\/vclusters\.schema\.json|lib\/schema\/vclusters\.schema\.json|lib\/src\/.+\.(js|d\.ts))$/;
  expect(entries.filter((e) => !allowed.test(e))).toEqual([]);
  expect(entries).toEqual(expect.arrayContaining(['LICENSE', 'lib/src/index.js', 'lib/src/index.d.ts', 'lib/src/cli/main.js', 'schema/vclusters.schema.json']));
  expect(entries.filter((e) => /test|fixture|bench|\.tsbuildinfo/.test(e))).toEqual([]);
  expect(Object.values(PKG.bin)).toEqual(['lib/src/cli/main.js']);
  expect(fs.readFileSync(path.join(REPO, 'lib', 'src', 'cli', 'main.js'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  expect(fs.readFileSync(path.join(REPO, 'LICENSE'), 'utf8')).toContain('Apache License\n                           Version 2.0, January 2004');
});

test('installs with no build step, and npx runs the command', () => {
  const installed = path.join(consumer, 'node_modules', PKG.name);
  expect(fs.existsSync(path.join(installed, 'lib', 'src', 'cli', 'main.js'))).toBe(true);
  expect(fs.existsSync(path.join(installed, 'src'))).toBe(false);
  const r = spawnSync(NPM[0]!, [...NPM.slice(1), 'exec', '--offline', '--no', '--', 'cdk8s-vcluster-platform', '--help'], { cwd: consumer, encoding: 'utf8' });
  expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  for (const c of ['init', 'synth', 'plan', 'check', 'seal']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
});

test('init, synth, check and plan work in the installed package; check fails a stale tree', () => {
  const repo = path.join(tmp, 'gitops');
  fs.mkdirSync(repo);
  fs.symlinkSync(path.join(consumer, 'node_modules'), path.join(repo, 'node_modules'));
  expect(command(['init'], repo)).toMatchObject({ code: 0, stderr: '' });
  // The $schema line of the scaffold points at the installed schema.
  const schemaLine = fs.readFileSync(path.join(repo, 'vclusters.yaml'), 'utf8').split('\n')[0]!;
  expect(fs.existsSync(path.join(repo, schemaLine.replace('# yaml-language-server: $schema=', '')))).toBe(true);
  expect(command(['synth'], repo)).toEqual({ code: 0, stdout: 'dist/: 1 vClusters, 7 objects, 12 files (written)\n', stderr: '' });
  expect(command(['check'], repo)).toMatchObject({ code: 0, stderr: '' });
  expect(command(['plan'], repo)).toMatchObject({ code: 0, stdout: 'plan: no changes: dist/ is what vclusters.yaml gives\n' });
  fs.appendFileSync(path.join(repo, 'vclusters.yaml'), '  - name: team-b\n    chartVersion: "0.36.1"\n');
  const stale = command(['check'], repo);
  expect(stale.code).toBe(1);
  expect(stale.stderr).toContain('  added:   dist/vclusters/team-b/team-b/vcluster.yaml');
  expect(command(['plan'], repo).stdout).toContain('  + Application argocd/team-b  (argocd/shared/applications.yaml)');
  expect(command(['synth', '--bogus'], repo).code).toBe(2);
});

test('the constructs load from the installed package in a plain cdk8s app', () => {
  const app = path.join(consumer, 'app.js');
  fs.writeFileSync(
    app,
    [
      "const { App, Chart } = require('cdk8s');",
      "const { PlatformApiKey, VClusterPlatformConnection } = require('cdk8s-vcluster-platform');",
      'const app = new App({ outdir: process.argv[2] });',
      "const chart = new Chart(app, 'c');",
      "new VClusterPlatformConnection(chart, 'conn', { release: 'team-a', namespace: 'team-a', vclusterVersion: '0.36.1', apiKey: PlatformApiKey.fromSecretName('vcluster-platform-api-key', 'platform-keys') });",
      'app.synth();',
    ].join('\n'),
  );
  const out = path.join(tmp, 'app-out');
  const r = spawnSync(process.execPath, [app, out], { cwd: consumer, encoding: 'utf8' });
  expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(fs.readdirSync(out)).toEqual(['c.k8s.yaml']);
  expect(fs.readFileSync(path.join(out, 'c.k8s.yaml'), 'utf8')).toContain('kind: Role');
});

test('seal and import work in the installed package', () => {
  const repo = path.join(tmp, 'gitops-seal');
  fs.mkdirSync(repo);
  fs.symlinkSync(path.join(consumer, 'node_modules'), path.join(repo, 'node_modules'));
  // A throwaway certificate, as `kubeseal --fetch-cert` gives one.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=package-test'], {
    cwd: repo,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const sealed = spawnSync(path.join(consumer, 'node_modules', '.bin', 'cdk8s-vcluster-platform'), ['seal', '--cert', 'cert.pem', '--namespace', 'payments'], {
    cwd: repo,
    input: 'fake-access-key-for-the-package-test\n',
    encoding: 'utf8',
  });
  expect({ code: sealed.status, stderr: sealed.stderr }).toEqual({ code: 0, stderr: '' });
  expect(sealed.stdout).toMatch(/^[A-Za-z0-9+/]+=*\n$/);

  expect(command(['init'], repo).code).toBe(0);
  expect(command(['synth'], repo).code).toBe(0);
  const imported = command(['import', 'dist', '--out', 'imported.yaml'], repo);
  expect(imported.code).toBe(0);
  expect(fs.readFileSync(path.join(repo, 'imported.yaml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=/);
});
