/**
 * The `cdk8s-vcluster-platform` command (src/cli/main.ts), in-process: help, exit codes and
 * one-line problems for every command, and init / check / plan on real folders.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main, MainIo } from '../../src/cli/main';
import { GITIGNORE_ENTRIES, INIT_FILES } from '../../src/cli/init';
import { ExitCode, guarded } from '../../src/cli/io';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-commands-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command line in `cwd` (a fresh folder by default). */
async function cli(argv: readonly string[], cwd = fs.mkdtempSync(path.join(tmp, 'run-')), env: NodeJS.ProcessEnv = {}): Promise<Result & { cwd: string }> {
  let stdout = '';
  let stderr = '';
  const io: MainIo = {
    stdin: (async function* () {})(),
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    cwd,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, cwd };
}

/** Every file under `dir`, relative path → text. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string): void => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else out[r] = fs.readFileSync(path.join(abs, e.name), 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return out;
}

/** A scaffolded and synthesized repository. */
async function scaffolded(): Promise<string> {
  const { cwd, code } = await cli(['init']);
  expect(code).toBe(0);
  const synth = await cli(['synth'], cwd);
  expect(synth).toMatchObject({ code: 0, stderr: '' });
  return cwd;
}

const COMMANDS = ['init', 'synth', 'plan', 'check', 'seal'];

describe('the dispatcher', () => {
  test('--help lists every command and the exit codes', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatchSnapshot();
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    expect(r.stdout).toContain('exit codes: 0 ok, 1 invalid input');
  });

  test.each(COMMANDS)('%s --help prints its usage and exits 0', async (command) => {
    const r = await cli([command, '--help']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.toLowerCase()).toContain('usage');
    expect(r.stdout).toContain('--help');
  });

  test.each([
    ['no command', []],
    ['an unknown command', ['deploy']],
    ['init with an argument', ['init', 'here']],
    ['synth with an unknown option', ['synth', '--bogus']],
    ['check with an option missing its value', ['check', '--fleet']],
    ['plan with an unknown output format', ['plan', '--output', 'yaml']],
    ['seal with an unknown option', ['seal', '--bogus']],
  ])('fails %s with exit 2 and one line per problem, writing nothing', async (_label, argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(r.cwd)).toEqual([]);
  });

  test('fails plan with every bad option at once, one per line', async () => {
    const r = await cli(['plan', '--bogus', '--output', 'yaml', '--out']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      'plan: arguments: unknown option; got "--bogus" (allowed: --fleet, --out, --output, --help)',
      'plan: --output: unknown value; got "yaml" (allowed: text, json)',
      'plan: --out: needs a value (DIR)',
      'plan: run with --help for usage',
    ]);
  });
});

describe("failures that are not the input's fault", () => {
  function guardedRun(env: NodeJS.ProcessEnv): Result {
    let stdout = '';
    let stderr = '';
    const code = guarded('check', { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd: tmp }, () => {
      throw new TypeError('cannot read properties of undefined\n    more detail');
    });
    return { code, stdout, stderr };
  }

  test('fails with exit 70 and one line, the stack only with VCLUSTER_PLATFORM_DEBUG', () => {
    expect(guardedRun({})).toEqual({ code: ExitCode.INTERNAL, stdout: '', stderr: 'check: internal error: cannot read properties of undefined\n' });
    const debug = guardedRun({ VCLUSTER_PLATFORM_DEBUG: '1' });
    expect(debug.code).toBe(70);
    expect(debug.stderr).toMatch(/^check: internal error: cannot read properties of undefined\nTypeError: [\s\S]*\n\s+at /);
  });
});

describe('init', () => {
  test('scaffolds a repository whose fleet synthesizes cleanly and passes check', async () => {
    const { cwd, code, stdout, stderr } = await cli(['init']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const files = snapshotTree(cwd);
    expect(Object.keys(files).sort()).toEqual([...INIT_FILES.keys()].sort());
    expect(files).toMatchSnapshot();
    expect(stdout).toContain('init: wrote vclusters.yaml');
    expect(files['vclusters.yaml']!.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/cdk8s-vcluster-platform/schema/vclusters.schema.json');
    expect(files['cdk8s.yaml']).toContain('app: npx --no cdk8s-vcluster-platform synth');
    // The writer's siblings of dist/ (src/output/writer.ts: `.<base>.tmp-<pid>`, `.<base>.old-<pid>`).
    expect(files['.gitignore']!.split('\n')).toEqual(expect.arrayContaining(['.*.vcp-*', 'cdk8s.out/']));
    for (const ci of ['.github/workflows/vcluster-platform.yml', '.gitlab-ci.yml']) expect(files[ci]).toContain('npx --no cdk8s-vcluster-platform check');

    const synth = await cli(['synth'], cwd);
    expect(synth).toMatchObject({ code: 0, stderr: '' });
    expect(synth.stdout).toBe('dist/: 1 vClusters, 7 objects, 12 files (written)\n');
    expect(await cli(['check'], cwd)).toMatchObject({ code: 0, stderr: '', stdout: 'dist/ is up to date with vclusters.yaml (13 files)\n' });
  });

  test('fails to overwrite: existing files are kept byte for byte and named', async () => {
    const cwd = fs.mkdtempSync(path.join(tmp, 'existing-'));
    fs.writeFileSync(path.join(cwd, 'vclusters.yaml'), 'mine: true\n');
    fs.writeFileSync(path.join(cwd, '.gitignore'), 'node_modules/\n');
    const r = await cli(['init'], cwd);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'vclusters.yaml'), 'utf8')).toBe('mine: true\n');
    expect(fs.readFileSync(path.join(cwd, '.gitignore'), 'utf8')).toBe('node_modules/\n');
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      'init: skipped vclusters.yaml: it exists and is left as it is',
      `init: skipped .gitignore: it exists and is left as it is; add these lines to it: ${GITIGNORE_ENTRIES.slice(1).join(' ')}`,
    ]);
    expect(fs.existsSync(path.join(cwd, 'cdk8s.yaml'))).toBe(true);
    // A second run writes nothing new and names every file.
    const again = await cli(['init'], cwd);
    expect(again.stdout).not.toContain('wrote');
    expect(again.stderr.split('\n').filter(Boolean)).toHaveLength(INIT_FILES.size);
  });
});

describe('check', () => {
  test('fails a stale tree (exit 1), naming every file added, changed and removed, and writes nothing', async () => {
    const cwd = await scaffolded();
    const dist = path.join(cwd, 'dist');
    fs.writeFileSync(path.join(dist, 'keys', 'shared', 'rbac.yaml'), 'edited by hand\n');
    fs.rmSync(path.join(dist, 'README.md'));
    fs.writeFileSync(path.join(dist, 'notes.txt'), 'stray\n');
    const before = snapshotTree(cwd);
    const r = await cli(['check'], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'check: dist/ is stale: a synth of vclusters.yaml would add 1, change 1 and remove 1 files:',
        '  added:   dist/README.md',
        '  changed: dist/keys/shared/rbac.yaml',
        '  removed: dist/notes.txt',
        'check: run `npx cdk8s-vcluster-platform synth` and commit dist/',
        '',
      ].join('\n'),
    );
    expect(snapshotTree(cwd)).toEqual(before);
  });

  test('fails when the fleet changed since the last synth, and passes after a synth', async () => {
    const cwd = await scaffolded();
    fs.appendFileSync(path.join(cwd, 'vclusters.yaml'), '  - name: team-b\n    chartVersion: "0.36.1"\n');
    const stale = await cli(['check'], cwd);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('  added:   dist/vclusters/team-b/team-b/vcluster.yaml\n');
    expect(stale.stderr).toContain('  changed: dist/argocd/shared/applications.yaml\n');
    expect((await cli(['synth'], cwd)).code).toBe(0);
    expect((await cli(['check'], cwd)).code).toBe(0);
  });

  test("fails an invalid fleet with exit 1 and the loader's message, creating no output folder", async () => {
    const cwd = fs.mkdtempSync(path.join(tmp, 'invalid-'));
    fs.writeFileSync(path.join(cwd, 'fleet.yaml'), 'platform: {}\n');
    const r = await cli(['check', '--fleet', 'fleet.yaml', '--out', 'gitops'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^check: error: .*fleet\.yaml/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(cwd)).toEqual(['fleet.yaml']);
  });

  test('reads $VCLUSTER_FLEET like synth', async () => {
    const cwd = await scaffolded();
    fs.renameSync(path.join(cwd, 'vclusters.yaml'), path.join(cwd, 'fleet.yaml'));
    expect((await cli(['check'], cwd)).code).toBe(1);
    // The README names the source, so the same tree is "changed" under another name.
    const r = await cli(['check'], cwd, { VCLUSTER_FLEET: 'fleet.yaml' });
    expect(r.stderr).toContain('  changed: dist/README.md');
  });
});

describe('plan', () => {
  test('shows, per vCluster and object, what a synth would add, change and remove; writes nothing', async () => {
    const cwd = await scaffolded();
    const fleet = path.join(cwd, 'vclusters.yaml');
    fs.writeFileSync(
      fleet,
      fs
        .readFileSync(fleet, 'utf8')
        .replace('- name: team-a\n    chartVersion: "0.36.1"', '- name: team-a\n    chartVersion: "0.37.0"\n  - name: team-b\n    chartVersion: "0.36.1"'),
    );
    const before = snapshotTree(cwd);
    const r = await cli(['plan'], cwd);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatchSnapshot();
    expect(r.stdout).toContain('vCluster team-a/team-a:\n');
    expect(r.stdout).toMatch(/~ Application argocd\/team-a {2}\(argocd\/shared\/applications\.yaml\): .*spec\.source\.targetRevision/);
    expect(r.stdout).toContain('  + Application argocd/team-b  (argocd/shared/applications.yaml)');
    expect(r.stdout).toContain('  + values vclusters/team-b/team-b/vcluster.yaml');
    expect(snapshotTree(cwd)).toEqual(before);

    const json = await cli(['plan', '--output', 'json'], cwd);
    const plan = JSON.parse(json.stdout) as { summary: Record<string, number>; groups: { group: string; changes: { action: string; kind: string; name: string }[] }[] };
    expect(plan.groups.map((g) => g.group)).toEqual(expect.arrayContaining(['team-a/team-a', 'team-b/team-b']));
    const teamB = plan.groups.find((g) => g.group === 'team-b/team-b')!;
    expect(teamB.changes.every((c) => c.action === 'add')).toBe(true);
    expect(plan.summary.remove).toBe(0);
  });

  test('says so when nothing would change', async () => {
    const cwd = await scaffolded();
    expect(await cli(['plan'], cwd)).toMatchObject({ code: 0, stdout: 'plan: no changes: dist/ is what vclusters.yaml gives\n' });
  });

  test('shows removals when a vCluster leaves the fleet, never a value', async () => {
    const cwd = await scaffolded();
    const fleet = path.join(cwd, 'vclusters.yaml');
    fs.writeFileSync(fleet, fs.readFileSync(fleet, 'utf8').replace(/vclusters:[\s\S]*$/, 'vclusters: []\n'));
    const r = await cli(['plan'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  - Application argocd/team-a  (argocd/shared/applications.yaml)');
    expect(r.stdout).toContain('  - values vclusters/team-a/team-a/vcluster.yaml');
    expect(r.stdout).not.toContain('0.36.1');
  });
});
