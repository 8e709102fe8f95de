import { SourceObject } from './read';

/** Non-secret connection settings a key's Secret carries besides the access key (vCluster pkg/platform/secret.go). */
export interface KeySettings {
  readonly host?: string;
  readonly project?: string;
  readonly insecure?: boolean;
  /** The Secret's `name`: pins the key to one VirtualClusterInstance. */
  readonly instanceName?: string;
  /** PEM text of `certificateAuthorityData` (public), when non-empty. */
  readonly certificateAuthorityData?: string;
}

/** Where an imported key's access key comes from; never the key material itself. */
export type KeySourceDraft =
  | { readonly type: 'existing' }
  | {
      readonly type: 'externalSecret';
      readonly storeKind: 'SecretStore' | 'ClusterSecretStore';
      readonly storeName: string;
      readonly remoteKey: string;
      readonly property?: string;
      readonly refreshInterval?: string;
    }
  | { readonly type: 'sealed'; readonly scope: 'strict' | 'namespace-wide' | 'cluster-wide'; readonly encryptedAccessKey: string };

/** One access key found in the input. */
export interface KeyDraft {
  readonly namespace: string;
  readonly secretName: string;
  readonly source: KeySourceDraft;
  readonly settings: KeySettings;
  /** Set for a ClusterExternalSecret: the namespaces its selector names (undefined: not a plain `In` list). */
  readonly fanOut?: { readonly namespaces?: readonly string[] };
  /** How messages name the object the key came from. */
  readonly origin: string;
  /** The file the key's object came from (its folder may name the fleet's key id). */
  readonly file?: string;
}

/** The apiKey-related part of a vCluster's Helm values, read (not the rest: see `extras`). */
export interface ValuesReading {
  /** Which layout the values use, `undefined` when they carry no platform block. */
  readonly layout?: 'external' | 'platform';
  readonly secretName?: string;
  readonly secretNamespace?: string;
  readonly createRBAC?: boolean;
  readonly project?: string;
  readonly serviceAccountName?: string;
  readonly rotation?: string;
  /** Values paths the fleet file cannot express (they would be lost). */
  readonly extras: readonly string[];
}

/** One vCluster found in the input (from an Application, ApplicationSet element or HelmRelease). */
export interface VClusterDraft {
  readonly name: string;
  readonly namespace: string;
  readonly chartVersion: string;
  /** The Helm release name the vCluster really has. */
  readonly release: string;
  readonly delivery: 'argocd' | 'flux' | 'none';
  readonly values: ValuesReading;
  /** The object the vCluster came from. */
  readonly at?: SourceObject;
  /** How messages name it. */
  readonly origin: string;
  /** What the fleet will do differently from the input, for the report. */
  readonly infos?: readonly string[];
  /** Argo CD settings this vCluster's Application shows (fleet-wide in the fleet file). */
  readonly argocd?: ArgoCdSeen;
  /** Flux settings this vCluster's HelmRelease shows (fleet-wide in the fleet file). */
  readonly flux?: FluxSeen;
  /** Whether deleting what delivers it uninstalls the vCluster (the fleet's `onRemoval`); unset for delivery none. */
  readonly uninstall?: boolean;
}

/** The fleet-wide Argo CD settings one Application shows. */
export interface ArgoCdSeen {
  readonly namespace: string;
  readonly project: string;
  readonly destinationServer: string;
  /** `spec.destination.name` (an Argo CD cluster secret's name), set only when the input is a multi-cluster tree. */
  readonly destinationName?: string;
  readonly syncPolicy: 'automated' | 'manual';
  readonly prune: boolean;
  readonly selfHeal: boolean;
  readonly applicationSet: boolean;
  readonly valuesRepository?: { readonly repoURL: string; readonly targetRevision: string; readonly path?: string };
}

/** The fleet-wide Flux settings one HelmRelease shows. */
export interface FluxSeen {
  /** Namespace of the HelmRelease itself. */
  readonly namespace: string;
  readonly interval?: string;
  readonly valuesFrom: 'inline' | 'configMap';
  /** Namespace of the HelmRepository it pulls the chart from (the fleet's flux.sourceRef.namespace). */
  readonly sourceNamespace: string;
}

/** Values documents and ConfigMaps that Applications and HelmReleases refer to. */
export interface ValuesLookup {
  /** Kind-less YAML documents (vcluster.yaml files), with whether something used them. */
  readonly documents: { readonly at: SourceObject; used: boolean }[];
  /** ConfigMaps by `namespace/name`, with whether a HelmRelease used them. */
  readonly configMaps: Map<string, { readonly at: SourceObject; used: boolean }>;
}

/** One line of the "not mapped" report. */
export interface Note {
  readonly at?: SourceObject;
  /** What the line is about when there is no object, e.g. a values file. */
  readonly subject?: string;
  readonly why: string;
}

/** `Kind namespace/name` of an object, for messages. */
export function describe(o: SourceObject): string {
  const meta = record(o.obj.metadata);
  const name = str(meta.name) ?? '(unnamed)';
  const ns = str(meta.namespace);
  return `${str(o.obj.kind) ?? '(no kind)'} ${ns ? `${ns}/` : ''}${name}`;
}

/** `file:line` of an object. */
export function where(o: SourceObject): string {
  return `${o.file}:${o.line}`;
}

/** The value when it is a mapping, else an empty one. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The value when it is a non-empty string. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The object's metadata name and namespace. */
export function nameOf(o: SourceObject): { name?: string; namespace?: string } {
  const meta = record(o.obj.metadata);
  return { name: str(meta.name), namespace: str(meta.namespace) };
}

/** The API group of an object (`''` for the core group). */
export function groupOf(o: SourceObject): string {
  const apiVersion = str(o.obj.apiVersion) ?? '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
