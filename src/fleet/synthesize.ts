import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AccessKeySource, SecretStoreKind } from '../constructs/access-key-source';
import { IPlatformApiKey, KeyFanOut, PlatformApiKey } from '../constructs/platform-api-key';
import { RbacMode } from '../constructs/rbac-mode';
import { VClusterPlatformConnection } from '../constructs/vcluster-platform-connection';
import { setSyncWave, SyncWave } from '../delivery/sync-order';
import { ValidationError } from '../errors';
import { Fleet, FleetApiKey, FleetCluster, FleetVCluster } from './types';
import { clusterPrefix, IN_CLUSTER_SERVER } from './topology';
import { APPLICATION_HEALTH_FILE, APPLICATION_HEALTH_LUA, isHub } from './topology-remote';
import { toYaml } from '../output/yaml-emit';
import { OutputFolder, OutputObject, ValuesFile } from '../output/layout';
import { ChartFactory, FleetMember, FOLDERS, KeyGroup, keyFolder, NEVER_PRUNE, objectsOf } from './topology-tree';
import { argoFolders } from './topology-argocd';

export { FOLDERS, NEVER_PRUNE, keyFolder } from './topology-tree';
import { fluxFolders } from './topology-flux';

/** What synthesizing a fleet produces, before anything is written. */
export interface FleetSynthesis {
  /** Folders of Kubernetes objects, in the order they are applied. */
  readonly folders: readonly OutputFolder[];
  /** One vcluster.yaml per vCluster. */
  readonly valuesFiles: readonly ValuesFile[];
  /** Folders the root kustomization.yaml builds (what the one root Argo CD Application applies). */
  readonly rootFolders: readonly string[];
  /** Warnings to print once. */
  readonly warnings: readonly string[];
  /**
   * Files written as they are, by path, that no kustomization applies.
   * @default - none
   */
  readonly extraFiles?: ReadonlyMap<string, string>;
}

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

/** Builds one chart per key: the key's source and the RBAC of the vClusters using it. */
function keyGroups(fleet: Fleet, charts: ChartFactory, env: NodeJS.ProcessEnv): { groups: KeyGroup[]; connections: VClusterPlatformConnection[] } {
  const built = fleet.apiKeys.map((key) => {
    const chart = charts.chart(keyFolder(FOLDERS.KEYS, key.id));
    const keyScope = new Construct(chart, 'key');
    const connScope = new Construct(chart, 'vclusters');
    return { key, chart, keyScope, connScope, apiKey: addKey(keyScope, key, env), members: [] as FleetMember[] };
  });
  const byId = new Map(built.map((b) => [b.key.id, b]));
  const connections = fleet.vclusters.map((vc) => {
    const group = byId.get(vc.apiKey)!;
    const connection = new VClusterPlatformConnection(group.connScope, `${vc.namespace}.${vc.effectiveRelease}`, {
      release: vc.effectiveRelease,
      namespace: vc.namespace,
      chartVersion: vc.chartVersion,
      apiKey: group.apiKey,
      rbac: vc.rbac === 'chart' ? RbacMode.CHART : RbacMode.STATIC,
      serviceAccountName: vc.serviceAccountName,
      project: vc.project,
      allowSystemNamespace: group.key.allowSystemNamespace,
    });
    group.members.push({ vc, connection });
    return connection;
  });
  // Only keys carry deferred validations (a fan-out key needs a consumer).
  const invalid = built.flatMap((b) => b.keyScope.node.findAll().flatMap((c) => c.node.validate().map((message) => ({ path: c.node.path, message }))));
  if (invalid.length > 0) throw new ValidationError(fleet.file, invalid);
  const groups = built.map((b) => {
    // Inside a key's Argo CD Application the key and RBAC come first; the vCluster Applications
    // wait for them to be healthy (see topology-argocd.ts).
    setSyncWave(b.keyScope, SyncWave.ACCESS_KEYS);
    setSyncWave(b.connScope, SyncWave.RBAC);
    return { key: b.key, apiKey: b.apiKey, members: b.members, objects: objectsOf(b.chart) };
  });
  return { groups, connections };
}

/** The Namespace objects: every vCluster namespace, every key namespace we write a Secret into. */
function namespaceObjects(fleet: Fleet, charts: ChartFactory): OutputObject[] {
  const names = new Set<string>();
  // A fanned-out key's source lives in the vCluster namespaces; an existing one is not ours.
  for (const key of fleet.apiKeys) if (key.source.type !== 'existing' && key.fanOut !== 'clusterExternalSecret') names.add(key.namespace);
  for (const vc of fleet.vclusters) names.add(vc.namespace);
  if (fleet.flux.namespace !== undefined && fleet.vclusters.some((vc) => vc.delivery === 'flux')) names.add(fleet.flux.namespace);
  const chart = charts.chart(FOLDERS.NAMESPACES);
  for (const ns of [...names].sort()) {
    new ApiObject(chart, `ns-${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, annotations: { ...NEVER_PRUNE } } });
  }
  setSyncWave(chart, SyncWave.NAMESPACES);
  return objectsOf(chart);
}

/**
 * Two generated objects of one kind, namespace and name would be one object in the cluster, the
 * last applied replacing the other (or two Argo CD Applications / Flux Kustomizations fighting
 * over it). The loader refuses the clashes it can place in the fleet file; this catches any other.
 */
function refuseCollisions(file: string, folders: readonly OutputFolder[]): void {
  const seen = new Map<string, string>();
  const problems: { path: string; message: string }[] = [];
  for (const folder of folders) {
    for (const o of folder.objects) {
      const id = `${o.apiVersion.split('/')[0]} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      const first = seen.get(id);
      if (first === undefined) seen.set(id, folder.name);
      else
        problems.push({
          path: `${folder.name}/`,
          message: `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} is generated twice (also in ${first}/); use namePrefix or rename one`,
        });
    }
  }
  if (problems.length > 0) throw new ValidationError(`${file}: generated objects collide`, problems);
}

/**
 * Builds the constructs for a fleet in a fixed number of charts per key (never one per vCluster:
 * cdk8s apps with thousands of charts synthesize in quadratic time) and returns the synthesized
 * objects grouped by folder. Every key is a unit of its own (`keys/<id>/`, applied by its own
 * Argo CD Application or Flux Kustomization), so a key that cannot be produced holds back only
 * the vClusters using it. Pure apart from reading `env` for plaintext keys.
 */
export function synthesizeFleet(fleet: Fleet, env: NodeJS.ProcessEnv = process.env): FleetSynthesis {
  if (fleet.clusters !== undefined) return synthesizeClusters(fleet, fleet.clusters, env);
  const charts = new ChartFactory();
  const tree = synthesizeTree(fleet, env, charts);
  return { ...tree, warnings: [...charts.warnings(), ...tree.warnings] };
}

/** One cluster's tree (the whole fleet's, without `clusters`). */
function synthesizeTree(fleet: Fleet, env: NodeJS.ProcessEnv, charts: ChartFactory, cluster?: FleetCluster): FleetSynthesis {
  const namespaces = namespaceObjects(fleet, charts);
  const { groups, connections } = keyGroups(fleet, charts, env);

  const folders: OutputFolder[] = [{ role: 'namespaces', name: FOLDERS.NAMESPACES, purpose: 'every Namespace, applied once, before any key', objects: namespaces }];
  for (const g of groups) {
    folders.push({
      role: 'keys',
      name: keyFolder(FOLDERS.KEYS, g.key.id),
      purpose: `key \`${g.key.id}\`: its Secret source and the RBAC of the ${g.members.length} vCluster(s) using it`,
      objects: g.objects,
      // A key Kustomization or Application points at it even when it holds nothing to apply.
      keep: true,
    });
  }
  const warnings: string[] = [];
  const argo = argoFolders(fleet, groups, charts, warnings, cluster !== undefined && !isHub(cluster) ? cluster : undefined);
  const flux = fluxFolders(fleet, groups, charts);
  folders.push(...argo.folders, ...flux.folders);
  refuseCollisions(fleet.file, folders);

  // Without Argo CD, the root builds what no engine applies, for `kubectl apply -k` (as before).
  const rootFolders = argo.rootFolders ?? [FOLDERS.NAMESPACES, ...groups.filter((g) => !flux.appliedKeys.has(g.key.id)).map((g) => keyFolder(FOLDERS.KEYS, g.key.id))];

  const valuesFiles: ValuesFile[] = fleet.vclusters.map((vc: FleetVCluster, i) => ({
    namespace: vc.namespace,
    release: vc.effectiveRelease,
    chartVersion: vc.chartVersion,
    delivery: vc.delivery,
    text: connections[i]!.valuesYaml,
  }));

  return { folders, valuesFiles, rootFolders, warnings };
}

/** `a/b` joined the way the fleet wrote `a` (`.` stays out; `./x` keeps its `./`). */
function joinPath(base: string, ...rest: string[]): string {
  return base === '.' || base === './' ? rest.join('/') : [base.replace(/\/+$/, ''), ...rest].join('/');
}

/**
 * A fleet over several host clusters: per cluster the tree of its own vClusters and the keys they
 * use, under `clusters/<name>/` (the folder layout of a Flux repository, `clusters/<name>/`, each
 * reconciled by that cluster's own Flux), every generated name prefixed with `<name>-`. Argo CD
 * syncs them all from the hub: the root kustomization builds each cluster's `argocd/` folder.
 */
function synthesizeClusters(fleet: Fleet, clusters: readonly FleetCluster[], env: NodeJS.ProcessEnv): FleetSynthesis {
  const charts = new ChartFactory();
  const folders: OutputFolder[] = [];
  const valuesFiles: ValuesFile[] = [];
  const rootFolders: string[] = [];
  const warnings: string[] = [];
  const used = new Set<string>();
  for (const cluster of clusters) {
    const vclusters = cluster.vclusters.map((n) => fleet.vclusters[n]!);
    const keyIds = new Set(vclusters.map((vc) => vc.apiKey));
    keyIds.forEach((id) => used.add(id));
    const base = `clusters/${cluster.name}`;
    const repo = fleet.argocd.repository;
    const values = fleet.argocd.valuesRepository;
    const sub: Fleet = {
      ...fleet,
      vclusters,
      apiKeys: fleet.apiKeys.filter((k) => keyIds.has(k.id)),
      namePrefix: clusterPrefix(fleet.namePrefix, cluster.name),
      argocd: {
        ...fleet.argocd,
        destinationServer: cluster.server ?? IN_CLUSTER_SERVER,
        ...(repo ? { repository: { ...repo, path: joinPath(repo.path, base) } } : {}),
        ...(values ? { valuesRepository: { ...values, path: joinPath(values.path, base) } } : {}),
      },
      flux: { ...fleet.flux, path: joinPath(fleet.flux.path, base) },
      clusters: undefined,
    };
    const tree = synthesizeTree(sub, env, charts, cluster);
    folders.push(...tree.folders.map((f) => ({ ...f, name: `${base}/${f.name}`, purpose: `cluster ${cluster.name}: ${f.purpose}` })));
    valuesFiles.push(...tree.valuesFiles.map((v) => ({ ...v, prefix: base })));
    // Only what Argo CD (on the hub) applies goes into the root; each Flux applies its own folder.
    if (vclusters.some((vc) => vc.delivery === 'argocd')) rootFolders.push(...tree.rootFolders.map((f) => `${base}/${f}`));
    warnings.push(...tree.warnings);
  }
  const unused = fleet.apiKeys.filter((k) => !used.has(k.id)).map((k) => k.id);
  if (unused.length > 0) warnings.push(`no vCluster uses key(s) ${unused.join(', ')}, so no cluster gets them`);
  const remote = clusters.some((c) => !isHub(c) && c.vclusters.some((n) => fleet.vclusters[n]!.delivery === 'argocd'));
  const extraFiles = new Map<string, string>();
  if (remote) extraFiles.set(APPLICATION_HEALTH_FILE, applicationHealthConfigMap(fleet.argocd.namespace));
  return { folders, valuesFiles, rootFolders, warnings: [...charts.warnings(), ...warnings], extraFiles };
}

/** The argocd-cm patch restoring Application health (see topology-remote.ts), as a file to merge by hand. */
function applicationHealthConfigMap(namespace: string): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'argocd-cm', namespace, labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' } },
    data: { 'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA },
  });
}
