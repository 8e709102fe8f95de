/**
 * The scope a Sealed Secrets value is sealed for. It decides the OAEP label the controller
 * checks when it decrypts, so a value sealed for one scope cannot be replayed in another.
 */
export enum SealedSecretScope {
  /** Label `<namespace>/<name>`: only a Secret of that name in that namespace (the controller's default). */
  STRICT = 'strict',
  /** Label `<namespace>`: any Secret name in that namespace; annotation `sealedsecrets.bitnami.com/namespace-wide`. */
  NAMESPACE_WIDE = 'namespace-wide',
  /** Empty label: any name in any namespace; annotation `sealedsecrets.bitnami.com/cluster-wide`. */
  CLUSTER_WIDE = 'cluster-wide',
}

/** The OAEP label the controller expects for a value sealed with `scope`. */
export function sealingLabel(scope: SealedSecretScope, namespace: string, name: string): string {
  switch (scope) {
    case SealedSecretScope.STRICT:
      return `${namespace}/${name}`;
    case SealedSecretScope.NAMESPACE_WIDE:
      return namespace;
    case SealedSecretScope.CLUSTER_WIDE:
      return '';
  }
}
