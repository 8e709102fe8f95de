import { ApiObject, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ARGOCD_RESOURCES_FINALIZER,
  VClusterApplication,
  VClusterApplicationProps,
  VClusterApplicationSet,
  VClusterApplicationSetProps,
  argoCdEffectiveReleaseName,
  renderApplication,
  renderApplicationSet,
} from '../../src/delivery/argocd';
import { AccessKeySource } from '../../src/constructs/access-key-source';
import { Manifest, PlatformApiKey } from '../../src/constructs/platform-api-key';
import { RemovalPolicy } from '../../src/delivery/removal-policy';
import { SYNC_WAVE_ANNOTATION, SyncWave, setSyncWave, syncWaveOf } from '../../src/delivery/sync-order';
import { VClusterPlatformConnection } from '../../src/constructs/vcluster-platform-connection';
import { describeShared } from '../support/shared';
import { byKind, connectionThroughExistingKey, EXISTING_KEY_NS, newChart } from '../support/construct-testing';
import { validateAgainstCrd } from '../support/crd';
import { validationErrorOf } from '../support/errors';

const KEY_NS = EXISTING_KEY_NS;
const VALUES_REPO = { repoURL: 'https://git.example.com/acme/platform.git', targetRevision: 'main' };

// `any` keeps the deep asserts on rendered JSON readable; the values are checked by the asserts themselves.
function spec(m: Manifest): Record<string, any> {
  return m.spec as Record<string, any>;
}

describe('VClusterApplication', () => {
  test('renders one Application with inline values, explicit releaseName and wave 1', () => {
    // GIVEN
    const chart = newChart();
    const conn = connectionThroughExistingKey(chart, 'team-a', 'team-a');
    // WHEN
    const app = new VClusterApplication(chart, 'app', { connection: conn });
    const objects = Testing.synth(chart) as Manifest[];
    // THEN
    expect(objects).toMatchSnapshot();
    const [application] = byKind(objects, 'Application');
    expect(application).toBeDefined();
    expect(application!.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(application!.metadata).toEqual({ name: 'team-a', namespace: 'argocd', annotations: { [SYNC_WAVE_ANNOTATION]: '1' } });
    const s = spec(application!);
    expect(s.project).toBe('default');
    expect(s.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'team-a' });
    expect(s.source.repoURL).toBe('https://charts.loft.sh');
    expect(s.source.chart).toBe('vcluster');
    expect(s.source.targetRevision).toBe('0.36.1');
    expect(s.source.helm.releaseName).toBe('team-a');
    expect(s.source.helm.valuesObject).toEqual(conn.values);
    expect(s.source.helm.valuesObject.platform.apiKey).toEqual({ secretName: 'vcluster-platform-api-key', namespace: KEY_NS, createRBAC: false });
    expect(s.sources).toBeUndefined();
    // Retried with backoff: otherwise an automated sync that failed is not tried again for the same commit.
    expect(s.syncPolicy).toEqual({
      automated: { prune: false, selfHeal: false },
      syncOptions: ['CreateNamespace=true'],
      retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
    });
    // RemovalPolicy.KEEP by default: no resources finalizer, so deleting the Application leaves the vCluster running.
    expect(application!.metadata.finalizers).toBeUndefined();
    expect(app.releaseName).toBe('team-a');
    expect(app.name).toBe('team-a');
  });

  test('multi-source: the chart reads $values/<path> from a `ref: values` git source', () => {
    const chart = newChart();
    const conn = connectionThroughExistingKey(chart, 'team-b', 'team-b', '0.31.3');
    new VClusterApplication(chart, 'app', {
      connection: conn,
      valuesRepository: { ...VALUES_REPO, path: 'dist/vclusters/team-b/team-b/vcluster.yaml' },
    });
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects).toMatchSnapshot();
    const s = spec(byKind(objects, 'Application')[0]!);
    expect(s.source).toBeUndefined();
    expect(s.sources).toEqual([
      {
        repoURL: 'https://charts.loft.sh',
        chart: 'vcluster',
        targetRevision: '0.31.3',
        helm: { releaseName: 'team-b', valueFiles: ['$values/dist/vclusters/team-b/team-b/vcluster.yaml'] },
      },
      { repoURL: VALUES_REPO.repoURL, targetRevision: 'main', ref: 'values' },
    ]);
  });

  test('the values git source defaults to HEAD', () => {
    const chart = newChart();
    const m = renderApplication({ connection: connectionThroughExistingKey(chart, 'a', 'a'), valuesRepository: { repoURL: VALUES_REPO.repoURL, path: 'a.yaml' } });
    expect(spec(m).sources[1]).toEqual({ repoURL: VALUES_REPO.repoURL, targetRevision: 'HEAD', ref: 'values' });
  });

  test('options: manual sync, no CreateNamespace, no retries, uninstall on removal, other project, server, wave and repo', () => {
    const chart = newChart();
    const m = renderApplication({
      connection: connectionThroughExistingKey(chart, 'a', 'a', 'v0.32.0'),
      name: 'vc-a',
      namespace: 'gitops',
      project: 'tenants',
      destinationServer: 'https://10.0.0.1:6443',
      repoURL: 'https://mirror.example.com/loft',
      syncWave: 5,
      automated: false,
      createNamespace: false,
      retryLimit: 0,
      onRemoval: RemovalPolicy.UNINSTALL,
    });
    expect(m.metadata).toEqual({ name: 'vc-a', namespace: 'gitops', annotations: { [SYNC_WAVE_ANNOTATION]: '5' }, finalizers: [ARGOCD_RESOURCES_FINALIZER] });
    const s = spec(m);
    expect(s.project).toBe('tenants');
    expect(s.destination.server).toBe('https://10.0.0.1:6443');
    expect(s.source.repoURL).toBe('https://mirror.example.com/loft');
    // The Helm repository lists chart versions without the leading v.
    expect(s.source.targetRevision).toBe('0.32.0');
    expect(s.syncPolicy).toBeUndefined();
  });

  test('prune and selfHeal are switchable under automated sync', () => {
    const chart = newChart();
    const m = renderApplication({ connection: connectionThroughExistingKey(chart, 'a', 'a'), prune: true, selfHeal: true });
    expect(spec(m).syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  test('renderApplication is pure: same props, equal manifests', () => {
    const chart = newChart();
    const props: VClusterApplicationProps = { connection: connectionThroughExistingKey(chart, 'a', 'a') };
    expect(renderApplication(props)).toEqual(renderApplication(props));
    // The manifest holds a copy of the values: changing it leaves the connection alone.
    const before = structuredClone(props.connection.values);
    spec(renderApplication(props)).source.helm.valuesObject.platform.project = 'changed';
    expect(props.connection.values).toEqual(before);
  });
});

describe('release names under Argo CD (FACTS §4)', () => {
  test.each([
    // [case, Application name, helm.releaseName, expected release]
    ['explicit releaseName wins over the Application name', 'my-app', 'team-a', 'team-a'],
    ['Argo default: the Application name', 'team-a', undefined, 'team-a'],
    ['an empty releaseName is unset', 'team-a', '', 'team-a'],
  ])('%s', (_case, name, releaseName, expected) => {
    expect(argoCdEffectiveReleaseName({ name, releaseName })).toBe(expected);
  });

  test('helm.releaseName is always written, so a renamed Application keeps the connection release', () => {
    const chart = newChart();
    const conn = connectionThroughExistingKey(chart, 'team-a', 'team-a');
    const byDefault = renderApplication({ connection: conn });
    const renamed = renderApplication({ connection: conn, name: 'payments-vcluster' });
    for (const m of [byDefault, renamed]) {
      const helm = spec(m).source.helm;
      expect(helm.releaseName).toBe('team-a');
      expect(argoCdEffectiveReleaseName({ name: m.metadata.name, releaseName: helm.releaseName })).toBe(conn.release);
    }
    // Without the explicit releaseName, Argo's default (the Application name) would be the release.
    expect(byDefault.metadata.name).toBe('team-a');
    expect(argoCdEffectiveReleaseName({ name: renamed.metadata.name })).toBe('payments-vcluster');
  });
});

describe('VClusterApplicationSet', () => {
  function members(scope: Construct) {
    return [
      { connection: connectionThroughExistingKey(scope, 'b', 'team-b'), valuesPath: 'dist/vclusters/team-b/b/vcluster.yaml' },
      { connection: connectionThroughExistingKey(scope, 'a', 'team-a', '0.31.3'), name: 'team-a-vcluster', valuesPath: 'dist/vclusters/team-a/a/vcluster.yaml' },
    ];
  }

  test('renders ONE ApplicationSet with a list generator, goTemplate and missingkey=error', () => {
    const chart = newChart();
    const set = new VClusterApplicationSet(chart, 'set', { vclusters: members(chart), valuesRepository: VALUES_REPO });
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects).toMatchSnapshot();
    const sets = byKind(objects, 'ApplicationSet');
    expect(sets).toHaveLength(1);
    expect(byKind(objects, 'Application')).toHaveLength(0);
    const s = spec(sets[0]!);
    expect(sets[0]!.metadata).toEqual({ name: 'vclusters', namespace: 'argocd', annotations: { [SYNC_WAVE_ANNOTATION]: '1' } });
    expect(s.goTemplate).toBe(true);
    expect(s.goTemplateOptions).toEqual(['missingkey=error']);
    // Elements in the order given, not sorted.
    expect(s.generators).toEqual([
      {
        list: {
          elements: [
            { name: 'b', namespace: 'team-b', release: 'b', chartVersion: '0.36.1', valuesPath: 'dist/vclusters/team-b/b/vcluster.yaml' },
            { name: 'team-a-vcluster', namespace: 'team-a', release: 'a', chartVersion: '0.31.3', valuesPath: 'dist/vclusters/team-a/a/vcluster.yaml' },
          ],
        },
      },
    ]);
    expect(s.template.metadata).toEqual({ name: '{{.name}}', namespace: 'argocd' });
    expect(s.template.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: '{{.namespace}}' });
    expect(s.template.spec.sources).toEqual([
      {
        repoURL: 'https://charts.loft.sh',
        chart: 'vcluster',
        targetRevision: '{{.chartVersion}}',
        helm: { releaseName: '{{.release}}', valueFiles: ['$values/{{.valuesPath}}'] },
      },
      { repoURL: VALUES_REPO.repoURL, targetRevision: 'main', ref: 'values' },
    ]);
    expect(s.template.spec.syncPolicy).toEqual({
      automated: { prune: false, selfHeal: false },
      syncOptions: ['CreateNamespace=true'],
      retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
    });
    // KEEP by default: without preserveResourcesOnDeletion the ApplicationSet controller would add the
    // resources finalizer itself, and dropping an element would uninstall that vCluster.
    expect(s.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    expect(set.applicationNames).toEqual(['b', 'team-a-vcluster']);
  });

  test('every template key the elements are read with is present in every element', () => {
    const chart = newChart();
    const m = renderApplicationSet({ vclusters: members(chart), valuesRepository: VALUES_REPO });
    const text = JSON.stringify(spec(m).template);
    const used = [...text.matchAll(/\{\{\.(\w+)\}\}/g)].map((x) => x[1]);
    expect(new Set(used)).toEqual(new Set(['name', 'namespace', 'release', 'chartVersion', 'valuesPath']));
    for (const element of spec(m).generators[0].list.elements) {
      for (const key of used) expect(element).toHaveProperty(key!);
    }
  });

  test('RemovalPolicy.UNINSTALL puts the finalizer on the generated Applications, not on the ApplicationSet, and lets Argo CD cascade', () => {
    const chart = newChart();
    const m = renderApplicationSet({ name: 'fleet', vclusters: members(chart), valuesRepository: VALUES_REPO, onRemoval: RemovalPolicy.UNINSTALL });
    expect(m).toMatchSnapshot();
    expect(m.metadata.finalizers).toBeUndefined();
    expect(spec(m).template.metadata.finalizers).toEqual([ARGOCD_RESOURCES_FINALIZER]);
    expect(spec(m).syncPolicy).toBeUndefined();
  });
});

describe('sync waves: key and RBAC objects before the Applications', () => {
  test('setSyncWave annotates every ApiObject below a scope; the Application comes last', () => {
    // GIVEN the keys, the connections (with their RBAC) and the Applications in separate scopes
    const chart = newChart();
    const namespaces = new Construct(chart, 'namespaces');
    for (const ns of ['platform-keys', 'team-a', 'team-b']) {
      new ApiObject(namespaces, ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    const keys = new Construct(chart, 'keys');
    const key = new PlatformApiKey(keys, 'key', {
      namespace: KEY_NS,
      host: 'platform.example.com',
      source: AccessKeySource.externalSecret({ storeName: 'vault', remoteKey: 'vcluster/platform' }),
    });
    const vclusters = new Construct(chart, 'vclusters');
    const conns = ['team-a', 'team-b'].map((ns) => new VClusterPlatformConnection(vclusters, ns, { release: ns, namespace: ns, vclusterVersion: '0.36.1', apiKey: key }));
    const apps = new Construct(chart, 'apps');
    conns.forEach((c) => new VClusterApplication(apps, c.release, { connection: c }));

    // WHEN
    expect(setSyncWave(namespaces, SyncWave.NAMESPACES)).toBe(3);
    expect(setSyncWave(keys, SyncWave.ACCESS_KEYS)).toBe(1);
    expect(setSyncWave(vclusters, SyncWave.RBAC)).toBe(4);
    const objects = Testing.synth(chart) as Manifest[];

    // THEN
    expect(objects.map((o) => `${o.kind} ${o.metadata.name} ${syncWaveOf(o)}`)).toMatchSnapshot();
    const appWaves = byKind(objects, 'Application').map(syncWaveOf);
    expect(appWaves).toEqual([SyncWave.APPLICATIONS, SyncWave.APPLICATIONS]);
    const earlier = objects.filter((o) => o.kind !== 'Application');
    expect(earlier.map((o) => o.kind).sort()).toEqual(['ExternalSecret', 'Namespace', 'Namespace', 'Namespace', 'Role', 'Role', 'RoleBinding', 'RoleBinding']);
    for (const o of earlier) {
      expect(syncWaveOf(o)).toBeLessThan(Math.min(...appWaves));
      expect(typeof (o.metadata.annotations as Record<string, unknown>)[SYNC_WAVE_ANNOTATION]).toBe('string');
    }
    for (const ns of byKind(objects, 'Namespace')) expect(syncWaveOf(ns)).toBeLessThan(syncWaveOf(byKind(objects, 'ExternalSecret')[0]!));
  });

  test('the wave plan is ordered: namespaces < keys = RBAC < unannotated (0) < Applications', () => {
    expect(SyncWave.NAMESPACES).toBeLessThan(SyncWave.ACCESS_KEYS);
    expect(SyncWave.ACCESS_KEYS).toBe(SyncWave.RBAC);
    expect(SyncWave.RBAC).toBeLessThan(0);
    expect(SyncWave.APPLICATIONS).toBeGreaterThan(0);
  });

  test('setSyncWave: the last call wins, and other annotations stay', () => {
    const chart = newChart();
    const obj = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { keep: 'me' } } });
    setSyncWave(chart, 3);
    setSyncWave(chart, -4);
    expect(obj.toJson().metadata.annotations).toEqual({ keep: 'me', [SYNC_WAVE_ANNOTATION]: '-4' });
  });

  test.each([
    ['no annotation', undefined, 0],
    ['a negative wave', '-2', -2],
    ['an unparsable wave (Argo CD falls back to 0)', 'soon', 0],
  ])('syncWaveOf: %s', (_case, text, wave) => {
    const m: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', ...(text !== undefined ? { annotations: { [SYNC_WAVE_ANNOTATION]: text } } : {}) } };
    expect(syncWaveOf(m)).toBe(wave);
  });

  test.each([[1.5], [Number.NaN], ['1' as unknown as number]])('fails setSyncWave with the non-integer wave %p', (wave) => {
    const e = validationErrorOf(() => setSyncWave(newChart(), wave));
    expect(e.message).toContain('wave: not a valid sync wave');
    expect(e.message).toContain('allowed: an integer');
  });
});

describe('Argo CD errors', () => {
  test('fails with every problem of an Application at once, naming field and value', () => {
    const chart = newChart();
    const e = validationErrorOf(() =>
      renderApplication({
        connection: connectionThroughExistingKey(chart, 'a', 'a'),
        name: 'Team_A',
        namespace: 'Argo CD',
        project: '',
        destinationServer: 'kubernetes.default.svc',
        repoURL: 'https://charts.loft.sh/{{.x}}',
        syncWave: 0.5,
        valuesRepository: { repoURL: 'git repo', targetRevision: 'main branch', path: '/dist/a.yaml' },
      }),
    );
    expect(e.message).toMatch(/^VClusterApplication for vCluster a\/a: 9 problems:/);
    for (const expected of [
      'name: not a valid Application name; got "Team_A"',
      'namespace: not a valid namespace; got "Argo CD"',
      'project: not a valid Argo CD project name; got ""',
      'destinationServer: not an API server URL; got "kubernetes.default.svc"',
      'repoURL: not a chart repository URL; got "https://charts.loft.sh/{{.x}}"',
      'syncWave: not a valid sync wave',
      'valuesRepository.repoURL: not a repository URL; got "git repo"',
      'valuesRepository.targetRevision: not a git revision; got "main branch"',
      'valuesRepository.path: not a path inside the repository; got "/dist/a.yaml"',
    ]) {
      expect(e.message).toContain(expected);
    }
  });

  test.each([['../outside.yaml'], ['dist//a.yaml'], ['./dist/a.yaml'], ['dist/a.yaml/'], ['dist/${x}.yaml'], ['']])('fails on the values path %j', (path) => {
    const chart = newChart();
    const e = validationErrorOf(() => renderApplication({ connection: connectionThroughExistingKey(chart, 'a', 'a'), valuesRepository: { ...VALUES_REPO, path } }));
    expect(e.problems.map((p) => p.path)).toEqual(['valuesRepository.path']);
  });

  test.each([['prune'], ['selfHeal']] as const)('fails when %s is on without automated sync', (field) => {
    const chart = newChart();
    const e = validationErrorOf(() => renderApplication({ connection: connectionThroughExistingKey(chart, 'a', 'a'), automated: false, [field]: true }));
    expect(e.message).toContain(`${field}: only takes effect with automated sync; got true (allowed: false, or automated: true)`);
  });

  test.each([
    ['cascadeDelete: true', { cascadeDelete: true }, 'cascadeDelete: was replaced by onRemoval; got true (allowed: onRemoval: RemovalPolicy.UNINSTALL'],
    ['cascadeDelete: false', { cascadeDelete: false }, 'cascadeDelete: was replaced by onRemoval; got false (allowed: onRemoval: RemovalPolicy.KEEP'],
    ['an unknown onRemoval', { onRemoval: 'orphan' }, 'onRemoval: unknown removal policy; got "orphan" (allowed: keep, uninstall)'],
    ['a negative retryLimit', { retryLimit: -1 }, 'retryLimit: not a retry count; got -1'],
  ])('fails on %s, saying what to write instead', (_case, extra, expected) => {
    const chart = newChart();
    const props = { connection: connectionThroughExistingKey(chart, 'a', 'a'), ...extra } as unknown as VClusterApplicationProps;
    expect(validationErrorOf(() => renderApplication(props)).message).toContain(expected);
  });

  test.each([
    ['53 characters', 'a'.repeat(53), /is 53 characters, too long for a vCluster release name.*at most 52/],
    ['a leading digit', '1team', /must start with a letter/],
  ])('fails on a connection whose release cannot run (%s), in an Application and an ApplicationSet', (_case, release, message) => {
    const chart = newChart();
    // A connection refuses such a release itself; this one was altered after construction.
    const connection = Object.assign(Object.create(VClusterPlatformConnection.prototype) as VClusterPlatformConnection, connectionThroughExistingKey(chart, 'a', 'a'), {
      release,
    });
    const app = validationErrorOf(() => renderApplication({ connection }));
    expect(app.problems.map((p) => p.path)).toEqual(['connection.release']);
    expect(app.message).toMatch(message);
    const set = validationErrorOf(() => renderApplicationSet({ vclusters: [{ connection, valuesPath: 'a.yaml' }], valuesRepository: VALUES_REPO }));
    expect(set.problems.map((p) => p.path)).toEqual(['vclusters[0].connection.release']);
  });

  test('fails without a connection', () => {
    const e = validationErrorOf(() => new VClusterApplication(newChart(), 'app', { connection: undefined as unknown as VClusterPlatformConnection }));
    expect(e.message).toContain('connection: must be a VClusterPlatformConnection; got "undefined"');
  });

  test('fails on a name longer than 63 characters', () => {
    const chart = newChart();
    const e = validationErrorOf(() => renderApplication({ connection: connectionThroughExistingKey(chart, 'a', 'a'), name: 'a'.repeat(64) }));
    expect(e.problems.map((p) => p.path)).toEqual(['name']);
  });

  test('fails an ApplicationSet without valuesRepository, saying why and what to do instead', () => {
    const chart = newChart();
    const props: VClusterApplicationSetProps = { vclusters: [{ connection: connectionThroughExistingKey(chart, 'a', 'a'), valuesPath: 'a.yaml' }] };
    const e = validationErrorOf(() => new VClusterApplicationSet(chart, 'set', props));
    expect(e.message).toMatch(/^VClusterApplicationSet "argocd"\/"vclusters": 1 problem:/);
    expect(e.message).toContain('valuesRepository: an ApplicationSet needs the repository holding the generated vcluster.yaml files');
    expect(e.message).toContain('one VClusterApplication per vCluster with inline values');
  });

  test('fails an ApplicationSet with no vClusters, a duplicate Application name and bad members', () => {
    const chart = newChart();
    expect(validationErrorOf(() => renderApplicationSet({ vclusters: [], valuesRepository: VALUES_REPO })).message).toContain(
      'vclusters: an ApplicationSet needs at least one vCluster',
    );
    const e = validationErrorOf(() =>
      renderApplicationSet({
        name: 'Fleet',
        valuesRepository: VALUES_REPO,
        vclusters: [
          { connection: connectionThroughExistingKey(chart, 'a', 'team-a'), valuesPath: 'a.yaml' },
          { connection: connectionThroughExistingKey(chart, 'a', 'team-b'), valuesPath: 'b.yaml' },
          { connection: connectionThroughExistingKey(chart, 'c', 'team-c'), name: 'c.d', valuesPath: '../c.yaml' },
          { connection: {} as VClusterPlatformConnection, valuesPath: 'd.yaml' },
        ],
      }),
    );
    expect(e.problems.map((p) => p.path)).toEqual(['name', 'vclusters[1].name', 'vclusters[2].name', 'vclusters[2].valuesPath', 'vclusters[3].connection']);
    expect(e.message).toContain('vclusters[1].name: Application name already generated by vclusters[0]');
  });
});

describeShared('Argo CD objects validate against the CRDs in ../shared/crds', () => {
  const cases: [string, (scope: Construct) => void][] = [
    ['Application, inline values', (s) => new VClusterApplication(s, 'app', { connection: connectionThroughExistingKey(s, 'a', 'a') })],
    [
      'Application, multi-source',
      (s) => new VClusterApplication(s, 'app', { connection: connectionThroughExistingKey(s, 'a', 'a'), valuesRepository: { ...VALUES_REPO, path: 'x/a.yaml' } }),
    ],
    [
      'Application, every option',
      (s) =>
        new VClusterApplication(s, 'app', {
          connection: connectionThroughExistingKey(s, 'a', 'a', '0.31.3'),
          name: 'x',
          namespace: 'gitops',
          project: 'p',
          destinationServer: 'https://h:6443',
          syncWave: -3,
          prune: true,
          selfHeal: true,
          createNamespace: false,
          onRemoval: RemovalPolicy.UNINSTALL,
        }),
    ],
    ['Application, manual sync', (s) => new VClusterApplication(s, 'app', { connection: connectionThroughExistingKey(s, 'a', 'a'), automated: false })],
    [
      'ApplicationSet',
      (s) =>
        new VClusterApplicationSet(s, 'set', {
          vclusters: [
            { connection: connectionThroughExistingKey(s, 'a', 'a'), valuesPath: 'a.yaml' },
            { connection: connectionThroughExistingKey(s, 'b', 'b'), valuesPath: 'b.yaml' },
          ],
          valuesRepository: VALUES_REPO,
          onRemoval: RemovalPolicy.UNINSTALL,
        }),
    ],
  ];

  test.each(cases)('%s', (_name, make) => {
    const chart = newChart();
    make(chart);
    // What cdk8s emits, not only what the render function returned.
    const custom = (Testing.synth(chart) as Manifest[]).filter((m) => m.apiVersion.startsWith('argoproj.io/'));
    expect(custom).toHaveLength(1);
    expect(validateAgainstCrd(custom[0])).toEqual([]);
  });

  test('a wrong field is caught (the validation can fail)', () => {
    const chart = newChart();
    const m = renderApplication({ connection: connectionThroughExistingKey(chart, 'a', 'a') });
    expect(validateAgainstCrd({ ...m, spec: { ...spec(m), syncPolicy: { automatic: {} } } })).not.toEqual([]);
  });
});
