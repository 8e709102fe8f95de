import { removalPolicyOf } from './removal';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { VClusterApplication, VClusterApplicationSet } from '../delivery/argocd';
import { SYNC_WAVE_ANNOTATION, SyncWave } from '../delivery/sync-order';
import { valuesPath, OutputFolder } from '../output/layout';
import { Fleet, FleetArgoCdRepository, FleetCluster, FleetVCluster } from './types';
import { remoteArgoFolders } from './topology-remote';
import { ChartFactory, FOLDERS, KeyGroup, keyFolder, objectsOf } from './topology-tree';

/**
 * Sync wave of the per-key Applications in the root Application: after the Namespaces (wave -2)
 * and the LAST wave of the root. gitops-engine (`pkg/sync/sync_context.go`, "if it is the last
 * phase/wave and the only remaining tasks are non-hooks, the we are successful EVEN if those
 * objects subsequently degraded") ends a sync once the last wave is applied, without waiting
 * for its health, so the root never waits on any key.
 */
export const KEY_APPLICATION_WAVE = 0;

/**
 * Retry of a per-key Application. Argo CD marks a sync Failed when an object of a running wave
 * is Degraded (an ExternalSecret `Ready=False`, a SealedSecret `Synced=False`) and an automated
 * sync does not retry the same commit after a failure unless `syncPolicy.retry` is set
 * (argo-cd `controller/appcontroller.go`: retries while `RetryCount < Limit || Limit < 0`;
 * docs `user-guide/auto_sync.md` "Automatic Retry with a limit": `-1` for unlimited). Unlimited,
 * so a key fixed in the secret store (or a Sealed Secrets controller that got its key back)
 * deploys the waiting vClusters without a new commit; `refresh: true` ("Automatic Retry Refresh
 * on new revisions") makes a retry pick up a newer commit instead of the failed one.
 */
export const KEY_APPLICATION_RETRY = { limit: -1, backoff: { duration: '30s', factor: 2, maxDuration: '10m' }, refresh: true } as const;

/** Name of the Argo CD Application that applies one key's folder. */
export function keyApplicationName(keyId: string, prefix = ''): string {
  return `${prefix}vcluster-platform-key-${keyId}`;
}

/** True when Argo CD applies the key: a vCluster of it uses Argo CD, or none uses Flux and the fleet uses Argo CD. */
export function argoAppliesKey(group: KeyGroup, fleetUsesArgo: boolean): boolean {
  if (group.members.some((m) => m.vc.delivery === 'argocd')) return true;
  return fleetUsesArgo && !group.members.some((m) => m.vc.delivery === 'flux');
}

/** `path` inside the repository joined with a tree-relative path (`.` is the repository root). */
export function inRepository(repo: FleetArgoCdRepository, relative: string): string {
  return [repo.path, relative].filter((p) => p !== '.').join('/');
}

/** The vCluster Applications (or one ApplicationSet) of `members`, in `scope`. */
export function addVClusterApplications(scope: Construct, fleet: Fleet, members: KeyGroup['members'], applicationSetName: string): void {
  const a = fleet.argocd;
  const options = {
    namespace: a.namespace,
    project: a.project,
    destinationServer: a.destinationServer,
    automated: a.syncPolicy === 'automated',
    prune: a.prune,
    selfHeal: a.selfHeal,
    syncWave: SyncWave.APPLICATIONS,
    onRemoval: removalPolicyOf(fleet),
  };
  const repo = a.valuesRepository;
  // The loader normalized the path; `.` means the tree sits at the repository root.
  const repoPath = (vc: FleetVCluster): string => [repo!.path, valuesPath(vc.namespace, vc.effectiveRelease)].filter((p) => p !== '.').join('/');
  if (a.applicationSet) {
    new VClusterApplicationSet(scope, 'vclusters', {
      ...options,
      name: applicationSetName,
      valuesRepository: { repoURL: repo!.repoURL, targetRevision: repo!.targetRevision },
      vclusters: members.map(({ vc, connection }) => ({ connection, name: `${fleet.namePrefix}${vc.name}`, valuesPath: repoPath(vc) })),
    });
    return;
  }
  for (const { vc, connection } of members) {
    new VClusterApplication(scope, `${vc.namespace}.${vc.effectiveRelease}`, {
      ...options,
      connection,
      name: `${fleet.namePrefix}${vc.name}`,
      valuesRepository: repo ? { repoURL: repo.repoURL, targetRevision: repo.targetRevision, path: repoPath(vc) } : undefined,
    });
  }
}

/**
 * The Application that applies `argocd/<key id>/`: the key's source and RBAC (wave -1), then the
 * key's vCluster Applications (wave 1). Argo CD's built-in health of ExternalSecret (`Ready`) and
 * SealedSecret (`Synced`) holds wave 1 back until the key Secret exists, in this Application only.
 * No resources finalizer: deleting it (a key leaving the fleet) orphans what it applied instead
 * of uninstalling vClusters.
 */
function keyApplication(scope: Construct, fleet: Fleet, repo: FleetArgoCdRepository, keyId: string): ApiObject {
  const a = fleet.argocd;
  return new ApiObject(scope, `key-${keyId}`, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: keyApplicationName(keyId, fleet.namePrefix), namespace: a.namespace, annotations: { [SYNC_WAVE_ANNOTATION]: String(KEY_APPLICATION_WAVE) } },
    spec: {
      project: a.project,
      source: { repoURL: repo.repoURL, targetRevision: repo.targetRevision, path: inRepository(repo, keyFolder(FOLDERS.ARGOCD, keyId)) },
      // The key's objects and the Applications both go to the cluster Argo CD runs in.
      destination: { server: a.destinationServer },
      syncPolicy: {
        ...(a.syncPolicy === 'automated' ? { automated: { prune: a.prune, selfHeal: a.selfHeal } } : {}),
        retry: structuredClone(KEY_APPLICATION_RETRY) as unknown as Record<string, unknown>,
      },
    },
  });
}

/** What Argo CD applies: its folders and the root kustomization's folders (`undefined` when the fleet does not use Argo CD). */
export interface ArgoTopology {
  readonly folders: OutputFolder[];
  readonly rootFolders?: string[];
}

/**
 * Argo CD's part of the tree. With `argocd.repository` (where the tree sits in git) every key is
 * an Application of its own, listed in the root; without it, the one root Application applies
 * every key and every vCluster Application (as before that setting existed), and a warning says
 * that one bad key then blocks all of them.
 */
export function argoFolders(fleet: Fleet, groups: readonly KeyGroup[], charts: ChartFactory, warnings: string[], remote?: FleetCluster): ArgoTopology {
  const usesArgo = fleet.vclusters.some((vc) => vc.delivery === 'argocd');
  if (!usesArgo) return { folders: [] };
  const applied = groups.filter((g) => argoAppliesKey(g, true));
  if (remote !== undefined && fleet.argocd.repository !== undefined) return remoteArgoFolders(fleet, applied, charts, remote, fleet.argocd.repository);
  // A key used by Argo CD and by Flux vClusters is applied by both (docs/notes/topology.md):
  // not warned about, as before this layout, when host/ was applied by both.
  const repo = fleet.argocd.repository;
  const folders: OutputFolder[] = [];
  if (repo === undefined) {
    warnings.push(
      'argocd.repository is not set, so ONE root Application applies every key and every vCluster Application: one key that cannot be produced (a Degraded ExternalSecret or SealedSecret) fails the whole sync and no vCluster of any key is installed. Set argocd.repository: { repoURL: <the repository your root Application syncs>, targetRevision: <branch>, path: <where this tree is in it> } to give each key an Application of its own.',
    );
    const chart = charts.chart(FOLDERS.ARGOCD);
    // Never an ApplicationSet: it needs valuesRepository, which sets argocd.repository too.
    const order = new Map(fleet.vclusters.map((vc, i) => [vc, i]));
    const members = applied.flatMap(membersOf).sort((x, y) => order.get(x.vc)! - order.get(y.vc)!);
    addVClusterApplications(chart, fleet, members, `${fleet.namePrefix}vclusters`);
    folders.push({ role: 'delivery', name: FOLDERS.ARGOCD, purpose: 'Argo CD Applications (sync wave 1, after every key and its RBAC)', objects: objectsOf(chart) });
    return { folders, rootFolders: [FOLDERS.NAMESPACES, ...applied.map((g) => keyFolder(FOLDERS.KEYS, g.key.id)), FOLDERS.ARGOCD] };
  }
  const root = charts.chart(FOLDERS.ARGOCD);
  for (const g of applied) {
    const chart = charts.chart(keyFolder(FOLDERS.ARGOCD, g.key.id));
    const members = membersOf(g);
    if (members.length > 0) addVClusterApplications(chart, fleet, members, `${fleet.namePrefix}vclusters-${g.key.id}`);
    folders.push({
      role: 'delivery',
      name: keyFolder(FOLDERS.ARGOCD, g.key.id),
      purpose: `what Application \`${keyApplicationName(g.key.id, fleet.namePrefix)}\` syncs: \`keys/${g.key.id}/\` (wave -1), then its vCluster Applications (wave 1)`,
      objects: objectsOf(chart),
      extraResources: [`../../${keyFolder(FOLDERS.KEYS, g.key.id)}`],
      keep: true,
    });
    keyApplication(root, fleet, repo, g.key.id);
  }
  folders.unshift({
    role: 'gitops',
    name: FOLDERS.ARGOCD,
    purpose: `one Application per key (sync wave ${KEY_APPLICATION_WAVE}, the root's last wave: the root never waits on a key)`,
    objects: objectsOf(root),
  });
  return { folders, rootFolders: [FOLDERS.NAMESPACES, FOLDERS.ARGOCD] };
}

export function membersOf(group: KeyGroup): KeyGroup['members'] {
  return group.members.filter((m) => m.vc.delivery === 'argocd');
}
