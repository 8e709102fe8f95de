import { Linked, LinkedVCluster } from './link';
import { ArgoCdSeen } from './model';
import { clusterOfFile, KeyUnit } from './tree';

/** The API server of the cluster Argo CD runs in (what an Application without destination means). */
const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** A multi-cluster tree read back: `clusters` and the cluster of each vCluster. */
export interface ClusterMapping {
  /** `clusters` of the fleet file, in the order the tree shows them; undefined for a one-cluster tree. */
  readonly section?: Record<string, { server: string } | { name: string }>;
  readonly clusterOf: Map<LinkedVCluster, string>;
}

/** `…/clusters/<name>` at the end of a path taken off (a multi-cluster tree's folder of one cluster). */
export function withoutClusterFolder(p: string): string {
  return p.replace(/(^|\/)clusters\/[^/]+\/?$/, '').replace(/\/+$/, '') || '.';
}

/** The Argo CD destination an Application shows. */
function destinationOf(a: ArgoCdSeen): { server: string } | { name: string } {
  return a.destinationName !== undefined ? { name: a.destinationName } : { server: a.destinationServer };
}

/**
 * Each vCluster's cluster is the `clusters/<name>/` folder its Application, HelmRelease or values
 * file came from (or, from a live cluster, the `<namePrefix><name>-` its Application's name
 * starts with); each cluster's Argo CD destination is the one its vCluster Applications show.
 */
export function mapClusters(linked: Linked, units: readonly KeyUnit[], namePrefix: string, infos: string[]): ClusterMapping {
  const names = [...new Set(units.map((u) => u.cluster).filter((c): c is string => c !== undefined))];
  const clusterOf = new Map<LinkedVCluster, string>();
  if (names.length === 0) return { clusterOf };
  const known = new Set(names);
  for (const l of linked.vclusters) {
    const byName = l.vc.delivery === 'argocd' ? names.find((c) => l.vc.name.startsWith(`${namePrefix}${c}-`)) : undefined;
    let cluster = clusterOfFile(l.vc.at?.file ?? l.vc.origin, known) ?? byName;
    if (cluster === undefined) {
      cluster = names[0]!;
      infos.push(`${l.vc.origin}: no clusters/<name>/ folder or Application name shows its cluster; the fleet puts it on ${cluster}`);
    }
    clusterOf.set(l, cluster);
  }
  const section: Record<string, { server: string } | { name: string }> = {};
  for (const name of names) {
    const seen = linked.vclusters.filter((l) => clusterOf.get(l) === name && l.vc.argocd).map((l) => JSON.stringify(destinationOf(l.vc.argocd!)));
    const distinct = [...new Set(seen)];
    if (distinct.length > 1) infos.push(`cluster ${name}: its Applications name several destinations (${distinct.join(', ')}); the fleet uses the first`);
    if (distinct.length === 0)
      infos.push(`cluster ${name}: no vCluster Application shows its Argo CD destination; the fleet names it { name: ${name} }: correct it if Argo CD ever deploys there`);
    section[name] = distinct.length > 0 ? (JSON.parse(distinct[0]!) as { server: string } | { name: string }) : { name };
  }
  return { section, clusterOf };
}

/** Argo CD settings without the destination, which a multi-cluster fleet writes per cluster. */
export function withoutDestination(a: ArgoCdSeen): ArgoCdSeen {
  const { destinationName: _name, ...rest } = a;
  return {
    ...rest,
    destinationServer: IN_CLUSTER_SERVER,
    ...(a.valuesRepository?.path !== undefined ? { valuesRepository: { ...a.valuesRepository, path: withoutClusterFolder(a.valuesRepository.path) } } : {}),
  };
}
