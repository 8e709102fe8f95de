import type { k8s } from 'cdk8s-plus-28';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Problem, ProblemCollector, showValue } from '../errors';
import {
  DNS1123_LABEL_RULE,
  DNS1123_SUBDOMAIN_RULE,
  RELEASE_NAME_RULE,
  defaultServiceAccountName,
  isDns1123Label,
  isDns1123Subdomain,
  releaseNameProblem,
  truncate63TrimOneDash,
} from './names';
import { Manifest } from './platform-api-key';

/** Props for `PlatformApiKeyRbac`. */
export interface PlatformApiKeyRbacProps {
  /** Helm release name of the vCluster. */
  readonly release: string;
  /** Namespace the vCluster is installed in (its service account lives there). */
  readonly releaseNamespace: string;
  /** Name of the access key Secret. */
  readonly secretName: string;
  /** Namespace of the access key Secret; the Role and RoleBinding live here. */
  readonly secretNamespace: string;
  /**
   * The vCluster's service account (`controlPlane.advanced.serviceAccount.name`).
   * @default "vc-<release>"
   */
  readonly serviceAccountName?: string;
}

/** The names the vCluster chart gives its platform Role and RoleBinding. */
export function platformRbacNames(release: string, releaseNamespace: string): { roleName: string; roleBindingName: string } {
  const base = `vc-${release}-v-${releaseNamespace}-platform-role`;
  return { roleName: truncate63TrimOneDash(base), roleBindingName: truncate63TrimOneDash(`${base}-binding`) };
}

/**
 * Problems with the chart's RBAC names for a release: the 63-character cut of a name can end in
 * '-' when it falls on a '--' (the chart trims only one), and the API server rejects such a name.
 * The chart itself would render the same invalid name, so this holds for both RBAC modes.
 */
export function platformRbacNameProblems(release: string, releaseNamespace: string, path = 'release'): Problem[] {
  const { roleName, roleBindingName } = platformRbacNames(release, releaseNamespace);
  const problems: Problem[] = [];
  for (const [kind, name] of [
    ['Role', roleName],
    ['RoleBinding', roleBindingName],
  ] as const) {
    if (!isDns1123Subdomain(name)) {
      problems.push({
        path,
        message: `the vCluster chart names the platform ${kind} ${showValue(name)} (vc-<release>-v-<namespace>-platform-role${kind === 'RoleBinding' ? '-binding' : ''}, cut to 63 characters, one trailing '-' removed), which is not a valid object name: release ${showValue(release)} in namespace ${showValue(releaseNamespace)} puts a '--' at the cut`,
        value: showValue(release),
        allowed: "a release or namespace whose 63-character cut does not end in '-'",
      });
    }
  }
  return problems;
}

/**
 * The Role and RoleBinding the vCluster chart renders for a key in another namespace, or none
 * when the Secret sits in the release namespace. Pure: same props, same objects.
 */
export function renderPlatformApiKeyRbac(props: PlatformApiKeyRbacProps): Manifest[] {
  if (props.secretNamespace === props.releaseNamespace) return [];
  const { roleName, roleBindingName } = platformRbacNames(props.release, props.releaseNamespace);
  const role: Manifest = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: roleName, namespace: props.secretNamespace },
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [props.secretName] }] satisfies k8s.PolicyRule[],
  };
  const binding: Manifest = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: roleBindingName, namespace: props.secretNamespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName } satisfies k8s.RoleRef,
    subjects: [
      {
        kind: 'ServiceAccount',
        name: props.serviceAccountName ?? defaultServiceAccountName(props.release),
        // The release namespace, where the service account lives (charts before 0.23.3 got this wrong).
        namespace: props.releaseNamespace,
      },
    ] satisfies k8s.Subject[],
  };
  return [role, binding];
}

/**
 * The Role and RoleBinding that let ONE vCluster `get` ONE Secret kept in another namespace,
 * byte-for-byte what the vCluster chart renders with `createRBAC: true` (names cut at 63
 * characters with one trailing '-' trimmed, a single rule, the subject in the release namespace,
 * no labels). Nothing is emitted when the Secret is in the release namespace.
 */
export class PlatformApiKeyRbac extends Construct {
  /** Name of the Role. */
  public readonly roleName: string;
  /** Name of the RoleBinding. */
  public readonly roleBindingName: string;
  /** The service account that may read the Secret. */
  public readonly serviceAccountName: string;
  /** False when both namespaces are the same and so nothing was emitted. */
  public readonly emitted: boolean;

  constructor(scope: Construct, id: string, props: PlatformApiKeyRbacProps) {
    super(scope, id);
    const serviceAccountName = props.serviceAccountName ?? defaultServiceAccountName(props.release);

    const problems = new ProblemCollector();
    const releaseProblem = releaseNameProblem(props.release);
    if (releaseProblem) problems.add({ path: 'release', message: releaseProblem, value: showValue(props.release), allowed: RELEASE_NAME_RULE });
    for (const field of ['releaseNamespace', 'secretNamespace'] as const) {
      if (!isDns1123Label(props[field])) {
        problems.add({ path: field, message: 'not a valid namespace', value: showValue(props[field]), allowed: DNS1123_LABEL_RULE });
      }
    }
    if (!isDns1123Subdomain(props.secretName)) {
      problems.add({ path: 'secretName', message: 'not a valid Secret name', value: showValue(props.secretName), allowed: DNS1123_SUBDOMAIN_RULE });
    }
    if (!isDns1123Subdomain(serviceAccountName)) {
      problems.add({ path: 'serviceAccountName', message: 'not a valid service account name', value: showValue(serviceAccountName), allowed: DNS1123_SUBDOMAIN_RULE });
    }
    if (problems.problems.length === 0) platformRbacNameProblems(props.release, props.releaseNamespace).forEach((p) => problems.add(p));
    problems.throwIfAny(`PlatformApiKeyRbac ${this.node.path}`);

    const names = platformRbacNames(props.release, props.releaseNamespace);
    this.roleName = names.roleName;
    this.roleBindingName = names.roleBindingName;
    this.serviceAccountName = serviceAccountName;

    const manifests = renderPlatformApiKeyRbac({ ...props, serviceAccountName });
    this.emitted = manifests.length > 0;
    const [role, binding] = manifests;
    if (role && binding) {
      // The rendered manifests as they are: the chart's objects are matched field for field, and
      // the typed L1 classes would only re-serialize the same JSON (at a measurable cost per vCluster).
      new ApiObject(this, 'Role', role);
      new ApiObject(this, 'RoleBinding', binding);
    }
  }
}
