import { ApiObject, App, Chart } from 'cdk8s';
import { RETAIN_ANNOTATIONS } from '../delivery/removal-policy';
import { IPlatformApiKey } from '../constructs/platform-api-key';
import { VClusterPlatformConnection } from '../constructs/vcluster-platform-connection';
import { Warnings } from '../constructs/warnings';
import { FleetApiKey, FleetVCluster } from './types';
import { OutputObject } from '../output/layout';

/** Folder names of the output tree; README.md documents them. */
export const FOLDERS = {
  /** Every Namespace, applied once by one owner (Argo CD root Application or Flux Kustomization). */
  NAMESPACES: 'namespaces',
  /** `keys/<key id>/`: one key's Secret source and the RBAC of the vClusters using it. */
  KEYS: 'keys',
  /** Argo CD: the per-key Applications, and `argocd/<key id>/` that each of them syncs. */
  ARGOCD: 'argocd',
  /** Flux: the HelmRepository, and `flux/<key id>/` with one key's HelmReleases. */
  FLUX: 'flux',
  /** Flux: the Kustomizations that order everything above. */
  FLUX_SYSTEM: 'flux-system',
} as const;

/** `keys/<id>`, `argocd/<id>`, `flux/<id>`: one key's folder under `parent`. */
export function keyFolder(parent: string, keyId: string): string {
  return `${parent}/${keyId}`;
}

/**
 * Namespaces are created but never deleted by a GitOps tool: when the last vCluster leaves a
 * namespace (or the fleet stops using Flux), pruning it would delete everything inside, including
 * running vClusters or Flux itself when the namespace is flux-system. Deleting the Application or
 * Kustomization that applied them spares them too (`RETAIN_ANNOTATIONS`: Delete=false).
 */
export const NEVER_PRUNE: Readonly<Record<string, string>> = RETAIN_ANNOTATIONS;

/** A vCluster and its connection (values, RBAC). */
export interface FleetMember {
  readonly vc: FleetVCluster;
  readonly connection: VClusterPlatformConnection;
}

/**
 * One access key and everything that waits for it: the unit a failure is contained in. Its
 * folder `keys/<id>/` holds the key's Secret source and the RBAC of every vCluster using it.
 */
export interface KeyGroup {
  readonly key: FleetApiKey;
  /** The key's construct (an existing key's is a reference only). */
  readonly apiKey: IPlatformApiKey;
  /** The vClusters using the key, in fleet order. */
  readonly members: readonly FleetMember[];
  /** The key's folder objects (may be empty: an existing key in the vClusters' own namespace). */
  readonly objects: readonly OutputObject[];
}

/** Creates the charts of one synthesis, each in an App of its own (see `folderChart`). */
export class ChartFactory {
  private readonly apps: App[] = [];

  /**
   * A folder's chart, in an App of its own. `Chart.toJson()` resolves dependencies and validates
   * the whole App the chart belongs to, so in one shared App the biggest chart would be walked
   * again for every later folder. No construct refers to one in another folder's chart, so
   * separate Apps change nothing in the output.
   */
  public chart(name: string): Chart {
    const app = new App({ outdir: 'cdk8s.out' });
    // The CLI prints the collected warnings itself, once, after writing the tree.
    Warnings.silence(app);
    this.apps.push(app);
    return new Chart(app, name.replace(/\//g, '--'), { disableResourceNameHashes: true });
  }

  /** The warnings of every chart made so far. */
  public warnings(): string[] {
    return this.apps.flatMap((app) => Warnings.collect(app));
  }
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
export function objectsOf(chart: Chart): OutputObject[] {
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
