import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { SYNC_WAVE_ANNOTATION, SyncWave } from '../delivery/sync-order';
import { OutputFolder } from '../output/layout';
import { Fleet, FleetArgoCdRepository, FleetCluster } from './types';
import { ChartFactory, FOLDERS, KeyGroup, keyFolder, objectsOf } from './topology-tree';
import { addVClusterApplications, ArgoTopology, inRepository, KEY_APPLICATION_RETRY, KEY_APPLICATION_WAVE, keyApplicationName, membersOf } from './topology-argocd';

/** The API server of the cluster Argo CD runs in (the hub). */
const HUB = 'https://kubernetes.default.svc';

/**
 * The `resource.customizations.health.argoproj.io_Application` customization that makes Argo CD
 * assess Application health again (removed in 1.8; docs `operator-manual/upgrading/1.7-1.8.md`
 * "Health assessment of argoproj.io/Application CRD has been removed", and
 * `operator-manual/health.md` for the per-kind key). Written to the tree for the operator to merge
 * into `argocd-cm`, never applied by a kustomization: it changes every app of apps of that Argo CD.
 */
export const APPLICATION_HEALTH_FILE = 'argocd-cm.application-health.yaml';
export const APPLICATION_HEALTH_LUA = [
  'hs = {}',
  'hs.status = "Progressing"',
  'hs.message = ""',
  'if obj.status ~= nil then',
  '  if obj.status.health ~= nil then',
  '    hs.status = obj.status.health.status',
  '    if obj.status.health.message ~= nil then',
  '      hs.message = obj.status.health.message',
  '    end',
  '  end',
  'end',
  'return hs',
  '',
].join('\n');

/** Argo CD's `spec.destination` of a host cluster: by server URL or by cluster-secret name. */
export function destinationOf(cluster: FleetCluster): Record<string, string> {
  return cluster.argoName !== undefined ? { name: cluster.argoName } : { server: cluster.server! };
}

/** True when Argo CD runs in this cluster (its keys can share an Application with the hub's Applications). */
export function isHub(cluster: FleetCluster): boolean {
  return cluster.argoName === undefined && cluster.server === HUB;
}

function application(
  scope: Construct,
  id: string,
  fleet: Fleet,
  props: { name: string; wave: number; path: string; destination: Record<string, string>; repo: FleetArgoCdRepository },
): ApiObject {
  const a = fleet.argocd;
  return new ApiObject(scope, id, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: props.name, namespace: a.namespace, annotations: { [SYNC_WAVE_ANNOTATION]: String(props.wave) } },
    spec: {
      project: a.project,
      source: { repoURL: props.repo.repoURL, targetRevision: props.repo.targetRevision, path: props.path },
      destination: props.destination,
      syncPolicy: {
        ...(a.syncPolicy === 'automated' ? { automated: { prune: a.prune, selfHeal: a.selfHeal } } : {}),
        retry: structuredClone(KEY_APPLICATION_RETRY) as unknown as Record<string, unknown>,
      },
    },
  });
}

/** Points every vCluster Application / ApplicationSet under `scope` at the cluster by name. */
function destinationByName(scope: Construct, cluster: FleetCluster): void {
  if (cluster.argoName === undefined) return;
  for (const c of scope.node.findAll()) {
    if (!ApiObject.isApiObject(c)) continue;
    const at = c.kind === 'ApplicationSet' ? '/spec/template/spec/destination' : '/spec/destination';
    c.addJsonPatch(JsonPatch.remove(`${at}/server`), JsonPatch.add(`${at}/name`, cluster.argoName));
  }
}

/**
 * Argo CD's part of the tree of a cluster Argo CD does not run in. An Application has one
 * destination, so the key objects (that cluster) and the vCluster Applications (Argo CD's namespace
 * on the hub) cannot share one: per key, a hub Application `…key-<id>` (listed in the root's last
 * wave) syncs `argocd/<id>/`, which holds the Application `…key-<id>-objects` (wave -1, destination
 * that cluster, source `keys/<id>/`) and the key's vCluster Applications (wave 1). Wave 1 waits for
 * wave -1 only where Argo CD assesses Application health, which it does not by default since 1.8:
 * APPLICATION_HEALTH_FILE holds the customization to restore it. The cluster's Namespaces get
 * their own Application (destination that cluster) in the root's wave -2.
 */
export function remoteArgoFolders(fleet: Fleet, applied: readonly KeyGroup[], charts: ChartFactory, cluster: FleetCluster, repo: FleetArgoCdRepository): ArgoTopology {
  const prefix = fleet.namePrefix;
  const folders: OutputFolder[] = [];
  const root = charts.chart(FOLDERS.ARGOCD);
  application(root, 'namespaces', fleet, {
    name: `${prefix}vcluster-platform-namespaces`,
    wave: SyncWave.NAMESPACES,
    path: inRepository(repo, FOLDERS.NAMESPACES),
    destination: destinationOf(cluster),
    repo,
  });
  for (const g of applied) {
    const chart = charts.chart(keyFolder(FOLDERS.ARGOCD, g.key.id));
    application(chart, 'key-objects', fleet, {
      name: `${keyApplicationName(g.key.id, prefix)}-objects`,
      wave: SyncWave.ACCESS_KEYS,
      path: inRepository(repo, keyFolder(FOLDERS.KEYS, g.key.id)),
      destination: destinationOf(cluster),
      repo,
    });
    const members = membersOf(g);
    if (members.length > 0) {
      const scope = new Construct(chart, 'vclusters');
      addVClusterApplications(scope, fleet, members, `${prefix}vclusters-${g.key.id}`);
      destinationByName(scope, cluster);
    }
    folders.push({
      // The vCluster Applications are what the Helm delivery chart holds; the -objects Application is left out there.
      role: 'delivery',
      name: keyFolder(FOLDERS.ARGOCD, g.key.id),
      purpose: `what hub Application \`${keyApplicationName(g.key.id, prefix)}\` syncs: Application \`${keyApplicationName(g.key.id, prefix)}-objects\` (wave -1, applies \`keys/${g.key.id}/\` to cluster ${cluster.name}), then the key's vCluster Applications (wave 1)`,
      objects: objectsOf(chart),
    });
    application(root, `key-${g.key.id}`, fleet, {
      name: keyApplicationName(g.key.id, prefix),
      wave: KEY_APPLICATION_WAVE,
      path: inRepository(repo, keyFolder(FOLDERS.ARGOCD, g.key.id)),
      destination: { server: HUB },
      repo,
    });
  }
  folders.unshift({
    role: 'gitops',
    name: FOLDERS.ARGOCD,
    purpose: `hub Applications: the Namespaces of cluster ${cluster.name} (wave -2), then one Application per key (wave ${KEY_APPLICATION_WAVE}, the root's last wave)`,
    objects: objectsOf(root),
  });
  return { folders, rootFolders: [FOLDERS.ARGOCD] };
}
