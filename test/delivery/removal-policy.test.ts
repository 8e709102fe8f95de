/**
 * Deleting never loses a vCluster or its key by accident, in every delivery mode: what the
 * generated tree carries so that Argo CD and Flux leave namespaces, keys and (by default)
 * running vClusters alone when something is removed from git or a root object is deleted.
 */
import { Construct } from 'constructs';
import { AccessKeySource } from '../../src/constructs/access-key-source';
import { KeyFanOut, Manifest, PlatformApiKey } from '../../src/constructs/platform-api-key';
import { VClusterPlatformConnection } from '../../src/constructs/vcluster-platform-connection';
import { ARGOCD_RESOURCES_FINALIZER, renderApplication, renderApplicationSet } from '../../src/delivery/argocd';
import { FluxValuesSource, renderHelmRelease } from '../../src/delivery/flux';
import { RETAIN_ANNOTATIONS, RemovalPolicy } from '../../src/delivery/removal-policy';
import { parseFleet } from '../../src/fleet/loader';
import { synthesizeFleet } from '../../src/fleet/synthesize';
import { newChart, synth } from '../support/construct-testing';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** What Argo CD and Flux must see on a kept object; written out, not imported from src/. */
const ARGO_KEEP = 'Prune=false,Delete=false';
const FLUX_KEEP = 'disabled';

function sharedConnection(scope: Construct, release: string): VClusterPlatformConnection {
  const key = PlatformApiKey.fromSecretName('vcluster-platform-api-key', 'vcluster-platform');
  return new VClusterPlatformConnection(scope, release, { release, namespace: release, vclusterVersion: '0.36.1', apiKey: key });
}

describe('RETAIN_ANNOTATIONS', () => {
  test('Argo CD: Prune=false AND Delete=false in one comma-separated sync-options value; Flux: prune disabled', () => {
    expect(RETAIN_ANNOTATIONS).toEqual({ 'argocd.argoproj.io/sync-options': ARGO_KEEP, 'kustomize.toolkit.fluxcd.io/prune': FLUX_KEEP });
    // Argo CD splits the value on ',' and trims: both options must be there.
    const options = RETAIN_ANNOTATIONS['argocd.argoproj.io/sync-options']!.split(',').map((o) => o.trim());
    expect(options).toEqual(expect.arrayContaining(['Prune=false', 'Delete=false']));
  });

  test.each([
    ['ExternalSecret', {}],
    ['ClusterExternalSecret', { fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET }],
    ['SealedSecret', { source: AccessKeySource.sealed({ encryptedAccessKey: Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(298, 3)]).toString('base64') }) }],
    ['Secret', { source: AccessKeySource.literal('test-only-access-key', { allowPlaintext: true }) }],
  ])('every key object survives pruning and root deletion: %s', (kind, extra) => {
    const { objects } = synth((chart) => {
      const key = new PlatformApiKey(chart, 'key', {
        namespace: 'vcluster-platform',
        host: 'platform.example.com',
        source: AccessKeySource.externalSecret({ storeName: 'vault', remoteKey: 'k', remoteProperty: 'accessKey' }),
        ...extra,
      });
      new VClusterPlatformConnection(chart, 'vc', { release: 'a', namespace: 'a', vclusterVersion: '0.36.1', apiKey: key });
    });
    const keyObject = objects.find((o) => o.kind === kind)!;
    expect(keyObject).toBeDefined();
    expect(keyObject.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': ARGO_KEEP, 'kustomize.toolkit.fluxcd.io/prune': FLUX_KEEP });
  });
});

describe('RemovalPolicy: one meaning in every delivery mode', () => {
  test('KEEP (the default): no Application finalizer, preserveResourcesOnDeletion on the ApplicationSet, HelmRelease never pruned', () => {
    const chart = newChart();
    const a = sharedConnection(chart, 'a');
    const app = renderApplication({ connection: a });
    const set = renderApplicationSet({ vclusters: [{ connection: a, valuesPath: 'a.yaml' }], valuesRepository: { repoURL: 'https://git.example.com/x.git' } });
    const hr = renderHelmRelease({ connection: a, valuesFrom: FluxValuesSource.CONFIG_MAP });
    expect({
      app: app.metadata,
      set: (set.spec as Json).syncPolicy,
      template: (set.spec as Json).template.metadata,
      hr: hr.helmRelease.metadata,
      cm: hr.configMap!.metadata,
    }).toMatchSnapshot();
    expect(app.metadata.finalizers).toBeUndefined();
    // Without it the ApplicationSet controller adds resources-finalizer itself (template without finalizers).
    expect((set.spec as Json).syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    expect((set.spec as Json).template.metadata.finalizers).toBeUndefined();
    expect(hr.helmRelease.metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': FLUX_KEEP });
    expect(hr.configMap!.metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': FLUX_KEEP });
  });

  test('UNINSTALL: Application finalizer, the ApplicationSet template carries it too, HelmRelease prunable', () => {
    const chart = newChart();
    const a = sharedConnection(chart, 'a');
    const onRemoval = RemovalPolicy.UNINSTALL;
    const app = renderApplication({ connection: a, onRemoval });
    const set = renderApplicationSet({ vclusters: [{ connection: a, valuesPath: 'a.yaml' }], valuesRepository: { repoURL: 'https://git.example.com/x.git' }, onRemoval });
    const hr = renderHelmRelease({ connection: a, onRemoval });
    expect(app.metadata.finalizers).toEqual([ARGOCD_RESOURCES_FINALIZER]);
    expect((set.spec as Json).syncPolicy).toBeUndefined();
    expect((set.spec as Json).template.metadata.finalizers).toEqual([ARGOCD_RESOURCES_FINALIZER]);
    expect(hr.helmRelease.metadata.annotations).toBeUndefined();
  });
});

/** A two-vCluster fleet delivered by `delivery`, with `top` lines after `platform:` and `extra` after `defaults:`. */
function fleetText(delivery: string, extra: string[] = [], top: string[] = []): string {
  return [
    'platform:',
    '  host: platform.example.com',
    ...top,
    'defaults:',
    '  chartVersion: "0.36.1"',
    '  apiKey: shared',
    `  delivery: ${delivery}`,
    ...extra,
    'apiKeys:',
    '  shared:',
    '    namespace: vcluster-platform',
    '    externalSecret:',
    '      storeRef: { name: vault }',
    '      remoteRef: { key: platform/key, property: accessKey }',
    'vclusters:',
    '  - name: team-a',
    '  - name: team-b',
    '',
  ].join('\n');
}

describe('the synthesized fleet', () => {
  test.each([
    ['Argo CD Applications', fleetText('argocd')],
    ['an Argo CD ApplicationSet', fleetText('argocd', ['argocd:', '  applicationSet: true', '  valuesRepository: { repoURL: "https://git.example.com/x.git" }'])],
    ['Flux HelmReleases', fleetText('flux')],
  ])('%s: namespaces and keys are kept, and removing a vCluster keeps it running', (_case, text) => {
    const result = synthesizeFleet(parseFleet(text, 'vclusters.yaml'));
    const objects = result.folders.flatMap((f) => f.objects) as unknown as Manifest[];
    const kept = objects.filter((o) => o.kind === 'Namespace' || o.kind === 'ExternalSecret');
    expect(kept.map((o) => o.kind).sort()).toEqual(['ExternalSecret', 'Namespace', 'Namespace', 'Namespace']);
    for (const o of kept) {
      expect((o.metadata as Json).annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': ARGO_KEEP, 'kustomize.toolkit.fluxcd.io/prune': FLUX_KEEP });
    }
    for (const o of objects.filter((x) => x.kind === 'Application')) expect((o.metadata as Json).finalizers).toBeUndefined();
    for (const o of objects.filter((x) => x.kind === 'ApplicationSet')) expect((o.spec as Json).syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    for (const o of objects.filter((x) => x.kind === 'HelmRelease')) expect((o.metadata as Json).annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': FLUX_KEEP });
    expect(objects.filter((x) => ['Application', 'ApplicationSet', 'HelmRelease'].includes(x.kind)).length).toBeGreaterThan(0);
  });
});

describe('onRemoval: uninstall in the fleet file', () => {
  const UNINSTALL = ['onRemoval: uninstall'];

  test.each([
    ['Argo CD Applications', fleetText('argocd', [], UNINSTALL), 'Application'],
    [
      'an Argo CD ApplicationSet',
      fleetText('argocd', ['argocd:', '  applicationSet: true', '  valuesRepository: { repoURL: "https://git.example.com/x.git" }'], UNINSTALL),
      'ApplicationSet',
    ],
    ['Flux HelmReleases', fleetText('flux', [], UNINSTALL), 'HelmRelease'],
  ])('%s: the delivery object uninstalls the vCluster when it is removed', (_case, text, kind) => {
    // GIVEN a fleet that asks for uninstall, WHEN it is synthesized
    const loaded = parseFleet(text, 'vclusters.yaml');
    expect(loaded.onRemoval).toBe('uninstall');
    const objects = synthesizeFleet(loaded).folders.flatMap((f) => f.objects) as unknown as Manifest[];
    // THEN the vCluster's delivery object carries the uninstalling behaviour, namespaces are still kept
    const delivery = objects.filter((o) => o.kind === kind && JSON.stringify(o).includes('team-a'));
    expect(delivery).toHaveLength(1);
    const o = delivery[0]!;
    if (kind === 'Application') expect((o.metadata as Json).finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    if (kind === 'ApplicationSet') expect((o.spec as Json).syncPolicy).toBeUndefined();
    if (kind === 'HelmRelease') expect((o.metadata as Json).annotations).toBeUndefined();
    for (const ns of objects.filter((x) => x.kind === 'Namespace')) expect((ns.metadata as Json).annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': ARGO_KEEP });
  });
});
