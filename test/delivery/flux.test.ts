import { createHash } from 'crypto';
import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import {
  FluxKustomization,
  FluxSourceKind,
  FluxValuesSource,
  VClusterHelmRelease,
  VClusterHelmReleaseProps,
  VClusterHelmRepository,
  fluxEffectiveReleaseName,
  renderFluxKustomization,
  renderHelmRelease,
  renderHelmRepository,
} from '../../src/delivery/flux';
import { Manifest, PlatformApiKey } from '../../src/constructs/platform-api-key';
import { VClusterPlatformConnection } from '../../src/constructs/vcluster-platform-connection';
import { fluxDefaultReleaseName } from '../../src/constructs/names';
import { RemovalPolicy } from '../../src/delivery/removal-policy';
import { describeShared } from '../support/shared';
import { byKind, connectionThroughExistingKey, EXISTING_KEY_NS, newChart } from '../support/construct-testing';
import { validateAgainstCrd } from '../support/crd';
import { validationErrorOf } from '../support/errors';

const KEY_NS = EXISTING_KEY_NS;

// `any` keeps the deep asserts on rendered JSON readable; the values are checked by the asserts themselves.
function spec(m: Manifest): Record<string, any> {
  return m.spec as Record<string, any>;
}

/** Flux's shortening, written here from FACTS §4 rather than imported from src/. */
function shortened(full: string): string {
  if (full.length <= 53) return full;
  return `${full.slice(0, 40)}-${createHash('sha256').update(full, 'utf8').digest('hex').slice(0, 12)}`;
}

describe('VClusterHelmRepository', () => {
  test('defaults: loft-sh in flux-system, https://charts.loft.sh, every hour', () => {
    const chart = newChart();
    const repo = new VClusterHelmRepository(chart, 'repo');
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects).toMatchSnapshot();
    expect(objects).toEqual([
      {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'HelmRepository',
        metadata: { name: 'loft-sh', namespace: 'flux-system' },
        spec: { interval: '1h', url: 'https://charts.loft.sh' },
      },
    ]);
    expect({ name: repo.name, namespace: repo.namespace }).toEqual({ name: 'loft-sh', namespace: 'flux-system' });
  });

  test('an oci:// URL gets type oci', () => {
    expect(spec(renderHelmRepository({ url: 'oci://ghcr.io/acme/charts' }))).toEqual({ interval: '1h', url: 'oci://ghcr.io/acme/charts', type: 'oci' });
  });

  test('fails on a bad name, namespace, URL and interval, all at once', () => {
    const e = validationErrorOf(() => renderHelmRepository({ name: 'Loft', namespace: 'flux system', url: 'charts.loft.sh', interval: '1 hour' }));
    expect(e.problems.map((p) => p.path)).toEqual(['name', 'namespace', 'url', 'interval']);
    expect(e.message).toContain('url: not a Helm repository URL; got "charts.loft.sh"');
    expect(e.message).toContain('interval: not a Flux duration; got "1 hour" (allowed: a Go duration such as "30s", "10m" or "1h30m")');
  });
});

describe('VClusterHelmRelease', () => {
  test('in the vCluster namespace: Flux default naming is the name, no targetNamespace or storageNamespace', () => {
    const chart = newChart();
    const conn = connectionThroughExistingKey(chart, 'team-a', 'team-a');
    const repo = new VClusterHelmRepository(chart, 'repo');
    const hr = new VClusterHelmRelease(chart, 'hr', { connection: conn, helmRepository: repo });
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects).toMatchSnapshot();
    const [release] = byKind(objects, 'HelmRelease');
    expect(release!.apiVersion).toBe('helm.toolkit.fluxcd.io/v2');
    // RemovalPolicy.KEEP by default: the Kustomization never prunes it, so the release is never uninstalled by a git change.
    expect(release!.metadata).toEqual({ name: 'team-a', namespace: 'team-a', annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } });
    expect(spec(release!)).toEqual({
      interval: '10m',
      chart: { spec: { chart: 'vcluster', version: '0.36.1', sourceRef: { kind: 'HelmRepository', name: 'loft-sh', namespace: 'flux-system' } } },
      // A failed install or upgrade is retried every 5 minutes, without uninstall or rollback.
      install: { strategy: { name: 'RetryOnFailure', retryInterval: '5m' } },
      upgrade: { strategy: { name: 'RetryOnFailure', retryInterval: '5m' } },
      values: conn.values,
    });
    expect(hr.effectiveReleaseName).toBe('team-a');
    expect(hr.configMap).toBeUndefined();
    expect(byKind(objects, 'ConfigMap')).toHaveLength(0);
  });

  test('outside the vCluster namespace with an explicit releaseName: targetNamespace, storageNamespace, createNamespace', () => {
    const chart = newChart();
    const conn = connectionThroughExistingKey(chart, 'team-b', 'team-b', '0.31.3');
    const hr = new VClusterHelmRelease(chart, 'hr', { connection: conn, name: 'vcluster-team-b', namespace: 'flux-system', releaseName: 'team-b' });
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects).toMatchSnapshot();
    const s = spec(byKind(objects, 'HelmRelease')[0]!);
    expect(s.releaseName).toBe('team-b');
    expect(s.targetNamespace).toBe('team-b');
    expect(s.storageNamespace).toBe('team-b');
    expect(s.install).toEqual({ createNamespace: true, strategy: { name: 'RetryOnFailure', retryInterval: '5m' } });
    expect(s.chart.spec.version).toBe('0.31.3');
    expect(s.values.external.platform.apiKey).toEqual({ secretName: 'vcluster-platform-api-key', namespace: KEY_NS, createRBAC: false });
    expect(hr.effectiveReleaseName).toBe('team-b');
  });

  test('outside, Flux default naming <targetNamespace>-<name>: no releaseName written', () => {
    const chart = newChart();
    const conn = connectionThroughExistingKey(chart, 'team-c-vc', 'team-c');
    const rendered = renderHelmRelease({ connection: conn, name: 'vc', namespace: 'flux-system', createNamespace: false, retryInterval: '2m' });
    expect(rendered.effectiveReleaseName).toBe('team-c-vc');
    expect(rendered.outsideVClusterNamespace).toBe(true);
    const s = spec(rendered.helmRelease);
    expect(s.releaseName).toBeUndefined();
    expect(s.targetNamespace).toBe('team-c');
    expect(s.storageNamespace).toBe('team-c');
    expect(s.install).toEqual({ strategy: { name: 'RetryOnFailure', retryInterval: '2m' } });
    expect(s.upgrade).toEqual({ strategy: { name: 'RetryOnFailure', retryInterval: '2m' } });
  });

  test('fails when Flux default naming past 52 characters yields a release a vCluster cannot run; the runnable one is written as releaseName', () => {
    const chart = newChart();
    const namespace = 'tenant-payments-europe-west-production';
    const name = 'primary-virtual-cluster';
    const full = `${namespace}-${name}`;
    expect(full.length).toBeGreaterThan(53);
    // helm-controller's own shortening: 53 characters, one more than the pods' label allows.
    const fluxOwn = shortened(full);
    expect(fluxOwn).toHaveLength(53);
    const runnable = fluxDefaultReleaseName(name, namespace);
    expect(runnable).toHaveLength(52);
    expect(() => connectionThroughExistingKey(chart, fluxOwn, namespace)).toThrow(/is 53 characters, too long for a vCluster release name/);

    const conn = connectionThroughExistingKey(chart, runnable, namespace);
    const e = validationErrorOf(() => renderHelmRelease({ connection: conn, name, namespace: 'flux-system' }));
    expect(e.problems.map((p) => p.path)).toEqual(['name']);
    expect(e.message).toContain(`helm-controller would install release "${fluxOwn}"`);
    expect(e.message).toContain(`releaseName: "${runnable}"`);

    const hr = new VClusterHelmRelease(chart, 'hr', { connection: conn, name, namespace: 'flux-system', releaseName: runnable });
    expect(hr.effectiveReleaseName).toBe(runnable);
    const objects = Testing.synth(chart) as Manifest[];
    expect(spec(byKind(objects, 'HelmRelease')[0]!).releaseName).toBe(runnable);
    // The RBAC subject uses the release the pods really run under.
    expect((byKind(objects, 'RoleBinding')[0]!.subjects as { name: string }[])[0]!.name).toBe(`vc-${runnable}`);
  });

  test.each([
    ['53 characters', 'a'.repeat(53), /is 53 characters, too long for a vCluster release name/],
    ['a leading digit', '1team', /must start with a letter/],
  ])('fails on a releaseName a vCluster cannot run under (%s), and on such a connection release', (_case, release, message) => {
    const chart = newChart();
    const conn = connectionThroughExistingKey(chart, 'a', 'a');
    const e = validationErrorOf(() => renderHelmRelease({ connection: conn, releaseName: release }));
    expect(e.problems.map((p) => p.path)).toEqual(['releaseName']);
    expect(e.message).toMatch(message);
    // A connection refuses such a release itself; this one was altered after construction.
    const altered = Object.assign(Object.create(VClusterPlatformConnection.prototype) as VClusterPlatformConnection, conn, { release });
    expect(validationErrorOf(() => renderHelmRelease({ connection: altered, releaseName: release })).problems.map((p) => p.path)).toEqual(['releaseName', 'connection.release']);
  });

  test('RemovalPolicy.UNINSTALL leaves the HelmRelease and its ConfigMap prunable, so helm-controller uninstalls the release when it leaves git', () => {
    const chart = newChart();
    const conn = connectionThroughExistingKey(chart, 'a', 'a');
    const r = renderHelmRelease({ connection: conn, valuesFrom: FluxValuesSource.CONFIG_MAP, onRemoval: RemovalPolicy.UNINSTALL });
    expect(r.helmRelease).toMatchSnapshot();
    expect(r.helmRelease.metadata).toEqual({ name: 'a', namespace: 'a' });
    expect(r.configMap!.metadata).toEqual({ name: 'a-values', namespace: 'a', labels: { 'reconcile.fluxcd.io/watch': 'Enabled' } });
  });

  test('fails on an unknown onRemoval and a bad retryInterval', () => {
    const chart = newChart();
    const e = validationErrorOf(() =>
      renderHelmRelease({ connection: connectionThroughExistingKey(chart, 'a', 'a'), onRemoval: 'orphan' as RemovalPolicy, retryInterval: 'soon' }),
    );
    expect(e.problems.map((p) => p.path)).toEqual(['retryInterval', 'onRemoval']);
    expect(e.message).toContain('onRemoval: unknown removal policy; got "orphan" (allowed: keep, uninstall)');
  });

  test('values through a ConfigMap beside the HelmRelease (valuesFrom, key values.yaml)', () => {
    const chart = newChart();
    const conn = connectionThroughExistingKey(chart, 'team-d', 'team-d');
    const hr = new VClusterHelmRelease(chart, 'hr', { connection: conn, namespace: 'flux-system', releaseName: 'team-d', valuesFrom: FluxValuesSource.CONFIG_MAP });
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects).toMatchSnapshot();
    const [configMap] = byKind(objects, 'ConfigMap');
    // Watched, so a values change reconciles at once; kept with its HelmRelease under RemovalPolicy.KEEP.
    expect(configMap!.metadata).toEqual({
      name: 'team-d-values',
      namespace: 'flux-system',
      labels: { 'reconcile.fluxcd.io/watch': 'Enabled' },
      annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
    });
    const data = configMap!.data as Record<string, string>;
    expect(Object.keys(data)).toEqual(['values.yaml']);
    expect(data['values.yaml']).toBe(conn.valuesYaml);
    expect(parse(data['values.yaml']!)).toEqual(conn.values);
    const s = spec(byKind(objects, 'HelmRelease')[0]!);
    expect(s.valuesFrom).toEqual([{ kind: 'ConfigMap', name: 'team-d-values', valuesKey: 'values.yaml' }]);
    expect(s.values).toBeUndefined();
    expect(hr.configMap).toBeDefined();
  });

  test('the ConfigMap name can be chosen', () => {
    const chart = newChart();
    const r = renderHelmRelease({ connection: connectionThroughExistingKey(chart, 'a', 'a'), valuesFrom: FluxValuesSource.CONFIG_MAP, configMapName: 'a.vcluster-values' });
    expect(r.configMap!.metadata.name).toBe('a.vcluster-values');
    expect(spec(r.helmRelease).valuesFrom[0].name).toBe('a.vcluster-values');
  });
});

describe('fluxEffectiveReleaseName (FACTS §4)', () => {
  const long = 'n'.repeat(30);
  test.each([
    ['explicit releaseName', { name: 'hr', targetNamespace: 'ns', releaseName: 'explicit' }, 'explicit'],
    ['an empty releaseName is unset', { name: 'hr', releaseName: '' }, 'hr'],
    ['default without targetNamespace: the name', { name: 'hr' }, 'hr'],
    ['default with targetNamespace', { name: 'hr', targetNamespace: 'ns' }, 'ns-hr'],
    ['exactly 53 characters stay', { name: 'x'.repeat(22), targetNamespace: long }, `${long}-${'x'.repeat(22)}`],
    ['54 characters are shortened', { name: 'x'.repeat(23), targetNamespace: long }, shortened(`${long}-${'x'.repeat(23)}`)],
    ['a long name without targetNamespace is shortened too', { name: 'y'.repeat(60) }, shortened('y'.repeat(60))],
  ])('%s', (_case, input, expected) => {
    expect(fluxEffectiveReleaseName(input)).toBe(expected);
    expect(VClusterHelmRelease.effectiveReleaseName(input)).toBe(expected);
    expect(expected.length).toBeLessThanOrEqual(53);
  });

  test('the shortened form is 40 characters, "-", 12 hex characters', () => {
    expect(fluxEffectiveReleaseName({ name: 'x'.repeat(23), targetNamespace: long })).toMatch(/^n{30}-x{9}-[0-9a-f]{12}$/);
  });
});

describe('Flux HelmRelease errors', () => {
  test('fails when Flux default naming outside the vCluster namespace disagrees with the connection, naming both', () => {
    const chart = newChart();
    const props: VClusterHelmReleaseProps = { connection: connectionThroughExistingKey(chart, 'team-a', 'team-a'), namespace: 'flux-system' };
    const e = validationErrorOf(() => new VClusterHelmRelease(chart, 'hr', props));
    expect(e.message).toMatch(/^VClusterHelmRelease "flux-system"\/"team-a" for vCluster team-a\/team-a: 1 problem:/);
    expect(e.problems[0]!.path).toBe('name');
    expect(e.message).toContain('helm-controller would install release "team-a-team-a"');
    expect(e.message).toContain("Flux's default naming <targetNamespace>-<name>");
    expect(e.message).toContain('the connection\'s release is "team-a": its RBAC binds vc-team-a while the vCluster would run as vc-team-a-team-a');
    expect(e.message).toContain('allowed: releaseName: "team-a", or a connection whose release is "team-a-team-a"');
  });

  test('fails on a mismatch even with a fixed serviceAccountName (the release names the RBAC and the duplicate checks)', () => {
    const chart = newChart();
    const conn = new VClusterPlatformConnection(chart, 'c', {
      release: 'team-a',
      namespace: 'team-a',
      vclusterVersion: '0.36.1',
      serviceAccountName: 'vcluster-sa',
      apiKey: PlatformApiKey.fromSecretName('vcluster-platform-api-key', KEY_NS),
    });
    const e = validationErrorOf(() => renderHelmRelease({ connection: conn, namespace: 'flux-system' }));
    expect(e.message).toContain('helm-controller would install release "team-a-team-a"');
    expect(e.message).not.toContain('RBAC binds');
  });

  test('fails when an explicit releaseName disagrees with the connection', () => {
    const chart = newChart();
    const e = validationErrorOf(() => renderHelmRelease({ connection: connectionThroughExistingKey(chart, 'team-a', 'team-a'), releaseName: 'other' }));
    expect(e.problems.map((p) => p.path)).toEqual(['releaseName']);
    expect(e.message).toContain('would install release "other" (from releaseName "other")');
    expect(e.message).toContain('release is "team-a"');
  });

  test('fails when the HelmRelease name in the vCluster namespace differs from the release', () => {
    const chart = newChart();
    const e = validationErrorOf(() => renderHelmRelease({ connection: connectionThroughExistingKey(chart, 'team-a', 'team-a'), name: 'vcluster' }));
    expect(e.message).toContain('would install release "vcluster" (from Flux\'s default naming (the HelmRelease name))');
  });

  test('fails when the shortened default differs, saying it was shortened', () => {
    const chart = newChart();
    const namespace = 'tenant-payments-europe-west-production';
    const e = validationErrorOf(() =>
      renderHelmRelease({ connection: connectionThroughExistingKey(chart, 'primary', namespace), name: 'primary-virtual-cluster', namespace: 'flux-system' }),
    );
    expect(e.message).toContain(`would install release ${JSON.stringify(shortened(`${namespace}-primary-virtual-cluster`))}`);
    expect(e.message).toContain(' shortened), but');
  });

  test('fails on bad names, interval, repository, values source and ConfigMap name, all at once', () => {
    const chart = newChart();
    const e = validationErrorOf(() =>
      renderHelmRelease({
        connection: connectionThroughExistingKey(chart, 'a', 'a'),
        name: 'A',
        namespace: 'a_b',
        releaseName: 'r'.repeat(54),
        interval: '10 minutes',
        helmRepository: { name: '', namespace: 'Flux' },
        valuesFrom: 'secret' as FluxValuesSource,
      }),
    );
    expect(e.problems.map((p) => p.path)).toEqual(['name', 'namespace', 'releaseName', 'interval', 'helmRepository.name', 'helmRepository.namespace', 'valuesFrom']);
    expect(e.message).toContain('valuesFrom: unknown values source; got "secret" (allowed: inline, configMap)');
    const cm = validationErrorOf(() =>
      renderHelmRelease({ connection: connectionThroughExistingKey(chart, 'b', 'b'), valuesFrom: FluxValuesSource.CONFIG_MAP, configMapName: 'B values' }),
    );
    expect(cm.problems.map((p) => p.path)).toEqual(['configMapName']);
  });

  test('fails without a connection', () => {
    const e = validationErrorOf(() => renderHelmRelease({ connection: null as unknown as VClusterPlatformConnection }));
    expect(e.message).toContain('connection: must be a VClusterPlatformConnection');
  });
});

describe('FluxKustomization: keys and RBAC first, HelmReleases after them', () => {
  test('the HelmRelease Kustomization depends on the key/RBAC one, which waits for readiness', () => {
    const chart = newChart();
    const host = new FluxKustomization(chart, 'host', { name: 'vcluster-platform-host', path: './dist/host' });
    const releases = new FluxKustomization(chart, 'releases', {
      name: 'vcluster-platform-helmreleases',
      path: './dist/flux',
      sourceRef: { kind: FluxSourceKind.GIT_REPOSITORY, name: 'platform', namespace: 'flux-system' },
      dependsOn: [host],
      interval: '5m',
      timeout: '15m',
    });
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects).toMatchSnapshot();
    const [first, second] = objects;
    expect(first!.apiVersion).toBe('kustomize.toolkit.fluxcd.io/v1');
    expect(spec(first!)).toEqual({ interval: '10m', path: './dist/host', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, wait: true });
    expect(spec(second!).dependsOn).toEqual([{ name: 'vcluster-platform-host', namespace: 'flux-system' }]);
    expect(spec(second!).timeout).toBe('15m');
    expect(releases.name).toBe('vcluster-platform-helmreleases');
  });

  test('dependsOn by name; healthChecks instead of wait', () => {
    const m = renderFluxKustomization({
      name: 'b',
      namespace: 'tenants',
      path: 'b',
      prune: false,
      dependsOn: ['a', { name: 'c', namespace: 'other' }],
      healthChecks: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'vcluster-platform-api-key', namespace: KEY_NS }],
    });
    expect(spec(m)).toEqual({
      interval: '10m',
      path: 'b',
      prune: false,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      dependsOn: [{ name: 'a' }, { name: 'c', namespace: 'other' }],
      wait: false,
      healthChecks: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'vcluster-platform-api-key', namespace: KEY_NS }],
    });
  });

  test('fails on every problem at once: name, path, source, durations, self-dependency, duplicates, health checks under wait', () => {
    const e = validationErrorOf(() =>
      renderFluxKustomization({
        name: 'keys',
        path: '../elsewhere',
        sourceRef: { kind: 'HelmRepository' as FluxSourceKind, name: '' },
        interval: 'often',
        timeout: '1d',
        dependsOn: ['keys', 'x', { name: 'x', namespace: 'flux-system' }],
        wait: true,
        healthChecks: [{ kind: 'external secret', name: 'k' }],
      }),
    );
    expect(e.problems.map((p) => p.path)).toEqual([
      'path',
      'sourceRef.kind',
      'sourceRef.name',
      'interval',
      'timeout',
      'healthChecks',
      'dependsOn[0]',
      'dependsOn[2]',
      'healthChecks[0].kind',
    ]);
    expect(e.message).toContain('healthChecks: Flux ignores healthChecks when wait is true');
    expect(e.message).toContain('dependsOn[0]: a Kustomization cannot depend on itself');
    expect(e.message).toContain('dependsOn[2]: listed twice; got "flux-system/x"');
  });

  test('fails on a bad name and namespace', () => {
    const e = validationErrorOf(() => new FluxKustomization(newChart(), 'k', { name: 'Keys', namespace: 'flux_system', path: './dist' }));
    expect(e.problems.map((p) => p.path)).toEqual(['name', 'namespace']);
  });
});

describeShared('Flux objects validate against the CRDs in ../shared/crds', () => {
  const cases: [string, (scope: Construct) => void][] = [
    ['HelmRepository', (s) => new VClusterHelmRepository(s, 'r')],
    ['HelmRepository, oci', (s) => new VClusterHelmRepository(s, 'r', { url: 'oci://ghcr.io/acme/charts', name: 'acme', namespace: 'tenants', interval: '30m' })],
    ['HelmRelease, inline, in the vCluster namespace', (s) => new VClusterHelmRelease(s, 'h', { connection: connectionThroughExistingKey(s, 'a', 'a') })],
    [
      'HelmRelease, inline, outside with releaseName',
      (s) => new VClusterHelmRelease(s, 'h', { connection: connectionThroughExistingKey(s, 'a', 'a'), namespace: 'flux-system', releaseName: 'a' }),
    ],
    [
      'HelmRelease, Flux default naming outside',
      (s) => new VClusterHelmRelease(s, 'h', { connection: connectionThroughExistingKey(s, 'a-b', 'a'), name: 'b', namespace: 'flux-system' }),
    ],
    [
      'HelmRelease, valuesFrom ConfigMap',
      (s) =>
        new VClusterHelmRelease(s, 'h', {
          connection: connectionThroughExistingKey(s, 'a', 'a', '0.31.3'),
          namespace: 'flux-system',
          releaseName: 'a',
          valuesFrom: FluxValuesSource.CONFIG_MAP,
        }),
    ],
    ['Kustomization, wait', (s) => new FluxKustomization(s, 'k', { name: 'k', path: './dist/host', dependsOn: ['x'] })],
    [
      'Kustomization, healthChecks',
      (s) =>
        new FluxKustomization(s, 'k', {
          name: 'k',
          path: './dist/flux',
          sourceRef: { kind: FluxSourceKind.OCI_REPOSITORY, name: 'o', namespace: 'flux-system' },
          healthChecks: [{ kind: 'ExternalSecret', name: 'k', namespace: 'n' }],
          timeout: '5m',
          prune: false,
        }),
    ],
  ];

  test.each(cases)('%s', (_name, make) => {
    const chart = newChart();
    make(chart);
    const custom = (Testing.synth(chart) as Manifest[]).filter((m) => m.apiVersion.includes('.toolkit.fluxcd.io/'));
    expect(custom).toHaveLength(1);
    expect(validateAgainstCrd(custom[0])).toEqual([]);
  });

  test('a wrong field is caught (the validation can fail)', () => {
    const chart = newChart();
    const { helmRelease } = renderHelmRelease({ connection: connectionThroughExistingKey(chart, 'a', 'a') });
    expect(validateAgainstCrd({ ...helmRelease, spec: { ...spec(helmRelease), releaseName: 'r'.repeat(54) } })).not.toEqual([]);
  });
});

describe('FluxKustomization retryInterval', () => {
  test('is written as spec.retryInterval, so a failed key is tried again sooner than the interval', () => {
    const m = renderFluxKustomization({ name: 'key', path: './dist/keys/shared', interval: '10m', retryInterval: '2m' }) as unknown as { spec: Record<string, unknown> };
    expect(m.spec.retryInterval).toBe('2m');
    expect(renderFluxKustomization({ name: 'key', path: './dist/keys/shared' }).spec).not.toHaveProperty('retryInterval');
  });

  test('fails on a retryInterval that is not a duration', () => {
    expect(() => renderFluxKustomization({ name: 'key', path: './dist/keys/shared', retryInterval: 'soon' })).toThrow(/retryInterval/);
  });
});
