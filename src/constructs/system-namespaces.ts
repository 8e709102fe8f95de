/**
 * Namespaces an access key's Secret must not be read from unless explicitly allowed: Kubernetes'
 * own (kube-system holds controller and cloud credentials and bootstrap tokens; kube-public is
 * readable by everyone; kube-node-lease is the kubelets'). `default` is not among them: no
 * component keeps credentials there, and teams do keep their own Secrets there.
 */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/**
 * The default namespaces of Argo CD, Flux, External Secrets and Sealed Secrets (its Helm chart;
 * kubeseal's own default is kube-system): they hold the cluster's git, registry and store credentials.
 */
export const TOOL_NAMESPACES: readonly string[] = ['argocd', 'flux-system', 'external-secrets', 'sealed-secrets'];

/** Why granting vClusters `get` on a Secret in `namespace` is dangerous, or undefined when it is not. */
export function systemNamespaceReason(namespace: string): string | undefined {
  if (SYSTEM_NAMESPACES.includes(namespace)) return 'a Kubernetes system namespace';
  if (TOOL_NAMESPACES.includes(namespace)) return 'the usual namespace of a GitOps or secrets tool (Argo CD, Flux, External Secrets, Sealed Secrets)';
  return undefined;
}
