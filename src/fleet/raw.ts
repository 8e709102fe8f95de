// The shape the schema guarantees; only read after validation passed.
import type { SealedSecretScope } from '../sealing/scope';
import type { DeliveryMode, RbacModeName } from './types';

export interface RawPlatform {
  host: string;
  project?: string;
  insecure?: boolean;
  certificateAuthorityFile?: string;
}
export interface RawDefaults {
  chartVersion?: string;
  apiKey?: string;
  rbac?: RbacModeName;
  delivery?: DeliveryMode;
  project?: string;
}
export interface RawArgoCd {
  namespace?: string;
  project?: string;
  destinationServer?: string;
  applicationSet?: boolean;
  valuesRepository?: { repoURL: string; targetRevision?: string; path?: string };
  repository?: { repoURL: string; targetRevision?: string; path?: string };
  syncPolicy?: 'automated' | 'manual';
  prune?: boolean;
  selfHeal?: boolean;
}
export interface RawFlux {
  namespace?: string;
  interval?: string;
  valuesFrom?: 'inline' | 'configMap';
  sourceRef?: { kind?: 'GitRepository' | 'OCIRepository' | 'Bucket'; name: string; namespace?: string };
  path?: string;
}
export interface RawApiKey {
  namespace: string;
  secretName?: string;
  instanceName?: string;
  host?: string;
  project?: string;
  insecure?: boolean;
  certificateAuthorityFile?: string;
  rotation?: string;
  fanOut?: 'clusterExternalSecret';
  allowSystemNamespace?: boolean;
  externalSecret?: {
    storeRef: { kind?: 'SecretStore' | 'ClusterSecretStore'; name: string };
    remoteRef: { key: string; property?: string };
    refreshInterval?: string;
  };
  sealed?: { scope?: `${SealedSecretScope}`; sealedFor?: string; certificateSha256?: string; encryptedAccessKey: string };
  plaintextFromEnv?: { variable: string; allowPlaintext: true };
  existing?: Record<string, never>;
}
export interface RawVCluster {
  name: string;
  namespace?: string;
  chartVersion?: string;
  apiKey?: string;
  rbac?: RbacModeName;
  serviceAccountName?: string;
  project?: string;
  release?: string;
  delivery?: DeliveryMode;
}
export interface RawFleet {
  platform: RawPlatform;
  clusters?: Record<string, { server?: string; name?: string }>;
  defaults?: RawDefaults;
  argocd?: RawArgoCd;
  flux?: RawFlux;
  apiKeys: Record<string, RawApiKey>;
  vclusters: RawVCluster[];
  onRemoval?: 'keep' | 'uninstall';
}
