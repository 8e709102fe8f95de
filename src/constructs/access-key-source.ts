import { Problem, showValue } from '../errors';
import { SealedSecretScope } from '../sealing/scope';

/** The kind of store an ExternalSecret reads from. */
export enum SecretStoreKind {
  /** A namespaced `SecretStore` in the key's namespace. */
  SECRET_STORE = 'SecretStore',
  /** A cluster-wide `ClusterSecretStore`. */
  CLUSTER_SECRET_STORE = 'ClusterSecretStore',
}

/** Where the access key comes from, as a closed set. */
export enum AccessKeySourceType {
  /** An External Secrets Operator `ExternalSecret` fetches it from a secret store. */
  EXTERNAL_SECRET = 'externalSecret',
  /** A Sealed Secrets `SealedSecret` holds it encrypted for the controller. */
  SEALED = 'sealed',
  /** A plain `Secret` holds it in base64, readable by anyone who reads the output. */
  PLAINTEXT = 'plaintext',
}

/** Options for `AccessKeySource.externalSecret`. */
export interface ExternalSecretSourceOptions {
  /** Name of the SecretStore or ClusterSecretStore that holds the access key. */
  readonly storeName: string;
  /**
   * Kind of that store.
   * @default SecretStoreKind.CLUSTER_SECRET_STORE
   */
  readonly storeKind?: SecretStoreKind;
  /** Key of the access key in the external store (`remoteRef.key`). */
  readonly remoteKey: string;
  /**
   * Property inside `remoteKey` that holds the access key (`remoteRef.property`).
   * @default - the whole value of `remoteKey`
   */
  readonly remoteProperty?: string;
  /**
   * How often the operator refreshes the Secret from the store; `"0"` or `"0s"` fetches it once
   * and never refreshes.
   * @default "1h"
   */
  readonly refreshInterval?: string;
}

/** Options for `AccessKeySource.sealed`. */
export interface SealedSourceOptions {
  /** The access key sealed for the controller, as printed by `npm run seal`. */
  readonly encryptedAccessKey: string;
  /**
   * The scope the value was sealed for; it must match, or the controller cannot decrypt it.
   * @default SealedSecretScope.STRICT
   */
  readonly scope?: SealedSecretScope;
}

/** The explicit opt-in that plaintext sources require. */
export interface PlaintextSourceOptions {
  /** Must be `true`: the access key will sit base64-encoded, not encrypted, in the output. */
  readonly allowPlaintext: boolean;
}

/** Options for `AccessKeySource.fromEnv`. */
export interface FromEnvSourceOptions extends PlaintextSourceOptions {
  /**
   * The environment to read the variable from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A Go duration; `0` (like `0s`) tells External Secrets to fetch once and never refresh. */
const REFRESH_INTERVAL = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A POSIX shell variable name, as the fleet schema's plaintextFromEnv.variable. */
const ENV_VARIABLE = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const ENV_VARIABLE_RULE = 'a variable name of letters, digits and "_", not starting with a digit, e.g. "VCLUSTER_PLATFORM_ACCESS_KEY"';

/**
 * A sealed value is `base64(uint16_be(len(rsa)) || rsa || aesgcm)` (FACTS §6, Sealed Secrets'
 * `pkg/crypto/crypto.go` HybridEncrypt): with RSA of at least 2048 bits and a 16-byte GCM tag
 * around a non-empty key, anything shorter is not a seal.
 */
const MIN_RSA_BYTES = 256;
const MAX_RSA_BYTES = 1024;
const GCM_TAG_BYTES = 16;

/** What a sealed value must look like, for error messages. */
export const SEALED_VALUE_RULE = 'the base64 value printed by `npm run --silent seal` or kubeseal (hundreds of characters, one line)';

/**
 * Why `value` is not a Sealed Secrets seal, or undefined when it has the shape of one. The one
 * check the fleet loader and `AccessKeySource.sealed` share; the message never quotes the value.
 */
export function sealedValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string, not ${value === null ? 'null' : typeof value}`;
  if (!BASE64.test(value) || value.length % 4 !== 0) {
    const bad = [...value].findIndex((ch) => !/[A-Za-z0-9+/=]/.test(ch));
    return `is not base64 (${bad >= 0 ? `character ${bad + 1} is not a base64 character` : value.length === 0 ? 'it is empty' : 'its length is not a multiple of 4'})`;
  }
  const bytes = Buffer.from(value, 'base64');
  const rsaLength = bytes.length >= 2 ? bytes.readUInt16BE(0) : 0;
  if (bytes.length < 2 + MIN_RSA_BYTES + GCM_TAG_BYTES + 1 || rsaLength < MIN_RSA_BYTES || rsaLength > MAX_RSA_BYTES || bytes.length < 2 + rsaLength + GCM_TAG_BYTES + 1) {
    return `is not a sealed value: ${bytes.length} bytes do not hold an RSA-encrypted session key (at least ${MIN_RSA_BYTES} bytes) and an AES-GCM encrypted access key`;
  }
  return undefined;
}

/**
 * Where a `PlatformApiKey`'s access key comes from. Use the static factories; each one decides
 * which object carries the key to the cluster.
 */
export abstract class AccessKeySource {
  /** An `external-secrets.io/v1` ExternalSecret fetches the key from a secret store; git holds no key material. */
  public static externalSecret(options: ExternalSecretSourceOptions): AccessKeySource {
    return new ExternalSecretSource(options);
  }

  /** A `bitnami.com/v1alpha1` SealedSecret built from a value already sealed for the controller. */
  public static sealed(options: SealedSourceOptions): AccessKeySource {
    return new SealedSource(options);
  }

  /** A plain `v1` Secret holding `value`. Requires `{ allowPlaintext: true }`; synthesis warns. */
  public static literal(value: string, options: PlaintextSourceOptions): AccessKeySource {
    return new PlaintextSource(() => ({ value }), 'AccessKeySource.literal', options);
  }

  /**
   * A plain `v1` Secret holding the value of environment variable `variable`, read at synthesis.
   * Requires `{ allowPlaintext: true }`; synthesis warns.
   */
  public static fromEnv(variable: string, options: FromEnvSourceOptions): AccessKeySource {
    const env = options?.env ?? process.env;
    const read = (): { value: unknown; variable: string } => ({ value: Object.prototype.hasOwnProperty.call(env, variable) ? env[variable] : undefined, variable });
    return new PlaintextSource(read, `AccessKeySource.fromEnv(${showValue(variable)})`, options);
  }

  /** Which kind of source this is. */
  public abstract readonly type: AccessKeySourceType;

  /** Problems with the source's own options, reported under `path`. @internal */
  public abstract _validate(path: string): Problem[];
}

/** @internal */
export class ExternalSecretSource extends AccessKeySource {
  public readonly type = AccessKeySourceType.EXTERNAL_SECRET;
  public readonly storeName: string;
  public readonly storeKind: SecretStoreKind;
  public readonly remoteKey: string;
  public readonly remoteProperty?: string;
  public readonly refreshInterval: string;

  constructor(options: ExternalSecretSourceOptions) {
    super();
    this.storeName = options.storeName;
    this.storeKind = options.storeKind ?? SecretStoreKind.CLUSTER_SECRET_STORE;
    this.remoteKey = options.remoteKey;
    this.remoteProperty = options.remoteProperty;
    this.refreshInterval = options.refreshInterval ?? '1h';
  }

  public _validate(path: string): Problem[] {
    const problems: Problem[] = [];
    if (typeof this.storeName !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(this.storeName)) {
      problems.push({ path: `${path}.storeName`, message: 'must name a SecretStore or ClusterSecretStore', value: showValue(this.storeName), allowed: 'a DNS-1123 subdomain' });
    }
    if (!Object.values(SecretStoreKind).includes(this.storeKind)) {
      problems.push({ path: `${path}.storeKind`, message: 'unknown store kind', value: showValue(this.storeKind), allowed: Object.values(SecretStoreKind).join(', ') });
    }
    if (typeof this.remoteKey !== 'string' || this.remoteKey.trim() === '' || /[\r\n]/.test(this.remoteKey)) {
      problems.push({
        path: `${path}.remoteKey`,
        message: 'must be the non-empty key of the access key in the store',
        value: showValue(this.remoteKey),
        allowed: 'a non-empty single-line string',
      });
    }
    if (this.remoteProperty !== undefined && (typeof this.remoteProperty !== 'string' || this.remoteProperty.trim() === '' || /[\r\n]/.test(this.remoteProperty))) {
      problems.push({
        path: `${path}.remoteProperty`,
        message: 'must be a non-empty property name when given',
        value: showValue(this.remoteProperty),
        allowed: 'a non-empty single-line string',
      });
    }
    if (typeof this.refreshInterval !== 'string' || !REFRESH_INTERVAL.test(this.refreshInterval)) {
      problems.push({
        path: `${path}.refreshInterval`,
        message: 'not a duration',
        value: showValue(this.refreshInterval),
        allowed: 'a Go duration such as "1h", "30m" or "1h30m", or "0" to fetch once',
      });
    }
    return problems;
  }
}

/** @internal */
export class SealedSource extends AccessKeySource {
  public readonly type = AccessKeySourceType.SEALED;
  public readonly encryptedAccessKey: string;
  public readonly scope: SealedSecretScope;

  constructor(options: SealedSourceOptions) {
    super();
    this.encryptedAccessKey = options.encryptedAccessKey;
    this.scope = options.scope ?? SealedSecretScope.STRICT;
  }

  public _validate(path: string): Problem[] {
    const problems: Problem[] = [];
    const v = this.encryptedAccessKey;
    const sealProblem = sealedValueProblem(v);
    if (sealProblem !== undefined) {
      problems.push({
        path: `${path}.encryptedAccessKey`,
        message: sealProblem,
        value: typeof v === 'string' ? `${v.length} characters` : typeof v,
        allowed: SEALED_VALUE_RULE,
      });
    }
    if (!Object.values(SealedSecretScope).includes(this.scope)) {
      problems.push({ path: `${path}.scope`, message: 'unknown sealing scope', value: showValue(this.scope), allowed: Object.values(SealedSecretScope).join(', ') });
    }
    return problems;
  }
}

/** @internal */
export class PlaintextSource extends AccessKeySource {
  public readonly type = AccessKeySourceType.PLAINTEXT;
  private readonly read: () => { value: unknown; variable?: string };
  private readonly origin: string;
  private readonly allowPlaintext: unknown;

  constructor(read: () => { value: unknown; variable?: string }, origin: string, options: PlaintextSourceOptions) {
    super();
    this.read = read;
    this.origin = origin;
    this.allowPlaintext = options?.allowPlaintext;
  }

  /** The access key. Only called after `_validate` found no problem. */
  public get accessKey(): string {
    return this.read().value as string;
  }

  public _validate(path: string): Problem[] {
    const problems: Problem[] = [];
    if (this.allowPlaintext !== true) {
      problems.push({
        path: `${path}.allowPlaintext`,
        message: `${this.origin} writes the access key unencrypted; it needs the explicit opt-in { allowPlaintext: true }`,
        value: showValue(this.allowPlaintext),
        allowed: 'true, or use AccessKeySource.externalSecret(...) / AccessKeySource.sealed(...)',
      });
    }
    const { value, variable } = this.read();
    if (variable !== undefined && (typeof variable !== 'string' || !ENV_VARIABLE.test(variable))) {
      // The name is not a secret; it is shown so the typo can be found.
      problems.push({ path: `${path}.variable`, message: 'not an environment variable name', value: showValue(variable), allowed: ENV_VARIABLE_RULE });
      return problems;
    }
    // The value is a secret: problems describe it, never show it.
    if (typeof value !== 'string' || value.length === 0) {
      problems.push({
        path,
        message: variable !== undefined ? `environment variable ${variable} is not set or empty` : 'the access key is empty',
        allowed: 'a non-empty access key',
      });
    } else if (/[\s\u0000-\u001f\u007f]/.test(value)) {
      problems.push({
        path,
        message: `the access key${variable !== undefined ? ` in ${variable}` : ''} contains whitespace or control characters (a stray newline from a file or echo?)`,
        allowed: 'an access key without whitespace',
      });
    }
    return problems;
  }
}
