import { parse } from 'yaml';
import { ROTATION_ANNOTATION } from '../../constructs/vcluster-platform-connection';
import { record, str, ValuesReading } from './model';

/** The Secret name vCluster looks for when `apiKey.secretName` is unset (chart values.schema.json default). */
export const DEFAULT_SECRET_NAME_FOR_IMPORT = 'vcluster-platform-api-key';

/** Leaf paths of a values tree, `a.b.c`, for the "would be lost" report. */
function leafPaths(value: unknown, prefix: string, out: string[]): void {
  const rec = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (!rec || Object.keys(rec).length === 0) {
    if (prefix) out.push(prefix);
    return;
  }
  for (const [k, v] of Object.entries(rec)) leafPaths(v, prefix ? `${prefix}.${k}` : k, out);
}

/** Removes `keys` (a path) from a deep copy, pruning mappings it leaves empty. */
function take(tree: Record<string, unknown>, keys: readonly string[]): unknown {
  const [head, ...rest] = keys;
  if (head === undefined || !(head in tree)) return undefined;
  if (rest.length === 0) {
    const value = tree[head];
    delete tree[head];
    return value;
  }
  const child = tree[head];
  if (typeof child !== 'object' || child === null || Array.isArray(child)) return undefined;
  const value = take(child as Record<string, unknown>, rest);
  if (Object.keys(child).length === 0) delete tree[head];
  return value;
}

/**
 * Reads the values the fleet file expresses: the apiKey block in either layout (chart values.schema.json:
 * `external.platform.apiKey` up to chart 0.31, `platform.apiKey` from 0.32), the platform
 * project, the control-plane service account (chart `controlPlane.advanced.serviceAccount.name`)
 * and the rotation annotation this tool writes. Everything else is listed in `extras`.
 */
export function readValues(values: unknown): ValuesReading & { problems: string[] } {
  const tree = JSON.parse(JSON.stringify(record(values))) as Record<string, unknown>;
  const problems: string[] = [];
  const hasPlatform = 'platform' in tree && Object.keys(record(tree.platform)).length > 0;
  const hasExternal = Object.keys(record(record(tree.external).platform)).length > 0;
  if (hasPlatform && hasExternal) problems.push('values carry both platform and external.platform (no chart version accepts both)');
  const base = hasExternal && !hasPlatform ? ['external', 'platform'] : ['platform'];
  const layout: ValuesReading['layout'] = hasPlatform ? 'platform' : hasExternal ? 'external' : undefined;
  const secretName = take(tree, [...base, 'apiKey', 'secretName']);
  const secretNamespace = take(tree, [...base, 'apiKey', 'namespace']);
  const createRBAC = take(tree, [...base, 'apiKey', 'createRBAC']);
  const project = take(tree, [...base, 'project']);
  const serviceAccountName = take(tree, ['controlPlane', 'advanced', 'serviceAccount', 'name']);
  const rotation = take(tree, ['controlPlane', 'statefulSet', 'pods', 'annotations', ROTATION_ANNOTATION]);
  if (createRBAC !== undefined && typeof createRBAC !== 'boolean') problems.push(`apiKey.createRBAC is ${JSON.stringify(createRBAC)}, not a boolean (the chart schema refuses it)`);
  for (const [field, v] of [
    ['apiKey.secretName', secretName],
    ['apiKey.namespace', secretNamespace],
    ['project', project],
    ['controlPlane.advanced.serviceAccount.name', serviceAccountName],
    [`pod annotation ${ROTATION_ANNOTATION}`, rotation],
  ] as const) {
    if (v !== undefined && str(v) === undefined) problems.push(`${field} is ${JSON.stringify(v)}, not a non-empty string`);
  }
  const extras: string[] = [];
  leafPaths(tree, '', extras);
  return {
    layout,
    secretName: str(secretName),
    secretNamespace: str(secretNamespace),
    createRBAC: typeof createRBAC === 'boolean' ? createRBAC : undefined,
    project: str(project),
    serviceAccountName: str(serviceAccountName),
    rotation: str(rotation),
    extras,
    problems,
  };
}

/** Parses values text (a `helm.values` string, a ConfigMap's values.yaml, a vcluster.yaml). */
export function parseValuesText(text: string): { values?: unknown; error?: string } {
  try {
    return { values: parse(text, { maxAliasCount: 10_000 }) ?? {} };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  }
}

/**
 * Merges Helm values like Helm and Flux do: mappings merge key by key, anything else is
 * replaced by the later value (helm-controller `chartutil.MergeMaps`, later sources win).
 */
export function mergeValues(base: unknown, over: unknown): unknown {
  const a = record(base);
  const b = record(over);
  if (over === undefined) return base;
  if (typeof over !== 'object' || over === null || Array.isArray(over) || typeof base !== 'object' || base === null || Array.isArray(base)) return over;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in a ? mergeValues(a[k], v) : v;
  return out;
}
