import { SealedSecretScope } from '../sealing/scope';

/**
 * The fleet file (`vclusters.yaml`) after loading: every default resolved, every name checked.
 * `src/fleet-loader.ts` produces it; the app in `charts/` turns it into objects. The file format
 * itself is described by `schema/vclusters.schema.json`.
 */

/** How a vCluster's chart is installed. */
export type DeliveryMode = 'argocd' | 'flux' | 'none';

/** What removing a vCluster does to it: `keep` it running, or `uninstall` its release. */
export type RemovalPolicyName = 'keep' | 'uninstall';

/** Who creates the cross-namespace Role and RoleBinding for the key: this tool (`static`) or the chart. */
export type RbacModeName = 'static' | 'chart';

/** The vCluster Platform the keys connect to. */
export interface FleetPlatform {
  /** Host without scheme, as the Secret's `host` carries it (a leading `https://` stripped; may hold `:port`). */
  readonly host: string;
  /** `platform.project`; `undefined` when not written (the Secret then says `default`). */
  readonly project?: string;
  /** `platform.insecure`; `undefined` when not written (the Secret then says `false`). */
  readonly insecure?: boolean;
  /** PEM text read from `platform.certificateAuthorityFile`; `undefined` when none is named. */
  readonly certificateAuthorityData?: string;
}

/** An External Secrets Operator ExternalSecret fetches the key. */
export interface FleetExternalSecretSource {
  readonly type: 'externalSecret';
  /** `storeRef.kind`. @default "ClusterSecretStore" */
  readonly storeKind: 'SecretStore' | 'ClusterSecretStore';
  /** `storeRef.name`. */
  readonly storeName: string;
  /** `remoteRef.key`. */
  readonly remoteKey: string;
  /** `remoteRef.property`; `undefined` for the whole value. */
  readonly property?: string;
  /** `refreshInterval`. @default "1h" */
  readonly refreshInterval: string;
}

/** A SealedSecret holds the key sealed for the Sealed Secrets controller. */
export interface FleetSealedSource {
  readonly type: 'sealed';
  /** The scope the value was sealed for. @default SealedSecretScope.STRICT */
  readonly scope: SealedSecretScope;
  /** The sealed value (base64), checked to have the shape of a seal. */
  readonly encryptedAccessKey: string;
  /** The OAEP label as written; when present it equals `sealingLabel(scope, namespace, secretName)`. */
  readonly sealedFor?: string;
  /** SHA-256 of the sealing certificate as written (lowercase hex). */
  readonly certificateSha256?: string;
}

/** A plain Secret holds the value of an environment variable (opted in with `allowPlaintext: true`). */
export interface FleetPlaintextFromEnvSource {
  readonly type: 'plaintextFromEnv';
  /** Name of the variable; the loader checked it is set and non-empty, but never keeps its value. */
  readonly variable: string;
}

/** The Secret already exists on the host cluster; nothing is emitted. */
export interface FleetExistingSource {
  readonly type: 'existing';
}

/** Where a key's access key comes from: exactly one per key. */
export type FleetKeySource = FleetExternalSecretSource | FleetSealedSource | FleetPlaintextFromEnvSource | FleetExistingSource;

/** One access key of `apiKeys`, platform settings merged in. */
export interface FleetApiKey {
  /** The key's id in `apiKeys` (what vClusters name in `apiKey`). */
  readonly id: string;
  /** Namespace of the key's Secret. */
  readonly namespace: string;
  /** Name of the key's Secret. @default "vcluster-platform-api-key" */
  readonly secretName: string;
  /** The key's `host`, else `platform.host`; normalized (no scheme). */
  readonly host: string;
  /** The key's `project`, else `platform.project`; `undefined` when neither is written. */
  readonly project?: string;
  /** The key's `insecure`, else `platform.insecure`; `undefined` when neither is written. */
  readonly insecure?: boolean;
  /** PEM text from the key's `certificateAuthorityFile`, else the platform's; `undefined` when none. */
  readonly certificateAuthorityData?: string;
  /** Pins the key to one VirtualClusterInstance; the loader checked at most one vCluster uses it. */
  readonly instanceName?: string;
  /** Rotation token; changing it restarts the control planes of the vClusters using the key. */
  readonly rotation?: string;
  /** `clusterExternalSecret` to place the Secret in every using vCluster's namespace (externalSecret only). */
  readonly fanOut?: 'clusterExternalSecret';
  /** Where the access key comes from. */
  readonly source: FleetKeySource;
  /** `true` when the fleet explicitly allows the key's Secret in a system or GitOps namespace. @default - not written */
  readonly allowSystemNamespace?: boolean;
}

/** One vCluster with every default applied. */
export interface FleetVCluster {
  /** Name: the Argo CD Application / Flux HelmRelease name. */
  readonly name: string;
  /** Host namespace. @default name */
  readonly namespace: string;
  /** Chart version (semver without a leading `v`), 0.21.0 or later. */
  readonly chartVersion: string;
  /** Id of the key in `Fleet.apiKeys`; always declared. */
  readonly apiKey: string;
  /** RBAC mode. @default "static" */
  readonly rbac: RbacModeName;
  /** Control-plane service account override; `undefined` means `vc-<effectiveRelease>`. */
  readonly serviceAccountName?: string;
  /** Platform project of the vCluster (its own, else `defaults.project`). */
  readonly project?: string;
  /** The release name as written in the fleet file; `undefined` when left to the GitOps tool. */
  readonly release?: string;
  /**
   * The Helm release name the vCluster will really get: `release` when written; else
   * the Application name (= `name`) for Argo CD, Flux's default naming for Flux (with
   * `targetNamespace` when the HelmRelease lives outside the vCluster namespace, shortened past
   * 52 characters by `fluxDefaultReleaseName`), and `name` for `none`. A vCluster runs only under a
   * DNS-1035 label of at most 52 characters (`releaseNameProblem`); the loader is to refuse others.
   */
  readonly effectiveRelease: string;
  /** Delivery. @default "none" */
  readonly delivery: DeliveryMode;
}

/** Where an Argo CD Application reads the generated vcluster.yaml from (multi-source `ref: values`). */
export interface FleetArgoCdValuesRepository {
  /** Repository URL. */
  readonly repoURL: string;
  /** Branch, tag or commit. @default "HEAD" */
  readonly targetRevision: string;
  /** Where the generated tree sits in that repository, without leading `./` or trailing `/`. @default "dist" */
  readonly path: string;
}

/** Where the generated tree sits in git: what the root Application syncs, and each per-key Application reads. */
export interface FleetArgoCdRepository {
  /** Repository URL as Argo CD knows it. */
  readonly repoURL: string;
  /** Branch, tag or commit. @default "HEAD" */
  readonly targetRevision: string;
  /** Where the generated tree sits in that repository, without leading `./` or trailing `/` (`.` for the root). @default "dist" */
  readonly path: string;
}

/** Argo CD settings, defaults applied (also when no vCluster uses Argo CD). */
export interface FleetArgoCd {
  /** Namespace of the Applications / ApplicationSet. @default "argocd" */
  readonly namespace: string;
  /** AppProject. @default "default" */
  readonly project: string;
  /** Destination API server. @default "https://kubernetes.default.svc" */
  readonly destinationServer: string;
  /** One ApplicationSet instead of one Application per vCluster (then `valuesRepository` is set). @default false */
  readonly applicationSet: boolean;
  /** Multi-source values repository; `undefined` means values go inline as `helm.valuesObject`. */
  readonly valuesRepository?: FleetArgoCdValuesRepository;
  /**
   * Where the tree sits in git, so that each key gets an Application of its own; `undefined` means
   * one root Application applies everything (one bad key then blocks every vCluster).
   * @default valuesRepository, when that is set
   */
  readonly repository?: FleetArgoCdRepository;
  /** Sync policy. @default "automated" */
  readonly syncPolicy: 'automated' | 'manual';
  /** `automated.prune` (only ever true with `automated`). @default false */
  readonly prune: boolean;
  /** `automated.selfHeal` (only ever true with `automated`). @default false */
  readonly selfHeal: boolean;
}

/** The Flux source holding the generated tree. */
export interface FleetFluxSourceRef {
  /** @default "GitRepository" */
  readonly kind: 'GitRepository' | 'OCIRepository' | 'Bucket';
  /** @default "flux-system" */
  readonly name: string;
  /** @default "flux-system" */
  readonly namespace: string;
}

/** Flux settings, defaults applied (also when no vCluster uses Flux). */
export interface FleetFlux {
  /** Namespace of the HelmReleases; `undefined` means each vCluster's own namespace. */
  readonly namespace?: string;
  /** Reconcile interval. @default "10m" */
  readonly interval: string;
  /** Values inline in the HelmRelease or through a ConfigMap. @default "inline" */
  readonly valuesFrom: 'inline' | 'configMap';
  /** Source of the generated Kustomizations. @default { kind: "GitRepository", name: "flux-system", namespace: "flux-system" } */
  readonly sourceRef: FleetFluxSourceRef;
  /** Path of the generated tree in that source, as written. @default "./dist" */
  readonly path: string;
}

/** One host cluster of a fleet that declares `clusters`. */
export interface FleetCluster {
  /** Its key under `clusters`: a folder name (`clusters/<name>/`) and part of generated names. */
  readonly name: string;
  /** Argo CD destination by API server URL; exactly one of `server` and `argoName` is set. */
  readonly server?: string;
  /** Argo CD destination by the `name` of its cluster secret. */
  readonly argoName?: string;
  /** Positions in `Fleet.vclusters` of the vClusters that run on it, in fleet order. */
  readonly vclusters: readonly number[];
}

/** A loaded, checked fleet. */
export interface Fleet {
  /** The fleet file as named in messages (the display path given to the loader). */
  readonly file: string;
  /** The platform. */
  readonly platform: FleetPlatform;
  /** Access keys in file order. */
  readonly apiKeys: readonly FleetApiKey[];
  /** vClusters in file order. */
  readonly vclusters: readonly FleetVCluster[];
  /** Argo CD settings. */
  readonly argocd: FleetArgoCd;
  /** Flux settings. */
  readonly flux: FleetFlux;
  /**
   * `onRemoval`: what removing a vCluster from the fleet (or deleting what delivers it) does to the
   * running vCluster, in every delivery mode (`RemovalPolicy` of the delivery constructs).
   * @default "keep"
   */
  readonly onRemoval: RemovalPolicyName;
  /** Put in front of every generated Application, ApplicationSet and Flux Kustomization name. @default "" */
  readonly namePrefix: string;
  /**
   * The host clusters, when the fleet file declares `clusters`, in file order.
   * @default undefined: one cluster, the one Argo CD / Flux run in
   */
  readonly clusters?: readonly FleetCluster[];
}
