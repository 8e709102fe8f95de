// What happens to a running vCluster, and to the objects holding its key, when the object that
// delivers it goes away: the same answer in every delivery mode.

/** What removing a vCluster from the fleet (or deleting the object that delivers it) does to the running vCluster. */
export enum RemovalPolicy {
  /**
   * The vCluster keeps running, with its data, until a person uninstalls it: the Argo CD
   * Application is deleted without cascading (no resources finalizer; an ApplicationSet sets
   * `preserveResourcesOnDeletion`), the Flux HelmRelease (and its values ConfigMap) stays on the
   * cluster, no longer pruned, and keeps the release installed.
   */
  KEEP = 'keep',
  /**
   * The vCluster is uninstalled with its Helm release: the Argo CD Application carries
   * `resources-finalizer.argocd.argoproj.io`, the Flux HelmRelease is pruned and helm-controller
   * uninstalls the release. The control plane's PVCs are left behind by Helm.
   */
  UNINSTALL = 'uninstall',
}

/** Argo CD's per-resource sync-options annotation. */
export const ARGOCD_SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/** Flux kustomize-controller's per-resource garbage-collection annotation. */
export const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';

/**
 * Annotations that keep an object on the cluster when it leaves git or when what applied it is deleted.
 *
 * - Argo CD: `Prune=false` stops pruning when the object leaves git, `Delete=false` stops the
 *   cascade when the Application is deleted (`argocd app delete` cascades by default); `Prune=false`
 *   alone does not stop the cascade (argo-cd `controller/appcontroller.go`, docs
 *   `user-guide/sync-options.md` "No Resource Deletion"). Several options share the annotation
 *   "concatenated with a `,`" (same page, introduction).
 * - Flux: `kustomize.toolkit.fluxcd.io/prune: disabled` exempts the object from garbage collection,
 *   both when it leaves the source and when the Kustomization is deleted (kustomize-controller
 *   `docs/spec/v1/kustomizations.md`, "Prune").
 *
 * Used on namespaces and on every object holding an access key: losing them cuts running
 * vClusters off the platform, and a namespace takes everything in it along.
 */
export const RETAIN_ANNOTATIONS: Readonly<Record<string, string>> = {
  [ARGOCD_SYNC_OPTIONS_ANNOTATION]: 'Prune=false,Delete=false',
  [FLUX_PRUNE_ANNOTATION]: 'disabled',
};

/** The annotations a Flux-delivered object gets under `policy`: kept out of garbage collection with `KEEP`. */
export function fluxRetainAnnotations(policy: RemovalPolicy): Record<string, string> | undefined {
  return policy === RemovalPolicy.KEEP ? { [FLUX_PRUNE_ANNOTATION]: 'disabled' } : undefined;
}
