import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

const CLAIMS = new WeakMap<object, Map<string, string>>();

/**
 * The generated object names already taken in the chart around `scope`, each with a description
 * of its owner, keyed `<kind> <namespace>/<name>` (or `<kind> <name>` when cluster-scoped).
 *
 * cdk8s writes two objects with one kind, namespace and name without complaint, and the cluster
 * then keeps whichever was applied last: for an access key or its RBAC that silently cuts a
 * vCluster off its platform. One chart is one manifest for one cluster, so the chart is the
 * scope; the same names in two charts (say staging and production) are legitimate.
 */
export function objectClaims(scope: Construct): Map<string, string> {
  let owner: object;
  try {
    owner = Chart.of(scope);
  } catch {
    // Outside any chart nothing is synthesized yet; the tree is then the best scope there is.
    owner = scope.node.root;
  }
  let claims = CLAIMS.get(owner);
  if (!claims) {
    claims = new Map();
    CLAIMS.set(owner, claims);
  }
  return claims;
}
