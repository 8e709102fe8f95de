import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AccessKeySource,
  IPlatformApiKey,
  KeyFanOut,
  PlatformApiKey,
  RbacMode,
  SecretStoreKind,
  VClusterPlatformConnection,
  Warnings,
} from '../src';
import { Fleet, FleetApiKey, FleetVCluster } from '../src/fleet-types';
import { OutputFolder, OutputObject, ValuesFile } from './layout';

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
  if (!source) return PlatformApiKey.fromSecretName(key.secretName, key.namespace);
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

function namespaceObject(scope: Construct, name: string): void {
  new ApiObject(scope, `ns-${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/**
 * Builds the constructs for a fleet in a fixed number of charts (one per output folder, never one
 * per vCluster: cdk8s apps with thousands of charts synthesize in quadratic time) and returns the
 * synthesized objects grouped by folder. Pure apart from reading `env` for plaintext keys.
 */
export function synthesizeFleet(fleet: Fleet, env: NodeJS.ProcessEnv = process.env): FleetSynthesis {
  const app = new App({ outdir: 'cdk8s.out' });
  const host = new Chart(app, 'host', { disableResourceNameHashes: true });
  const nsScope = new Construct(host, 'namespaces');
  const keyScope = new Construct(host, 'keys');
  const connScope = new Construct(host, 'vclusters');

  const keys = new Map<string, IPlatformApiKey>();
  const namespaces = new Set<string>();
  for (const key of fleet.apiKeys) {
    keys.set(key.id, addKey(keyScope, key, env));
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
  for (const ns of [...namespaces].sort()) namespaceObject(nsScope, ns);

  const valuesFiles: ValuesFile[] = fleet.vclusters.map((vc: FleetVCluster, i) => ({
    namespace: vc.namespace,
    release: vc.effectiveRelease,
    chartVersion: vc.chartVersion,
    delivery: vc.delivery,
    text: connections[i]!.valuesYaml,
  }));

  const folders: OutputFolder[] = [
    { name: 'host', purpose: 'namespaces, access keys and RBAC: applied first', objects: host.toJson() as OutputObject[] },
  ];
  return { folders, valuesFiles, rootFolders: ['host'], warnings: Warnings.collect(app) };
}
