import { removalPolicyOf } from './removal';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { FluxHealthCheck, FluxSourceKind, FluxValuesSource, renderFluxKustomization, VClusterHelmRelease, VClusterHelmRepository } from '../delivery/flux';
import { OutputFolder } from '../output/layout';
import { Fleet } from './types';
import { ChartFactory, FOLDERS, KeyGroup, keyFolder, objectsOf } from './topology-tree';

/** Names of the Flux Kustomizations in `flux-system/`. */
export const FLUX_KUSTOMIZATIONS = {
  /** Applies `namespaces/`, once, for every key. */
  NAMESPACES: 'vcluster-platform-namespaces',
  /** Applies `flux/` (the HelmRepository). */
  SOURCES: 'vcluster-platform-sources',
} as const;

/** Name of the Kustomization that applies `keys/<id>/` and is Ready only once the key's Secrets exist. */
export function fluxKeyKustomizationName(keyId: string, prefix = ''): string {
  return `${prefix}vcluster-platform-key-${keyId}`;
}

/** Name of the Kustomization that applies `flux/<id>/`, the key's HelmReleases. */
export function fluxReleasesKustomizationName(keyId: string, prefix = ''): string {
  return `${prefix}vcluster-platform-releases-${keyId}`;
}

/**
 * How long a key Kustomization waits for its Secrets before it reports `Ready=False`, and how soon
 * it tries again after that (`spec.retryInterval`, kustomize-controller docs/spec/v1/kustomizations.md
 * "Retry interval": "exclusively meant for failure retries", default `spec.interval`). A key fixed
 * in the secret store is picked up within one retry, without a new commit.
 */
export const FLUX_KEY_TIMEOUT = '5m';
export const FLUX_KEY_RETRY_INTERVAL = '2m';

/** What Flux applies. */
export interface FluxTopology {
  readonly folders: OutputFolder[];
  /** Ids of the keys Flux applies (their folders stay out of the plain root kustomization). */
  readonly appliedKeys: ReadonlySet<string>;
}

/**
 * The Secrets that prove a key is there for its Flux vClusters: the Secret in the key's namespace,
 * or, for a fanned-out key, the one in each Flux vCluster's namespace (what the vClusters read).
 */
function keySecrets(group: KeyGroup): FluxHealthCheck[] {
  const places = new Set<string>();
  for (const m of group.members) if (m.vc.delivery === 'flux') places.add(m.connection.secretNamespace);
  return [...places].sort().map((namespace) => ({ apiVersion: 'v1', kind: 'Secret', name: group.key.secretName, namespace }));
}

/** A Kustomization object. */
function kustomization(scope: Construct, id: string, props: Parameters<typeof renderFluxKustomization>[0], retryInterval?: string): ApiObject {
  return new ApiObject(scope, id, renderFluxKustomization({ ...props, ...(retryInterval !== undefined ? { retryInterval } : {}) }));
}

/**
 * Flux's part of the tree, per key: `vcluster-platform-key-<id>` applies `keys/<id>/` and is Ready
 * only when the key Secrets exist; `vcluster-platform-releases-<id>` applies `flux/<id>/` and
 * `dependsOn` it. So one key that cannot be produced holds back its own HelmReleases only.
 *
 * The gate is `healthChecks` on the Secrets themselves with `wait: false`. `wait: true` would judge
 * the applied objects with kstatus, where a SealedSecret that failed to decrypt and an
 * ExternalSecret that ESO has not written yet both count as Current; and `wait: true` ignores
 * `healthChecks` (kustomize-controller docs/spec/v1/kustomizations.md, "Wait": "If set to `true`,
 * `.spec.healthChecks` is ignored"; "Health checks" lists Secret among the kinds a health check can
 * reference). A Secret that does not exist is not Current, so the Kustomization turns
 * `Ready=False` after `timeout` and `dependsOn` holds the releases back ("only applied after the
 * referred Kustomizations are ready").
 */
export function fluxFolders(fleet: Fleet, groups: readonly KeyGroup[], charts: ChartFactory): FluxTopology {
  const applied = groups.filter((g) => g.members.some((m) => m.vc.delivery === 'flux'));
  if (applied.length === 0) return { folders: [], appliedKeys: new Set() };
  const f = fleet.flux;
  const folders: OutputFolder[] = [];
  const sources = charts.chart(FOLDERS.FLUX);
  const repository = new VClusterHelmRepository(sources, 'helm-repository', { namespace: f.sourceRef.namespace });
  folders.push({
    role: 'delivery',
    name: FOLDERS.FLUX,
    purpose: `the HelmRepository of the vCluster chart (Kustomization ${FLUX_KUSTOMIZATIONS.SOURCES})`,
    objects: objectsOf(sources),
  });
  for (const g of applied) {
    const chart = charts.chart(keyFolder(FOLDERS.FLUX, g.key.id));
    for (const { vc, connection } of g.members.filter((m) => m.vc.delivery === 'flux')) {
      new VClusterHelmRelease(chart, `${vc.namespace}.${vc.effectiveRelease}`, {
        connection,
        name: vc.name,
        namespace: f.namespace ?? vc.namespace,
        // Always explicit (FACTS §4): when the fleet leaves it unset this is the name Flux would
        // pick itself, so nothing changes, and the RBAC subject can never drift from it.
        releaseName: vc.effectiveRelease,
        interval: f.interval,
        helmRepository: repository,
        valuesFrom: f.valuesFrom === 'configMap' ? FluxValuesSource.CONFIG_MAP : FluxValuesSource.INLINE,
        onRemoval: removalPolicyOf(fleet),
      });
    }
    folders.push({
      role: 'delivery',
      name: keyFolder(FOLDERS.FLUX, g.key.id),
      purpose: `key \`${g.key.id}\`: HelmReleases (Kustomization ${fluxReleasesKustomizationName(g.key.id)}, after ${fluxKeyKustomizationName(g.key.id)} is Ready)`,
      objects: objectsOf(chart),
    });
  }

  const system = charts.chart(FOLDERS.FLUX_SYSTEM);
  // The path as written, less doubled and trailing slashes (`./dist//x/` → `./dist/x`).
  const normalized = path.posix.normalize(f.path).replace(/\/+$/, '');
  const base = f.path.startsWith('./') && normalized !== '.' ? `./${normalized}` : normalized;
  const common = {
    namespace: f.sourceRef.namespace,
    sourceRef: { kind: f.sourceRef.kind as FluxSourceKind, name: f.sourceRef.name, namespace: f.sourceRef.namespace },
    interval: f.interval,
  };
  // Namespace objects have a status kstatus understands (Active), so `wait` really waits here.
  const prefix = fleet.namePrefix;
  const namespacesName = `${prefix}${FLUX_KUSTOMIZATIONS.NAMESPACES}`;
  const sourcesName = `${prefix}${FLUX_KUSTOMIZATIONS.SOURCES}`;
  kustomization(system, 'namespaces', { ...common, name: namespacesName, path: `${base}/${FOLDERS.NAMESPACES}`, wait: true });
  kustomization(system, 'sources', { ...common, name: sourcesName, path: `${base}/${FOLDERS.FLUX}`, wait: false });
  for (const g of applied) {
    const keyName = fluxKeyKustomizationName(g.key.id, prefix);
    kustomization(
      system,
      `key-${g.key.id}`,
      {
        ...common,
        name: keyName,
        path: `${base}/${keyFolder(FOLDERS.KEYS, g.key.id)}`,
        dependsOn: [namespacesName],
        wait: false,
        healthChecks: keySecrets(g),
        timeout: FLUX_KEY_TIMEOUT,
      },
      FLUX_KEY_RETRY_INTERVAL,
    );
    kustomization(system, `releases-${g.key.id}`, {
      ...common,
      name: fluxReleasesKustomizationName(g.key.id, prefix),
      path: `${base}/${keyFolder(FOLDERS.FLUX, g.key.id)}`,
      dependsOn: [keyName, sourcesName],
      wait: false,
    });
  }
  folders.push({
    role: 'gitops',
    name: FOLDERS.FLUX_SYSTEM,
    purpose: `Flux Kustomizations: ${FLUX_KUSTOMIZATIONS.NAMESPACES}, then per key ${fluxKeyKustomizationName('<id>')} (Ready once the key Secret exists), then ${fluxReleasesKustomizationName('<id>')} (dependsOn)`,
    objects: objectsOf(system),
  });
  return { folders, appliedKeys: new Set(applied.map((g) => g.key.id)) };
}
