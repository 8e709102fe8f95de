import { createHash } from 'crypto';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What a DNS-1123 label allows, for error messages. */
export const DNS1123_LABEL_RULE = "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

/** What a DNS-1123 subdomain allows, for error messages. */
export const DNS1123_SUBDOMAIN_RULE = "lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit, at most 253 characters";

/** True for a DNS-1123 label (namespaces, Helm release names, most object names). */
export function isDns1123Label(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
}

/** True for a DNS-1123 subdomain (Secret, Role and RoleBinding names). */
export function isDns1123Subdomain(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/**
 * Helm's `trunc 63 | trimSuffix "-"`, as the vCluster chart applies it to its RBAC names:
 * the first 63 characters, then at most ONE trailing '-' removed.
 */
export function truncate63TrimOneDash(name: string): string {
  const cut = name.slice(0, 63);
  return cut.endsWith('-') ? cut.slice(0, -1) : cut;
}

/** The service account the vCluster chart creates for a release: `vc-<release>`. */
export function defaultServiceAccountName(release: string): string {
  return `vc-${release}`;
}

/**
 * The longest release name a vCluster can run under: the StatefulSet is named after the release
 * and its pods carry `controller-revision-hash: <StatefulSet>-<up to 10 characters>`, a label
 * value of at most 63 characters (kubernetes/kubernetes#64023), so 52 leaves room for the hash
 * and its '-'. Helm itself accepts 53.
 */
export const MAX_RELEASE_NAME_LENGTH = 52;

/** What a vCluster release name allows, for error messages. */
export const RELEASE_NAME_RULE = `lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, at most ${MAX_RELEASE_NAME_LENGTH} characters`;

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * True for a release name a vCluster can run under: a DNS-1035 label (the chart names a Service
 * after the release, and Service names must start with a letter) of at most
 * `MAX_RELEASE_NAME_LENGTH` characters.
 */
export function isRunnableReleaseName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_RELEASE_NAME_LENGTH && DNS1035_LABEL.test(value);
}

/** Why `value` cannot be a vCluster release name, or `undefined` when it can. */
export function releaseNameProblem(value: unknown): string | undefined {
  if (isRunnableReleaseName(value)) return undefined;
  if (typeof value !== 'string' || !DNS1035_LABEL.test(value)) {
    if (typeof value === 'string' && /^[0-9]/.test(value) && DNS1035_LABEL.test(`a${value}`)) {
      return 'cannot be a vCluster release name: it must start with a letter (the chart names a Service after the release, and Service names are DNS-1035 labels)';
    }
    return 'not a valid vCluster release name';
  }
  return `is ${value.length} characters, too long for a vCluster release name: the control-plane pods' controller-revision-hash label (<release>-<hash>) must fit in 63 characters, so at most ${MAX_RELEASE_NAME_LENGTH}`;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Name shortening as Flux's helm-controller does it (`internal/release/name.go` `ShortenName`):
 * a name longer than 53 characters becomes its first 40 characters, '-', and the first 12 hex
 * characters of its SHA-256 (53 in all). Used to predict what helm-controller installs.
 */
export function helmControllerShortenName(name: string): string {
  if (name.length <= 53) return name;
  return `${name.slice(0, 40)}-${sha256Hex(name).slice(0, 12)}`;
}

/**
 * The release name to write for a Flux-delivered vCluster whose fleet entry has no `release`:
 * the name helm-controller would derive itself (`<targetNamespace>-<name>`, or `<name>`) when
 * that is at most 52 characters, else its first 40 characters, '-', and the first 11 hex
 * characters of its SHA-256 (52 in all).
 *
 * helm-controller's own shortening yields 53 characters, one too many for a vCluster (see
 * `MAX_RELEASE_NAME_LENGTH`); since the release name is always written explicitly, this picks a
 * runnable one instead. It keeps Flux's 40-character prefix, so the release is still recognisable
 * next to its HelmRelease, and Flux's hash prefix less one character (44 bits: a collision among
 * the long names of one fleet is negligible). A name of exactly 53 characters, which Flux would keep
 * as it is, is shortened here too.
 */
export function fluxDefaultReleaseName(name: string, targetNamespace?: string): string {
  const full = targetNamespace ? `${targetNamespace}-${name}` : name;
  if (full.length <= MAX_RELEASE_NAME_LENGTH) return full;
  return `${full.slice(0, 40)}-${sha256Hex(full).slice(0, 11)}`;
}

/**
 * The longest ClusterExternalSecret name fan-out works with: ESO (0.20 and later) puts the
 * finalizer `externalsecrets.external-secrets.io/ces-<name>` on every namespace it writes into
 * (`pkg/controllers/clusterexternalsecret/clusterexternalsecret_controller.go` `buildCESFinalizer`),
 * and the name part of a finalizer is at most 63 characters, so `ces-` leaves 59.
 */
export const MAX_CLUSTER_EXTERNAL_SECRET_NAME_LENGTH = 59;

/**
 * The name of a fanned-out key's ClusterExternalSecret: `<namespace>.<secretName>`. It is
 * cluster-scoped, so the Secret's name alone would let two keys (say one per team, both with the
 * default secretName) overwrite each other; a namespace has no dots, so no two keys share one.
 * Past 59 characters (`MAX_CLUSTER_EXTERNAL_SECRET_NAME_LENGTH`) the name is shortened as Flux
 * shortens release names: the first 46 characters (less any trailing '.' or '-'), '-', and the
 * first 12 hex characters of the SHA-256 of the full name, so it stays unique and deterministic.
 */
export function clusterExternalSecretName(namespace: string, secretName: string): string {
  const full = `${namespace}.${secretName}`;
  if (full.length <= MAX_CLUSTER_EXTERNAL_SECRET_NAME_LENGTH) return full;
  const digest = sha256Hex(full).slice(0, 12);
  return `${full.slice(0, MAX_CLUSTER_EXTERNAL_SECRET_NAME_LENGTH - 13).replace(/[.-]+$/, '')}-${digest}`;
}
