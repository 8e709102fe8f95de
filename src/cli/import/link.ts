import { parseChartVersion, ValuesLayout, valuesLayoutFor } from '../../constructs/chart-version';
import { platformRbacNames } from '../../constructs/platform-api-key-rbac';
import { Collected } from './collect';
import { dedupeKeys, secretRef } from './keys';
import { KeyDraft, nameOf, Note, VClusterDraft } from './model';

/** A vCluster with the key it reads and its RBAC mode decided. */
export interface LinkedVCluster {
  readonly vc: VClusterDraft;
  readonly key: KeyDraft;
  readonly rbac: 'static' | 'chart';
}

/** Keys and vClusters linked; `rotation` per key (the annotation its vClusters carry). */
export interface Linked {
  readonly keys: KeyDraft[];
  readonly vclusters: LinkedVCluster[];
  readonly rotation: Map<KeyDraft, string>;
  /** Informational lines: what the fleet assumes or will change. */
  readonly infos: string[];
}

/** The key a vCluster's values point at: its Secret, or a fanned-out key that places it in the vCluster's namespace. */
function findKey(keys: readonly KeyDraft[], ref: { namespace: string; secretName: string }, vcNamespace: string): KeyDraft | undefined {
  const exact = keys.find((k) => !k.fanOut && k.namespace === ref.namespace && k.secretName === ref.secretName);
  if (exact) return exact;
  if (ref.namespace !== vcNamespace) return undefined;
  return keys.find((k) => k.fanOut && k.secretName === ref.secretName && (k.fanOut.namespaces === undefined || k.fanOut.namespaces.includes(vcNamespace)));
}

/**
 * Which RBAC mode reproduces what the vCluster has: `createRBAC: false` means someone else
 * (we, in `static` mode) creates the Role and RoleBinding; true or unset means the chart renders
 * them itself, only when the Secret sits in another namespace (the chart's rule as the
 * project's verified facts record it, ../shared/FACTS.md §3).
 */
function rbacMode(vc: VClusterDraft, key: KeyDraft, c: Collected, infos: string[]): 'static' | 'chart' {
  const mode = vc.values.createRBAC === false ? 'static' : 'chart';
  const crossNamespace = !key.fanOut && key.namespace !== vc.namespace;
  if (!crossNamespace) return mode;
  const names = platformRbacNames(vc.release, vc.namespace);
  let found = 0;
  for (const r of c.rbac) {
    const { name, namespace } = nameOf(r.at);
    const expected = r.at.obj.kind === 'Role' ? names.roleName : names.roleBindingName;
    if (namespace === key.namespace && name === expected) {
      r.used = true;
      found++;
    }
  }
  if (mode === 'static' && found < 2) {
    infos.push(`${vc.origin}: createRBAC is false but the Role/RoleBinding ${names.roleName} in ${key.namespace} are not both in the input; the fleet (rbac: static) emits them`);
  }
  return mode;
}

function checkLayout(vc: VClusterDraft, infos: string[]): void {
  const version = parseChartVersion(vc.chartVersion);
  const expected = version ? valuesLayoutFor(version) : undefined;
  const written = vc.values.layout === 'external' ? ValuesLayout.EXTERNAL_PLATFORM : vc.values.layout === 'platform' ? ValuesLayout.PLATFORM : undefined;
  if (expected !== undefined && written !== undefined && written !== expected) {
    infos.push(`${vc.origin}: values use ${written}.apiKey, which chart ${vc.chartVersion} rejects; the fleet writes ${expected}.apiKey`);
  }
}

/** Links every vCluster to its key, decides RBAC modes and rotation tokens, lists what cannot be linked. */
export function link(c: Collected, notes: Note[]): Linked {
  const keys = dedupeKeys(c.keys);
  const infos: string[] = [];
  const vclusters: LinkedVCluster[] = [];
  const rotations = new Map<KeyDraft, Map<string | undefined, string[]>>();
  for (const vc of c.vclusters) {
    const ref = secretRef(vc.values.secretName, vc.values.secretNamespace, vc.namespace);
    let key = findKey(keys, ref, vc.namespace);
    if (!key) {
      if (vc.values.layout === undefined) {
        notes.push({
          at: vc.at,
          subject: vc.at ? undefined : vc.origin,
          why: `no apiKey values and no key Secret ${ref.namespace}/${ref.secretName} in the input: not connected to the platform`,
        });
        continue;
      }
      // The Secret was made some other way (or not exported): the fleet names it and emits nothing.
      key = { namespace: ref.namespace, secretName: ref.secretName, source: { type: 'existing' }, settings: {}, origin: `values of ${vc.origin}` };
      keys.push(key);
      infos.push(`${vc.origin}: key Secret ${ref.namespace}/${ref.secretName} is not in the input; imported as an existing key`);
    }
    checkLayout(vc, infos);
    for (const info of vc.infos ?? []) infos.push(`${vc.origin}: ${info}`);
    vclusters.push({ vc, key, rbac: rbacMode(vc, key, c, infos) });
    const byToken = rotations.get(key) ?? new Map<string | undefined, string[]>();
    byToken.set(vc.values.rotation, [...(byToken.get(vc.values.rotation) ?? []), vc.origin]);
    rotations.set(key, byToken);
  }
  const rotation = new Map<KeyDraft, string>();
  for (const [key, byToken] of rotations) {
    const tokens = [...byToken.keys()];
    const chosen = tokens.find((t) => t !== undefined);
    if (chosen !== undefined) rotation.set(key, chosen);
    if (tokens.length > 1)
      infos.push(`${key.origin}: its vClusters carry different rotation annotations (${tokens.map((t) => t ?? 'none').join(', ')}); the fleet gives all of them ${chosen}`);
  }
  for (const r of c.rbac) if (!r.used) notes.push({ at: r.at, why: 'not the platform Role/RoleBinding (vc-<release>-v-<namespace>-platform-role) of an imported vCluster' });
  for (const l of vclusters) {
    if (l.vc.values.extras.length > 0) {
      const shown = l.vc.values.extras.slice(0, 5).join(', ') + (l.vc.values.extras.length > 5 ? `, … (${l.vc.values.extras.length} in all)` : '');
      notes.push({ at: l.vc.at, subject: l.vc.at ? undefined : l.vc.origin, why: `values the fleet file cannot express, left out: ${shown}` });
    }
  }
  const used = new Set(vclusters.map((l) => l.key));
  for (const k of keys) if (!used.has(k)) infos.push(`${k.origin}: no imported vCluster uses this key; it is kept in apiKeys`);
  return { keys, vclusters, rotation, infos };
}
