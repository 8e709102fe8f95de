/**
 * Delivery, end to end through `run()`: what each delivery mode writes (Argo CD inline and
 * multi-source, ApplicationSet, Flux inline and ConfigMap, Flux outside the vCluster namespace,
 * none), the order the GitOps tools apply it in, the Helm release names and the RBAC subjects
 * derived from them (FACTS §4), key rotation, and ClusterExternalSecret fan-out. Each test
 * writes a small fleet file to a temp folder and reads the tree back.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { run } from '../../src/cli/synth';
import { readTreeSorted } from '../support/tree';

// `any` keeps the asserts on parsed manifests readable; every value is checked by the asserts themselves.
type Obj = Record<string, any>;

const REPO = path.resolve(__dirname, '..', '..');
const ROTATION_ANNOTATION = 'cdk8s-vcluster-platform/access-key-rotation';
const FULL_ENV = { LAB_PLATFORM_ACCESS_KEY: 'fake-lab-access-key-for-tests' };

let tmpRoot: string;
beforeAll(() => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-vcp-delivery-'));
});
afterAll(() => {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

/** A synthesized tree, read back. */
class Tree {
  constructor(
    readonly files: ReadonlyMap<string, string>,
    readonly stdout: string,
  ) {}

  /** The documents of one file of the tree; [] when the file does not exist. */
  docs(file: string): Obj[] {
    const text = this.files.get(file);
    if (text === undefined) return [];
    return parseAllDocuments(text).flatMap((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      const js = d.toJS() as Obj | null;
      return js === null ? [] : [js];
    });
  }

  /** Every object of the folder files (kustomization.yaml and vclusters/ left out). */
  objects(folder?: string): Obj[] {
    return [...this.files.keys()]
      .filter((p) => /^[^/]+\/([^/]+\/)?[^/]+\.yaml$/.test(p) && !p.startsWith('vclusters/') && !p.endsWith('/kustomization.yaml'))
      .filter((p) => folder === undefined || p.startsWith(`${folder}/`))
      .flatMap((p) => this.docs(p));
  }

  ofKind(kind: string): Obj[] {
    return this.objects().filter((o) => o.kind === kind);
  }

  /** The Applications that install a vCluster (not the per-key Applications that apply a key's folder). */
  vclusterApps(): Obj[] {
    return this.ofKind('Application').filter((a) => !String(a.metadata.name).startsWith('vcluster-platform-key-'));
  }

  /** The one object of a kind and name (and namespace, when given); fails when there is not exactly one. */
  one(kind: string, name: string, namespace?: string): Obj {
    const found = this.ofKind(kind).filter((o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
    if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name}, found ${found.length}`);
    return found[0]!;
  }

  /** The text of vclusters/<ns>/<release>/vcluster.yaml; fails when absent. */
  valuesText(namespace: string, release: string): string {
    const p = valuesPathOf(namespace, release);
    const text = this.files.get(p);
    if (text === undefined) throw new Error(`${p} is not in the tree (values files: ${this.valuesFiles().join(', ')})`);
    return text;
  }

  values(namespace: string, release: string): Obj {
    return parse(this.valuesText(namespace, release)) as Obj;
  }

  valuesFiles(): string[] {
    return [...this.files.keys()].filter((p) => p.startsWith('vclusters/')).sort();
  }
}

/** Where a release's values file is, written here from the README rather than imported. */
function valuesPathOf(namespace: string, release: string): string {
  return `vclusters/${namespace}/${release}/vcluster.yaml`;
}

/** Runs the app on a fleet; fails the test (with the app's message) when the app fails. */
function synth(fleet: Obj, env: NodeJS.ProcessEnv = {}): Tree {
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'fleet-'));
  fs.writeFileSync(path.join(dir, 'vclusters.yaml'), stringify(fleet));
  return synthFile('vclusters.yaml', dir, env);
}

function synthFile(fleetFile: string, cwd: string, env: NodeJS.ProcessEnv): Tree {
  const out = path.join(fs.mkdtempSync(path.join(tmpRoot, 'out-')), 'dist');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = run(['--fleet', fleetFile, '--out', out], { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t), env, cwd });
  if (code !== 0) throw new Error(`synth failed with exit ${code}:\n${stderr.join('')}`);
  return new Tree(readTreeSorted(out), stdout.join(''));
}

/** An externalSecret-backed key in `namespace`. */
function esKey(namespace: string, extra: Obj = {}): Obj {
  return { namespace, externalSecret: { storeRef: { name: 'vault' }, remoteRef: { key: `platform/${namespace}` } }, ...extra };
}

/** A small fleet: one key `shared` in vcluster-platform, chart 0.36.1, plus what the test says. */
function fleet(parts: { vclusters: Obj[]; defaults?: Obj; apiKeys?: Obj; argocd?: Obj; flux?: Obj }): Obj {
  return {
    platform: { host: 'platform.example.com' },
    defaults: { chartVersion: '0.36.1', apiKey: 'shared', ...parts.defaults },
    ...(parts.argocd ? { argocd: parts.argocd } : {}),
    ...(parts.flux ? { flux: parts.flux } : {}),
    apiKeys: parts.apiKeys ?? { shared: esKey('vcluster-platform') },
    vclusters: parts.vclusters,
  };
}

function wave(o: Obj): string | undefined {
  return o.metadata.annotations?.['argocd.argoproj.io/sync-wave'];
}

/** Flux's shortening of release names past 53 characters (FACTS §4), computed here independently. */
function fluxShorten(full: string): string {
  return full.length <= 53 ? full : `${full.slice(0, 40)}-${createHash('sha256').update(full, 'utf8').digest('hex').slice(0, 12)}`;
}

/** The release written for a Flux default past 52 characters: runnable (52), 40 + '-' + 11 hex. */
function runnableShorten(full: string): string {
  return full.length <= 52 ? full : `${full.slice(0, 40)}-${createHash('sha256').update(full, 'utf8').digest('hex').slice(0, 11)}`;
}

/** The release helm-controller installs for a HelmRelease (FACTS §4). */
function fluxReleaseOf(hr: Obj): string {
  const s = hr.spec;
  return fluxShorten(s.releaseName || (s.targetNamespace ? `${s.targetNamespace}-${hr.metadata.name}` : hr.metadata.name));
}

/** The chart's RBAC names (FACTS §3): first 63 characters, then one trailing '-' removed. */
function chartRbacName(text: string): string {
  const cut = text.slice(0, 63);
  return cut.endsWith('-') ? cut.slice(0, -1) : cut;
}

function rotationOf(values: Obj | undefined): unknown {
  return values?.controlPlane?.statefulSet?.pods?.annotations?.[ROTATION_ANNOTATION];
}

const TWO_ARGO_VCLUSTERS = [{ name: 'team-a' }, { name: 'team-b', namespace: 'tenants', release: 'team-b-vc', chartVersion: '0.31.3' }];

describe('delivery modes', () => {
  test('argocd, inline: one Application per vCluster whose valuesObject is its vcluster.yaml', () => {
    // GIVEN two Argo CD vClusters and no values repository
    const t = synth(fleet({ defaults: { delivery: 'argocd' }, vclusters: TWO_ARGO_VCLUSTERS }));
    expect(t.files.get('argocd/applications.yaml')).toMatchSnapshot();
    // THEN each Application installs chart vcluster at the fleet's version with the generated values inline
    const cases = [
      { name: 'team-a', namespace: 'team-a', release: 'team-a', version: '0.36.1' },
      { name: 'team-b', namespace: 'tenants', release: 'team-b-vc', version: '0.31.3' },
    ];
    expect(t.vclusterApps().map((a) => a.metadata.name)).toEqual(cases.map((c) => c.name));
    // Without argocd.repository (nor valuesRepository) no per-key Application can point at git.
    expect(t.ofKind('Application').filter((a) => String(a.metadata.name).startsWith('vcluster-platform-key-'))).toEqual([]);
    for (const c of cases) {
      const app = t.one('Application', c.name, 'argocd');
      expect(app.spec.sources).toBeUndefined();
      expect(app.spec.destination).toEqual({ namespace: c.namespace, server: 'https://kubernetes.default.svc' });
      expect(app.spec.source).toMatchObject({ chart: 'vcluster', repoURL: 'https://charts.loft.sh', targetRevision: c.version, helm: { releaseName: c.release } });
      expect(app.spec.source.helm.valuesObject).toEqual(t.values(c.namespace, c.release));
    }
    expect([...t.files.keys()].filter((p) => /^(flux|flux-system)\//.test(p))).toEqual([]);
    // One root Application applies everything, keys included (the behaviour before argocd.repository).
    expect(parse(t.files.get('kustomization.yaml')!).resources).toEqual(['namespaces', 'keys/shared', 'argocd']);
  });

  // Written paths, and the prefix `$values/` paths must carry: Argo CD joins them with the repository root.
  const REPO_PATHS: [string | undefined, string][] = [
    [undefined, 'dist/'],
    ['./gitops/dist/', 'gitops/dist/'],
    ['clusters/prod/dist', 'clusters/prod/dist/'],
  ];

  test.each(REPO_PATHS)('argocd, multi-source with valuesRepository.path %j: $values/ points at the vcluster.yaml in the tree', (repoPath, prefix) => {
    const repository = { repoURL: 'https://github.com/acme/gitops.git', targetRevision: 'main', ...(repoPath !== undefined ? { path: repoPath } : {}) };
    const t = synth(fleet({ defaults: { delivery: 'argocd' }, argocd: { valuesRepository: repository }, vclusters: TWO_ARGO_VCLUSTERS }));
    const apps = t.vclusterApps();
    expect(apps).toHaveLength(2);
    for (const app of apps) {
      expect(app.spec.source).toBeUndefined();
      const [chart, values] = app.spec.sources as Obj[];
      expect(values).toEqual({ ref: 'values', repoURL: repository.repoURL, targetRevision: 'main' });
      expect(chart).toMatchObject({ chart: 'vcluster', repoURL: 'https://charts.loft.sh' });
      const [file, ...more] = chart!.helm.valueFiles as string[];
      expect(more).toEqual([]);
      // The file really exists in the tree, at the path of this Application's release and namespace.
      expect(file!.startsWith(`$values/${prefix}`)).toBe(true);
      const inTree = file!.slice(`$values/${prefix}`.length);
      expect(inTree).toBe(valuesPathOf(app.spec.destination.namespace, chart!.helm.releaseName));
      expect(t.files.has(inTree)).toBe(true);
      expect(chart!.helm.valuesObject).toBeUndefined();
    }
    if (repoPath === './gitops/dist/') expect(t.files.get('argocd/shared/applications.yaml')).toMatchSnapshot();
    // valuesRepository also says where the tree is: the key gets an Application of its own.
    expect(t.one('Application', 'vcluster-platform-key-shared', 'argocd').spec.source.path).toBe(`${prefix}argocd/shared`);
  });

  // Regression: "." and "./" (the tree at the repository root) once became "./vclusters/...",
  // which src/argocd.ts rejects.
  test.each([
    ['.', false],
    ['./', false],
    ['.', true],
    ['./', true],
  ])('argocd, multi-source with valuesRepository.path %j (tree at the repository root, applicationSet %s): $values/vclusters/...', (repoPath, applicationSet) => {
    const t = synth(
      fleet({
        defaults: { delivery: 'argocd' },
        argocd: { applicationSet, valuesRepository: { repoURL: 'https://github.com/acme/gitops.git', path: repoPath } },
        vclusters: [{ name: 'team-a' }],
      }),
    );
    const text = t.files.get(applicationSet ? 'argocd/shared/applicationsets.yaml' : 'argocd/shared/applications.yaml')!;
    expect(t.one('Application', 'vcluster-platform-key-shared', 'argocd').spec.source.path).toBe('argocd/shared');
    expect(text).toContain(applicationSet ? 'valuesPath: vclusters/team-a/team-a/vcluster.yaml' : '$values/vclusters/team-a/team-a/vcluster.yaml');
  });

  test('argocd, ApplicationSet: one list element per vCluster, and each rendered Application reads a values file that exists', () => {
    const repository = { repoURL: 'https://github.com/acme/gitops.git', path: 'clusters/prod/dist' };
    const t = synth(fleet({ defaults: { delivery: 'argocd' }, argocd: { applicationSet: true, valuesRepository: repository }, vclusters: TWO_ARGO_VCLUSTERS }));
    expect(t.files.get('argocd/shared/applicationsets.yaml')).toMatchSnapshot();
    expect(t.vclusterApps()).toEqual([]);
    // One ApplicationSet per key, inside that key's Application.
    const set = t.one('ApplicationSet', 'vclusters-shared', 'argocd');
    expect(wave(set)).toBe('1');
    const elements = set.spec.generators[0].list.elements as Obj[];
    expect(elements).toEqual([
      { name: 'team-a', namespace: 'team-a', release: 'team-a', chartVersion: '0.36.1', valuesPath: 'clusters/prod/dist/vclusters/team-a/team-a/vcluster.yaml' },
      { name: 'team-b', namespace: 'tenants', release: 'team-b-vc', chartVersion: '0.31.3', valuesPath: 'clusters/prod/dist/vclusters/tenants/team-b-vc/vcluster.yaml' },
    ]);
    // Render the template per element the way the Go template does for `{{.key}}`, and follow the path.
    for (const element of elements) {
      const rendered = JSON.parse(JSON.stringify(set.spec.template).replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, key: string) => String(element[key]))) as Obj;
      expect(rendered.metadata.name).toBe(element.name);
      expect(rendered.spec.destination.namespace).toBe(element.namespace);
      const [chart, values] = rendered.spec.sources as Obj[];
      expect(chart).toMatchObject({ chart: 'vcluster', targetRevision: element.chartVersion, helm: { releaseName: element.release } });
      expect(values).toEqual({ ref: 'values', repoURL: repository.repoURL, targetRevision: 'HEAD' });
      const file = chart!.helm.valueFiles[0] as string;
      expect(file.startsWith('$values/clusters/prod/dist/')).toBe(true);
      expect(t.files.has(file.slice('$values/clusters/prod/dist/'.length))).toBe(true);
    }
  });

  test('flux, inline: HelmReleases in the vCluster namespaces with spec.values = vcluster.yaml', () => {
    const t = synth(fleet({ defaults: { delivery: 'flux' }, vclusters: [{ name: 'team-a' }, { name: 'team-b', release: 'team-b-vc', chartVersion: '0.31.3' }] }));
    expect(t.files.get('flux/shared/helmreleases.yaml')).toMatchSnapshot();
    expect(t.files.has('flux/shared/values-configmaps.yaml')).toBe(false);
    const repo = t.one('HelmRepository', 'loft-sh', 'flux-system');
    expect(repo.spec.url).toBe('https://charts.loft.sh');
    for (const [name, release, version] of [
      ['team-a', 'team-a', '0.36.1'],
      ['team-b', 'team-b-vc', '0.31.3'],
    ] as const) {
      const hr = t.one('HelmRelease', name, name);
      // In the vCluster namespace: no targetNamespace, no storageNamespace, nothing to create.
      expect([hr.spec.targetNamespace, hr.spec.storageNamespace, hr.spec.install?.createNamespace]).toEqual([undefined, undefined, undefined]);
      expect(hr.spec.chart.spec).toEqual({ chart: 'vcluster', version, sourceRef: { kind: 'HelmRepository', name: 'loft-sh', namespace: 'flux-system' } });
      expect(hr.spec.valuesFrom).toBeUndefined();
      expect(hr.spec.values).toEqual(t.values(name, release));
      expect(fluxReleaseOf(hr)).toBe(release);
    }
  });

  test('flux, valuesFrom configMap: each ConfigMap holds the vcluster.yaml text itself, beside its HelmRelease', () => {
    const t = synth(fleet({ defaults: { delivery: 'flux' }, flux: { valuesFrom: 'configMap' }, vclusters: [{ name: 'team-a' }, { name: 'team-b', namespace: 'tenants' }] }));
    expect(t.files.get('flux/shared/values-configmaps.yaml')).toMatchSnapshot();
    const releases = t.ofKind('HelmRelease');
    expect(releases).toHaveLength(2);
    expect(t.ofKind('ConfigMap')).toHaveLength(2);
    for (const hr of releases) {
      expect(hr.spec.values).toBeUndefined();
      const [ref, ...more] = hr.spec.valuesFrom as Obj[];
      expect(more).toEqual([]);
      expect(ref).toMatchObject({ kind: 'ConfigMap', valuesKey: 'values.yaml' });
      // valuesFrom is namespace-local: the ConfigMap sits in the HelmRelease's namespace.
      const cm = t.one('ConfigMap', ref!.name, hr.metadata.namespace);
      expect(Object.keys(cm.data)).toEqual(['values.yaml']);
      expect(cm.data['values.yaml']).toBe(t.valuesText(hr.metadata.namespace, fluxReleaseOf(hr)));
    }
  });

  test('flux with flux.namespace: HelmReleases there, installing into the vCluster namespace (targetNamespace = storageNamespace)', () => {
    const t = synth(
      fleet({
        defaults: { delivery: 'flux' },
        flux: { namespace: 'flux-system' },
        vclusters: [{ name: 'team-a' }, { name: 'team-b', namespace: 'tenants' }, { name: 'flux-local', namespace: 'flux-system' }],
      }),
    );
    expect(t.files.get('flux/shared/helmreleases.yaml')).toMatchSnapshot();
    for (const [name, namespace, release] of [
      ['team-a', 'team-a', 'team-a-team-a'],
      ['team-b', 'tenants', 'tenants-team-b'],
    ] as const) {
      const hr = t.one('HelmRelease', name, 'flux-system');
      expect(hr.spec).toMatchObject({ targetNamespace: namespace, storageNamespace: namespace });
      expect(hr.spec.releaseName).toBe(release);
      expect(fluxReleaseOf({ ...hr, spec: { ...hr.spec, releaseName: undefined } })).toBe(release);
      expect(hr.spec.values).toEqual(t.values(namespace, release));
    }
    // A vCluster in flux.namespace itself needs neither.
    const local = t.one('HelmRelease', 'flux-local', 'flux-system');
    expect([local.spec.targetNamespace, local.spec.storageNamespace]).toEqual([undefined, undefined]);
    expect(t.values('flux-system', 'flux-local')).toEqual(local.spec.values);
    // flux.namespace is created with the vCluster namespaces.
    expect(t.ofKind('Namespace').map((n) => n.metadata.name)).toContain('flux-system');
  });

  test('none: only namespaces/, keys/ and vclusters/ (no argocd/, flux/ or flux-system/), the root kustomization over namespaces/ and keys/', () => {
    const t = synth(fleet({ vclusters: [{ name: 'team-a' }, { name: 'team-b', namespace: 'tenants', release: 'b' }] }));
    expect([...t.files.keys()]).toMatchSnapshot();
    expect([...t.files.keys()].filter((p) => !/^(namespaces\/|keys\/shared\/|vclusters\/|kustomization\.yaml$|README\.md$|\.generated-files$)/.test(p))).toEqual([]);
    expect(t.valuesFiles()).toEqual([valuesPathOf('team-a', 'team-a'), valuesPathOf('tenants', 'b')]);
    expect(parse(t.files.get('kustomization.yaml')!).resources).toEqual(['namespaces', 'keys/shared']);
    expect(t.objects().filter((o) => ['Application', 'ApplicationSet', 'HelmRelease', 'HelmRepository', 'Kustomization'].includes(o.kind))).toEqual([]);
    expect(t.stdout).toMatch(/: 2 vClusters, /);
  });
});

/** The full.yaml fixture (every fleet feature) and its ApplicationSet variant, as delivery sees them. */
function fullTree(applicationSet: boolean): Tree {
  if (!applicationSet) return synthFile('test/fixtures/fleet/full.yaml', REPO, FULL_ENV);
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'full-appset-'));
  const f = parse(fs.readFileSync(path.join(REPO, 'test/fixtures/fleet/full.yaml'), 'utf8')) as Obj;
  f.argocd.applicationSet = true;
  fs.writeFileSync(path.join(dir, 'full.yaml'), stringify(f));
  fs.copyFileSync(path.join(REPO, 'test/fixtures/fleet/platform-ca.pem'), path.join(dir, 'platform-ca.pem'));
  return synthFile('full.yaml', dir, FULL_ENV);
}

const HOST_WAVES: Readonly<Record<string, string>> = {
  Namespace: '-2',
  Secret: '-1',
  ExternalSecret: '-1',
  ClusterExternalSecret: '-1',
  SealedSecret: '-1',
  Role: '-1',
  RoleBinding: '-1',
};

describe('apply order', () => {
  const ARGO_TREES: [string, () => Tree][] = [
    ['the committed dist/', () => new Tree(readTreeSorted(path.join(REPO, 'dist')), '')],
    ['full.yaml', () => fullTree(false)],
    ['full.yaml with an ApplicationSet', () => fullTree(true)],
  ];

  test.each(ARGO_TREES)(
    'Argo CD (%s): the root holds Namespaces (wave -2) and one Application per key in its last wave (0); each key Application syncs its key and RBAC (wave -1) before its vCluster Applications (wave 1)',
    (_label, make) => {
      const t = make();
      const root = parse(t.files.get('kustomization.yaml')!).resources as string[];
      expect(root).toEqual(['namespaces', 'argocd']);
      const rootObjects = [...t.objects('namespaces'), ...t.docs('argocd/applications.yaml')];
      for (const o of t.objects('namespaces')) expect({ name: o.metadata.name, wave: wave(o) }).toEqual({ name: o.metadata.name, wave: '-2' });
      const keyApps = t.docs('argocd/applications.yaml');
      expect(keyApps.length).toBeGreaterThan(0);
      // gitops-engine ends a sync after its last wave without waiting for its health: the key
      // Applications must be that last wave, so the root never waits on (or fails for) a key.
      const rootWaves = rootObjects.map((o) => Number(wave(o)));
      for (const app of keyApps) expect({ name: app.metadata.name, wave: wave(app) }).toEqual({ name: app.metadata.name, wave: String(Math.max(...rootWaves)) });
      expect(Math.max(...t.objects('namespaces').map((o) => Number(wave(o))))).toBeLessThan(Math.min(...keyApps.map((o) => Number(wave(o)))));
      const order: string[] = [];
      for (const app of keyApps) {
        const id = String(app.metadata.name).replace('vcluster-platform-key-', '');
        // The Application syncs argocd/<id>/, which builds keys/<id>/ and the key's own vCluster Applications.
        expect(app.spec.source.path.endsWith(`argocd/${id}`)).toBe(true);
        expect(app.spec.syncPolicy.retry).toEqual({ limit: -1, backoff: { duration: '30s', factor: 2, maxDuration: '10m' }, refresh: true });
        expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc' });
        expect(parse(t.files.get(`argocd/${id}/kustomization.yaml`)!).resources).toContain(`../../keys/${id}`);
        const keyObjects = t.objects(`keys/${id}`);
        const delivery = t.objects(`argocd/${id}`);
        for (const o of keyObjects)
          expect({ kind: o.kind, name: o.metadata.name, wave: wave(o) }).toEqual({
            kind: o.kind,
            name: o.metadata.name,
            wave: HOST_WAVES[o.kind] ?? '<a kind keys/ must not hold>',
          });
        for (const o of delivery) expect({ kind: o.kind, name: o.metadata.name, wave: wave(o) }).toEqual({ kind: o.kind, name: o.metadata.name, wave: '1' });
        // In apply order within that Application: by wave, then by kind and name.
        const inApp = [...keyObjects, ...delivery].map((o) => ({ wave: Number(wave(o)), id: `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}` }));
        inApp.sort((a, b) => a.wave - b.wave || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        order.push(`Application ${app.metadata.name}:`, ...inApp.map((o) => `  ${o.wave} ${o.id}`));
      }
      // Every vCluster Application sits in the folder of exactly the key it reads.
      const placed = keyApps.flatMap((app) => t.objects(`argocd/${String(app.metadata.name).replace('vcluster-platform-key-', '')}`));
      expect(placed.length).toBe(t.ofKind('ApplicationSet').length + t.vclusterApps().length);
      expect(order).toMatchSnapshot();
    },
  );

  test('the committed example: its demo SealedSecret (key payments, never decryptable) can hold back only the payments vCluster', () => {
    const t = new Tree(readTreeSorted(path.join(REPO, 'dist')), '');
    // What each key Application applies, through its kustomization (argocd/<id>/ + keys/<id>/).
    const applied = (id: string): string[] => [...t.objects(`keys/${id}`), ...t.objects(`argocd/${id}`)].map((o) => `${o.kind} ${o.metadata.name}`).sort();
    expect(applied('payments')).toEqual(['Application payments', 'SealedSecret vcluster-platform-api-key']);
    expect(applied('shared').filter((o) => o.startsWith('Application') || o.startsWith('SealedSecret'))).toEqual(['Application team-a', 'Application team-b']);
    // The root applies no key object itself: a Degraded SealedSecret fails only vcluster-platform-key-payments.
    expect(t.objects('namespaces').map((o) => o.kind)).toEqual(t.objects('namespaces').map(() => 'Namespace'));
    expect(t.docs('argocd/applications.yaml').map((a) => a.metadata.name)).toEqual(['vcluster-platform-key-shared', 'vcluster-platform-key-payments']);
  });

  // flux.path as written → the base the Kustomization paths start with.
  const FLUX_PATHS: [string | undefined, string][] = [
    [undefined, './dist'],
    ['./clusters/prod/dist', './clusters/prod/dist'],
    ['clusters/prod/dist/', 'clusters/prod/dist'],
    ['.', '.'],
  ];

  test.each(FLUX_PATHS)(
    'Flux (flux.path %j): per key a Kustomization gated on the key Secret (healthChecks, wait false) and a releases Kustomization that dependsOn it; paths under <flux.path>',
    (fluxPath, base) => {
      const sourceRef = { kind: 'GitRepository', name: 'platform-gitops', namespace: 'flux-system' };
      const t = synth(
        fleet({
          defaults: { delivery: 'flux' },
          flux: { sourceRef, interval: '5m', ...(fluxPath !== undefined ? { path: fluxPath } : {}) },
          apiKeys: { shared: esKey('vcluster-platform'), other: esKey('other-keys') },
          vclusters: [{ name: 'team-a' }, { name: 'team-b', apiKey: 'other' }],
        }),
      );
      const kustomizations = t.objects('flux-system');
      expect(kustomizations.map((k) => `${k.apiVersion} ${k.kind} ${k.metadata.namespace}/${k.metadata.name}`)).toEqual([
        'kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/vcluster-platform-namespaces',
        'kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/vcluster-platform-sources',
        'kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/vcluster-platform-key-shared',
        'kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/vcluster-platform-releases-shared',
        'kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/vcluster-platform-key-other',
        'kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/vcluster-platform-releases-other',
      ]);
      const ks = (name: string): Obj => t.one('Kustomization', name, 'flux-system');
      // Namespaces report their phase to kstatus, so wait really waits for them.
      expect(ks('vcluster-platform-namespaces').spec).toMatchObject({ path: `${base}/namespaces`, wait: true, sourceRef, interval: '5m' });
      expect(ks('vcluster-platform-sources').spec).toMatchObject({ path: `${base}/flux`, wait: false });
      for (const [id, namespace] of [
        ['shared', 'vcluster-platform'],
        ['other', 'other-keys'],
      ] as const) {
        const key = ks(`vcluster-platform-key-${id}`);
        // wait: true would pass a SealedSecret that failed to decrypt (kstatus: no known conditions
        // = Current) and ignore healthChecks: the gate is the Secret itself.
        expect(key.spec).toMatchObject({ path: `${base}/keys/${id}`, wait: false, timeout: '5m', retryInterval: '2m', dependsOn: [{ name: 'vcluster-platform-namespaces' }] });
        expect(key.spec.healthChecks).toEqual([{ apiVersion: 'v1', kind: 'Secret', name: 'vcluster-platform-api-key', namespace }]);
        const releases = ks(`vcluster-platform-releases-${id}`);
        expect(releases.spec).toMatchObject({ path: `${base}/flux/${id}`, dependsOn: [{ name: `vcluster-platform-key-${id}` }, { name: 'vcluster-platform-sources' }] });
        // Each path names a folder of this tree that kustomize can build; keys only in keys/, releases only in flux/<id>/.
        expect([t.files.has(`keys/${id}/kustomization.yaml`), t.files.has(`flux/${id}/kustomization.yaml`)]).toEqual([true, true]);
        expect(t.objects(`keys/${id}`).filter((o) => o.kind === 'HelmRelease')).toEqual([]);
        expect(t.objects(`flux/${id}`).filter((o) => o.kind in HOST_WAVES)).toEqual([]);
      }
      expect(t.one('HelmRelease', 'team-a', 'team-a')).toBeDefined();
      expect(t.objects('flux/shared').map((o) => o.metadata.name)).toEqual(['team-a']);
      expect(t.objects('flux/other').map((o) => o.metadata.name)).toEqual(['team-b']);
      if (fluxPath === undefined) expect(t.files.get('flux-system/kustomizations.yaml')).toMatchSnapshot();
    },
  );

  test('Flux, fanned-out key: the key Kustomization checks the Secret in every Flux vCluster namespace it is placed in', () => {
    const t = synth(
      fleet({
        defaults: { delivery: 'flux' },
        apiKeys: { shared: esKey('vcluster-platform', { fanOut: 'clusterExternalSecret' }) },
        vclusters: [{ name: 'team-b' }, { name: 'team-a' }, { name: 'team-c', delivery: 'none' }],
      }),
    );
    expect(t.one('Kustomization', 'vcluster-platform-key-shared', 'flux-system').spec.healthChecks).toEqual([
      { apiVersion: 'v1', kind: 'Secret', name: 'vcluster-platform-api-key', namespace: 'team-a' },
      { apiVersion: 'v1', kind: 'Secret', name: 'vcluster-platform-api-key', namespace: 'team-b' },
    ]);
  });

  // With flux.namespace flux-system, namespaces/ declares Namespace flux-system, and the
  // vcluster-platform-namespaces Kustomization (prune: true) owns it. Were it prunable, Flux would
  // delete that Namespace, with Flux itself in it, once the last Flux vCluster leaves (fluxcd/flux2#4570).
  test('the namespace Flux runs in is never pruned by the namespaces Kustomization: absent from namespaces/, or annotated prune: disabled', () => {
    const t = synth(fleet({ defaults: { delivery: 'flux' }, flux: { namespace: 'flux-system' }, vclusters: [{ name: 'team-a' }] }));
    expect(t.one('Kustomization', 'vcluster-platform-namespaces', 'flux-system').spec.prune).toBe(true);
    const ns = t.ofKind('Namespace').find((n) => n.metadata.name === 'flux-system');
    expect(ns === undefined ? 'absent' : (ns.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune'] ?? 'prunable')).toMatch(/^(absent|disabled)$/);
  });
});

describe('namePrefix', () => {
  test('is put in front of every generated Application, ApplicationSet and Flux Kustomization name, and of nothing else', () => {
    const plain = fleet({
      argocd: { repository: { repoURL: 'https://github.com/acme/gitops.git' } },
      vclusters: [
        { name: 'team-a', delivery: 'argocd' },
        { name: 'team-b', delivery: 'flux' },
      ],
    });
    const a = synth(plain);
    const b = synth({ ...plain, namePrefix: 'prod-' });
    const names = (t: Tree, kind: string): string[] => t.ofKind(kind).map((o) => o.metadata.name);
    expect(names(b, 'Application')).toEqual(names(a, 'Application').map((n) => `prod-${n}`));
    expect(names(b, 'Kustomization')).toEqual(names(a, 'Kustomization').map((n) => `prod-${n}`));
    expect(names(b, 'Application').sort()).toEqual(['prod-team-a', 'prod-vcluster-platform-key-shared']);
    // dependsOn follows the names.
    expect(b.one('Kustomization', 'prod-vcluster-platform-releases-shared', 'flux-system').spec.dependsOn).toEqual([
      { name: 'prod-vcluster-platform-key-shared' },
      { name: 'prod-vcluster-platform-sources' },
    ]);
    expect(b.one('Kustomization', 'prod-vcluster-platform-key-shared', 'flux-system').spec.dependsOn).toEqual([{ name: 'prod-vcluster-platform-namespaces' }]);
    // The Helm release (and so the service account the RBAC binds) does not change with the prefix.
    expect(b.one('Application', 'prod-team-a', 'argocd').spec.source.helm.releaseName).toBe('team-a');
    for (const kind of ['HelmRelease', 'ExternalSecret', 'Role', 'RoleBinding', 'Namespace', 'HelmRepository']) expect(names(b, kind)).toEqual(names(a, kind));
    expect(b.valuesFiles()).toEqual(a.valuesFiles());
    const set = synth({ ...plain, namePrefix: 'prod-', argocd: { applicationSet: true, valuesRepository: { repoURL: 'https://github.com/acme/gitops.git' } } });
    const appSet = set.one('ApplicationSet', 'prod-vclusters-shared', 'argocd');
    expect(appSet.spec.generators[0].list.elements.map((e: Obj) => [e.name, e.release])).toEqual([['prod-team-a', 'team-a']]);
  });
});

describe('release names and the RBAC subject (FACTS §4)', () => {
  const KEY_NS = 'platform-keys';
  const apiKeys = { shared: esKey(KEY_NS) };
  // Fleet A: HelmReleases in the vCluster namespaces. Fleet B: all HelmReleases in flux-system.
  const FLEETS: Record<'A' | 'B', Obj> = {
    A: fleet({
      apiKeys,
      vclusters: [
        { name: 'argo-default', delivery: 'argocd' },
        { name: 'argo-explicit', release: 'argo-rel', delivery: 'argocd' },
        { name: 'argo-sa', delivery: 'argocd', serviceAccountName: 'custom-sa' },
        { name: 'flux-own', delivery: 'flux' },
        { name: 'flux-explicit', release: 'flux-rel', delivery: 'flux' },
        { name: 'plain', delivery: 'none' },
      ],
    }),
    B: fleet({
      apiKeys,
      flux: { namespace: 'flux-system' },
      vclusters: [
        { name: 'team-x', namespace: 'tenants', delivery: 'flux' },
        { name: 'analytics-warehouse-ingest', namespace: 'data-platform-analytics-warehouse', delivery: 'flux' },
        { name: 'flux-local', namespace: 'flux-system', delivery: 'flux' },
        { name: 'rep', namespace: 'reporting', release: 'reporting', delivery: 'flux' },
        { name: 'sa', namespace: 'sa-ns', delivery: 'flux', serviceAccountName: 'cp-sa' },
      ],
    }),
  };
  const trees = new Map<string, Tree>();
  const treeOf = (f: 'A' | 'B'): Tree => {
    if (!trees.has(f)) trees.set(f, synth(FLEETS[f]));
    return trees.get(f)!;
  };

  const LONG = 'data-platform-analytics-warehouse-analytics-warehouse-ingest';
  test('the shortened case really is shortened: Flux would pick 40 + "-" + 12 hex (53, too long to run), the tool writes 40 + "-" + 11 hex', () => {
    expect(LONG.length).toBeGreaterThan(53);
    expect(fluxShorten(LONG)).toMatch(/^data-platform-analytics-warehouse-analyt-[0-9a-f]{12}$/);
    expect(runnableShorten(LONG)).toMatch(/^data-platform-analytics-warehouse-analyt-[0-9a-f]{11}$/);
  });

  const CASES: {
    label: string;
    fleet: 'A' | 'B';
    name: string;
    namespace: string;
    release: string;
    serviceAccount?: string;
  }[] = [
    { label: 'explicit release (Argo CD)', fleet: 'A', name: 'argo-explicit', namespace: 'argo-explicit', release: 'argo-rel' },
    { label: 'explicit release (Flux)', fleet: 'A', name: 'flux-explicit', namespace: 'flux-explicit', release: 'flux-rel' },
    { label: 'explicit release (Flux, outside the vCluster namespace)', fleet: 'B', name: 'rep', namespace: 'reporting', release: 'reporting' },
    { label: 'Argo CD default: the Application name', fleet: 'A', name: 'argo-default', namespace: 'argo-default', release: 'argo-default' },
    { label: 'Flux default in the vCluster namespace: the HelmRelease name', fleet: 'A', name: 'flux-own', namespace: 'flux-own', release: 'flux-own' },
    { label: 'Flux default with the vCluster in flux.namespace: the HelmRelease name', fleet: 'B', name: 'flux-local', namespace: 'flux-system', release: 'flux-local' },
    { label: 'Flux default with targetNamespace: <ns>-<name>', fleet: 'B', name: 'team-x', namespace: 'tenants', release: 'tenants-team-x' },
    {
      label: 'Flux default past 52 characters: shortened to a release a vCluster can run',
      fleet: 'B',
      name: 'analytics-warehouse-ingest',
      namespace: 'data-platform-analytics-warehouse',
      release: runnableShorten(LONG),
    },
    { label: 'none: the name', fleet: 'A', name: 'plain', namespace: 'plain', release: 'plain' },
    { label: 'serviceAccountName override (Argo CD)', fleet: 'A', name: 'argo-sa', namespace: 'argo-sa', release: 'argo-sa', serviceAccount: 'custom-sa' },
    { label: 'serviceAccountName override (Flux with targetNamespace)', fleet: 'B', name: 'sa', namespace: 'sa-ns', release: 'sa-ns-sa', serviceAccount: 'cp-sa' },
  ];

  test.each(CASES)('$label: release $release', (c) => {
    const t = treeOf(c.fleet);
    const subject = c.serviceAccount ?? `vc-${c.release}`;
    // GIVEN the release the tool will really install, THEN the values file is filed under it
    const values = t.values(c.namespace, c.release);
    expect(values.platform.apiKey).toEqual({ secretName: 'vcluster-platform-api-key', namespace: KEY_NS, createRBAC: false });
    expect(values.controlPlane?.advanced?.serviceAccount?.name).toBe(c.serviceAccount);

    // AND the delivery object installs exactly that release
    const app = t.ofKind('Application').find((a) => a.metadata.name === c.name);
    const hr = t.ofKind('HelmRelease').find((h) => h.metadata.name === c.name);
    if (app) {
      expect(app.spec.source.helm.releaseName).toBe(c.release);
      expect(app.spec.destination.namespace).toBe(c.namespace);
    }
    if (hr) {
      // Always explicit (FACTS §4 advises it) ...
      expect(hr.spec.releaseName).toBe(c.release);
      // ... and where the fleet left it unset, exactly what Flux would have picked without it.
      // Past 52 characters Flux's own pick (53) could not run, which is why releaseName is always written.
      const fluxOwn = c.release === runnableShorten(LONG) ? fluxShorten(LONG) : c.release;
      if (c.label.startsWith('Flux default') || c.label.includes('(Flux with')) expect(fluxReleaseOf({ ...hr, spec: { ...hr.spec, releaseName: undefined } })).toBe(fluxOwn);
      if (hr.metadata.namespace !== c.namespace) expect(hr.spec).toMatchObject({ targetNamespace: c.namespace, storageNamespace: c.namespace });
      else expect([hr.spec.targetNamespace, hr.spec.storageNamespace]).toEqual([undefined, undefined]);
    }

    // AND the RoleBinding in the key's namespace binds that release's service account (in the vCluster namespace)
    const role = chartRbacName(`vc-${c.release}-v-${c.namespace}-platform-role`);
    const binding = chartRbacName(`vc-${c.release}-v-${c.namespace}-platform-role-binding`);
    const rb = t.one('RoleBinding', binding, KEY_NS);
    expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: subject, namespace: c.namespace }]);
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role });
    expect(t.one('Role', role, KEY_NS).rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['vcluster-platform-api-key'] }]);
    expect({ delivery: app ? 'argocd' : hr ? 'flux' : 'none', release: c.release, subject, role, binding, values: valuesPathOf(c.namespace, c.release) }).toMatchSnapshot();
  });

  test.each([['A'], ['B']] as const)('fleet %s: one values file and one RoleBinding per vCluster, nothing else', (f) => {
    const t = treeOf(f);
    const cases = CASES.filter((c) => c.fleet === f);
    expect(t.valuesFiles()).toEqual(cases.map((c) => valuesPathOf(c.namespace, c.release)).sort());
    expect(
      t
        .ofKind('RoleBinding')
        .flatMap((rb) => rb.subjects as Obj[])
        .map((s) => `${s.namespace}/${s.name}`)
        .sort(),
    ).toEqual(cases.map((c) => `${c.namespace}/${c.serviceAccount ?? `vc-${c.release}`}`).sort());
  });
});

describe('key rotation', () => {
  // Key a is rotated; b has its own token; c has none. Each vCluster names its key in its name.
  function rotationFleet(token: string, argocd: Obj, flux: Obj): Obj {
    return fleet({
      apiKeys: { a: esKey('keys-a', { rotation: token }), b: esKey('keys-b', { rotation: 'b-1' }), c: esKey('keys-c') },
      defaults: { apiKey: 'a' },
      argocd,
      flux,
      vclusters: [
        { name: 'a-argo', delivery: 'argocd' },
        { name: 'a-flux', delivery: 'flux' },
        { name: 'a-none', delivery: 'none' },
        { name: 'b-argo', apiKey: 'b', delivery: 'argocd' },
        { name: 'b-flux', apiKey: 'b', delivery: 'flux' },
        { name: 'c-argo', apiKey: 'c', delivery: 'argocd' },
        { name: 'c-flux', apiKey: 'c', delivery: 'flux' },
      ],
    });
  }
  const ON_A = ['a-argo', 'a-flux', 'a-none'];
  const EXPECTED_TOKEN: Readonly<Record<string, (token: string) => string | undefined>> = { a: (token) => token, b: () => 'b-1', c: () => undefined };

  /** The values each delivery object carries for a vCluster, as the cluster will see them. */
  function deliveredValues(t: Tree, name: string): Obj | undefined {
    const app = t.ofKind('Application').find((a) => a.metadata.name === name);
    if (app) return app.spec.source?.helm?.valuesObject ?? t.values(name, name); // multi-source: the file in git
    const hr = t.ofKind('HelmRelease').find((h) => h.metadata.name === name);
    if (hr?.spec.values) return hr.spec.values;
    if (hr) return parse(t.one('ConfigMap', hr.spec.valuesFrom[0].name, hr.metadata.namespace).data['values.yaml']) as Obj;
    return undefined;
  }

  /** The delivery objects of one vCluster (Application, HelmRelease, values ConfigMap), for unchanged-ness. */
  function deliveryObjects(t: Tree, name: string): Obj[] {
    return t
      .objects()
      .filter((o) => (['Application', 'HelmRelease'].includes(o.kind) && o.metadata.name === name) || (o.kind === 'ConfigMap' && o.metadata.name === `${name}-values`));
  }

  test.each([
    ['Argo CD inline values, Flux inline values', {}, {}],
    ['Argo CD values from git, Flux values from ConfigMaps', { valuesRepository: { repoURL: 'https://github.com/acme/gitops.git' } }, { valuesFrom: 'configMap' }],
  ])('%s: a new token on key a rolls exactly the vClusters on key a', (_label, argocd, flux) => {
    // GIVEN the fleet synthesized with token 2026-11, WHEN key a's token changes to 2026-12
    const before = synth(rotationFleet('2026-11', argocd, flux));
    const after = synth(rotationFleet('2026-12', argocd, flux));

    for (const [t, token] of [
      [before, '2026-11'],
      [after, '2026-12'],
    ] as const) {
      for (const vc of ['a-argo', 'a-flux', 'a-none', 'b-argo', 'b-flux', 'c-argo', 'c-flux']) {
        const expected = EXPECTED_TOKEN[vc[0]!]!(token);
        // THEN the pod annotation of the vcluster.yaml and of what the delivery object applies carry the key's token
        expect({ vc, file: rotationOf(t.values(vc, vc)) }).toEqual({ vc, file: expected });
        if (vc !== 'a-none') expect({ vc, delivered: rotationOf(deliveredValues(t, vc)) }).toEqual({ vc, delivered: expected });
      }
    }
    // AND nothing of the vClusters on other keys changed
    for (const vc of ['b-argo', 'b-flux', 'c-argo', 'c-flux']) {
      expect(after.valuesText(vc, vc)).toBe(before.valuesText(vc, vc));
      expect(deliveryObjects(after, vc)).toEqual(deliveryObjects(before, vc));
    }
    // AND every file that changed belongs to a vCluster on key a (or is a delivery file listing it)
    const changed = [...after.files.keys()].filter((p) => after.files.get(p) !== before.files.get(p));
    expect(changed).toEqual(expect.arrayContaining(ON_A.map((vc) => valuesPathOf(vc, vc))));
    // Key a's own folders only: the other keys' Applications, HelmReleases and key objects are untouched.
    const allowed = [
      ...ON_A.map((vc) => valuesPathOf(vc, vc)),
      'argocd/applications.yaml',
      'argocd/a/applications.yaml',
      'flux/a/helmreleases.yaml',
      'flux/a/values-configmaps.yaml',
      'keys/a/access-keys.yaml',
    ];
    expect(changed.filter((p) => !allowed.includes(p))).toEqual([]);
    expect([...after.files.keys()]).toEqual([...before.files.keys()]);
  });

  // Regression: a token on an `existing` key was once dropped (fromSecretName carried no rotation).
  test('a token on an existing key rolls the vClusters using it too', () => {
    const t = synth(
      fleet({
        apiKeys: { legacy: { namespace: 'vcluster-platform', secretName: 'old-key', rotation: '2026-11', existing: {} } },
        defaults: { apiKey: 'legacy', delivery: 'argocd' },
        vclusters: [{ name: 'team-a' }],
      }),
    );
    expect(rotationOf(t.values('team-a', 'team-a'))).toBe('2026-11');
    expect(rotationOf(t.one('Application', 'team-a').spec.source.helm.valuesObject)).toBe('2026-11');
  });
});

describe('ClusterExternalSecret fan-out', () => {
  test('a fanned-out key: one ClusterExternalSecret selecting exactly the consuming namespaces, no RBAC for them, values in their own namespace', () => {
    // GIVEN a fan-out key used by three vClusters (Argo CD, Flux, none) and a plain key used by one
    const t = synth(
      fleet({
        apiKeys: {
          shared: esKey('vcluster-platform', { fanOut: 'clusterExternalSecret', secretName: 'platform-key' }),
          other: esKey('keys-other'),
        },
        vclusters: [
          { name: 'team-a', delivery: 'argocd' },
          { name: 'team-b', namespace: 'tenants', delivery: 'flux' },
          { name: 'team-c', delivery: 'none', rbac: 'chart' },
          { name: 'solo', apiKey: 'other', delivery: 'argocd' },
        ],
      }),
    );
    expect(t.files.get('keys/shared/access-keys.yaml')).toMatchSnapshot();

    // THEN one ClusterExternalSecret whose selector lists exactly the consumers' namespaces
    const [ces, ...more] = t.ofKind('ClusterExternalSecret');
    expect(more).toEqual([]);
    expect(ces!.metadata.namespace).toBeUndefined();
    const selected = (ces!.spec.namespaceSelectors as Obj[]).flatMap((s) =>
      (s.matchExpressions as Obj[]).filter((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'In').flatMap((e) => e.values as string[]),
    );
    expect(selected.sort()).toEqual(['team-a', 'team-c', 'tenants']);
    expect(ces!.spec.namespaceSelector).toBeUndefined();
    expect(ces!.spec.externalSecretSpec.target.name).toBe('platform-key');
    expect(ces!.spec.externalSecretSpec.data).toEqual([
      { secretKey: 'accessKey', remoteRef: { key: 'platform/vcluster-platform', conversionStrategy: 'Default', decodingStrategy: 'None', metadataPolicy: 'None' } },
    ]);
    expect(wave(ces!)).toBe('-1');

    // AND the plain key is an ExternalSecret in its namespace; the fanned-out one has none
    expect(t.ofKind('ExternalSecret').map((e) => `${e.metadata.namespace}/${e.metadata.name}`)).toEqual(['keys-other/vcluster-platform-api-key']);

    // AND RBAC exists only for the vCluster on the plain key
    const subjects = t.ofKind('RoleBinding').flatMap((rb) => rb.subjects as Obj[]);
    expect(subjects).toEqual([{ kind: 'ServiceAccount', name: 'vc-solo', namespace: 'solo' }]);
    expect(t.ofKind('Role').map((r) => r.metadata.namespace)).toEqual(['keys-other']);

    // AND each consumer's values read the Secret in its own namespace
    for (const [namespace, release] of [
      ['team-a', 'team-a'],
      ['tenants', 'team-b'],
      ['team-c', 'team-c'],
    ] as const) {
      expect(t.values(namespace, release).platform.apiKey).toMatchObject({ secretName: 'platform-key', namespace });
    }
    expect(t.values('solo', 'solo').platform.apiKey).toMatchObject({ secretName: 'vcluster-platform-api-key', namespace: 'keys-other' });
    // The fan-out key's own namespace is not created (nothing lives there); consumers' namespaces are.
    expect(t.ofKind('Namespace').map((n) => n.metadata.name)).toEqual(['keys-other', 'solo', 'team-a', 'team-c', 'tenants']);
  });
});
