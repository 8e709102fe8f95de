import { DEFAULT_SECRET_NAME_FOR_IMPORT } from './values';
import { describe, groupOf, KeyDraft, KeySettings, nameOf, Note, record, str } from './model';
import { SourceObject } from './read';

// Sealed Secrets reads the scope from these annotations on the SealedSecret itself (bitnami-labs/sealed-secrets
// pkg/apis/sealedsecrets/v1alpha1/sealedsecret_expansion.go, README "Scopes").
const NAMESPACE_WIDE = 'sealedsecrets.bitnami.com/namespace-wide';
const CLUSTER_WIDE = 'sealedsecrets.bitnami.com/cluster-wide';

/** Decodes a Secret `data` value; undefined when it is not base64 text. Never called on `accessKey`. */
function decodeData(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, ''))) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

/**
 * The non-secret settings of an access-key Secret's keys (vCluster pkg/platform/secret.go:
 * host, project, insecure, name, certificateAuthorityData), read from plain strings
 * (`stringData`, templates) or base64 (`data`). The access key is never read.
 */
function settingsFrom(fields: Record<string, unknown>, encoded: boolean): KeySettings {
  const read = (k: string): string | undefined => {
    const v = fields[k];
    return encoded ? decodeData(v) : typeof v === 'string' ? v : undefined;
  };
  const host = read('host')?.trim();
  const insecure = read('insecure')?.trim();
  const ca = read('certificateAuthorityData');
  return {
    host: host ? host.replace(/^https:\/\//i, '') : undefined,
    project: read('project')?.trim() || undefined,
    insecure: insecure === 'true' ? true : insecure === 'false' ? false : undefined,
    instanceName: read('name')?.trim() || undefined,
    certificateAuthorityData: ca && ca.trim().length > 0 ? ca : undefined,
  };
}

/** The keys vCluster's CLI writes into an access-key Secret (pkg/platform/secret.go); nothing else. */
const ACCESS_KEY_SECRET_KEYS = new Set(['accessKey', 'host', 'project', 'insecure', 'certificateAuthorityData', 'name']);

function fromSecret(o: SourceObject, notes: Note[]): KeyDraft | undefined {
  const { name, namespace } = nameOf(o);
  const data = record(o.obj.data);
  const stringData = record(o.obj.stringData);
  const keys = [...Object.keys(data), ...Object.keys(stringData)];
  const type = o.obj.type;
  // Only whether the key is there is looked at, never its value; other credentials that happen to
  // have an `accessKey` (object-store keys carry a secretKey beside it) are not platform keys.
  if (!keys.includes('accessKey') || !keys.includes('host') || keys.some((k) => !ACCESS_KEY_SECRET_KEYS.has(k)) || (type !== undefined && type !== 'Opaque')) {
    notes.push({ at: o, why: 'not an access-key Secret (type Opaque with accessKey and host, and only project, insecure, certificateAuthorityData, name besides)' });
    return undefined;
  }
  const settings = { ...settingsFrom(data, true), ...dropUndefined(settingsFrom(stringData, false)) };
  if (settings.host === undefined) {
    notes.push({ at: o, why: 'its host is empty or not base64 text' });
    return undefined;
  }
  if (!name || !namespace) {
    notes.push({ at: o, why: 'an access-key Secret without metadata.name and metadata.namespace' });
    return undefined;
  }
  return { namespace, secretName: name, source: { type: 'existing' }, settings, origin: describe(o) };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The `spec` of an ExternalSecret (or a ClusterExternalSecret's `externalSecretSpec`) as a key
 * source. ESO defaults (external-secrets apis/externalsecrets/v1/externalsecret_types.go):
 * `secretStoreRef.kind` SecretStore, `refreshInterval` 1h, `target.name` the object's name.
 */
function externalSource(spec: Record<string, unknown>, why: (reason: string) => void): { source: KeyDraft['source']; settings: KeySettings; target?: string } | undefined {
  const store = record(spec.secretStoreRef);
  const storeName = str(store.name);
  const kind = str(store.kind) ?? 'SecretStore';
  const entries = Array.isArray(spec.data) ? spec.data.map(record) : [];
  const entry = entries.find((d) => d.secretKey === 'accessKey');
  const remote = record(entry?.remoteRef);
  const remoteKey = str(remote.key);
  if (!storeName || (kind !== 'SecretStore' && kind !== 'ClusterSecretStore')) return void why('secretStoreRef needs a name and kind SecretStore or ClusterSecretStore');
  if (!remoteKey) return void why('no spec.data entry with secretKey accessKey and a remoteRef.key (dataFrom is not mapped)');
  const target = record(spec.target);
  const template = record(target.template);
  const refresh = spec.refreshInterval;
  return {
    source: {
      type: 'externalSecret',
      storeKind: kind,
      storeName,
      remoteKey,
      property: str(remote.property),
      refreshInterval: typeof refresh === 'string' ? refresh : typeof refresh === 'number' ? String(refresh) : undefined,
    },
    settings: settingsFrom(record(template.data), false),
    target: str(target.name),
  };
}

function fromExternalSecret(o: SourceObject, notes: Note[]): KeyDraft | undefined {
  const { name, namespace } = nameOf(o);
  const why = (reason: string): void => void notes.push({ at: o, why: reason });
  if (!name || !namespace) return void why('an ExternalSecret without metadata.name and metadata.namespace');
  const mapped = externalSource(record(o.obj.spec), why);
  if (!mapped) return undefined;
  return { namespace, secretName: mapped.target ?? name, source: mapped.source, settings: mapped.settings, origin: describe(o) };
}

/** The namespaces a ClusterExternalSecret selects, when its selectors are plain `kubernetes.io/metadata.name In [...]` lists. */
function selectedNamespaces(spec: Record<string, unknown>): string[] | undefined {
  const selectors = Array.isArray(spec.namespaceSelectors) ? spec.namespaceSelectors.map(record) : [];
  const names: string[] = [];
  for (const s of selectors) {
    for (const e of Array.isArray(s.matchExpressions) ? s.matchExpressions.map(record) : []) {
      if (e.key !== 'kubernetes.io/metadata.name' || e.operator !== 'In' || !Array.isArray(e.values)) return undefined;
      names.push(...e.values.filter((v): v is string => typeof v === 'string'));
    }
    if (Object.keys(record(s.matchLabels)).length > 0) return undefined;
  }
  return names.length > 0 ? names : undefined;
}

function fromClusterExternalSecret(o: SourceObject, notes: Note[]): KeyDraft | undefined {
  const { name } = nameOf(o);
  const why = (reason: string): void => void notes.push({ at: o, why: reason });
  if (!name) return void why('a ClusterExternalSecret without metadata.name');
  const spec = record(o.obj.spec);
  const mapped = externalSource(record(spec.externalSecretSpec), why);
  if (!mapped) return undefined;
  // The fleet names it `<namespace>.<secretName>` (namespace: a DNS label, so no dot in it).
  const dot = name.indexOf('.');
  const secretName = mapped.target ?? str(spec.externalSecretName) ?? name;
  const namespace = dot > 0 ? name.slice(0, dot) : secretName;
  return { namespace, secretName, source: mapped.source, settings: mapped.settings, fanOut: { namespaces: selectedNamespaces(spec) }, origin: describe(o) };
}

function fromSealedSecret(o: SourceObject, notes: Note[]): KeyDraft | undefined {
  const { name, namespace } = nameOf(o);
  const why = (reason: string): void => void notes.push({ at: o, why: reason });
  if (!name || !namespace) return void why('a SealedSecret without metadata.name and metadata.namespace');
  const spec = record(o.obj.spec);
  // The sealed ciphertext is public (only the controller can open it), unlike a Secret's data.
  const encrypted = str(record(spec.encryptedData).accessKey);
  if (!encrypted) return void why('no spec.encryptedData.accessKey: not an access-key SealedSecret');
  const annotations = record(record(o.obj.metadata).annotations);
  const scope = annotations[CLUSTER_WIDE] === 'true' ? 'cluster-wide' : annotations[NAMESPACE_WIDE] === 'true' ? 'namespace-wide' : 'strict';
  const settings = settingsFrom(record(record(spec.template).data), false);
  return { namespace, secretName: name, source: { type: 'sealed', scope, encryptedAccessKey: encrypted }, settings, origin: describe(o) };
}

/** Which reader handles an object, by API group and kind (never by folder or annotation). */
export function keyReader(o: SourceObject): ((o: SourceObject, notes: Note[]) => KeyDraft | undefined) | undefined {
  const group = groupOf(o);
  const kind = o.obj.kind;
  if (group === '' && kind === 'Secret') return fromSecret;
  if (group === 'external-secrets.io' && kind === 'ExternalSecret') return fromExternalSecret;
  if (group === 'external-secrets.io' && kind === 'ClusterExternalSecret') return fromClusterExternalSecret;
  if (group === 'bitnami.com' && kind === 'SealedSecret') return fromSealedSecret;
  return undefined;
}

const PRIORITY: Record<KeyDraft['source']['type'], number> = { externalSecret: 0, sealed: 1, existing: 2 };

/**
 * Keeps one key per Secret: from a live cluster the Secret an ExternalSecret or SealedSecret
 * wrote shows up beside its source, and the source is what the fleet must name.
 */
export function dedupeKeys(keys: readonly KeyDraft[]): KeyDraft[] {
  const byRef = new Map<string, KeyDraft>();
  for (const key of keys) {
    const ref = key.fanOut ? `*/${key.secretName}` : `${key.namespace}/${key.secretName}`;
    const seen = byRef.get(ref);
    if (!seen || PRIORITY[key.source.type] < PRIORITY[seen.source.type]) byRef.set(ref, key);
  }
  // The ExternalSecrets and Secrets a ClusterExternalSecret writes into the namespaces it selects are its output.
  const fanned = [...byRef.values()].filter((k) => k.fanOut);
  return [...byRef.values()].filter(
    (k) => k.fanOut || !fanned.some((f) => f.secretName === k.secretName && (f.fanOut!.namespaces === undefined || f.fanOut!.namespaces.includes(k.namespace))),
  );
}

/** The Secret a vCluster's values point at: `apiKey.secretName` in `apiKey.namespace`, with the chart's defaults (chart values.schema.json: secretName `vcluster-platform-api-key`, namespace the release's). */
export function secretRef(secretName: string | undefined, secretNamespace: string | undefined, vclusterNamespace: string): { namespace: string; secretName: string } {
  return { namespace: secretNamespace ?? vclusterNamespace, secretName: secretName ?? DEFAULT_SECRET_NAME_FOR_IMPORT };
}
