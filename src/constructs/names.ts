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
 * The Helm release name Flux's helm-controller uses when `spec.releaseName` is unset:
 * `<targetNamespace>-<name>` (or `<name>`), shortened past 53 characters to the first 40
 * characters, '-', and the first 12 hex characters of the SHA-256 of the full name.
 */
export function fluxDefaultReleaseName(name: string, targetNamespace?: string): string {
  const full = targetNamespace ? `${targetNamespace}-${name}` : name;
  if (full.length <= 53) return full;
  const digest = createHash('sha256').update(full).digest('hex');
  return `${full.slice(0, 40)}-${digest.slice(0, 12)}`;
}
