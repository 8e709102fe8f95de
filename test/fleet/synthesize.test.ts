/**
 * The app end to end, as a user runs it: `run()` (what `npm run synth` calls) on a fleet file,
 * the tree it writes, and what the tools that consume that tree make of it: the committed dist/,
 * determinism, `kubectl kustomize`, the CRDs and chart schemas, the Helm chart packaging and the
 * cdk8s CLI. Delivery details (Argo CD, Flux, release names, rotation, fan-out) live in
 * test/delivery.test.ts.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { RunIo, run } from '../../src/cli/synth';
import { loadFleet } from '../../src/fleet/loader';
import { describeShared } from '../support/shared';
import { crdFor, hasCrdFor, validateCustomResources } from '../support/crd';
import { describeKubectl } from '../support/kubectl';
import { validateValues } from '../support/values-schema';

// `any` keeps the asserts on parsed manifests readable; every value is checked by the asserts themselves.
type Obj = Record<string, any>;

const REPO = path.resolve(__dirname, '..', '..');
const FULL_FLEET = 'test/fixtures/fleet/full.yaml';
/** full.yaml reads its plaintext key from this variable; a fake value is all a test needs. */
const FULL_ENV = { LAB_PLATFORM_ACCESS_KEY: 'fake-lab-access-key-for-tests' };
const STALE_HINT = 'run `npm run synth` and commit dist/';

let tmpRoot: string;
beforeAll(() => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-vcp-app-'));
});
afterAll(() => {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

/** A fresh, not yet existing folder under the test's temp root. */
function freshDir(name: string): string {
  return path.join(fs.mkdtempSync(path.join(tmpRoot, `${name}-`)), 'out');
}

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `run(argv)` with captured output; `env` replaces the process environment entirely. */
function runApp(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const out: string[] = [];
  const err: string[] = [];
  const io: RunIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: options.env ?? {}, cwd: options.cwd ?? REPO };
  const code = run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Every file under `dir` (dotfiles included), by '/'-separated relative path, sorted. */
function readTree(dir: string): Map<string, Buffer> {
  const files: [string, Buffer][] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(p);
      else files.push([p, fs.readFileSync(path.join(dir, p))]);
    }
  };
  walk('');
  return new Map(files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: ${JSON.stringify(la[i] ?? '<end of file>')} vs ${JSON.stringify(lb[i] ?? '<end of file>')}`;
  }
  return 'same lines, different bytes';
}

/** One line per missing, extra or differing file; empty when the trees are byte-identical. */
function treeDifferences(expected: ReadonlyMap<string, Buffer>, actual: ReadonlyMap<string, Buffer>, names: { expected: string; actual: string }): string[] {
  const problems: string[] = [];
  for (const p of [...new Set([...expected.keys(), ...actual.keys()])].sort()) {
    const e = expected.get(p);
    const a = actual.get(p);
    if (a === undefined) problems.push(`${p}: in ${names.expected} only`);
    else if (e === undefined) problems.push(`${p}: in ${names.actual} only`);
    else if (!e.equals(a)) problems.push(`${p}: differs at ${firstDifference(e.toString('utf8'), a.toString('utf8'))} (${names.expected} vs ${names.actual})`);
  }
  return problems;
}

/** The non-empty YAML documents of a text; a parse error fails the test. */
function docsOf(text: string, where: string): Obj[] {
  return parseAllDocuments(text).flatMap((d) => {
    if (d.errors.length > 0) throw new Error(`${where}: ${d.errors.map((e) => e.message).join('; ')}`);
    const js = d.toJS() as Obj | null;
    return js === null ? [] : [js];
  });
}

function idOf(o: Obj): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
}

function byId(objects: readonly Obj[]): Obj[] {
  return [...objects].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
}

/** A synthesized tree plus what is needed to check it. */
interface Tree {
  /** Label used in test names. */
  readonly label: string;
  /** Folder holding the tree. */
  readonly dir: string;
  readonly files: ReadonlyMap<string, Buffer>;
  /** The fleet file it came from (absolute) and the environment it needs. */
  readonly fleetFile: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Every Kubernetes object of the tree: the folder files, without kustomization.yaml and vclusters/. */
function objectsOf(tree: Tree): Obj[] {
  return [...tree.files]
    .filter(([p]) => p.endsWith('.yaml') && p.includes('/') && !p.startsWith('vclusters/') && !p.endsWith('/kustomization.yaml'))
    .flatMap(([p, text]) => docsOf(text.toString('utf8'), p));
}

const trees = new Map<string, Tree>();

function synthTree(label: string, fleetFile: string, cwd: string, env: NodeJS.ProcessEnv): Tree {
  const out = freshDir(label);
  const r = runApp(['--fleet', fleetFile, '--out', out], { cwd, env });
  if (r.code !== 0) throw new Error(`synth of ${label} failed with exit ${r.code}: ${r.stderr}`);
  return { label, dir: out, files: readTree(out), fleetFile: path.resolve(cwd, fleetFile), env };
}

/**
 * The trees the checks below run over, synthesized once each: the committed dist/ itself, the
 * full.yaml fixture (every fleet feature), and full.yaml with `argocd.applicationSet: true`
 * (full.yaml already has a valuesRepository).
 */
function tree(label: 'dist' | 'full' | 'full-applicationset'): Tree {
  let t = trees.get(label);
  if (t) return t;
  if (label === 'dist') {
    const dir = path.join(REPO, 'dist');
    t = { label, dir, files: readTree(dir), fleetFile: path.join(REPO, 'vclusters.yaml'), env: {} };
  } else if (label === 'full') {
    t = synthTree(label, FULL_FLEET, REPO, FULL_ENV);
  } else {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'fleet-appset-'));
    const fleet = parse(fs.readFileSync(path.join(REPO, FULL_FLEET), 'utf8')) as Obj;
    fleet.argocd.applicationSet = true;
    fs.writeFileSync(path.join(dir, 'full-applicationset.yaml'), stringify(fleet));
    // The fleet names its CA file relative to itself.
    fs.copyFileSync(path.join(REPO, 'test/fixtures/fleet/platform-ca.pem'), path.join(dir, 'platform-ca.pem'));
    t = synthTree(label, 'full-applicationset.yaml', dir, FULL_ENV);
  }
  trees.set(label, t);
  return t;
}

const TREE_LABELS = [['dist'], ['full'], ['full-applicationset']] as const;

describe('the committed dist/', () => {
  test('is exactly what `npm run synth` writes from vclusters.yaml (every file, .generated-files included)', () => {
    // GIVEN the repository's fleet file, WHEN the app synthesizes it into a fresh folder
    const out = freshDir('dist');
    const r = runApp(['--fleet', 'vclusters.yaml', '--out', out], { cwd: REPO });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout.split(out).join('<out>')).toMatchSnapshot();

    // THEN the committed dist/ holds the same files, byte for byte: none missing, none extra
    const committed = readTree(path.join(REPO, 'dist'));
    const fresh = readTree(out);
    const problems = treeDifferences(committed, fresh, { expected: 'the committed dist/', actual: 'a fresh synth' });
    const verdict = problems.length === 0 ? 'up to date' : `dist/ is stale; ${STALE_HINT}:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
    expect(verdict).toBe('up to date');
    // The manifest lists exactly the files of the tree (itself included).
    const manifest = fresh
      .get('.generated-files')!
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(manifest).toEqual([...fresh.keys()]);
  });
});

describe('failures end to end', () => {
  test('fails with exit 1 on an invalid fleet file: file, line and fix in one message, no stack, nothing written', () => {
    const out = freshDir('invalid');
    const r = runApp(['--fleet', 'test/fixtures/invalid/enum-delivery.yaml', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: invalid fleet file test\/fixtures\/invalid\/enum-delivery\.yaml/);
    expect(r.stderr).toContain('test/fixtures/invalid/enum-delivery.yaml:13:15: vclusters[0].delivery');
    expect(r.stderr).toContain('allowed: argocd, flux, none');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('fails with exit 1 when the plaintext key variable of full.yaml is unset, writing nothing', () => {
    const out = freshDir('no-env');
    const r = runApp(['--fleet', FULL_FLEET, '--out', out], { env: {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('LAB_PLATFORM_ACCESS_KEY');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('fails with exit 2 on an unknown option, printing the usage', () => {
    const r = runApp(['--fleet', 'vclusters.yaml', '--output', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option "--output"');
    expect(r.stderr).toContain('usage: npm run synth');
  });
});

describe('determinism', () => {
  test('two synths of full.yaml are byte-identical, and a third into the first folder changes nothing', () => {
    // GIVEN full.yaml (every fleet feature) WHEN it is synthesized twice into two folders
    const a = freshDir('determinism-a');
    const b = freshDir('determinism-b');
    const ra = runApp(['--fleet', FULL_FLEET, '--out', a], { env: FULL_ENV });
    const rb = runApp(['--fleet', FULL_FLEET, '--out', b], { env: FULL_ENV });
    expect([ra.code, rb.code]).toEqual([0, 0]);
    // THEN the trees are identical
    const ta = readTree(a);
    const tb = readTree(b);
    expect(treeDifferences(ta, tb, { expected: 'synth 1', actual: 'synth 2' })).toEqual([]);
    expect(ta.size).toBeGreaterThan(10);
    // AND running again into the first folder reports it unchanged
    const again = runApp(['--fleet', FULL_FLEET, '--out', a], { env: FULL_ENV });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\(unchanged\)\n$/);
    expect(treeDifferences(ta, readTree(a), { expected: 'synth 1', actual: 'synth 3' })).toEqual([]);

    // The only warning is the one about the plaintext key, printed once; the key never appears in clear.
    expect(ra.stderr.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/^warning: PlatformApiKey lab\/lab-platform-key: the access key is written in plaintext/),
    ]);
    for (const [p, content] of ta) expect({ p, leaks: content.toString('utf8').includes(FULL_ENV.LAB_PLATFORM_ACCESS_KEY) }).toEqual({ p, leaks: false });
    const lab = docsOf(ta.get('keys/lab/access-keys.yaml')!.toString('utf8'), 'access-keys').find((o) => o.kind === 'Secret')!;
    expect(Buffer.from(lab.data.accessKey, 'base64').toString('utf8')).toBe(FULL_ENV.LAB_PLATFORM_ACCESS_KEY);

    // The whole tree, for review of any change in the output.
    expect(Object.fromEntries([...ta].map(([p, c]) => [p, c.toString('utf8')]))).toMatchSnapshot();
  });
});

/** The objects a kustomization folder should build: the documents of its resources, recursively. */
function expectedKustomizeObjects(dir: string): Obj[] {
  const k = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Obj;
  return (k.resources as string[]).flatMap((r) => {
    const p = path.join(dir, r);
    return fs.statSync(p).isDirectory() ? expectedKustomizeObjects(p) : docsOf(fs.readFileSync(p, 'utf8'), p);
  });
}

describeKubectl('kubectl kustomize', () => {
  test.each(TREE_LABELS)('builds every folder of the %s tree that has a kustomization.yaml, with exactly the objects of its files', (label) => {
    const t = tree(label);
    const folders = [...t.files.keys()].filter((p) => p === 'kustomization.yaml' || p.endsWith('/kustomization.yaml')).map((p) => path.posix.dirname(p));
    expect(folders).toContain('.');
    const counts: Record<string, number> = {};
    for (const folder of folders) {
      const dir = path.join(t.dir, folder);
      // Every YAML file of a folder is listed: a file kustomize never reads would never be applied.
      const k = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Obj;
      if (folder !== '.') {
        const own = fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
          .sort();
        // Other folders it builds (a key's Application folder includes the key folder) must exist.
        const folderRefs = (k.resources as string[]).filter((r) => fs.existsSync(path.join(dir, r)) && fs.statSync(path.join(dir, r)).isDirectory());
        const files = (k.resources as string[]).filter((r) => !folderRefs.includes(r));
        expect({ folder, resources: [...files].sort() }).toEqual({ folder, resources: own });
        expect({ folder, folderRefs: folderRefs.filter((r) => !fs.existsSync(path.join(dir, r, 'kustomization.yaml'))) }).toEqual({ folder, folderRefs: [] });
      }
      const built = docsOf(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30000 }), `kubectl kustomize ${folder}`);
      const expected = expectedKustomizeObjects(dir);
      expect({ folder, count: built.length }).toEqual({ folder, count: expected.length });
      expect(byId(built)).toEqual(byId(expected));
      counts[folder] = built.length;
    }
    expect(counts).toMatchSnapshot();
  });
});

describeShared('CRDs and chart schemas', () => {
  test.each(TREE_LABELS)('every custom resource of the %s tree validates against its CRD, in a served version', (label) => {
    const objects = objectsOf(tree(label));
    const core = objects.filter((o) => o.apiVersion === 'v1' || o.apiVersion === 'rbac.authorization.k8s.io/v1');
    const custom = objects.filter((o) => !core.includes(o));
    // No custom resource slips past the validator for lack of a CRD.
    expect(custom.filter((o) => !hasCrdFor(o)).map(idOf)).toEqual([]);
    expect(validateCustomResources(objects)).toEqual([]);
    for (const o of custom) {
      const version = String(o.apiVersion).split('/')[1];
      const crd = crdFor(o.apiVersion, o.kind)!;
      expect({ id: idOf(o), served: crd.versions.find((v) => v.name === version)?.served }).toEqual({ id: idOf(o), served: true });
    }
    expect(custom.map(idOf).sort()).toMatchSnapshot();
  });

  test.each(TREE_LABELS)(
    'every vcluster.yaml of the %s tree, and the values inlined in its Applications and HelmReleases, validate against the chart schema of their version',
    (label) => {
      const t = tree(label);
      // The chart version of each vCluster comes from the fleet file itself.
      const fleet = loadFleet(t.fleetFile, { env: t.env, displayPath: path.basename(t.fleetFile) });
      const versions = new Map(fleet.vclusters.map((vc) => [`vclusters/${vc.namespace}/${vc.effectiveRelease}/vcluster.yaml`, vc.chartVersion]));
      const valuesFiles = [...t.files.keys()].filter((p) => p.startsWith('vclusters/'));
      expect(valuesFiles.sort()).toEqual([...versions.keys()].sort());
      for (const p of valuesFiles) {
        const values = parse(t.files.get(p)!.toString('utf8')) as unknown;
        expect({ p, problems: validateValues(values, versions.get(p)!) }).toEqual({ p, problems: [] });
      }
      for (const o of objectsOf(t)) {
        if (o.kind === 'Application' && o.spec.source?.helm?.valuesObject) {
          expect({ id: idOf(o), problems: validateValues(o.spec.source.helm.valuesObject, o.spec.source.targetRevision) }).toEqual({ id: idOf(o), problems: [] });
        }
        if (o.kind === 'HelmRelease' && o.spec.values) {
          expect({ id: idOf(o), problems: validateValues(o.spec.values, o.spec.chart.spec.version) }).toEqual({ id: idOf(o), problems: [] });
        }
      }
    },
  );
});

function detectHelm(): boolean {
  try {
    execFileSync('helm', ['version', '--short'], { stdio: 'ignore', timeout: 20000 });
    return true;
  } catch {
    return false;
  }
}
const HAVE_HELM = detectHelm();

/** What Helm renders `{{ "{{" }}` to, written here rather than imported: a literal `{{`. */
function unescapeHelm(text: string): string {
  return text.split('{{ "{{" }}').join('{{');
}

describe('Helm chart packaging', () => {
  const HEADER_LINE = /^# Generated by cdk8s-vcluster-platform; do not edit\.[^\n]*\n/;
  /** The tree's Namespaces: the chart leaves them out (Helm must not own namespaces hosting vClusters). */
  const NAMESPACES_FILE = 'namespaces/namespaces.yaml';

  function synthChart(
    fleet = 'vclusters.yaml',
    env: NodeJS.ProcessEnv = {},
    extra: readonly string[] = [],
  ): { chart: Map<string, Buffer>; dist: Map<string, Buffer>; r: RunResult; chartDir: string } {
    const out = freshDir('helm-dist');
    const chartDir = freshDir('helm-chart');
    const r = runApp(['--fleet', fleet, '--out', out, '--helm-chart', chartDir, '--chart-version', '1.2.3', ...extra], { env });
    expect({ code: r.code, stderr: r.stderr.replace(/^warning: .*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
    return { chart: readTree(chartDir), dist: readTree(out), r, chartDir };
  }

  /** Every object of the chart's YAML templates, as Helm renders them. */
  function templateObjects(chart: ReadonlyMap<string, Buffer>): Obj[] {
    return [...chart].filter(([p]) => /(^|\/)templates\/[^/]+\.yaml$/.test(p)).flatMap(([p, c]) => docsOf(unescapeHelm(c.toString('utf8')), p));
  }

  /** The namespace names of the tree's namespaces/namespaces.yaml, in file order. */
  function treeNamespaces(dist: ReadonlyMap<string, Buffer>): string[] {
    const objects = docsOf(dist.get(NAMESPACES_FILE)!.toString('utf8'), NAMESPACES_FILE);
    expect(objects.map((o) => o.kind)).toEqual(objects.map(() => 'Namespace'));
    return objects.map((o) => o.metadata.name as string);
  }

  /** The `- name` list after "These namespaces must exist", and the names of the `for ns in` loop. */
  function listedNamespaces(text: string): { list: string[]; loop: string[] } {
    const block = /These namespaces must exist[^\n]*\n[^\n]*\n\n((?:- [^\n]*\n)+)\n/.exec(text);
    const loop = /^ {4}for ns in ([^;]*); do$/m.exec(text);
    return {
      list: block
        ? block[1]!
            .trimEnd()
            .split('\n')
            .map((l) => l.slice(2))
        : [],
      loop: loop ? loop[1]!.split(' ') : [],
    };
  }

  /** The tree's folder files (not kustomization.yaml, not vclusters/) and the objects in them. */
  function folderFiles(dist: ReadonlyMap<string, Buffer>): string[] {
    return [...dist.keys()].filter((p) => /^[^/]+\/([^/]+\/)?[^/]+\.yaml$/.test(p) && !p.startsWith('vclusters/') && !p.endsWith('/kustomization.yaml'));
  }

  test('--helm-chart DIR writes two charts, keys/ then delivery/, each with Chart.yaml (apiVersion v2) and templates matching the tree, every {{ escaped', () => {
    const { chart, dist, r } = synthChart();
    expect(r.stdout).toMatch(/: Helm chart vcluster-platform-connections 1\.2\.3, \d+ files \(written\)\n$/);
    expect(parse(chart.get('keys/Chart.yaml')!.toString('utf8'))).toMatchObject({ apiVersion: 'v2', name: 'vcluster-platform-connections-keys', version: '1.2.3' });
    expect(parse(chart.get('delivery/Chart.yaml')!.toString('utf8'))).toMatchObject({ apiVersion: 'v2', name: 'vcluster-platform-connections-delivery', version: '1.2.3' });
    expect(Object.fromEntries([...chart].map(([p, c]) => [p, c.toString('utf8')]))).toMatchSnapshot();

    // keys/: one template per file of keys/<id>/; delivery/: one per file of argocd/<id>/. The
    // root's per-key Applications (argocd/applications.yaml) and the Namespaces are in neither.
    const files = folderFiles(dist);
    const expected = (prefix: string, chartDir: string): string[] => files.filter((p) => p.startsWith(prefix)).map((p) => `${chartDir}/templates/${p.replace(/\//g, '-')}`);
    const templates = (chartDir: string): string[] => [...chart.keys()].filter((p) => p.startsWith(`${chartDir}/templates/`) && p.endsWith('.yaml')).sort();
    expect(templates('keys')).toEqual(expected('keys/', 'keys').sort());
    expect(templates('delivery')).toEqual(
      expected('argocd/', 'delivery')
        .filter((p) => p !== 'delivery/templates/argocd-applications.yaml')
        .sort(),
    );
    for (const t of [...templates('keys'), ...templates('delivery')]) {
      const template = chart.get(t)!.toString('utf8');
      // Outside the escape action no `{{` is left for Go templates to execute.
      expect(template.split('{{ "{{" }}').join('')).not.toContain('{{');
      const source = files.find((p) => t.endsWith(`/templates/${p.replace(/\//g, '-')}`))!;
      expect(unescapeHelm(template)).toBe(dist.get(source)!.toString('utf8').replace(HEADER_LINE, ''));
    }
    // The ExternalSecret's template reference survives Helm as `{{ .accessKey }}`.
    const keys = chart.get('keys/templates/keys-shared-access-keys.yaml')!.toString('utf8');
    expect(keys).toContain('accessKey: "{{ "{{" }} .accessKey }}"');
    expect(dist.get('keys/shared/access-keys.yaml')!.toString('utf8')).toContain('accessKey: "{{ .accessKey }}"');
    // The README installs keys first, waits for every key Secret, then delivery.
    const readme = chart.get('README.md')!.toString('utf8');
    const steps = readme.split('\n').filter((l) => /^(helm upgrade|kubectl wait)/.test(l));
    expect(steps).toEqual([
      'helm upgrade --install vcluster-platform-connections-keys ./keys --namespace <one of the namespaces above>',
      'kubectl wait --for=create --timeout=10m -n vcluster-platform secret/vcluster-platform-api-key',
      'kubectl wait --for=create --timeout=10m -n payments secret/vcluster-platform-api-key',
      'helm upgrade --install vcluster-platform-connections-delivery ./delivery --namespace <one of the namespaces above>',
    ]);
  });

  test('no chart holds a second applier: no Flux Kustomization, no Application that applies a folder of the tree, no Namespace (full.yaml, Argo CD and Flux)', () => {
    const { chart } = synthChart(FULL_FLEET, FULL_ENV);
    const objects = templateObjects(chart);
    expect(objects.filter((o) => o.kind === 'Kustomization' || o.kind === 'Namespace' || (o.kind === 'Application' && o.spec.source?.path !== undefined)).map(idOf)).toEqual([]);
    // What delivery needs is there, and only in delivery/; keys only in keys/.
    const kinds = (dir: string): string[] => [...new Set(templateObjects(new Map([...chart].filter(([p]) => p.startsWith(`${dir}/`)))).map((o) => o.kind))].sort();
    expect(kinds('keys')).toEqual(['ClusterExternalSecret', 'SealedSecret', 'Secret']);
    expect(kinds('delivery')).toEqual(['Application', 'ConfigMap', 'HelmRelease', 'HelmRepository']);
    // A fanned-out key is waited for in each namespace it is placed in.
    const waits = chart
      .get('README.md')!
      .toString('utf8')
      .split('\n')
      .filter((l) => l.startsWith('kubectl wait'));
    const ces = objects.find((o) => o.kind === 'ClusterExternalSecret')!;
    for (const ns of ces.spec.namespaceSelectors[0].matchExpressions[0].values as string[])
      expect(waits).toContain(`kubectl wait --for=create --timeout=10m -n ${ns} secret/${ces.spec.externalSecretName}`);
  });

  (HAVE_HELM ? test : test.skip)(`helm template renders each chart to the objects of its folders${HAVE_HELM ? '' : ' (skipped: helm is not installed)'}`, () => {
    const { chartDir, chart } = synthChart();
    for (const dir of ['keys', 'delivery']) {
      const rendered = docsOf(execFileSync('helm', ['template', 'connections', path.join(chartDir, dir)], { encoding: 'utf8', timeout: 60000 }), 'helm template');
      expect(byId(rendered)).toEqual(byId(templateObjects(new Map([...chart].filter(([p]) => p.startsWith(`${dir}/`))))));
    }
  });

  test.each([
    ['vclusters.yaml', {}],
    [FULL_FLEET, FULL_ENV],
  ])('the charts of %s template no Namespace; each NOTES.txt and the README list exactly the namespaces of namespaces/namespaces.yaml', (fleet, env) => {
    const { chart, dist } = synthChart(fleet, env);
    const objects = templateObjects(chart);
    expect(objects.length).toBeGreaterThan(0);
    for (const [p, c] of chart) expect({ p, namespace: /^kind: Namespace$/m.test(c.toString('utf8')) }).toEqual({ p, namespace: false });

    const required = treeNamespaces(dist);
    expect(required.length).toBeGreaterThan(0);
    const readme = chart.get('README.md')!.toString('utf8');
    expect(listedNamespaces(readme)).toEqual({ list: required, loop: required });
    for (const dir of ['keys', 'delivery']) {
      const notes = chart.get(`${dir}/templates/NOTES.txt`)!.toString('utf8');
      expect(listedNamespaces(notes)).toEqual({ list: required, loop: required });
      expect(notes).toContain('kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -');
      // NOTES.txt is a template too: nothing in it for Go templates to execute.
      expect(notes.split('{{ "{{" }}').join('')).not.toContain('{{');
    }
    const notes = chart.get('delivery/templates/NOTES.txt')!.toString('utf8');
    // Every namespaced object names its namespace (the release namespace only holds the release
    // record), and that namespace is listed: one to create first, or the GitOps tool's own.
    const tools = /^Objects also go to (.*): the namespace of Argo CD \/ Flux/m.exec(notes);
    const toolNamespaces = tools ? [...tools[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) : [];
    for (const o of objects) {
      if (o.kind === 'ClusterExternalSecret') continue;
      expect({ id: idOf(o), listed: required.includes(o.metadata.namespace) || toolNamespaces.includes(o.metadata.namespace) }).toEqual({ id: idOf(o), listed: true });
    }
  });

  test('each Chart.yaml holds exactly apiVersion v2, name, description, type application and version; --chart-name sets the names', () => {
    const { chart } = synthChart('vclusters.yaml', {}, ['--chart-name', 'fleet-host']);
    expect(parse(chart.get('keys/Chart.yaml')!.toString('utf8'))).toEqual({
      apiVersion: 'v2',
      name: 'fleet-host-keys',
      description: 'vCluster Platform access keys and RBAC generated from vclusters.yaml by cdk8s-vcluster-platform',
      type: 'application',
      version: '1.2.3',
    });
    expect(parse(chart.get('delivery/Chart.yaml')!.toString('utf8'))).toEqual({
      apiVersion: 'v2',
      name: 'fleet-host-delivery',
      description: 'vCluster Argo CD Applications / Flux HelmReleases generated from vclusters.yaml by cdk8s-vcluster-platform',
      type: 'application',
      version: '1.2.3',
    });
    expect(chart.get('README.md')!.toString('utf8')).toMatch(/^# fleet-host\n/);
  });

  test('the chart is deterministic: a second run writes the same bytes and reports (unchanged)', () => {
    const first = synthChart(FULL_FLEET, FULL_ENV);
    const second = synthChart(FULL_FLEET, FULL_ENV);
    expect(Object.fromEntries([...second.chart].map(([p, c]) => [p, c.toString('utf8')]))).toEqual(Object.fromEntries([...first.chart].map(([p, c]) => [p, c.toString('utf8')])));
    const again = runApp(['--fleet', FULL_FLEET, '--out', freshDir('helm-dist-again'), '--helm-chart', first.chartDir, '--chart-version', '1.2.3'], { env: FULL_ENV });
    expect(again.stdout).toMatch(/: Helm chart vcluster-platform-connections 1\.2\.3, \d+ files \(unchanged\)\n$/);
  });

  test('under `cdk8s synth --format helm` (CDK8S_OUTDIR ending in templates/) the CLI output is escaped, without Namespaces, with the same NOTES.txt', () => {
    const out = freshDir('cli-dist');
    const templatesDir = path.join(path.dirname(out), 'chart', 'templates');
    const plainDir = path.join(path.dirname(out), 'cdk8s.out');
    expect(runApp(['--fleet', 'vclusters.yaml', '--out', out], { env: { CDK8S_OUTDIR: templatesDir } }).code).toBe(0);
    expect(runApp(['--fleet', 'vclusters.yaml', '--out', out], { env: { CDK8S_OUTDIR: plainDir } }).code).toBe(0);
    const escaped = fs.readFileSync(path.join(templatesDir, 'keys-shared.k8s.yaml'), 'utf8');
    const plain = fs.readFileSync(path.join(plainDir, 'keys-shared.k8s.yaml'), 'utf8');
    expect(escaped).toContain('accessKey: "{{ "{{" }} .accessKey }}"');
    expect(plain).toContain('accessKey: "{{ .accessKey }}"');
    expect(docsOf(unescapeHelm(escaped), 'templates/keys-shared.k8s.yaml')).toEqual(docsOf(plain, 'keys-shared.k8s.yaml'));
    // The plain CLI output keeps every object; the Helm templates are the same minus the Namespaces.
    const namespaces = docsOf(fs.readFileSync(path.join(plainDir, 'namespaces.k8s.yaml'), 'utf8'), 'namespaces.k8s.yaml');
    expect(namespaces.length).toBeGreaterThan(0);
    expect(namespaces.filter((o) => o.kind !== 'Namespace')).toEqual([]);
    const files = ['argocd-payments.k8s.yaml', 'argocd-shared.k8s.yaml', 'argocd.k8s.yaml', 'keys-payments.k8s.yaml', 'keys-shared.k8s.yaml'];
    // The per-key Applications (argocd.k8s.yaml) would re-apply the tree from git: not templated.
    // The writer's manifest of each folder: `_generated-files.tpl` under templates/ (Helm renders no `_` file).
    expect(fs.readdirSync(templatesDir).sort()).toEqual(['NOTES.txt', '_generated-files.tpl', ...files.filter((f) => f !== 'argocd.k8s.yaml')]);
    expect(fs.readdirSync(plainDir).sort()).toEqual(['.generated-files', ...files, 'namespaces.k8s.yaml'].sort());
    expect(fs.readFileSync(path.join(templatesDir, 'NOTES.txt'), 'utf8')).toBe(synthChart().chart.get('delivery/templates/NOTES.txt')!.toString('utf8'));
  });

  test.each([['1.2'], ['latest'], ['1.2.3.4'], ['one.two.three']])('fails with exit 2 and a clear message on --chart-version %j, writing nothing', (version) => {
    const out = freshDir('bad-version-dist');
    const chartDir = freshDir('bad-version-chart');
    const r = runApp(['--fleet', 'vclusters.yaml', '--out', out, '--helm-chart', chartDir, '--chart-version', version]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`--chart-version: not a semantic version; got ${JSON.stringify(version)} (allowed: e.g. 1.0.0)`);
    expect(r.stderr).toMatch(/^error: 1 problem with the options:/);
    expect([fs.existsSync(out), fs.existsSync(chartDir)]).toEqual([false, false]);
  });

  test('fails with exit 2 when --helm-chart comes without --chart-version', () => {
    const chartDir = freshDir('no-version-chart');
    const r = runApp(['--fleet', 'vclusters.yaml', '--out', freshDir('no-version-dist'), '--helm-chart', chartDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--helm-chart needs --chart-version (a semantic version such as 1.0.0)');
    expect(fs.existsSync(chartDir)).toBe(false);
  });
});

describe('cdk8s synth', () => {
  test('`cdk8s synth` through cdk8s.yaml writes the committed dist/ byte for byte', () => {
    // GIVEN a copy of the app (the app writes ./dist relative to its working directory)
    const work = fs.mkdtempSync(path.join(tmpRoot, 'cdk8s-cli-'));
    for (const entry of ['package.json', 'cdk8s.yaml', 'tsconfig.json', 'vclusters.yaml', 'schema', 'scripts', 'src', 'charts', 'examples']) {
      fs.cpSync(path.join(REPO, entry), path.join(work, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    const env: NodeJS.ProcessEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
    delete env.VCLUSTER_FLEET;
    delete env.CDK8S_OUTDIR;

    // WHEN the cdk8s CLI synthesizes it
    execFileSync('npx', ['cdk8s', 'synth'], { cwd: work, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000 });

    // THEN its dist/ is the committed one
    const problems = treeDifferences(readTree(path.join(REPO, 'dist')), readTree(path.join(work, 'dist')), { expected: 'the committed dist/', actual: 'cdk8s synth' });
    const verdict = problems.length === 0 ? 'up to date' : `dist/ is stale; ${STALE_HINT}:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
    expect(verdict).toBe('up to date');
    // AND the CLI's own output folder holds one <folder>.k8s.yaml per folder, with the same objects.
    const cliOut = readTree(path.join(work, 'cdk8s.out'));
    const folders = ['argocd/payments', 'argocd/shared', 'argocd', 'keys/payments', 'keys/shared', 'namespaces'];
    expect([...cliOut.keys()]).toEqual(['.generated-files', ...folders.map((f) => `${f.replace('/', '-')}.k8s.yaml`)]);
    for (const folder of folders) {
      const inDist = [...tree('dist').files]
        .filter(([p]) => path.posix.dirname(p) === folder && !p.endsWith('/kustomization.yaml'))
        .flatMap(([p, c]) => docsOf(c.toString('utf8'), p));
      expect(byId(docsOf(cliOut.get(`${folder.replace('/', '-')}.k8s.yaml`)!.toString('utf8'), folder))).toEqual(byId(inDist));
    }
  });
});
