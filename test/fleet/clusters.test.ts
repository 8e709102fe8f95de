/**
 * A fleet over several host clusters (`clusters`), end to end through `run()`: the committed
 * example examples/multi-cluster/ (its dist/ must be what synth writes, and kustomize must build
 * every folder of it), where each cluster's part goes, what Argo CD applies from the hub to which
 * destination, and what each cluster's own Flux applies.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { run } from '../../src/cli/synth';
import { describeKubectl } from '../support/kubectl';
import { describeShared } from '../support/shared';
import { hasCrdFor, validateCustomResources } from '../support/crd';
import { parseFleet } from '../../src/fleet/loader';
import { synthesizeFleet } from '../../src/fleet/synthesize';
import { ValidationError } from '../../src/errors';
import { readTreeSorted } from '../support/tree';

// `any` keeps the asserts on parsed manifests readable; every value is checked by the asserts themselves.
type Obj = Record<string, any>;

const REPO = path.resolve(__dirname, '..', '..');
const EXAMPLE = 'examples/multi-cluster';

let tmpRoot: string;
beforeAll(() => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-vcp-clusters-'));
});
afterAll(() => {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

function docs(text: string | undefined): Obj[] {
  if (text === undefined) return [];
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

function synthInto(fleetFile: string, out: string, cwd = REPO): { code: number; stderr: string } {
  const err: string[] = [];
  const code = run(['--fleet', fleetFile, '--out', out], { stdout: () => undefined, stderr: (t) => err.push(t), env: {}, cwd });
  return { code, stderr: err.join('') };
}

/** The committed example tree. */
function example(): Map<string, string> {
  return readTreeSorted(path.join(REPO, EXAMPLE, 'dist'));
}

/** Every object of the files of a folder (not kustomization.yaml). */
function objectsIn(tree: ReadonlyMap<string, string>, folder: string): Obj[] {
  return [...tree].filter(([p]) => path.posix.dirname(p) === folder && p.endsWith('.yaml') && !p.endsWith('/kustomization.yaml')).flatMap(([, t]) => docs(t));
}

describe('the committed multi-cluster example', () => {
  test('is exactly what `npm run synth` writes from examples/multi-cluster/vclusters.yaml', () => {
    // The fleet beside the tree, as in examples/multi-cluster/: the README names it relative to there.
    const work = fs.mkdtempSync(path.join(tmpRoot, 'example-'));
    fs.copyFileSync(path.join(REPO, EXAMPLE, 'vclusters.yaml'), path.join(work, 'vclusters.yaml'));
    const out = path.join(work, 'dist');
    expect(synthInto(path.join(work, 'vclusters.yaml'), out)).toEqual({ code: 0, stderr: '' });
    const fresh = readTreeSorted(out);
    const committed = example();
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])].filter((p) => fresh.get(p) !== committed.get(p));
    expect(
      stale.length === 0 ? 'up to date' : `${EXAMPLE}/dist is stale; run: npm run synth -- --fleet ${EXAMPLE}/vclusters.yaml --out ${EXAMPLE}/dist (${stale.join(', ')})`,
    ).toBe('up to date');
  });

  test('one folder per host cluster, clusters/<name>/, with its own namespaces, keys, values and Flux tree; the root builds what the hub applies', () => {
    const t = example();
    const tops = [...new Set([...t.keys()].map((p) => p.split('/').slice(0, 3).join('/')))].sort();
    expect(tops).toMatchSnapshot();
    expect(parse(t.get('kustomization.yaml')!).resources).toEqual(['clusters/hub/namespaces', 'clusters/hub/argocd', 'clusters/edge/argocd']);
    // Each vCluster's values sit in its cluster's folder.
    expect([...t.keys()].filter((p) => p.endsWith('/vcluster.yaml')).sort()).toEqual([
      'clusters/edge/vclusters/analytics/analytics/vcluster.yaml',
      'clusters/edge/vclusters/team-b/team-b/vcluster.yaml',
      'clusters/hub/vclusters/reporting/reporting/vcluster.yaml',
      'clusters/hub/vclusters/team-a/team-a/vcluster.yaml',
    ]);
    // An ExternalSecret key used on two clusters is written for each (each cluster's ESO and store).
    expect(objectsIn(t, 'clusters/hub/keys/shared').filter((o) => o.kind === 'ExternalSecret')).toHaveLength(1);
    expect(objectsIn(t, 'clusters/edge/keys/shared').filter((o) => o.kind === 'ExternalSecret')).toHaveLength(1);
    const readme = t.get('README.md')!;
    expect(readme).toContain('| `clusters/edge/keys/shared/` | cluster edge: key `shared`');
    expect(readme).toContain('`argocd-cm.application-health.yaml` is applied by no kustomization');
  });

  test('Argo CD: the edge cluster gets its namespaces and keys through Applications whose destination is edge; its vCluster Applications live on the hub after its key Application', () => {
    const t = example();
    const edgeRoot = objectsIn(t, 'clusters/edge/argocd');
    expect(edgeRoot.map((a) => [a.metadata.name, a.metadata.annotations['argocd.argoproj.io/sync-wave'], a.spec.destination, a.spec.source.path])).toEqual([
      ['edge-vcluster-platform-namespaces', '-2', { name: 'edge-eu' }, `${EXAMPLE}/dist/clusters/edge/namespaces`],
      ['edge-vcluster-platform-key-shared', '0', { server: 'https://kubernetes.default.svc' }, `${EXAMPLE}/dist/clusters/edge/argocd/shared`],
    ]);
    // What the hub Application of key shared on edge syncs: the key objects' Application (to edge), then the vCluster Application.
    const group = objectsIn(t, 'clusters/edge/argocd/shared');
    expect(group.map((a) => [a.metadata.name, a.metadata.annotations['argocd.argoproj.io/sync-wave'], a.metadata.namespace, a.spec.destination])).toEqual([
      ['edge-vcluster-platform-key-shared-objects', '-1', 'argocd', { name: 'edge-eu' }],
      ['edge-team-b', '1', 'argocd', { namespace: 'team-b', name: 'edge-eu' }],
    ]);
    expect(group[0]!.spec.source.path).toBe(`${EXAMPLE}/dist/clusters/edge/keys/shared`);
    expect(group[0]!.spec.syncPolicy.retry.limit).toBe(-1);
    // kustomize never reaches edge's keys from the hub's folders: they are applied only by the -objects Application.
    expect(parse(t.get('clusters/edge/argocd/shared/kustomization.yaml')!).resources).toEqual(['applications.yaml']);
    // The hub cluster (where Argo CD runs) keeps the one-Application-per-key form.
    const hubKey = objectsIn(t, 'clusters/hub/argocd').find((a) => a.metadata.name === 'hub-vcluster-platform-key-shared')!;
    expect(hubKey.spec.destination).toEqual({ server: 'https://kubernetes.default.svc' });
    expect(parse(t.get('clusters/hub/argocd/shared/kustomization.yaml')!).resources).toEqual(['applications.yaml', '../../keys/shared']);
  });

  test('Argo CD: the Application health customization is written, and no kustomization applies it', () => {
    const t = example();
    const cm = parse(t.get('argocd-cm.application-health.yaml')!) as Obj;
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: 'argocd' } });
    expect(cm.data['resource.customizations.health.argoproj.io_Application']).toContain('hs.status = obj.status.health.status');
    for (const [p, text] of t) if (p.endsWith('kustomization.yaml')) expect({ p, refers: text.includes('argocd-cm') }).toEqual({ p, refers: false });
  });

  test("Flux: each cluster's flux-system/ points at its own folder only", () => {
    const t = example();
    for (const cluster of ['hub', 'edge']) {
      const ks = objectsIn(t, `clusters/${cluster}/flux-system`);
      expect(ks.length).toBeGreaterThan(0);
      for (const k of ks) expect(k.spec.path.startsWith(`./${EXAMPLE}/dist/clusters/${cluster}/`)).toBe(true);
    }
    const gate = objectsIn(t, 'clusters/edge/flux-system').find((k) => k.metadata.name === 'edge-vcluster-platform-key-edge-flux')!;
    expect(gate.spec.healthChecks).toEqual([{ apiVersion: 'v1', kind: 'Secret', name: 'edge-flux-api-key', namespace: 'vcluster-platform' }]);
  });
});

describeKubectl('kubectl kustomize (multi-cluster example)', () => {
  test('builds every folder of examples/multi-cluster/dist that has a kustomization.yaml', () => {
    const t = example();
    const folders = [...t.keys()].filter((p) => p === 'kustomization.yaml' || p.endsWith('/kustomization.yaml')).map((p) => path.posix.dirname(p));
    expect(folders.length).toBeGreaterThan(10);
    const counts: Record<string, number> = {};
    for (const folder of folders) {
      const built = docs(execFileSync('kubectl', ['kustomize', path.join(REPO, EXAMPLE, 'dist', folder)], { encoding: 'utf8', timeout: 30000 }));
      counts[folder] = built.length;
    }
    expect(counts).toMatchSnapshot();
  });
});

describeShared('CRDs (multi-cluster example)', () => {
  test('every custom resource of examples/multi-cluster/dist validates against its CRD', () => {
    const objects = [...example()]
      .filter(([p]) => p.startsWith('clusters/') && p.endsWith('.yaml') && !p.endsWith('kustomization.yaml') && !p.endsWith('vcluster.yaml'))
      .flatMap(([, t]) => docs(t));
    const custom = objects.filter((o) => o.apiVersion !== 'v1' && o.apiVersion !== 'rbac.authorization.k8s.io/v1');
    expect(custom.length).toBeGreaterThan(10);
    expect(custom.filter((o) => !hasCrdFor(o)).map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
    expect(validateCustomResources(objects)).toEqual([]);
  });
});

describe('clusters', () => {
  function fleetFile(fleet: Obj): string {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'fleet-'));
    fs.writeFileSync(path.join(dir, 'vclusters.yaml'), stringify(fleet));
    return path.join(dir, 'vclusters.yaml');
  }

  test('a fleet without clusters writes no clusters/ folder (one cluster, as before)', () => {
    const out = path.join(fs.mkdtempSync(path.join(tmpRoot, 'one-')), 'dist');
    expect(synthInto('vclusters.yaml', out).code).toBe(0);
    expect([...readTreeSorted(out).keys()].filter((p) => p.startsWith('clusters/') || p === 'argocd-cm.application-health.yaml')).toEqual([]);
  });

  test('fails with exit 1 on --helm-chart for a fleet with clusters, writing nothing', () => {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'helm-'));
    const err: string[] = [];
    const code = run(['--fleet', `${EXAMPLE}/vclusters.yaml`, '--out', path.join(dir, 'dist'), '--helm-chart', path.join(dir, 'chart'), '--chart-version', '1.0.0'], {
      stdout: () => undefined,
      stderr: (t) => err.push(t),
      env: {},
      cwd: REPO,
    });
    expect(code).toBe(1);
    expect(err.join('')).toContain('the fleet spans several host clusters, and a Helm release installs into one');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a cluster by server URL: the key objects Application and the vCluster Applications name that server', () => {
    const file = fleetFile({
      platform: { host: 'platform.example.com' },
      clusters: { prod: { server: 'https://prod.example.com:6443' } },
      defaults: { chartVersion: '0.36.1', apiKey: 'shared', cluster: 'prod', delivery: 'argocd' },
      argocd: { repository: { repoURL: 'https://github.com/acme/gitops.git' } },
      apiKeys: { shared: { namespace: 'vcluster-platform', existing: {} } },
      vclusters: [{ name: 'team-a' }],
    });
    const out = path.join(fs.mkdtempSync(path.join(tmpRoot, 'server-')), 'dist');
    expect(synthInto(file, out, path.dirname(file))).toEqual({ code: 0, stderr: '' });
    const t = readTreeSorted(out);
    const group = objectsIn(t, 'clusters/prod/argocd/shared');
    expect(group.map((a) => a.spec.destination)).toEqual([{ server: 'https://prod.example.com:6443' }, { namespace: 'team-a', server: 'https://prod.example.com:6443' }]);
  });

  test('fails with every generated object that two parts of the tree would both write (the last line of defence behind the loader)', () => {
    // The loader refuses this fleet (a vCluster named like a key Application); built past it, synthesis still refuses.
    const fleet = parseFleet(
      stringify({
        platform: { host: 'platform.example.com' },
        defaults: { chartVersion: '0.36.1', apiKey: 'shared', delivery: 'argocd' },
        argocd: { repository: { repoURL: 'https://github.com/acme/gitops.git' } },
        apiKeys: { shared: { namespace: 'vcluster-platform', existing: {} } },
        vclusters: [{ name: 'team-a' }],
      }),
      'fleet.yaml',
    );
    const bad = { ...fleet, vclusters: [{ ...fleet.vclusters[0]!, name: 'vcluster-platform-key-shared' }] };
    let error: unknown;
    try {
      synthesizeFleet(bad, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('Application argocd/vcluster-platform-key-shared is generated twice (also in argocd/)');
  });

  test('without argocd.repository an Argo CD fleet keeps one root Application, and synth says what that costs and what to write', () => {
    const file = fleetFile({
      platform: { host: 'platform.example.com' },
      defaults: { chartVersion: '0.36.1', apiKey: 'shared', delivery: 'argocd' },
      apiKeys: { shared: { namespace: 'vcluster-platform', existing: {} } },
      vclusters: [{ name: 'team-a' }],
    });
    const out = path.join(fs.mkdtempSync(path.join(tmpRoot, 'legacy-')), 'dist');
    const r = synthInto(file, out, path.dirname(file));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: argocd.repository is not set, so ONE root Application applies every key and every vCluster Application');
    expect(r.stderr).toContain('Set argocd.repository: { repoURL:');
    expect(parse(readTreeSorted(out).get('kustomization.yaml')!).resources).toEqual(['namespaces', 'keys/shared', 'argocd']);
  });
});
