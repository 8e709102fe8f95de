// The public API of cdk8s-vcluster-platform: what users build with, chosen name by name. Anything
// not listed here is internal and may change without notice.

// The construct library: the access key, where it comes from, its RBAC and the vCluster values.
export { AccessKeySource, AccessKeySourceType, SecretStoreKind } from './constructs/access-key-source';
export type { ExternalSecretSourceOptions, FromEnvSourceOptions, PlaintextSourceOptions, SealedSourceOptions } from './constructs/access-key-source';
export { DEFAULT_API_KEY_SECRET_NAME, KeyFanOut, PlatformApiKey } from './constructs/platform-api-key';
export type { ExistingPlatformApiKeyOptions, FromSecretNameOptions, IPlatformApiKey, Manifest, PlatformApiKeyProps } from './constructs/platform-api-key';
export { PlatformApiKeyRbac } from './constructs/platform-api-key-rbac';
export type { PlatformApiKeyRbacProps } from './constructs/platform-api-key-rbac';
export { ROTATION_ANNOTATION, VClusterPlatformConnection } from './constructs/vcluster-platform-connection';
export type { VClusterPlatformConnectionProps } from './constructs/vcluster-platform-connection';
export { RbacMode } from './constructs/rbac-mode';
export { ValuesLayout } from './constructs/chart-version';
export { Warnings } from './constructs/warnings';

// GitOps delivery: Argo CD and Flux objects that install the vClusters, and their ordering.
export { VClusterApplication, VClusterApplicationSet } from './delivery/argocd';
export type {
  ArgoCdDeliveryOptions,
  ArgoCdValuesFile,
  ArgoCdValuesRepository,
  VClusterApplicationProps,
  VClusterApplicationSetMember,
  VClusterApplicationSetProps,
} from './delivery/argocd';
export { FluxKustomization, FluxSourceKind, FluxValuesSource, VClusterHelmRelease, VClusterHelmRepository } from './delivery/flux';
export type {
  FluxDependency,
  FluxHealthCheck,
  FluxKustomizationProps,
  FluxSourceRef,
  HelmRepositoryRef,
  VClusterHelmReleaseProps,
  VClusterHelmRepositoryProps,
} from './delivery/flux';
export { setSyncWave, SYNC_WAVE_ANNOTATION, SyncWave } from './delivery/sync-order';
export { RemovalPolicy } from './delivery/removal-policy';

// Sealing an access key for the Sealed Secrets controller, offline.
export { SealedSecretScope, sealingLabel } from './sealing/scope';
export { parseSealingCertificate, sealValue } from './sealing/sealed-secrets';
export type { ParseSealingCertificateOptions, SealingCertificate, SealingTarget, SealValueOptions } from './sealing/sealed-secrets';

// The fleet file: load and check it, then synthesize it into objects (the app's own steps).
export { loadFleet, parseFleet } from './fleet/loader';
export type { FleetLoadOptions } from './fleet/loader';
export type * from './fleet/types';
export { synthesizeFleet } from './fleet/synthesize';
export type { FleetSynthesis } from './fleet/synthesize';

// Errors: every refusal of bad input is a ValidationError listing every problem.
export { ValidationError } from './errors';
export type { Problem } from './errors';
