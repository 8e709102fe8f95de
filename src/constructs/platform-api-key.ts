import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AccessKeySource, ExternalSecretSource, PlaintextSource, SealedSource } from './access-key-source';
import { Problem, ProblemCollector, showValue } from '../errors';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, clusterExternalSecretName, isDns1123Label, isDns1123Subdomain } from './names';

// Named with the other generated names; re-exported where the ClusterExternalSecret is made.
export { MAX_CLUSTER_EXTERNAL_SECRET_NAME_LENGTH, clusterExternalSecretName } from './names';
import { labelProblems } from './labels';
import { objectClaims } from './object-claims';
import { normalizePlatformHost, validateCertificateAuthorityData } from './platform-host';
import { Warnings } from './warnings';
import { renderClusterExternalSecret, renderExternalSecret, renderPlainSecret, renderSealedSecret } from './key-objects';

// The key's objects are rendered in key-objects.ts; re-exported here, where they were first defined.
export { renderClusterExternalSecret, renderExternalSecret, renderPlainSecret, renderSealedSecret } from './key-objects';

/** The Secret name vCluster looks for when none is configured. */
export const DEFAULT_API_KEY_SECRET_NAME = 'vcluster-platform-api-key';

/**
 * The annotation carrying a key's rotation token: on the vCluster pods (a new token rolls the
 * control plane) and on the ExternalSecret (a new token makes ESO fetch the key at once).
 */
export const ROTATION_ANNOTATION = 'cdk8s-vcluster-platform/access-key-rotation';

/** A Kubernetes manifest as a plain object. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** How one key reaches the vClusters that use it. */
export enum KeyFanOut {
  /** One Secret in the key's namespace; vClusters elsewhere read it through a Role and RoleBinding. */
  NONE = 'none',
  /**
   * One `ClusterExternalSecret` places the Secret in the namespace of every vCluster that uses the
   * key, so no cross-namespace RBAC is needed. Only with `AccessKeySource.externalSecret`.
   */
  CLUSTER_EXTERNAL_SECRET = 'clusterExternalSecret',
}

/** An access key Secret that vClusters can be connected through. */
export interface IPlatformApiKey {
  /** Name of the Secret. */
  readonly secretName: string;
  /** Namespace of the Secret (for a fanned-out key: where it is declared; see `secretNamespaceFor`). */
  readonly namespace: string;
  /** The VirtualClusterInstance name the key is pinned to, when it is. */
  readonly instanceName?: string;
  /** Rotation token; changing it restarts the control planes of the vClusters using the key. */
  readonly rotation?: string;
  /** Namespace in which a vCluster in `vclusterNamespace` finds the Secret. */
  secretNamespaceFor(vclusterNamespace: string): string;
}

/** Props for `PlatformApiKey`. */
export interface PlatformApiKeyProps {
  /** Namespace of the Secret on the host cluster; no default, the caller says where the key lives. */
  readonly namespace: string;
  /**
   * Name of the Secret.
   * @default "vcluster-platform-api-key"
   */
  readonly secretName?: string;
  /** vCluster Platform host, reachable from inside the host cluster; a leading `https://` is stripped. */
  readonly host: string;
  /**
   * Platform project (the Secret's `project` key).
   * @default "default"
   */
  readonly project?: string;
  /**
   * Skip TLS verification of the platform (the Secret's `insecure` key).
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * PEM data of an extra CA for the platform's TLS (the Secret's `certificateAuthorityData` key).
   * @default "" (none, as vCluster's CLI writes it)
   */
  readonly certificateAuthorityData?: string;
  /**
   * The VirtualClusterInstance name (the Secret's `name` key). Pins the key to ONE vCluster, so
   * using such a key for a second vCluster is an error.
   * @default - not pinned; usable by many vClusters
   */
  readonly instanceName?: string;
  /** Where the access key itself comes from. */
  readonly source: AccessKeySource;
  /**
   * A token to change when the key is rotated: it becomes a pod annotation of every vCluster that
   * uses the key, so their control planes restart and read the new key, and an annotation of the
   * ExternalSecret (or of those a ClusterExternalSecret creates), so ESO fetches the new key at
   * once rather than at its next `refreshInterval`.
   * @default - none
   */
  readonly rotation?: string;
  /**
   * How the key reaches vClusters in other namespaces.
   * @default KeyFanOut.NONE
   */
  readonly fanOut?: KeyFanOut;
  /**
   * Labels for the emitted object(s).
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The Secret's non-secret keys, in the order kubectl writes them (sorted). */
export interface PlatformApiKeyData {
  readonly certificateAuthorityData: string;
  readonly host: string;
  readonly insecure: 'true' | 'false';
  readonly name?: string;
  readonly project: string;
}

/** Everything needed to render the objects of one key, defaults resolved. */
export interface ResolvedPlatformApiKey {
  readonly secretName: string;
  readonly namespace: string;
  readonly data: PlatformApiKeyData;
  readonly labels?: Readonly<Record<string, string>>;
  /** Rotation token, written where it makes the key's producer fetch it again. */
  readonly rotation?: string;
}

const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const ROTATION_TOKEN_RULE = "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. \"2026-11-28\"";

/** Options for `PlatformApiKey.fromSecretName`. */
export interface ExistingPlatformApiKeyOptions {
  /**
   * Rotation token of the existing key: when whoever manages the Secret replaces the key, change
   * the token so the control planes of the vClusters using it restart and read the new key.
   * @default - no rotation annotation
   */
  readonly rotation?: string;
}

/** Options for `PlatformApiKey.fromSecretName(scope, id, secretName, options)`. */
export interface FromSecretNameOptions extends ExistingPlatformApiKeyOptions {
  /**
   * Namespace of the existing Secret. Required: unlike cdk8s-plus's `fromXxx` factories there is no
   * namespace a shared key could sensibly default to (vCluster's own default is each vCluster's
   * namespace, which is not one place).
   */
  readonly namespace: string;
}

/** An existing key, as a construct of the tree (cdk8s-plus's `fromSecretName` form): it emits nothing. */
class ImportedPlatformApiKey extends Construct implements IPlatformApiKey {
  public readonly rotation?: string;
  constructor(
    scope: Construct,
    id: string,
    public readonly secretName: string,
    public readonly namespace: string,
    rotation: string | undefined,
  ) {
    super(scope, id);
    if (rotation !== undefined) this.rotation = rotation;
  }
  public secretNamespaceFor(): string {
    return this.namespace;
  }
}

/**
 * The vCluster Platform access key as it reaches the host cluster: a Secret with `accessKey`,
 * `host`, `project`, `insecure`, `certificateAuthorityData` (and `name` when pinned), carried by an
 * ExternalSecret, a SealedSecret or (on explicit request) a plain Secret.
 */
export class PlatformApiKey extends Construct implements IPlatformApiKey {
  /**
   * A key that already exists on the host cluster (created by hand or another tool), as cdk8s-plus
   * imports objects (`Secret.fromSecretName(scope, id, name)`). Nothing is emitted for it;
   * vClusters can still be connected through it.
   */
  public static fromSecretName(scope: Construct, id: string, secretName: string, options: FromSecretNameOptions): IPlatformApiKey;
  /**
   * A key that already exists on the host cluster, outside the construct tree.
   * @deprecated use `fromSecretName(scope, id, secretName, { namespace, rotation })`, the cdk8s-plus form
   */
  public static fromSecretName(secretName: string, namespace: string, options?: ExistingPlatformApiKeyOptions): IPlatformApiKey;
  public static fromSecretName(...args: unknown[]): IPlatformApiKey {
    if (Construct.isConstruct(args[0])) {
      const [scope, id, secretName, options] = args as [Construct, string, string, FromSecretNameOptions | undefined];
      const key = PlatformApiKey.existing(secretName, options?.namespace as string, options ?? { namespace: '' });
      return new ImportedPlatformApiKey(scope, id, key.secretName, key.namespace, key.rotation);
    }
    const [secretName, namespace, options] = args as [string, string, ExistingPlatformApiKeyOptions | undefined];
    return PlatformApiKey.existing(secretName, namespace, options ?? {});
  }

  /** Checks an existing key's names and token; throws every problem at once. */
  private static existing(secretName: string, namespace: string, options: ExistingPlatformApiKeyOptions): IPlatformApiKey {
    const problems: Problem[] = [];
    const rotation = options?.rotation;
    if (rotation !== undefined && (typeof rotation !== 'string' || !TOKEN.test(rotation))) {
      problems.push({ path: 'rotation', message: 'not a valid rotation token (it becomes an annotation value)', value: showValue(rotation), allowed: ROTATION_TOKEN_RULE });
    }
    if (!isDns1123Subdomain(secretName)) {
      problems.push({ path: 'secretName', message: 'not a valid Secret name', value: showValue(secretName), allowed: DNS1123_SUBDOMAIN_RULE });
    }
    if (!isDns1123Label(namespace)) {
      problems.push({ path: 'namespace', message: 'not a valid namespace', value: showValue(namespace), allowed: DNS1123_LABEL_RULE });
    }
    const c = new ProblemCollector();
    problems.forEach((p) => c.add(p));
    c.throwIfAny('PlatformApiKey.fromSecretName');
    return {
      secretName,
      namespace,
      ...(rotation !== undefined ? { rotation } : {}),
      secretNamespaceFor: () => namespace,
    };
  }

  public readonly secretName: string;
  public readonly namespace: string;
  public readonly instanceName?: string;
  public readonly rotation?: string;
  /** The platform host as written to the Secret (no scheme). */
  public readonly host: string;
  /** Where the access key comes from. */
  public readonly source: AccessKeySource;
  /** How the key reaches vClusters in other namespaces. */
  public readonly fanOut: KeyFanOut;
  /** The Secret's non-secret keys. */
  public readonly data: PlatformApiKeyData;
  private readonly consumers: string[] = [];
  private readonly consumerNamespaces = new Set<string>();

  constructor(scope: Construct, id: string, props: PlatformApiKeyProps) {
    super(scope, id);
    const secretName = props.secretName ?? DEFAULT_API_KEY_SECRET_NAME;
    const project = props.project ?? 'default';
    const insecure = props.insecure ?? false;
    const certificateAuthorityData = props.certificateAuthorityData ?? '';
    const fanOut = props.fanOut ?? KeyFanOut.NONE;

    const problems = new ProblemCollector();
    if (!isDns1123Label(props.namespace)) {
      problems.add({ path: 'namespace', message: 'not a valid namespace', value: showValue(props.namespace), allowed: DNS1123_LABEL_RULE });
    }
    if (!isDns1123Subdomain(secretName)) {
      problems.add({ path: 'secretName', message: 'not a valid Secret name', value: showValue(secretName), allowed: DNS1123_SUBDOMAIN_RULE });
    }
    const host = normalizePlatformHost(props.host, 'host');
    host.problems.forEach((p) => problems.add(p));
    if (!isDns1123Label(project)) {
      problems.add({ path: 'project', message: 'not a valid platform project name', value: showValue(project), allowed: DNS1123_LABEL_RULE });
    }
    if (typeof insecure !== 'boolean') {
      problems.add({ path: 'insecure', message: 'must be a boolean', value: showValue(insecure), allowed: 'true, false' });
    }
    if (props.certificateAuthorityData !== undefined) {
      validateCertificateAuthorityData(props.certificateAuthorityData, 'certificateAuthorityData').forEach((p) => problems.add(p));
    }
    if (props.instanceName !== undefined && !isDns1123Label(props.instanceName)) {
      problems.add({ path: 'instanceName', message: 'not a valid VirtualClusterInstance name', value: showValue(props.instanceName), allowed: DNS1123_LABEL_RULE });
    }
    if (props.rotation !== undefined && (typeof props.rotation !== 'string' || !TOKEN.test(props.rotation))) {
      problems.add({ path: 'rotation', message: 'not a valid rotation token (it becomes an annotation value)', value: showValue(props.rotation), allowed: ROTATION_TOKEN_RULE });
    }
    if (!(props.source instanceof AccessKeySource)) {
      problems.add({
        path: 'source',
        message: 'must be created with an AccessKeySource factory',
        value: showValue(typeof props.source),
        allowed: 'AccessKeySource.externalSecret(...), .sealed(...), .literal(...), .fromEnv(...)',
      });
    } else {
      props.source._validate('source').forEach((p) => problems.add(p));
    }
    labelProblems(props.labels, 'labels').forEach((p) => problems.add(p));
    if (!Object.values(KeyFanOut).includes(fanOut)) {
      problems.add({ path: 'fanOut', message: 'unknown fan-out', value: showValue(fanOut), allowed: Object.values(KeyFanOut).join(', ') });
    } else if (fanOut === KeyFanOut.CLUSTER_EXTERNAL_SECRET && !(props.source instanceof ExternalSecretSource)) {
      problems.add({ path: 'fanOut', message: 'a ClusterExternalSecret fan-out needs AccessKeySource.externalSecret(...)', value: showValue(fanOut), allowed: KeyFanOut.NONE });
    }
    if (problems.problems.length === 0) this.claimSecret(props.namespace, secretName, fanOut, problems);
    problems.throwIfAny(`PlatformApiKey ${this.node.path}`);

    this.secretName = secretName;
    this.namespace = props.namespace;
    this.instanceName = props.instanceName;
    this.rotation = props.rotation;
    this.host = host.host!;
    this.source = props.source;
    this.fanOut = fanOut;
    this.data = {
      certificateAuthorityData,
      host: this.host,
      insecure: insecure ? 'true' : 'false',
      ...(props.instanceName !== undefined ? { name: props.instanceName } : {}),
      project,
    };
    const resolved: ResolvedPlatformApiKey = { secretName, namespace: props.namespace, data: this.data, labels: props.labels, rotation: props.rotation };

    const source = props.source;
    if (source instanceof ExternalSecretSource) {
      if (fanOut === KeyFanOut.CLUSTER_EXTERNAL_SECRET) {
        const namespaces = Lazy.any({ produce: () => [...this.consumerNamespaces].sort() });
        // An `In` requirement with no values is rejected by the API machinery, so a fan-out key
        // nobody consumes is an input error rather than a ClusterExternalSecret that never syncs.
        this.node.addValidation({
          validate: () =>
            this.consumerNamespaces.size === 0
              ? [
                  `PlatformApiKey ${props.namespace}/${secretName}: fanOut ClusterExternalSecret needs at least one consumer vCluster, but no VClusterPlatformConnection uses this key; remove the key or connect a vCluster to it`,
                ]
              : [],
        });
        new ApiObject(this, 'ClusterExternalSecret', renderClusterExternalSecret(resolved, source, namespaces as unknown as string[]));
      } else {
        new ApiObject(this, 'ExternalSecret', renderExternalSecret(resolved, source));
      }
    } else if (source instanceof SealedSource) {
      new ApiObject(this, 'SealedSecret', renderSealedSecret(resolved, source.encryptedAccessKey, source.scope));
    } else if (source instanceof PlaintextSource) {
      new ApiObject(this, 'Secret', renderPlainSecret(resolved, source.accessKey));
      Warnings.add(
        this,
        `PlatformApiKey ${props.namespace}/${secretName}: the access key is written in plaintext (base64) to the output; anyone who can read it can use the key. Prefer AccessKeySource.externalSecret or AccessKeySource.sealed.`,
      );
    }
  }

  public secretNamespaceFor(vclusterNamespace: string): string {
    return this.fanOut === KeyFanOut.CLUSTER_EXTERNAL_SECRET ? vclusterNamespace : this.namespace;
  }

  /** Claims the Secret (or ClusterExternalSecret) the key writes in the chart, or records who already writes it. */
  private claimSecret(namespace: string, secretName: string, fanOut: KeyFanOut, problems: ProblemCollector): void {
    // Two keys writing one Secret (or one ClusterExternalSecret) overwrite each other on the cluster.
    const claims = objectClaims(this);
    const claim = fanOut === KeyFanOut.CLUSTER_EXTERNAL_SECRET ? `ClusterExternalSecret ${clusterExternalSecretName(namespace, secretName)}` : `Secret ${namespace}/${secretName}`;
    const owner = claims.get(claim);
    if (owner !== undefined) {
      problems.add({
        path: 'secretName',
        message: `${claim} is already written by ${owner} in this chart; the object applied last would replace the other`,
        value: showValue(secretName),
        allowed: 'a distinct namespace or secretName per key, or one key shared by the vClusters',
      });
    } else {
      claims.set(claim, `PlatformApiKey ${this.node.path}`);
    }
  }

  /** Records that a vCluster uses this key; returns the problems when the key cannot serve it. @internal */
  public _addConsumer(description: string, vclusterNamespace: string, path: string): Problem[] {
    const problems: Problem[] = [];
    this.consumers.push(description);
    if (this.instanceName !== undefined && this.consumers.length > 1) {
      problems.push({
        path,
        message: `key ${this.namespace}/${this.secretName} is pinned to instance ${JSON.stringify(this.instanceName)} (instanceName) and is already used by ${this.consumers[0]}; a pinned key serves exactly one vCluster`,
        value: description,
        allowed: 'a dedicated key per vCluster, or a shared key without instanceName',
      });
    }
    if (this.fanOut === KeyFanOut.CLUSTER_EXTERNAL_SECRET && !this.consumerNamespaces.has(vclusterNamespace)) {
      // The fan-out writes the Secret into this vCluster's namespace, where another key may write it too.
      const claims = objectClaims(this);
      const claim = `Secret ${vclusterNamespace}/${this.secretName}`;
      const me = `PlatformApiKey ${this.node.path}`;
      const owner = claims.get(claim);
      if (owner !== undefined && owner !== me) {
        problems.push({
          path,
          message: `key ${this.namespace}/${this.secretName} is fanned out into namespace ${vclusterNamespace}, but ${claim} is already written by ${owner} in this chart; the object applied last would replace the other`,
          value: description,
          allowed: 'a key whose secretName is free in the vCluster namespace, or the key that already writes it',
        });
        return problems;
      }
      claims.set(claim, me);
    }
    this.consumerNamespaces.add(vclusterNamespace);
    return problems;
  }
}
