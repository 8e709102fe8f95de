import { Problem, showValue } from '../errors';
import { isDns1123Subdomain } from './names';

// Kubernetes' own rules (k8s.io/apimachinery pkg/util/validation: IsQualifiedName, IsValidLabelValue):
// a label key is an optional DNS-1123 subdomain prefix (at most 253 characters) and '/', then a name
// of at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric; a value is empty
// or such a name.
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** What a label key must look like, for error messages. */
export const LABEL_KEY_RULE =
  "an optional DNS-1123 subdomain prefix of at most 253 characters and '/', then a name of at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, e.g. \"team\" or \"example.com/team\"";
/** What a label value must look like, for error messages. */
export const LABEL_VALUE_RULE = "empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

/** True when `key` is a valid Kubernetes label key. */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || !isDns1123Subdomain(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** True when `value` is a valid Kubernetes label value. */
export function isLabelValue(value: unknown): value is string {
  return typeof value === 'string' && (value === '' || (value.length <= 63 && LABEL_NAME.test(value)));
}

/**
 * Problems of a labels prop: it must be a plain object (a string would be spread into `"0": ...`)
 * whose keys and values Kubernetes accepts; otherwise the API server refuses the whole object.
 */
export function labelProblems(labels: unknown, path: string): Problem[] {
  if (labels === undefined) return [];
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels) || Object.getPrototypeOf(labels) !== Object.prototype) {
    return [
      {
        path,
        message: 'must be an object of label keys and values',
        value: Array.isArray(labels) ? 'a list' : showValue(labels === null ? null : typeof labels),
        allowed: '{ "key": "value", ... }',
      },
    ];
  }
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (!isLabelKey(key)) problems.push({ path: `${path}[${showValue(key)}]`, message: 'not a valid label key', value: showValue(key), allowed: LABEL_KEY_RULE });
    if (!isLabelValue(value)) problems.push({ path: `${path}[${showValue(key)}]`, message: 'not a valid label value', value: showValue(value), allowed: LABEL_VALUE_RULE });
  }
  return problems;
}
