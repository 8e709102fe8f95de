import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { check } from '../../src/cli/check';
import { fleetSourceLabel } from '../../src/cli/render';
import { run } from '../../src/cli/synth';
import { readTreeSorted } from '../support/tree';

const REPO = path.resolve(__dirname, '..', '..');

describe('the same fleet gives the same bytes from any working folder', () => {
  test('relative, ./-prefixed and absolute paths, from the repository or from its parent: one tree', () => {
    // GIVEN one fleet file in a repository folder
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'stable-source-'));
    const repo = path.join(parent, 'gitops');
    fs.mkdirSync(repo);
    fs.copyFileSync(path.join(REPO, 'vclusters.yaml'), path.join(repo, 'vclusters.yaml'));
    const quiet = { stdout: (): void => {}, stderr: (): void => {} };
    const synth = (cwd: string, args: string[]): number => run(args, { ...quiet, env: {}, cwd });
    // WHEN it is synthesized in four spellings
    expect(synth(repo, ['--fleet', 'vclusters.yaml', '--out', 'a'])).toBe(0);
    expect(synth(repo, ['--fleet', './vclusters.yaml', '--out', './b'])).toBe(0);
    expect(synth(repo, ['--fleet', path.join(repo, 'vclusters.yaml'), '--out', path.join(repo, 'c')])).toBe(0);
    expect(synth(parent, ['--fleet', 'gitops/vclusters.yaml', '--out', 'gitops/d'])).toBe(0);
    // THEN every tree is byte-identical, and its README names the fleet relative to the tree's folder
    const a = readTreeSorted(path.join(repo, 'a'));
    for (const other of ['b', 'c', 'd']) expect(readTreeSorted(path.join(repo, other))).toEqual(a);
    expect(a.get('README.md')).toContain('Synthesized from `vclusters.yaml`.');
    fs.rmSync(parent, { recursive: true, force: true });
  });
});

describe('check agrees with synth on every file', () => {
  test('the committed multi-cluster example, whose health-check file no kustomization applies, is up to date', async () => {
    let stdout = '';
    let stderr = '';
    const code = await check(['--fleet', 'examples/multi-cluster/vclusters.yaml', '--out', 'examples/multi-cluster/dist'], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env: {},
      cwd: REPO,
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^examples\/multi-cluster\/dist\/ is up to date/);
  });
});

describe('fleetSourceLabel', () => {
  test.each([
    ['/repo/vclusters.yaml', '/repo/dist', 'vclusters.yaml'],
    ['/repo/fleets/prod.yaml', '/repo/dist', 'fleets/prod.yaml'],
    ['/repo/vclusters.yaml', '/repo/out/prod/dist', 'vclusters.yaml'],
    ['/elsewhere/vclusters.yaml', '/tmp/x/dist', 'vclusters.yaml'],
  ])('names %s for an output in %s as %s', (fleet, out, label) => {
    expect(fleetSourceLabel(fleet, out)).toBe(label);
  });
});
