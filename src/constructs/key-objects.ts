// The objects that carry an access key to the host cluster: a plain Secret, an ExternalSecret, a
// ClusterExternalSecret or a SealedSecret. Pure functions of a resolved key, used by PlatformApiKey.
function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

import { RETAIN_ANNOTATIONS } from '../delivery/removal-policy';
import { SealedSecretScope } from '../sealing/scope';
import type { ExternalSecretSource } from './access-key-source';
import { clusterExternalSecretName } from './names';
import { Manifest, ResolvedPlatformApiKey, ROTATION_ANNOTATION } from './platform-api-key';

function metadata(key: ResolvedPlatformApiKey, annotations?: Record<string, string>): Record<string, unknown> {
  return {
    name: key.secretName,
    namespace: key.namespace,
    ...(key.labels && Object.keys(key.labels).length > 0 ? { labels: { ...key.labels } } : {}),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

/**
 * Metadata of an object the GitOps tool applies: the key's, kept on the cluster when it leaves git
 * or when the root Application / Kustomization is deleted (`RETAIN_ANNOTATIONS`), since losing it
 * cuts every vCluster using the key off the platform.
 */
function appliedMetadata(key: ResolvedPlatformApiKey, annotations: Record<string, string> = {}): Manifest['metadata'] {
  return metadata(key, { ...RETAIN_ANNOTATIONS, ...annotations }) as Manifest['metadata'];
}

/**
 * The rotation token as an ExternalSecret annotation. ESO refreshes an ExternalSecret at once when
 * its generation or a label or annotation changes: `status.syncedResourceVersion` then differs from
 * `GetResourceVersion` (generation + hash of labels and annotations); otherwise only every
 * `refreshInterval` (external-secrets `pkg/controllers/externalsecret/externalsecret_controller.go`
 * `shouldRefresh` / `shouldRefreshPeriodic`, `pkg/controllers/util/util.go` `GetResourceVersion`).
 */
function rotationAnnotations(key: ResolvedPlatformApiKey): Record<string, string> {
  return key.rotation !== undefined ? { [ROTATION_ANNOTATION]: key.rotation } : {};
}

/** The plain `v1` Secret, as `kubectl create secret generic --type=Opaque` writes it (data sorted, base64). */
export function renderPlainSecret(key: ResolvedPlatformApiKey, accessKey: string): Manifest {
  const entries: Record<string, string> = { accessKey, ...key.data };
  const data: Record<string, string> = {};
  for (const k of Object.keys(entries).sort()) data[k] = base64(entries[k]!);
  return { apiVersion: 'v1', kind: 'Secret', metadata: appliedMetadata(key), type: 'Opaque', data };
}

function templateData(key: ResolvedPlatformApiKey): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(key.data).sort()) out[k] = (key.data as unknown as Record<string, string>)[k]!;
  return out;
}

function externalSecretSpec(key: ResolvedPlatformApiKey, source: ExternalSecretSource): Record<string, unknown> {
  return {
    refreshInterval: source.refreshInterval,
    secretStoreRef: { kind: source.storeKind, name: source.storeName },
    target: {
      name: key.secretName,
      creationPolicy: 'Owner',
      template: {
        type: 'Opaque',
        engineVersion: 'v2',
        // With a template the Secret holds only templated keys, so accessKey is templated too.
        data: { accessKey: '{{ .accessKey }}', ...templateData(key) },
      },
    },
    data: [
      {
        secretKey: 'accessKey',
        // ESO before 2.9 defaults these three in its CRD, so the live object differs from git and
        // Argo CD shows the ExternalSecret OutOfSync for ever unless they are written (FACTS §7;
        // 2.9's CRD, ../shared/crds, documents the same values as the defaults when omitted).
        remoteRef: {
          key: source.remoteKey,
          ...(source.remoteProperty !== undefined ? { property: source.remoteProperty } : {}),
          conversionStrategy: 'Default',
          decodingStrategy: 'None',
          metadataPolicy: 'None',
        },
      },
    ],
  };
}

/** An `external-secrets.io/v1` ExternalSecret producing the key's Secret in the key's namespace. */
export function renderExternalSecret(key: ResolvedPlatformApiKey, source: ExternalSecretSource): Manifest {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: appliedMetadata(key, rotationAnnotations(key)),
    spec: externalSecretSpec(key, source),
  };
}

/**
 * An `external-secrets.io/v1` ClusterExternalSecret placing the key's Secret into each of
 * `namespaces` (selected by their `kubernetes.io/metadata.name` label, which Kubernetes sets itself).
 */
export function renderClusterExternalSecret(key: ResolvedPlatformApiKey, source: ExternalSecretSource, namespaces: readonly string[]): Manifest {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterExternalSecret',
    metadata: {
      name: clusterExternalSecretName(key.namespace, key.secretName),
      ...(key.labels && Object.keys(key.labels).length > 0 ? { labels: { ...key.labels } } : {}),
      annotations: { ...RETAIN_ANNOTATIONS },
    },
    spec: {
      externalSecretName: key.secretName,
      // The CES controller copies these onto every ExternalSecret it creates or updates
      // (`createOrUpdateExternalSecret`), so a new token refreshes each of them at once.
      ...(key.rotation !== undefined ? { externalSecretMetadata: { annotations: rotationAnnotations(key) } } : {}),
      namespaceSelectors: [{ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] }],
      refreshTime: source.refreshInterval,
      externalSecretSpec: externalSecretSpec(key, source),
    },
  };
}

const SCOPE_ANNOTATION: Record<SealedSecretScope, Record<string, string> | undefined> = {
  [SealedSecretScope.STRICT]: undefined,
  [SealedSecretScope.NAMESPACE_WIDE]: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' },
  [SealedSecretScope.CLUSTER_WIDE]: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' },
};

/**
 * A `bitnami.com/v1alpha1` SealedSecret: the sealed access key in `encryptedData`, the non-secret
 * keys in `template.data`, the scope annotation on the SealedSecret's own metadata.
 */
export function renderSealedSecret(key: ResolvedPlatformApiKey, encryptedAccessKey: string, scope: SealedSecretScope): Manifest {
  const annotations = SCOPE_ANNOTATION[scope];
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: appliedMetadata(key, annotations),
    spec: {
      encryptedData: { accessKey: encryptedAccessKey },
      template: {
        metadata: metadata(key, annotations ? { ...annotations } : undefined),
        type: 'Opaque',
        data: templateData(key),
      },
    },
  };
}
