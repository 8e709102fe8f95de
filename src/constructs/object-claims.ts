import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../errors';

const CLAIMS = new WeakMap<object, Map<string, string>>();

/**
 * The chart that decides which objects end up on one cluster: the OUTERMOST chart around
 * `scope`. cdk8s writes a nested chart's objects into a manifest of its own, but a nested chart
 * is part of its parent (the same app folder, applied together), so an object in it and one in
 * the parent with the same name replace each other just like two in one chart.
 */
function outermostChart(scope: Construct): Chart | undefined {
  // `scopes` runs from the root down, so the first chart is the outermost one.
  return scope.node.scopes.find((c): c is Chart => Chart.isChart(c));
}

/**
 * The generated object names already taken in the chart around `scope`, each with a description
 * of its owner, keyed `<kind> <namespace>/<name>` (or `<kind> <name>` when cluster-scoped).
 *
 * cdk8s writes two objects with one kind, namespace and name without complaint, and the cluster
 * then keeps whichever was applied last: for an access key or its RBAC that silently cuts a
 * vCluster off its platform. One chart (with its nested charts) is one manifest set for one
 * cluster, so the outermost chart is the scope; the same names in two top-level charts (say
 * staging and production) are legitimate.
 */
export function objectClaims(scope: Construct): Map<string, string> {
  // Outside any chart nothing is synthesized yet; the tree is then the best scope there is.
  const owner: object = outermostChart(scope) ?? scope.node.root;
  let claims = CLAIMS.get(owner);
  if (!claims) {
    claims = new Map();
    CLAIMS.set(owner, claims);
  }
  return claims;
}

const INSTALLERS = new WeakMap<object, string>();

/**
 * Records `owner` as the one object installing the vCluster of `connection` (an Argo CD
 * Application, an ApplicationSet element or a Flux HelmRelease) and throws when another one
 * already does: two installers of one Helm release fight over it (each sync undoes the other's
 * values), whatever charts they sit in. Call it after the construct's own validation passed.
 */
export function claimInstaller(connection: Construct, owner: string, subject: string, path = 'connection'): void {
  const first = INSTALLERS.get(connection);
  if (first !== undefined && first !== owner) {
    throw new ValidationError(subject, [
      {
        path,
        message: `the vCluster of connection ${connection.node.path} is already installed by ${first}; two installers of one Helm release would undo each other's changes`,
        allowed: 'one VClusterApplication, ApplicationSet element or VClusterHelmRelease per connection',
      },
    ]);
  }
  INSTALLERS.set(connection, owner);
}
