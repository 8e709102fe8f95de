/**
 * The synth command's writes, second round: every output folder all or nothing, overlapping
 * folders refused as usage errors, the cdk8s CLI's folder written like the others,
 * operating-system failures explained, paths shown as typed, and no option value that could be
 * an access key echoed. In-process through `run()`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTreeWithLinks } from '../support/tree';
import { run } from '../../src/cli/synth';
import { sharedKeyFleet } from '../support/fleets';
import nodeFs = require('fs');

/** Stands in for an access key typed into the wrong place; never to be printed. */
const KEY = 'FAKEk3y9Q7wZ2x8v5T1m4N6b0R';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-hardening-'));
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), sharedKeyFleet(2));
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function synth(args: readonly string[], env: NodeJS.ProcessEnv = {}): Outcome {
  let stdout = '';
  let stderr = '';
  const code = run(['--fleet', 'fleet.yaml', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd: dir });
  return { code, stdout, stderr };
}

function snapshotOf(root: string): Record<string, string> {
  return readTreeWithLinks(root);
}

const CHART = ['--chart-version', '1.0.0'];

describe('every output folder, all or nothing', () => {
  test('fails on a foreign file in the --helm-chart folder and leaves --out as it was', () => {
    expect(synth(['--out', 'dist']).code).toBe(0);
    fs.mkdirSync(path.join(dir, 'chart'));
    fs.writeFileSync(path.join(dir, 'chart', 'values.yaml'), 'mine: true\n');
    // A fleet change that would rewrite dist/.
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), sharedKeyFleet(3));
    const before = snapshotOf(dir);
    const o = synth(['--out', 'dist', '--helm-chart', 'chart', ...CHART]);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/^error: refusing to replace chart: it holds an entry this tool did not write/);
    expect(o.stderr).toContain('values.yaml: not listed in .generated-files');
    expect(snapshotOf(dir)).toEqual(before);
  });

  test.each([
    ['--helm-chart equal to --out', ['--out', 'dist', '--helm-chart', 'dist', ...CHART], {}, '--out: is the same folder as --helm-chart ("dist")'],
    ['--helm-chart inside --out', ['--out', 'dist', '--helm-chart', 'dist/chart', ...CHART], {}, '--out: contains --helm-chart ("dist/chart")'],
    ['--helm-chart around --out', ['--out', 'dist/gitops', '--helm-chart', 'dist', ...CHART], {}, '--out: lies inside --helm-chart ("dist")'],
    ['CDK8S_OUTDIR equal to --out', ['--out', 'dist'], { CDK8S_OUTDIR: 'dist' }, '--out: is the same folder as CDK8S_OUTDIR ("dist")'],
    ['CDK8S_OUTDIR inside --helm-chart', ['--out', 'dist', '--helm-chart', 'chart', ...CHART], { CDK8S_OUTDIR: 'chart/templates' }, '--helm-chart: contains CDK8S_OUTDIR'],
  ] as const)('fails with a usage error on %s, before anything is written', (_name, args, env, message) => {
    const o = synth(args, env);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain(message);
    expect(o.stderr).toContain('choose folders side by side');
    expect(fs.readdirSync(dir)).toEqual(['fleet.yaml']);
  });

  test('the same folders succeed on every later run, not just once', () => {
    for (let i = 0; i < 3; i++) {
      const o = synth(['--out', 'dist', '--helm-chart', 'chart', ...CHART], { CDK8S_OUTDIR: 'cdk8s.out' });
      expect({ i, code: o.code, stderr: o.stderr }).toEqual({ i, code: 0, stderr: '' });
    }
  });
});

describe('the cdk8s CLI folder (CDK8S_OUTDIR)', () => {
  test('is written with the atomic writer: a manifest, never through a symbolic link', () => {
    const outside = path.join(dir, 'outside.txt');
    fs.writeFileSync(outside, 'keep me\n');
    fs.mkdirSync(path.join(dir, 'cdk8s.out'));
    fs.symlinkSync(outside, path.join(dir, 'cdk8s.out', 'keys-shared.k8s.yaml'));
    const o = synth(['--out', 'dist'], { CDK8S_OUTDIR: 'cdk8s.out' });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('refusing to replace cdk8s.out');
    expect(o.stderr).toContain('keys-shared.k8s.yaml: a symbolic link');
    expect(fs.readFileSync(outside, 'utf8')).toBe('keep me\n');
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);

    fs.rmSync(path.join(dir, 'cdk8s.out'), { recursive: true });
    expect(synth(['--out', 'dist'], { CDK8S_OUTDIR: 'cdk8s.out' }).code).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'cdk8s.out')).sort()).toEqual(['.generated-files', 'keys-shared.k8s.yaml', 'namespaces.k8s.yaml']);
  });

  test('under `--format helm` (a templates/ folder) the manifest is a partial Helm never renders', () => {
    fs.mkdirSync(path.join(dir, 'helm', 'templates'), { recursive: true });
    expect(synth(['--out', 'dist'], { CDK8S_OUTDIR: 'helm/templates' }).code).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'helm', 'templates')).sort()).toEqual(['NOTES.txt', '_generated-files.tpl', 'keys-shared.k8s.yaml']);
    expect(fs.readFileSync(path.join(dir, 'helm', 'templates', '_generated-files.tpl'), 'utf8')).not.toContain('{{');
  });
});

describe('operating-system failures: exit 70 with what happened and what to do', () => {
  test.each([
    ['ENOSPC', 'the disk is full'],
    ['EROFS', 'the file system is read-only'],
    ['EBUSY', 'the folder is in use by the system (a mount point'],
    ['EACCES', 'permission denied: run as a user who may write there'],
  ])('%s', (code, explanation) => {
    const realWrite = nodeFs.writeFileSync;
    jest.spyOn(nodeFs, 'writeFileSync').mockImplementation((...args: Parameters<typeof realWrite>) => {
      if (String(args[0]).includes('.vcp-tmp-')) {
        throw Object.assign(new Error(`${code}: raw text, write`), { code, syscall: 'open', path: String(args[0]) });
      }
      realWrite(...args);
    });
    const o = synth(['--out', 'dist']);
    expect(o.code).toBe(70);
    const lines = o.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`error: cannot write the output: ${explanation}`);
    // The path as typed: relative to the working folder.
    expect(lines[0]).toMatch(new RegExp(`\\[${code} \\(open \\.dist\\.vcp-tmp-\\d+/`));
    expect(o.stderr).not.toContain(dir);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });

  test('a refused rename of the output folder (EBUSY, a mount point) is explained too', () => {
    expect(synth(['--out', 'dist']).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), sharedKeyFleet(3));
    const realRename = nodeFs.renameSync;
    jest.spyOn(nodeFs, 'renameSync').mockImplementation((from, to) => {
      if (String(from) === path.join(dir, 'dist')) throw Object.assign(new Error('EBUSY: resource busy or locked'), { code: 'EBUSY', syscall: 'rename', path: String(from) });
      realRename(from, to);
    });
    const o = synth(['--out', 'dist']);
    expect(o.code).toBe(70);
    expect(o.stderr).toBe(
      'error: cannot write the output: the folder is in use by the system (a mount point or an open volume?): write into a folder inside it, or unmount it first [EBUSY (rename dist)]\n',
    );
  });
});

describe('paths as typed', () => {
  test('a foreign file in a relative --out is reported under the relative name', () => {
    fs.mkdirSync(path.join(dir, 'out', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'out', 'sub', 'notes.md'), 'x');
    const o = synth(['--out', 'out/sub/..']);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/^error: refusing to replace out\/sub\/\.\.: /);
    expect(o.stderr).not.toContain(dir);
  });
});

describe('no option value that could be an access key is echoed', () => {
  test.each([
    ['an unknown option with =', [`--access-key=${KEY}`], 2, 'unknown option "--access-key" (its value is not shown)'],
    ['an unknown option and its value', ['--access-key', KEY], 2, 'unexpected argument #4 (not shown, in case it is an access key)'],
    ['a stray word', [KEY], 2, 'unexpected argument #3'],
    ['--chart-version', ['--helm-chart', 'chart', '--chart-version', KEY], 2, '--chart-version: not a semantic version; got (26 characters, not shown: it could be an access key)'],
    ['--chart-name', ['--chart-name', KEY], 2, '--chart-name: not a valid chart name; got (26 characters'],
    ['--fleet', ['--fleet', KEY], 1, 'not shown: it could be an access key'],
  ] as const)('fails on %s without printing it', (_name, args, code, message) => {
    const o = synth(args);
    expect(o.code).toBe(code);
    expect(o.stderr).toContain(message);
    expect(o.stdout + o.stderr).not.toContain(KEY);
    expect(o.stdout + o.stderr).not.toContain(KEY.slice(0, 10));
  });

  test('ordinary values are still shown', () => {
    const o = synth(['--chart-version', 'one', '--helm-chart', 'chart']);
    expect(o.stderr).toContain('got "one"');
  });
});

describe('a plaintext key that also goes into a Helm chart', () => {
  const plaintextFleet = sharedKeyFleet(1, undefined, ['    plaintextFromEnv: { variable: LAB_KEY, allowPlaintext: true }']);

  test('the warning says the chart carries the key when --helm-chart is given', () => {
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), plaintextFleet);
    const o = synth(['--out', 'dist', '--helm-chart', 'chart', ...CHART], { LAB_KEY: KEY });
    expect(o.code).toBe(0);
    expect(o.stderr).toContain(
      'warning: the plaintext access key (Secret vcluster-platform/vcluster-platform-api-key) is also in the Helm chart chart: whoever can pull the packaged chart',
    );
    expect(o.stderr).not.toContain(KEY);
    // Not vacuous: the chart really holds it.
    // The key goes into the first of the two charts (keys/, installed before delivery/).
    const templates = fs.readdirSync(path.join(dir, 'chart', 'keys', 'templates')).map((f) => fs.readFileSync(path.join(dir, 'chart', 'keys', 'templates', f), 'utf8'));
    expect(templates.join('')).toContain(Buffer.from(KEY).toString('base64'));
  });

  test('without --helm-chart only the usual warning is printed', () => {
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), plaintextFleet);
    const o = synth(['--out', 'dist'], { LAB_KEY: KEY });
    expect(o.code).toBe(0);
    expect(o.stderr).not.toContain('Helm chart');
    expect(o.stderr).toContain('written in plaintext');
  });
});
