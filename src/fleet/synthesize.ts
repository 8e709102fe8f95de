import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AccessKeySource, SecretStoreKind } from '../constructs/access-key-source';
import { IPlatformApiKey, KeyFanOut, PlatformApiKey } from '../constructs/platform-api-key';
import { RbacMode } from '../constructs/rbac-mode';
import { VClusterPlatformConnection } from '../constructs/vcluster-platform-connection';
import { Warnings } from '../constructs/warnings';
import { VClusterApplication, VClusterApplicationSet } from '../delivery/argocd';
import { FluxKustomization, FluxSourceKind, FluxValuesSource, VClusterHelmRelease, VClusterHelmRepository } from '../delivery/flux';
import { setSyncWave, SyncWave } from '../delivery/sync-order';
import { ValidationError } from '../errors';
import { Fleet, FleetApiKey, FleetVCluster } from './types';
import { OutputFolder, OutputObject, ValuesFile, valuesPath } from '../output/layout';

/** What synthesizing a fleet produces, before anything is written. */
export interface FleetSynthesis {
  /** Folders of Kubernetes objects, in the order they are applied. */
  readonly folders: readonly OutputFolder[];
  /** One vcluster.yaml per vCluster. */
  readonly valuesFiles: readonly ValuesFile[];
  /** Folders the root kustomization.yaml builds (what an Argo CD Application applies). */
  readonly rootFolders: readonly string[];
  /** Warnings to print once. */
  readonly warnings: readonly string[];
}

/** Folder names of the output tree; README.md documents them. */
export const FOLDERS = {
  HOST: 'host',
  ARGOCD: 'argocd',
  FLUX: 'flux',
  FLUX_SYSTEM: 'flux-system',
} as const;

/**
 * Namespaces are created but never deleted by a GitOps tool: when the last vCluster leaves a
 * namespace (or the fleet stops using Flux), pruning it would delete everything inside, including
 * running vClusters or Flux itself when the namespace is flux-system.
 */
export const NEVER_PRUNE: Readonly<Record<string, string>> = {
  // Delete=false too: Prune=false alone does not stop `argocd app delete`'s cascade (RETAIN_ANNOTATIONS).
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};

/** Names of the Flux Kustomizations in `flux-system/`. */
export const FLUX_KUSTOMIZATIONS = {
  HOST: 'vcluster-platform-host',
  RELEASES: 'vcluster-platform-releases',
} as const;

function keySource(key: FleetApiKey, env: NodeJS.ProcessEnv): AccessKeySource | undefined {
  const s = key.source;
  switch (s.type) {
    case 'externalSecret':
      return AccessKeySource.externalSecret({
        storeName: s.storeName,
        storeKind: s.storeKind === 'SecretStore' ? SecretStoreKind.SECRET_STORE : SecretStoreKind.CLUSTER_SECRET_STORE,
        remoteKey: s.remoteKey,
        remoteProperty: s.property,
        refreshInterval: s.refreshInterval,
      });
    case 'sealed':
      return AccessKeySource.sealed({ encryptedAccessKey: s.encryptedAccessKey, scope: s.scope });
    case 'plaintextFromEnv':
      // The loader only accepts this source with `allowPlaintext: true` written in the fleet file.
      return AccessKeySource.fromEnv(s.variable, { allowPlaintext: true, env });
    case 'existing':
      return undefined;
  }
}

function addKey(scope: Construct, key: FleetApiKey, env: NodeJS.ProcessEnv): IPlatformApiKey {
  const source = keySource(key, env);
  if (!source) return PlatformApiKey.fromSecretName(key.secretName, key.namespace, { rotation: key.rotation });
  return new PlatformApiKey(scope, `key-${key.id}`, {
    namespace: key.namespace,
    secretName: key.secretName,
    host: key.host,
    project: key.project,
    insecure: key.insecure,
    certificateAuthorityData: key.certificateAuthorityData,
    instanceName: key.instanceName,
    rotation: key.rotation,
    fanOut: key.fanOut === 'clusterExternalSecret' ? KeyFanOut.CLUSTER_EXTERNAL_SECRET : KeyFanOut.NONE,
    source,
  });
}

/**
 * The chart's objects as `chart.toJson()` renders them, in the same order.
 *
 * `toJson()` first adds dependencies between charts, validates every construct of the App, and
 * orders the objects by a dependency graph of the whole chart (one vertex per construct). When no
 * construct declares a dependency and no chart is nested, adding dependencies does nothing and
 * the graph's order is the construct tree's pre-order, so this walks the tree once instead of
 * several times; otherwise it leaves the work to `toJson()`.
 */
function objectsOf(chart: Chart): OutputObject[] {
  const constructs = App.of(chart).node.findAll();
  const objects: ApiObject[] = [];
  for (const c of constructs) {
    if (c.node.dependencies.length > 0 || (c !== chart && Chart.isChart(c))) return chart.toJson() as OutputObject[];
    if (ApiObject.isApiObject(c)) objects.push(c);
  }
  // The same check and message as `toJson()`.
  const errors: string[] = [];
  for (const c of constructs) for (const error of c.node.validate()) errors.push(`[${c.node.path}] ${error}`);
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  return objects.map((o) => o.toJson() as OutputObject);
}

/**
 * A folder's chart, in an App of its own. `Chart.toJson()` resolves dependencies and validates
 * the whole App the chart belongs to, so in one shared App the host chart (most of the
 * constructs) would be walked again for every later folder. No construct refers to one in
 * another folder's chart, so separate Apps change nothing in the output.
 */
function folderChart(apps: App[], name: string): Chart {
  const app = new App({ outdir: 'cdk8s.out' });
  // The CLI prints the collected warnings itself, once, after writing the tree.
  Warnings.silence(app);
  apps.push(app);
  return new Chart(app, name, { disableResourceNameHashes: true });
}

/**
 * Builds the constructs for a fleet in a fixed number of charts (one per output folder, never one
 * per vCluster: cdk8s apps with thousands of charts synthesize in quadratic time) and returns the
 * synthesized objects grouped by folder. Pure apart from reading `env` for plaintext keys.
 */
export function synthesizeFleet(fleet: Fleet, env: NodeJS.ProcessEnv = process.env): FleetSynthesis {
  const apps: App[] = [];
  const host = folderChart(apps, FOLDERS.HOST);
  const nsScope = new Construct(host, 'namespaces');
  const keyScope = new Construct(host, 'keys');
  const connScope = new Construct(host, 'vclusters');

  const keys = new Map<string, IPlatformApiKey>();
  const namespaces = new Set<string>();
  for (const key of fleet.apiKeys) {
    keys.set(key.id, addKey(keyScope, key, env));
    // A fanned-out key's source lives in the vCluster namespaces; an existing one is not ours.
    if (key.source.type !== 'existing' && key.fanOut !== 'clusterExternalSecret') namespaces.add(key.namespace);
  }

  const connections: VClusterPlatformConnection[] = [];
  for (const vc of fleet.vclusters) {
    namespaces.add(vc.namespace);
    connections.push(
      new VClusterPlatformConnection(connScope, `${vc.namespace}.${vc.effectiveRelease}`, {
        release: vc.effectiveRelease,
        namespace: vc.namespace,
        vclusterVersion: vc.chartVersion,
        apiKey: keys.get(vc.apiKey)!,
        rbac: vc.rbac === 'chart' ? RbacMode.CHART : RbacMode.STATIC,
        serviceAccountName: vc.serviceAccountName,
        project: vc.project,
      }),
    );
  }
  if (fleet.flux.namespace !== undefined && fleet.vclusters.some((vc) => vc.delivery === 'flux')) namespaces.add(fleet.flux.namespace);
  for (const ns of [...namespaces].sort()) {
    new ApiObject(nsScope, `ns-${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, annotations: { ...NEVER_PRUNE } } });
  }
  // One Argo CD sync of the root folder applies namespaces, then keys and RBAC, then Applications.
  setSyncWave(nsScope, SyncWave.NAMESPACES);
  setSyncWave(keyScope, SyncWave.ACCESS_KEYS);
  setSyncWave(connScope, SyncWave.RBAC);

  // Only keys carry deferred validations (a fan-out key needs a consumer).
  const invalid = keyScope.node.findAll().flatMap((c) => c.node.validate().map((message) => ({ path: c.node.path, message })));
  if (invalid.length > 0) throw new ValidationError(fleet.file, invalid);

  const argoMembers = fleet.vclusters.map((vc, i) => ({ vc, connection: connections[i]! })).filter((m) => m.vc.delivery === 'argocd');
  const fluxMembers = fleet.vclusters.map((vc, i) => ({ vc, connection: connections[i]! })).filter((m) => m.vc.delivery === 'flux');

  const folders: OutputFolder[] = [{ name: FOLDERS.HOST, purpose: 'namespaces, access keys and RBAC: applied first', objects: objectsOf(host) }];
  const rootFolders: string[] = [FOLDERS.HOST];

  if (argoMembers.length > 0) {
    const argo = folderChart(apps, FOLDERS.ARGOCD);
    const a = fleet.argocd;
    const options = {
      namespace: a.namespace,
      project: a.project,
      destinationServer: a.destinationServer,
      automated: a.syncPolicy === 'automated',
      prune: a.prune,
      selfHeal: a.selfHeal,
    };
    const repo = a.valuesRepository;
    // The loader normalized the path; `.` means the tree sits at the repository root.
    const repoPath = (vc: FleetVCluster): string => [repo!.path, valuesPath(vc.namespace, vc.effectiveRelease)].filter((p) => p !== '.').join('/');
    if (a.applicationSet) {
      new VClusterApplicationSet(argo, 'vclusters', {
        ...options,
        valuesRepository: { repoURL: repo!.repoURL, targetRevision: repo!.targetRevision },
        vclusters: argoMembers.map(({ vc, connection }) => ({ connection, name: vc.name, valuesPath: repoPath(vc) })),
      });
    } else {
      for (const { vc, connection } of argoMembers) {
        new VClusterApplication(argo, `${vc.namespace}.${vc.effectiveRelease}`, {
          ...options,
          connection,
          name: vc.name,
          valuesRepository: repo ? { repoURL: repo.repoURL, targetRevision: repo.targetRevision, path: repoPath(vc) } : undefined,
        });
      }
    }
    folders.push({ name: FOLDERS.ARGOCD, purpose: 'Argo CD Applications (sync wave 1, after the keys and RBAC)', objects: objectsOf(argo) });
    rootFolders.push(FOLDERS.ARGOCD);
  }

  if (fluxMembers.length > 0) {
    const f = fleet.flux;
    const releases = folderChart(apps, FOLDERS.FLUX);
    const repository = new VClusterHelmRepository(releases, 'helm-repository', { namespace: f.sourceRef.namespace });
    for (const { vc, connection } of fluxMembers) {
      new VClusterHelmRelease(releases, `${vc.namespace}.${vc.effectiveRelease}`, {
        connection,
        name: vc.name,
        namespace: f.namespace ?? vc.namespace,
        // Always explicit (FACTS §4): when the fleet leaves it unset this is the name Flux would
        // pick itself, so nothing changes, and the RBAC subject can never drift from it.
        releaseName: vc.effectiveRelease,
        interval: f.interval,
        helmRepository: repository,
        valuesFrom: f.valuesFrom === 'configMap' ? FluxValuesSource.CONFIG_MAP : FluxValuesSource.INLINE,
      });
    }
    folders.push({ name: FOLDERS.FLUX, purpose: 'Flux HelmRepository, HelmReleases (and values ConfigMaps)', objects: objectsOf(releases) });

    const system = folderChart(apps, FOLDERS.FLUX_SYSTEM);
    // The path as written, less doubled and trailing slashes (`./dist//x/` → `./dist/x`).
    const normalized = path.posix.normalize(f.path).replace(/\/+$/, '');
    const base = f.path.startsWith('./') && normalized !== '.' ? `./${normalized}` : normalized;
    const sourceRef = { kind: f.sourceRef.kind as FluxSourceKind, name: f.sourceRef.name, namespace: f.sourceRef.namespace };
    const hostKs = new FluxKustomization(system, 'host', {
      name: FLUX_KUSTOMIZATIONS.HOST,
      namespace: f.sourceRef.namespace,
      path: `${base}/${FOLDERS.HOST}`,
      sourceRef,
      interval: f.interval,
      // Ready only once every key Secret exists: the control plane reads it once, at start-up.
      wait: true,
    });
    new FluxKustomization(system, 'releases', {
      name: FLUX_KUSTOMIZATIONS.RELEASES,
      namespace: f.sourceRef.namespace,
      path: `${base}/${FOLDERS.FLUX}`,
      sourceRef,
      interval: f.interval,
      dependsOn: [hostKs.name],
      wait: false,
    });
    folders.push({
      name: FOLDERS.FLUX_SYSTEM,
      purpose: `Flux Kustomizations: ${FLUX_KUSTOMIZATIONS.HOST} (host/, waits until Ready), then ${FLUX_KUSTOMIZATIONS.RELEASES} (flux/, dependsOn)`,
      objects: objectsOf(system),
    });
  }

  const valuesFiles: ValuesFile[] = fleet.vclusters.map((vc: FleetVCluster, i) => ({
    namespace: vc.namespace,
    release: vc.effectiveRelease,
    chartVersion: vc.chartVersion,
    delivery: vc.delivery,
    text: connections[i]!.valuesYaml,
  }));

  return { folders, valuesFiles, rootFolders, warnings: apps.flatMap((app) => Warnings.collect(app)) };
}
