import * as path from 'path';
import { fluxDefaultReleaseName } from '../../constructs/names';
import { KustomizationSeen } from './collect';
import { Linked, LinkedVCluster } from './link';
import { ArgoCdSeen, describe, KeyDraft, Note } from './model';
import { DEFAULT_SECRET_NAME_FOR_IMPORT as DEFAULT_SECRET_NAME } from './values';
import { folderKeyId, KeyUnit } from './tree';
import { ClusterMapping, mapClusters, withoutClusterFolder, withoutDestination } from './clusters';

/** The fleet file as data, plus the CA files it names. */
export interface FleetDraft {
  readonly fleet: Record<string, unknown>;
  /** PEM files the fleet names in `certificateAuthorityFile`, by file name (next to the fleet file). */
  readonly caFiles: Map<string, string>;
}

/** Options that fill what the input cannot show. */
export interface FleetFileOptions {
  /** Platform host when no key shows one. */
  readonly host?: string;
  /** Whether CA files can be written (a fleet printed to stdout cannot name files). */
  readonly writeCaFiles: boolean;
}

/** The value most keys agree on (ties: the first seen), for fleet-wide settings. */
function mostCommon<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let bestCount = 0;
  for (const [v, n] of counts) if (n > bestCount) [best, bestCount] = [v, n];
  return best;
}

/**
 * Unique key ids (DNS labels): the namespace for the default Secret name, else the Secret name
 * when it already starts with the namespace, else `<namespace>-<secretName>`; numbered on clashes.
 */
function keyIds(keys: readonly KeyDraft[], fromTree: ReadonlyMap<KeyDraft, string>): Map<KeyDraft, string> {
  const ids = new Map(fromTree);
  const taken = new Set(fromTree.values());
  const clean = (s: string): string =>
    s
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 55)
      .replace(/-+$/, '') || 'key';
  const ordered = [...keys].sort((a, b) => Number(a.secretName !== DEFAULT_SECRET_NAME) - Number(b.secretName !== DEFAULT_SECRET_NAME));
  for (const k of ordered) {
    if (ids.has(k)) continue;
    const named = k.secretName.startsWith(`${k.namespace}-`) ? k.secretName : `${k.namespace}-${k.secretName}`;
    const base = clean(k.secretName === DEFAULT_SECRET_NAME ? k.namespace : named);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    ids.set(k, id);
  }
  return ids;
}

/**
 * The key ids a synthesized tree shows: a key's objects, or its vClusters' Applications and
 * HelmReleases, sit in `keys/<id>/`, `argocd/<id>/` or `flux/<id>/`, and a per-key Application or
 * Kustomization of the input names that id. The first key to claim an id gets it.
 */
function treeKeyIds(linked: Linked, units: readonly KeyUnit[]): Map<KeyDraft, string> {
  const known = new Set(units.map((u) => u.id));
  const ids = new Map<KeyDraft, string>();
  const taken = new Set<string>();
  if (known.size === 0) return ids;
  for (const k of linked.keys) {
    const files = [k.file, ...linked.vclusters.filter((l) => l.key === k).map((l) => l.vc.at?.file)];
    const id = files.map((f) => folderKeyId(f, known)).find((x) => x !== undefined && !taken.has(x));
    if (id === undefined) continue;
    ids.set(k, id);
    taken.add(id);
  }
  return ids;
}

function sourceEntry(key: KeyDraft): [string, Record<string, unknown>] {
  const s = key.source;
  switch (s.type) {
    case 'existing':
      return ['existing', {}];
    case 'externalSecret':
      return [
        'externalSecret',
        {
          storeRef: { kind: s.storeKind, name: s.storeName },
          remoteRef: { key: s.remoteKey, ...(s.property !== undefined ? { property: s.property } : {}) },
          ...(s.refreshInterval !== undefined ? { refreshInterval: s.refreshInterval } : {}),
        },
      ];
    case 'sealed':
      return ['sealed', { scope: s.scope, encryptedAccessKey: s.encryptedAccessKey }];
  }
}

function platformAndKeys(
  linked: Linked,
  units: readonly KeyUnit[],
  options: FleetFileOptions,
  notes: Note[],
  infos: string[],
): { platform: Record<string, unknown>; apiKeys: Record<string, unknown>; ids: Map<KeyDraft, string>; caFiles: Map<string, string> } {
  const users = new Map<KeyDraft, number>();
  for (const l of linked.vclusters) users.set(l.key, (users.get(l.key) ?? 0) + 1);
  const keys = linked.keys.filter((k) => {
    // A ClusterExternalSecret with no vCluster to serve cannot be expressed (the loader refuses an unused fan-out key).
    if (k.fanOut && !users.has(k)) notes.push({ subject: k.origin, why: 'a fanned-out key that no imported vCluster uses' });
    return !k.fanOut || users.has(k);
  });
  const emitted = keys.filter((k) => k.source.type !== 'existing');
  // The host of the keys the fleet emits, else of any key a vCluster uses, else of any key at all.
  const hostOf = (list: readonly KeyDraft[]): string | undefined => mostCommon(list.map((k) => k.settings.host).filter((h): h is string => h !== undefined));
  const host = hostOf(emitted) ?? hostOf(keys.filter((k) => users.has(k))) ?? hostOf(keys) ?? options.host;
  const platform: Record<string, unknown> = { host };
  const cas = emitted.map((k) => k.settings.certificateAuthorityData);
  const sharedCa = cas.length > 0 && cas.every((c) => c !== undefined && c === cas[0]) ? cas[0] : undefined;
  const caFiles = new Map<string, string>();
  if (sharedCa !== undefined && options.writeCaFiles) {
    caFiles.set('platform-ca.pem', sharedCa);
    platform.certificateAuthorityFile = 'platform-ca.pem';
  }
  const ids = keyIds(keys, treeKeyIds(linked, units));
  const apiKeys: Record<string, unknown> = {};
  for (const k of keys) {
    const id = ids.get(k)!;
    const entry: Record<string, unknown> = { namespace: k.namespace };
    if (k.secretName !== DEFAULT_SECRET_NAME) entry.secretName = k.secretName;
    if (k.source.type !== 'existing') {
      const s = k.settings;
      if (s.host === undefined) infos.push(`${k.origin}: no host in the Secret it yields; the fleet writes platform.host ${host ?? ''} into it`);
      if (s.host !== undefined && s.host !== host) entry.host = s.host;
      // The Secret says `default` and `false` when the fleet leaves these out (vCluster pkg/platform/secret.go writes both always).
      if (s.project !== undefined && s.project !== 'default') entry.project = s.project;
      if (s.insecure === true) entry.insecure = true;
      // A pinned key serves exactly one vCluster (the loader refuses more).
      if (s.instanceName !== undefined && (users.get(k) ?? 0) <= 1) entry.instanceName = s.instanceName;
      else if (s.instanceName !== undefined)
        notes.push({ subject: k.origin, why: `name ${s.instanceName} (instanceName) left out: ${users.get(k)} vClusters use this key and a pinned key serves one` });
      if (s.certificateAuthorityData !== undefined && s.certificateAuthorityData !== sharedCa) {
        if (options.writeCaFiles) {
          caFiles.set(`${id}-ca.pem`, s.certificateAuthorityData);
          entry.certificateAuthorityFile = `${id}-ca.pem`;
        }
      }
      if (s.certificateAuthorityData !== undefined && !options.writeCaFiles) {
        notes.push({ subject: k.origin, why: 'certificateAuthorityData not imported: a fleet printed to stdout cannot name a CA file; use --out' });
      }
    }
    const rotation = linked.rotation.get(k);
    if (rotation !== undefined) entry.rotation = rotation;
    if (k.fanOut) entry.fanOut = 'clusterExternalSecret';
    const [sourceName, source] = sourceEntry(k);
    entry[sourceName] = source;
    apiKeys[id] = entry;
  }
  return { platform, apiKeys, ids, caFiles };
}

/** Fleet-wide settings from per-vCluster observations: the most common value, and a line for each vCluster that differs. */
function agree<T extends object>(seen: readonly { origin: string; value: T }[], infos: string[], what: string): T | undefined {
  const texts = seen.map((s) => JSON.stringify(s.value));
  const chosen = mostCommon(texts);
  for (let i = 0; i < seen.length; i++) {
    if (texts[i] !== chosen) infos.push(`${seen[i]!.origin}: its ${what} settings ${texts[i]} differ from the fleet's ${chosen} (the fleet file has one set for all)`);
  }
  return chosen === undefined ? undefined : (JSON.parse(chosen) as T);
}

/** `dist`, `./dist/` and an unset path are the same place (the loader's normalization, default `dist`). */
function samePlace(a: { repoURL: string; targetRevision: string; path?: string }, b: { repoURL: string; targetRevision: string; path?: string }): boolean {
  const norm = (p?: string): string => (p ?? 'dist').replace(/^(\.\/)+/, '').replace(/\/+$/, '') || '.';
  return a.repoURL === b.repoURL && a.targetRevision === b.targetRevision && norm(a.path) === norm(b.path);
}

function argocdSection(linked: Linked, units: readonly KeyUnit[], multiCluster: boolean, infos: string[]): Record<string, unknown> | undefined {
  const seen = linked.vclusters.filter((l) => l.vc.argocd).map((l) => ({ origin: l.vc.origin, value: multiCluster ? withoutDestination(l.vc.argocd!) : l.vc.argocd! }));
  const a = agree<ArgoCdSeen>(seen, infos, 'Argo CD');
  if (!a) return undefined;
  const repos = units.filter((u) => u.repository).map((u) => ({ origin: `${describe(u.at)}`, value: u.repository! }));
  const repository = agree(repos, infos, 'repository');
  // A multi-cluster fleet names each cluster's destination under clusters (the loader refuses another argocd.destinationServer).
  const out: Record<string, unknown> = { namespace: a.namespace, project: a.project, ...(multiCluster ? {} : { destinationServer: a.destinationServer }) };
  // The fleet's ApplicationSet reads values from the repository only (its elements carry strings).
  if (a.applicationSet && a.valuesRepository) out.applicationSet = true;
  else if (a.applicationSet) infos.push('an ApplicationSet without a values repository: the fleet writes one Application per vCluster instead (values inline)');
  if (a.valuesRepository) out.valuesRepository = { ...a.valuesRepository, ...(a.valuesRepository.path === undefined ? {} : { path: a.valuesRepository.path }) };
  // The loader takes argocd.repository from valuesRepository when only that is written.
  if (repository && !(a.valuesRepository && samePlace(a.valuesRepository, repository))) out.repository = repository;
  out.syncPolicy = a.syncPolicy;
  if (a.prune) out.prune = true;
  if (a.selfHeal) out.selfHeal = true;
  return out;
}

/** The common folder of the Flux Kustomizations' paths: where the generated tree sits in the source. */
function commonPath(paths: readonly string[]): string | undefined {
  if (paths.length === 0) return undefined;
  const split = paths.map((p) => path.posix.dirname(p.replace(/\/+$/, '')).split('/'));
  const first = split[0]!;
  let n = first.length;
  for (const s of split) {
    let i = 0;
    while (i < n && s[i] === first[i]) i++;
    n = i;
  }
  const joined = first.slice(0, n).join('/');
  return joined === '' || joined === '.' ? undefined : joined;
}

function fluxSection(
  linked: Linked,
  kustomizations: readonly KustomizationSeen[],
  multiCluster: boolean,
  infos: string[],
): { section?: Record<string, unknown>; namespace?: string } {
  const members = linked.vclusters.filter((l) => l.vc.flux);
  if (members.length === 0) return {};
  const outside = members.filter((l) => l.vc.flux!.namespace !== l.vc.namespace).map((l) => l.vc.flux!.namespace);
  // `flux.namespace` unset means each HelmRelease sits in its vCluster's namespace.
  const namespace = mostCommon(outside);
  const f = agree(
    members.map((l) => ({ origin: l.vc.origin, value: { interval: l.vc.flux!.interval, valuesFrom: l.vc.flux!.valuesFrom, sourceNamespace: l.vc.flux!.sourceNamespace } })),
    infos,
    'Flux',
  )!;
  for (const l of members) {
    const expected = namespace ?? l.vc.namespace;
    if (l.vc.flux!.namespace !== expected) infos.push(`${l.vc.origin}: the fleet places its HelmRelease in ${expected}`);
  }
  const out: Record<string, unknown> = {};
  if (namespace !== undefined) out.namespace = namespace;
  if (f.interval !== undefined) out.interval = f.interval;
  out.valuesFrom = f.valuesFrom;
  const ks = kustomizations.filter((k) => k.sourceNamespace === f.sourceNamespace && k.sourceName !== undefined);
  const kind = mostCommon(ks.map((k) => k.sourceKind ?? 'GitRepository'));
  const name = mostCommon(ks.map((k) => k.sourceName!));
  out.sourceRef = { kind: kind ?? 'GitRepository', name: name ?? 'flux-system', namespace: f.sourceNamespace };
  // Kustomizations of a synthesized tree sit side by side (host/, flux/): their common folder is the
  // tree. One Kustomization alone (flux bootstrap's) says nothing about where the tree will be.
  const paths = ks.map((k) => k.path).filter((x): x is string => x !== undefined);
  const common = paths.length >= 2 ? commonPath(paths) : undefined;
  // Each cluster's tree sits in <flux.path>/clusters/<name>/ (src/fleet/synthesize.ts).
  const p = common !== undefined && multiCluster ? withoutClusterFolder(withoutClusterFolder(common).replace(/(^|\/)clusters$/, '')) : common;
  if (p !== undefined) {
    out.path = p;
    infos.push(`flux.path ${p} is the common folder of the Flux Kustomizations' paths; make it where the synthesized tree is committed`);
  }
  return { section: out, namespace };
}

function vclusterEntry(l: LinkedVCluster, keyId: string, fluxNamespace: string | undefined, fleetPrefix: string, cluster: string | undefined): Record<string, unknown> {
  const vc = l.vc;
  // Argo CD Applications carry namePrefix (src/fleet/topology-argocd.ts), then `<cluster>-` (synthesize.ts); HelmReleases do not.
  const namePrefix = cluster !== undefined ? `${fleetPrefix}${cluster}-` : fleetPrefix;
  const name = vc.delivery === 'argocd' && namePrefix !== '' && vc.name.startsWith(namePrefix) && vc.name.length > namePrefix.length ? vc.name.slice(namePrefix.length) : vc.name;
  const entry: Record<string, unknown> = { name };
  if (vc.namespace !== name) entry.namespace = vc.namespace;
  entry.chartVersion = vc.chartVersion;
  entry.apiKey = keyId;
  if (l.rbac === 'chart') entry.rbac = 'chart';
  if (vc.values.serviceAccountName !== undefined) entry.serviceAccountName = vc.values.serviceAccountName;
  if (vc.values.project !== undefined) entry.project = vc.values.project;
  // The loader's default release (src/fleet/loader.ts): Flux's naming for flux, else the name.
  const fallback = vc.delivery === 'flux' ? fluxDefaultReleaseName(name, fluxNamespace !== undefined && fluxNamespace !== vc.namespace ? vc.namespace : undefined) : name;
  if (vc.release !== fallback) entry.release = vc.release;
  entry.delivery = vc.delivery;
  if (cluster !== undefined) entry.cluster = cluster;
  return entry;
}

/** `onRemoval` as most delivered vClusters show it, with a line for each that differs. */
function onRemovalOf(linked: Linked, infos: string[]): 'keep' | 'uninstall' {
  const seen = linked.vclusters.filter((l) => l.vc.uninstall !== undefined).map((l) => ({ origin: l.vc.origin, value: { uninstall: l.vc.uninstall! } }));
  return agree(seen, infos, 'removal')?.uninstall === true ? 'uninstall' : 'keep';
}

/** Builds the fleet file's data from linked keys and vClusters. */
export function buildFleet(
  linked: Linked,
  collected: { readonly kustomizations: readonly KustomizationSeen[]; readonly units: readonly KeyUnit[] },
  options: FleetFileOptions,
  notes: Note[],
): FleetDraft & { infos: string[] } {
  const infos = [...linked.infos];
  const units = collected.units;
  const namePrefix = mostCommon(units.map((u) => u.prefix)) ?? '';
  const clusters: ClusterMapping = mapClusters(linked, units, namePrefix, infos);
  const multiCluster = clusters.section !== undefined;
  const { platform, apiKeys, ids, caFiles } = platformAndKeys(linked, units, options, notes, infos);
  const argocd = argocdSection(linked, units, multiCluster, infos);
  const flux = fluxSection(linked, collected.kustomizations, multiCluster, infos);
  const vclusters = linked.vclusters.map((l) => vclusterEntry(l, ids.get(l.key)!, flux.namespace, namePrefix, clusters.clusterOf.get(l)));
  const fleet: Record<string, unknown> = { platform };
  if (clusters.section) fleet.clusters = clusters.section;
  if (namePrefix !== '') fleet.namePrefix = namePrefix;
  if (onRemovalOf(linked, infos) === 'uninstall') fleet.onRemoval = 'uninstall';
  if (argocd) fleet.argocd = argocd;
  if (flux.section) fleet.flux = flux.section;
  fleet.apiKeys = apiKeys;
  fleet.vclusters = vclusters;
  return { fleet, caFiles, infos };
}
