// Semantic checks of each vCluster (on data the schema accepted), and across vClusters.
import { CHART_VERSION_RULE, hasBrokenChartRbac, parseChartVersion, valuesLayoutFor } from '../../constructs/chart-version';
import { isDns1123Label, isDns1123Subdomain, MAX_RELEASE_NAME_LENGTH, RELEASE_NAME_RULE, releaseNameProblem } from '../../constructs/names';
import { platformRbacNames } from '../../constructs/platform-api-key-rbac';
import { showValue } from '../../errors';
import { Problems, Segment } from '../problems';
import type { RawVCluster } from '../raw';
import { closestMatch } from '../suggest';
import type { DeliveryMode, FleetApiKey, FleetArgoCd, FleetFlux, RbacModeName } from '../types';
import { quoteName } from '../wording';

/** A chart version must be semver and new enough to have the apiKey block; false when it is not. */
export function checkChartVersion(value: string, segments: Segment[], problems: Problems): boolean {
  const parsed = parseChartVersion(value);
  if (parsed === undefined) {
    problems.add(segments, { message: 'is not a semantic version', value: showValue(value), allowed: CHART_VERSION_RULE });
    return false;
  }
  if (valuesLayoutFor(parsed) === undefined) {
    problems.add(segments, { message: 'is older than 0.21.0: vcluster.yaml has no apiKey block there', value: showValue(value), allowed: CHART_VERSION_RULE });
    return false;
  }
  return true;
}

/** A key reference must name a declared key; false when it does not (said once, with a suggestion). */
export function checkKeyReference(id: string, segments: Segment[], keys: ReadonlyMap<string, FleetApiKey>, problems: Problems, refused: ReadonlySet<string>): boolean {
  if (keys.has(id)) return true;
  // Declared, but refused by the schema (and reported there).
  if (refused.has(id)) return false;
  // Once the problem is only counted, nothing is worded: a fleet of 10,000 keys and 10,000 typos
  // would otherwise compare every typo with every key.
  if (problems.full) {
    problems.skip();
    return false;
  }
  // A suggestion compares the id with every key id: only worth it for problems that get listed,
  // and only within a budget (100 typos among 50,000 keys would take seconds).
  let nearest: string | undefined;
  if (!problems.listFull && problems.suggestionBudget >= keys.size) {
    problems.suggestionBudget -= keys.size;
    nearest = closestMatch(id, keys.keys());
  }
  const first: string[] = [];
  for (const k of keys.keys()) {
    if (first.length === 20) break;
    first.push(k);
  }
  problems.add(segments, {
    message: `names the access key ${quoteName(id)}, which is not declared under apiKeys${nearest !== undefined ? `; did you mean '${nearest}'?` : ''}`,
    value: showValue(id),
    allowed: keys.size > 0 ? first.join(', ') + (keys.size > 20 ? ', ...' : '') : 'an id declared under apiKeys (none is declared)',
  });
  return false;
}

/** A vCluster as the cross-vCluster checks see it: its entry, its index and the values in effect. */
export interface VClusterInEffect {
  readonly v: RawVCluster;
  readonly index: number;
  readonly namespace: string;
  readonly effectiveRelease: string;
  readonly delivery: DeliveryMode;
  readonly rbac: RbacModeName;
  /** The key it uses, when that key is declared and valid. */
  readonly key: FleetApiKey | undefined;
}

const at = (vc: VClusterInEffect, ...rest: Segment[]): Segment[] => ['vclusters', vc.index, ...rest];

/**
 * The release must be a name a vCluster can run under: at most 52 characters (its pods'
 * `controller-revision-hash` label) and a leading letter (its Service is named after it, DNS-1035).
 * The name becomes the release unless `release:` is set.
 */
export function checkReleaseLength(vc: VClusterInEffect, problems: Problems): void {
  const { v, effectiveRelease, delivery } = vc;
  const problem = releaseNameProblem(effectiveRelease);
  if (problem === undefined) return;
  if (v.release !== undefined) {
    problems.add(at(vc, 'release'), { message: problem, value: showValue(v.release), allowed: RELEASE_NAME_RULE });
  } else {
    problems.add(at(vc, 'name'), {
      message: `with delivery ${delivery} it becomes the Helm release name ${showValue(effectiveRelease)}, which ${problem}`,
      value: showValue(v.name),
      allowed: `a name of at most ${MAX_RELEASE_NAME_LENGTH} characters starting with a letter, or a release: for this vCluster`,
    });
  }
}

/** The chart's own cross-namespace RBAC binds the wrong namespace in some chart versions. */
export function checkChartRbac(vc: VClusterInEffect, chartVersion: string, problems: Problems): void {
  const { v, key, namespace } = vc;
  if (vc.rbac !== 'chart' || key === undefined || key.fanOut !== undefined || key.namespace === namespace) return;
  const parsed = parseChartVersion(chartVersion)!;
  if (!hasBrokenChartRbac(parsed)) return;
  problems.add(v.rbac !== undefined ? at(vc, 'rbac') : at(vc), {
    message: `rbac chart cannot work with chart ${parsed.text}: its cross-namespace Role binds the service account in the key's namespace (${key.namespace}) instead of ${namespace} (fixed in 0.23.3, 0.24.2 and 0.25.0)`,
    value: showValue('chart'),
    allowed: 'rbac: static, or chartVersion 0.23.3 / 0.24.2 / 0.25.0 or later',
  });
}

/**
 * What the vClusters seen so far occupy, by the id of each object the output would hold twice:
 * Helm releases, delivery objects and the platform Role / RoleBinding in a key's namespace.
 */
export class ClashIndex {
  private readonly byRelease = new Map<string, number>();
  private readonly byApplication = new Map<string, number>();
  private readonly byHelmRelease = new Map<string, number>();
  private readonly byRbacName = new Map<string, number>();

  constructor(
    private readonly argocd: FleetArgoCd,
    private readonly flux: FleetFlux,
    private readonly problems: Problems,
  ) {}

  /** Checks one vCluster against the earlier ones and records it. */
  public check(vc: VClusterInEffect): void {
    if (this.checkRelease(vc)) this.checkRbacNames(vc);
  }

  /** Two vClusters with one release in one namespace are one Helm release. False when it is a duplicate. */
  private checkRelease(vc: VClusterInEffect): boolean {
    const { v, namespace, effectiveRelease, delivery } = vc;
    const { argocd, flux, problems } = this;
    const releaseId = `${namespace}/${effectiveRelease}`;
    const first = this.byRelease.get(releaseId);
    if (first !== undefined) {
      problems.add(at(vc, 'name'), {
        message: `duplicate vCluster: namespace ${namespace} and release ${effectiveRelease} are already used by ${problems.ref(['vclusters', first])}`,
        value: showValue(v.name),
        allowed: 'a distinct namespace or release for each vCluster',
      });
      return false;
    }
    this.byRelease.set(releaseId, vc.index);
    // Delivery objects are named after the vCluster; two in one namespace would overwrite each other.
    const objectId =
      delivery === 'argocd'
        ? { map: this.byApplication, id: `${argocd.namespace}/${v.name}`, what: `Argo CD Application ${argocd.namespace}/${v.name}` }
        : delivery === 'flux'
          ? { map: this.byHelmRelease, id: `${flux.namespace ?? namespace}/${v.name}`, what: `Flux HelmRelease ${flux.namespace ?? namespace}/${v.name}` }
          : undefined;
    if (!objectId) return true;
    const clash = objectId.map.get(objectId.id);
    if (clash !== undefined) {
      problems.add(at(vc, 'name'), {
        message: `duplicate name: the ${objectId.what} is already generated for ${problems.ref(['vclusters', clash])}`,
        value: showValue(v.name),
        allowed: `a name not used by another vCluster with delivery ${delivery}${delivery === 'flux' && flux.namespace !== undefined ? ` (all HelmReleases live in ${flux.namespace})` : ''}`,
      });
    } else {
      objectId.map.set(objectId.id, vc.index);
    }
    return true;
  }

  /** The Role and RoleBinding in the key's namespace carry the chart's names, cut at 63 characters. */
  private checkRbacNames(vc: VClusterInEffect): void {
    const { v, key, namespace, effectiveRelease } = vc;
    const problems = this.problems;
    if (key === undefined || key.fanOut !== undefined || key.namespace === namespace || !isDns1123Label(effectiveRelease) || !isDns1123Label(namespace)) return;
    const where = v.release !== undefined ? at(vc, 'release') : v.namespace !== undefined ? at(vc, 'namespace') : at(vc, 'name');
    const shown = v.release !== undefined ? v.release : v.namespace !== undefined ? v.namespace : v.name;
    const { roleName, roleBindingName } = platformRbacNames(effectiveRelease, namespace);
    if (!isDns1123Subdomain(roleName) || !isDns1123Subdomain(roleBindingName)) {
      problems.add(where, {
        message: `the vCluster chart names this vCluster's platform Role ${quoteName(roleName)} (vc-<release>-v-<namespace>-platform-role cut to 63 characters, one trailing '-' removed; the RoleBinding alike), which ends in '-' and is refused by Kubernetes: release ${effectiveRelease} in namespace ${namespace} puts a '--' at the cut`,
        value: showValue(shown),
        allowed: "a release or namespace whose 63-character cut does not end in '-' (e.g. a shorter release:)",
      });
      return;
    }
    const ids = [`Role ${key.namespace}/${roleName}`, `RoleBinding ${key.namespace}/${roleBindingName}`];
    const clash = ids.map((id) => this.byRbacName.get(id)).find((c) => c !== undefined);
    if (clash !== undefined) {
      problems.add(where, {
        message: `the platform Role and RoleBinding in ${key.namespace} (the chart's names, cut to 63 characters: ${quoteName(roleName)}) are already those of ${problems.ref(['vclusters', clash])}; one would replace the other and that vCluster could no longer read its key`,
        value: showValue(shown),
        allowed: 'a release or namespace that differs within the first 63 characters of vc-<release>-v-<namespace>-platform-role (e.g. a shorter release:)',
      });
    } else {
      for (const id of ids) this.byRbacName.set(id, vc.index);
    }
  }
}
