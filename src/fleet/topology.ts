import * as path from 'path';
import { maskUrlCredentials, showUrl } from '../constructs/url';
import { FleetArgoCdRepository, FleetCluster } from './types';

/**
 * The fleet file's topology settings (where the tree sits in git for Argo CD), read from data the
 * schema already accepted. Kept out of the loader so the loader only calls it.
 */

interface RawRepository {
  readonly repoURL: string;
  readonly targetRevision?: string;
  readonly path?: string;
}

/** `./dist/`, `dist//x/.` and `.` become `dist`, `dist/x` and `.` (the repository root). */
export function normalizeRepoPath(p: string): string {
  return (
    path.posix
      .normalize(p)
      .replace(/^(\.\/)+/, '')
      .replace(/\/+$/, '') || '.'
  );
}

function own(record: unknown, key: string): unknown {
  return record !== null && typeof record === 'object' && Object.prototype.hasOwnProperty.call(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

/**
 * `{ repository }` from `argocd.repository`, else from `argocd.valuesRepository` (the same
 * repository: it holds the generated vcluster.yaml files), else `{}`.
 */
export function argoRepositoryOf(raw: unknown): { repository?: FleetArgoCdRepository } {
  const argocd = own(raw, 'argocd');
  const repo = (own(argocd, 'repository') ?? own(argocd, 'valuesRepository')) as RawRepository | undefined;
  if (repo === undefined) return {};
  return { repository: { repoURL: repo.repoURL, targetRevision: repo.targetRevision ?? 'HEAD', path: normalizeRepoPath(repo.path ?? 'dist') } };
}

/** What the topology checks need of the loader's problem collector. */
export interface TopologyProblems {
  /** Records a problem at the node of `segments` (the loader adds file, line and column). */
  add(segments: readonly (string | number)[], problem: { message: string; value?: string; allowed?: string }): void;
  /** A short "path (line N)" reference to another place in the file. */
  ref(segments: readonly (string | number)[]): string;
}

/** Argo CD refuses an Application name that is not a DNS-1123 label (src/delivery/argocd.ts checks it too). */
const MAX_APPLICATION_NAME = 63;

/** Name of the per-key Application (topology-argocd.ts); repeated here so the loader can place clashes. */
function keyApplicationName(prefix: string, keyId: string): string {
  return `${prefix}vcluster-platform-key-${keyId}`;
}

/** `namePrefix` as written, `''` when absent. */
export function namePrefixOf(raw: unknown): string {
  const prefix = own(raw, 'namePrefix');
  return typeof prefix === 'string' ? prefix : '';
}

/**
 * Refuses generated Argo CD Application names that cannot work: past 63 characters once
 * `namePrefix` is added, or equal to the Application generated for a key (both live in Argo CD's
 * namespace, so one would replace the other). Each problem is placed at the vCluster's `name`.
 */
export function checkGeneratedNames(
  raw: unknown,
  vclusters: readonly { readonly name: string; readonly delivery: string }[],
  vclusterIndex: readonly number[],
  keyIds: readonly string[],
  problems: TopologyProblems,
  clusters?: readonly FleetCluster[],
): void {
  const fleetPrefix = namePrefixOf(raw);
  // With clusters, every Application of a cluster carries its name too (they all live in the hub).
  const clusterOf = new Map<number, string>();
  for (const c of clusters ?? []) for (const n of c.vclusters) clusterOf.set(n, c.name);
  const prefixes = clusters ? clusters.map((c) => clusterPrefix(fleetPrefix, c.name)) : [fleetPrefix];
  const keyApps = new Map(prefixes.flatMap((p) => keyIds.map((id) => [keyApplicationName(p, id), id] as const)));
  vclusters.forEach((vc, n) => {
    if (vc.delivery !== 'argocd') return;
    const at = ['vclusters', vclusterIndex[n]!, 'name'];
    const cluster = clusterOf.get(n);
    const prefix = cluster !== undefined ? clusterPrefix(fleetPrefix, cluster) : fleetPrefix;
    const name = `${prefix}${vc.name}`;
    if (name.length > MAX_APPLICATION_NAME) {
      problems.add(at, {
        message: `with ${cluster !== undefined ? `namePrefix ${JSON.stringify(fleetPrefix)} and cluster ${JSON.stringify(cluster)}` : `namePrefix ${JSON.stringify(prefix)}`} the Argo CD Application is named ${JSON.stringify(name)}, ${name.length} characters; Argo CD Application names are DNS-1123 labels of at most ${MAX_APPLICATION_NAME}`,
        value: JSON.stringify(vc.name),
        allowed: `a name of at most ${MAX_APPLICATION_NAME - prefix.length} characters, or a shorter namePrefix`,
      });
    }
    const key = keyApps.get(name);
    if (key !== undefined) {
      problems.add(at, {
        message: `the Argo CD Application ${JSON.stringify(name)} of this vCluster is also the Application that applies key ${JSON.stringify(key)} (at ${problems.ref(['apiKeys', key])}); one would replace the other`,
        value: JSON.stringify(vc.name),
        allowed: 'another vCluster name, or a namePrefix',
      });
    }
  });
}

/** The name prefix of a cluster's generated objects: the fleet's, then `<cluster>-`. */
export function clusterPrefix(fleetPrefix: string, cluster: string): string {
  return `${fleetPrefix}${cluster}-`;
}

/** The API server of the cluster Argo CD runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

interface RawCluster {
  readonly server?: string;
  readonly name?: string;
}

/** What `clustersOf` needs of a loaded key. */
interface KeyInfo {
  readonly source: { readonly type: string };
}

/**
 * `clusters` and the `cluster` of each vCluster, checked; `undefined` when the fleet declares no
 * clusters (one cluster: what a fleet meant before clusters existed). Refuses, each at its place:
 * `argocd.destinationServer` naming another cluster (the old spelling, which put a remote
 * cluster's keys in the same Application as the hub's Applications); a cluster with both or
 * neither of `server` and `name`; a `cluster` not declared, or missing; and a sealed key used by
 * vClusters on two clusters (a seal opens for one controller's private key only).
 */
export function clustersOf(
  raw: unknown,
  vclusters: readonly { readonly apiKey: string; readonly delivery: string }[],
  vclusterIndex: readonly number[],
  keys: ReadonlyMap<string, KeyInfo>,
  problems: TopologyProblems,
): FleetCluster[] | undefined {
  const argocd = own(raw, 'argocd');
  const server = own(argocd, 'destinationServer');
  if (typeof server === 'string' && server !== IN_CLUSTER_SERVER) {
    problems.add(['argocd', 'destinationServer'], {
      message:
        'names another cluster than the one Argo CD runs in: its namespaces, keys and RBAC must be applied by Applications whose destination is that cluster, apart from the Applications that live in Argo CD',
      value: showUrl(server),
      allowed: `remove argocd.destinationServer and write clusters: { <name>: { server: ${maskUrlCredentials(server)} } } with defaults.cluster: <name> (or "${IN_CLUSTER_SERVER}")`,
    });
  }
  const rawClusters = own(raw, 'clusters') as Record<string, RawCluster> | undefined;
  if (rawClusters === undefined) return undefined;
  const names = Object.keys(rawClusters);
  if (vclusters.some((vc) => vc.delivery === 'argocd') && own(argocd, 'repository') === undefined && own(argocd, 'valuesRepository') === undefined) {
    // Without it, one root Application would have to hold every cluster's keys: one destination only.
    problems.add(['clusters'], {
      message: "Argo CD applies each cluster's keys with Applications that read the tree from git, so a fleet that declares clusters needs argocd.repository",
      allowed: 'argocd.repository: { repoURL: <the repository your root Application syncs>, targetRevision: <branch>, path: <where this tree is in it> }',
    });
  }
  const clusters = new Map<string, { name: string; server?: string; argoName?: string; vclusters: number[] }>();
  for (const name of names) {
    const c = rawClusters[name]!;
    if ((c.server === undefined) === (c.name === undefined)) {
      problems.add(['clusters', name], {
        message: c.server === undefined ? 'names no Argo CD destination' : 'names two Argo CD destinations (server and name)',
        allowed: 'exactly one of server: <API server URL> and name: <Argo CD cluster name>',
      });
    }
    clusters.set(name, { name, ...(c.server !== undefined ? { server: c.server } : {}), ...(c.name !== undefined ? { argoName: c.name } : {}), vclusters: [] });
  }
  const defaults = own(raw, 'defaults');
  const defaultCluster = own(defaults, 'cluster') as string | undefined;
  const defaultOk = defaultCluster === undefined || clusters.has(defaultCluster);
  if (!defaultOk) problems.add(['defaults', 'cluster'], { message: 'is not declared under clusters', value: JSON.stringify(defaultCluster), allowed: names.join(', ') });
  const rawVClusters = own(raw, 'vclusters') as unknown[];
  const keyClusters = new Map<string, Map<string, number>>();
  vclusters.forEach((vc, n) => {
    const i = vclusterIndex[n]!;
    const own_ = own(rawVClusters[i], 'cluster') as string | undefined;
    const name = own_ ?? defaultCluster;
    if (name === undefined) {
      problems.add(['vclusters', i], {
        message: 'missing cluster: the fleet declares clusters, so each vCluster names one (here or in defaults.cluster)',
        allowed: names.join(', '),
      });
      return;
    }
    const cluster = clusters.get(name);
    if (cluster === undefined) {
      if (own_ !== undefined) problems.add(['vclusters', i, 'cluster'], { message: 'is not declared under clusters', value: JSON.stringify(own_), allowed: names.join(', ') });
      return;
    }
    cluster.vclusters.push(n);
    const onClusters = keyClusters.get(vc.apiKey) ?? new Map<string, number>();
    if (!onClusters.has(name)) onClusters.set(name, i);
    keyClusters.set(vc.apiKey, onClusters);
  });
  for (const [id, onClusters] of keyClusters) {
    if (keys.get(id)?.source.type !== 'sealed' || onClusters.size < 2) continue;
    const where = [...onClusters].map(([c, i]) => `${c} (${problems.ref(['vclusters', i])})`).join(', ');
    problems.add(['apiKeys', id, 'sealed'], {
      message: `is used by vClusters on ${onClusters.size} clusters: ${where}; a sealed value opens only with the private key of the Sealed Secrets controller it was sealed for, which is one cluster's`,
      allowed: `declare one key per cluster, each sealed with that cluster's certificate (npm run seal -- --cert <cluster cert> ...)`,
    });
  }
  return [...clusters.values()];
}
