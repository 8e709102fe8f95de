import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { parseChartVersion } from '../constructs/chart-version';
import { ProblemCollector, showValue } from '../errors';
import { DNS1123_SUBDOMAIN_RULE, RELEASE_NAME_RULE, isDns1123Subdomain, releaseNameProblem } from '../constructs/names';
import { addIf, API_SERVER_RULE, checkBoolean, checkLabel, checkRepositoryPath, checkUrl, checkValuesRepository, URL_RULE } from './argocd-checks';
import { claimInstaller } from '../constructs/object-claims';
import { Manifest } from '../constructs/platform-api-key';
import { RemovalPolicy } from './removal-policy';
import { SYNC_WAVE_ANNOTATION, SyncWave, syncWaveProblem } from './sync-order';
import { VClusterPlatformConnection } from '../constructs/vcluster-platform-connection';
import { VCLUSTER_CHART, VCLUSTER_CHART_REPOSITORY } from './vcluster-chart';

export { isRepositoryPath } from './argocd-checks';

/** The finalizer that makes deleting an Application delete what it deployed. */
export const ARGOCD_RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** A git repository Argo CD reads the generated vcluster.yaml files from (the `ref: values` source). */
export interface ArgoCdValuesRepository {
  /** Repository URL as Argo CD knows it, e.g. `https://github.com/acme/platform.git`. */
  readonly repoURL: string;
  /**
   * Branch, tag or commit.
   * @default "HEAD"
   */
  readonly targetRevision?: string;
}

/** One vcluster.yaml in a git repository: the values of a multi-source Application. */
export interface ArgoCdValuesFile extends ArgoCdValuesRepository {
  /** Path of the vcluster.yaml inside the repository, without a leading `/` or `./`, e.g. `dist/vclusters/team-a/a/vcluster.yaml`. */
  readonly path: string;
}

/** Settings shared by `VClusterApplication` and `VClusterApplicationSet`. */
export interface ArgoCdDeliveryOptions {
  /**
   * Namespace of the Application / ApplicationSet (Argo CD's own namespace unless "apps in any namespace" is on).
   * @default "argocd"
   */
  readonly namespace?: string;
  /**
   * Argo CD AppProject.
   * @default "default"
   */
  readonly project?: string;
  /**
   * API server the vCluster is installed on.
   * @default "https://kubernetes.default.svc" (the cluster Argo CD runs in)
   */
  readonly destinationServer?: string;
  /**
   * Helm repository of the vCluster chart.
   * @default "https://charts.loft.sh"
   */
  readonly repoURL?: string;
  /**
   * Sync wave of the Application / ApplicationSet, so that the access key and RBAC (earlier
   * waves, see `SyncWave`) exist before the vCluster starts.
   * @default 1 (SyncWave.APPLICATIONS)
   */
  readonly syncWave?: number;
  /**
   * Sync automatically on every change in git. Manual sync leaves every rollout to a person.
   * @default true
   */
  readonly automated?: boolean;
  /**
   * With `automated`: delete chart objects that a newer chart version no longer renders. Off by
   * default, as in Argo CD, so a chart upgrade never deletes anything (a PVC, say) unasked.
   * @default false
   */
  readonly prune?: boolean;
  /**
   * With `automated`: revert changes made in the cluster. Off by default, as in Argo CD, so an
   * operator can patch a vCluster during an incident without it being reverted at once.
   * @default false
   */
  readonly selfHeal?: boolean;
  /**
   * Add the `CreateNamespace=true` sync option so the vCluster namespace is created when missing.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * What deleting a generated Application (vCluster left the fleet, root Application or ApplicationSet
   * deleted) does to the vCluster: `UNINSTALL` adds Argo CD's resources finalizer; `KEEP` leaves it off
   * (an ApplicationSet sets `preserveResourcesOnDeletion`). Replaces `cascadeDelete` (true: `UNINSTALL`).
   * @default RemovalPolicy.KEEP
   */
  readonly onRemoval?: RemovalPolicy;
  /**
   * How many times Argo CD retries a failed sync (`syncPolicy.retry.limit`, backoff 5s doubling up
   * to 3m). Without it an automated sync that failed is not tried again for the same commit.
   * @default 5
   */
  readonly retryLimit?: number;
}

/** Props for `VClusterApplication`. */
export interface VClusterApplicationProps extends ArgoCdDeliveryOptions {
  /** The vCluster: release name, namespace, chart version and values. */
  readonly connection: VClusterPlatformConnection;
  /**
   * Name of the Application. `helm.releaseName` is always written, so the name never changes the
   * release (Argo CD would use the Application name otherwise).
   * @default connection.release
   */
  readonly name?: string;
  /**
   * Read the values from a vcluster.yaml in git (a multi-source Application with a `ref: values`
   * source) instead of writing them inline as `helm.valuesObject`. The file must hold the
   * connection's values (`connection.valuesYaml`).
   * @default - values inline as `helm.valuesObject`
   */
  readonly valuesRepository?: ArgoCdValuesFile;
}

/** One vCluster of a `VClusterApplicationSet`. */
export interface VClusterApplicationSetMember {
  /** The vCluster: release name, namespace and chart version. */
  readonly connection: VClusterPlatformConnection;
  /**
   * Name of the generated Application.
   * @default connection.release
   */
  readonly name?: string;
  /** Path of this vCluster's vcluster.yaml in the values repository, e.g. `dist/vclusters/team-a/a/vcluster.yaml`. */
  readonly valuesPath: string;
}

/** Props for `VClusterApplicationSet`. */
export interface VClusterApplicationSetProps extends ArgoCdDeliveryOptions {
  /**
   * Name of the ApplicationSet.
   * @default "vclusters"
   */
  readonly name?: string;
  /** The vCluster Applications to generate, in this order. At least one. */
  readonly vclusters: readonly VClusterApplicationSetMember[];
  /**
   * Where the vcluster.yaml files are. Required: an ApplicationSet's elements carry strings, not
   * values objects, so the values come from files through the `$values` ref. Omitting it throws.
   * @default - none; a ValidationError is thrown
   */
  readonly valuesRepository?: ArgoCdValuesRepository;
}

interface ResolvedOptions {
  readonly namespace: string;
  readonly project: string;
  readonly destinationServer: string;
  readonly repoURL: string;
  readonly syncWave: number;
  readonly automated: boolean;
  readonly prune: boolean;
  readonly selfHeal: boolean;
  readonly createNamespace: boolean;
  readonly onRemoval: RemovalPolicy;
  readonly retryLimit: number;
}

function resolveOptions(props: ArgoCdDeliveryOptions, problems: ProblemCollector): ResolvedOptions {
  const o: ResolvedOptions = {
    namespace: props.namespace ?? 'argocd',
    project: props.project ?? 'default',
    destinationServer: props.destinationServer ?? 'https://kubernetes.default.svc',
    repoURL: props.repoURL ?? VCLUSTER_CHART_REPOSITORY,
    syncWave: props.syncWave ?? SyncWave.APPLICATIONS,
    automated: props.automated ?? true,
    prune: props.prune ?? false,
    selfHeal: props.selfHeal ?? false,
    createNamespace: props.createNamespace ?? true,
    onRemoval: props.onRemoval ?? RemovalPolicy.KEEP,
    retryLimit: props.retryLimit ?? 5,
  };
  const legacy = (props as { readonly cascadeDelete?: unknown }).cascadeDelete;
  if (legacy !== undefined) {
    problems.add({
      path: 'cascadeDelete',
      message: 'was replaced by onRemoval',
      value: showValue(legacy),
      allowed: `onRemoval: RemovalPolicy.${legacy === true ? 'UNINSTALL' : 'KEEP'} (cascadeDelete: ${legacy === true ? 'true' : 'false'} did the same)`,
    });
  }
  if (!Object.values(RemovalPolicy).includes(o.onRemoval)) {
    problems.add({ path: 'onRemoval', message: 'unknown removal policy', value: showValue(o.onRemoval), allowed: Object.values(RemovalPolicy).join(', ') });
  }
  if (!Number.isSafeInteger(o.retryLimit) || o.retryLimit < 0) {
    problems.add({ path: 'retryLimit', message: 'not a retry count', value: showValue(o.retryLimit), allowed: 'an integer of 0 or more (0: no retries)' });
  }
  checkLabel(problems, 'namespace', o.namespace, 'namespace');
  // An AppProject is a custom resource: Kubernetes takes any DNS-1123 subdomain as its name.
  if (!isDns1123Subdomain(o.project)) problems.add({ path: 'project', message: 'not a valid Argo CD project name', value: showValue(o.project), allowed: DNS1123_SUBDOMAIN_RULE });
  checkUrl(problems, 'destinationServer', o.destinationServer, 'an API server URL', API_SERVER_RULE, /^https?:\/\//);
  checkUrl(problems, 'repoURL', o.repoURL, 'a chart repository URL', URL_RULE);
  addIf(problems, syncWaveProblem(o.syncWave, 'syncWave'));
  for (const field of ['automated', 'prune', 'selfHeal', 'createNamespace'] as const) checkBoolean(problems, field, o[field]);
  if (o.automated === false) {
    // Argo CD ignores prune/selfHeal without automated sync; saying so beats a silent no-op.
    for (const field of ['prune', 'selfHeal'] as const) {
      if (o[field] === true) problems.add({ path: field, message: 'only takes effect with automated sync', value: 'true', allowed: 'false, or automated: true' });
    }
  }
  return o;
}

/** The chart version as the Helm repository lists it (no leading `v`). */
function chartVersion(connection: VClusterPlatformConnection): string {
  return parseChartVersion(connection.chartVersion)?.text ?? connection.chartVersion;
}

function checkConnection(problems: ProblemCollector, path: string, connection: unknown): connection is VClusterPlatformConnection {
  if (!(connection instanceof VClusterPlatformConnection)) {
    problems.add({ path, message: 'must be a VClusterPlatformConnection', value: showValue(typeof connection), allowed: 'a VClusterPlatformConnection' });
    return false;
  }
  // `helm.releaseName` is the connection's release: never one the pods or Service cannot run under.
  const problem = releaseNameProblem(connection.release);
  if (problem) problems.add({ path: `${path}.release`, message: problem, value: showValue(connection.release), allowed: RELEASE_NAME_RULE });
  return true;
}

/**
 * `syncPolicy.retry`. Argo CD retries a failed sync operation only with it: "Automatic sync will not
 * reattempt a sync if the previous sync attempt against the same commit-SHA and parameters had
 * failed" (`docs/user-guide/auto_sync.md`). Bounded, with
 * the documented backoff (`docs/operator-manual/application.yaml`: 5s, factor 2, at most 3m): the
 * retries belong to one sync operation, and a never-ending one would keep Argo CD from syncing the
 * commit that fixes the failure.
 */
function retry(o: ResolvedOptions): Record<string, unknown> {
  return { limit: o.retryLimit, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } };
}

/** `{ syncPolicy }`, or nothing when the policy would be empty (manual sync, no options, no retries). */
function syncPolicy(o: ResolvedOptions): { syncPolicy?: Record<string, unknown> } {
  const policy: Record<string, unknown> = {};
  // prune and selfHeal are written even when false: the object then says what it does.
  if (o.automated) policy.automated = { prune: o.prune, selfHeal: o.selfHeal };
  if (o.createNamespace) policy.syncOptions = ['CreateNamespace=true'];
  if (o.retryLimit > 0) policy.retry = retry(o);
  return Object.keys(policy).length > 0 ? { syncPolicy: policy } : {};
}

/**
 * The finalizers of a generated Application. With `resources-finalizer.argocd.argoproj.io`
 * deleting the Application deletes what it deployed (the vCluster); without it the Application
 * goes and the vCluster stays (docs `user-guide/app_deletion.md`, "About the deletion finalizer").
 */
function finalizers(o: ResolvedOptions): { finalizers?: string[] } {
  return o.onRemoval === RemovalPolicy.UNINSTALL ? { finalizers: [ARGOCD_RESOURCES_FINALIZER] } : {};
}

function objectMetadata(name: string, o: ResolvedOptions, withFinalizers: boolean): Manifest['metadata'] {
  return {
    name,
    namespace: o.namespace,
    annotations: { [SYNC_WAVE_ANNOTATION]: String(o.syncWave) },
    ...(withFinalizers ? finalizers(o) : {}),
  };
}

/**
 * The Helm release name Argo CD installs an Application's chart under:
 * `spec.source.helm.releaseName` when set, else the Application's name.
 */
export function argoCdEffectiveReleaseName(app: { readonly name: string; readonly releaseName?: string }): string {
  return app.releaseName || app.name;
}

/**
 * The `argoproj.io/v1alpha1` Application that installs chart `vcluster` for one connection:
 * chart version, destination namespace and `helm.releaseName` from the connection, values inline
 * (`helm.valuesObject`) or from a vcluster.yaml in git (multi-source, `ref: values`). Pure;
 * validates the props and throws a `ValidationError` listing every problem.
 */
export function renderApplication(props: VClusterApplicationProps): Manifest {
  const problems = new ProblemCollector();
  const hasConnection = checkConnection(problems, 'connection', props.connection);
  const o = resolveOptions(props, problems);
  const name = props.name ?? (hasConnection ? props.connection.release : undefined);
  checkLabel(problems, 'name', name, 'Application name');
  const repo = props.valuesRepository;
  if (repo !== undefined) {
    checkValuesRepository(problems, 'valuesRepository', repo);
    checkRepositoryPath(problems, 'valuesRepository.path', repo.path);
  }
  const subject = hasConnection ? `VClusterApplication for vCluster ${props.connection.namespace}/${props.connection.release}` : 'VClusterApplication';
  problems.throwIfAny(subject);

  const connection = props.connection;
  const chart = { repoURL: o.repoURL, chart: VCLUSTER_CHART, targetRevision: chartVersion(connection) };
  const sourceSpec: Record<string, unknown> =
    repo === undefined
      ? // A copy of the values: the manifest must not alias the connection's object.
        { source: { ...chart, helm: { releaseName: connection.release, valuesObject: structuredClone(connection.values) } } }
      : {
          sources: [
            { ...chart, helm: { releaseName: connection.release, valueFiles: [`$values/${repo.path}`] } },
            { repoURL: repo.repoURL, targetRevision: repo.targetRevision ?? 'HEAD', ref: 'values' },
          ],
        };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: objectMetadata(name!, o, true),
    spec: {
      project: o.project,
      destination: { server: o.destinationServer, namespace: connection.namespace },
      ...sourceSpec,
      ...syncPolicy(o),
    },
  };
}

/**
 * One Argo CD Application that installs one vCluster (see `renderApplication`). It carries the
 * sync wave `SyncWave.APPLICATIONS` by default, after the key and RBAC objects (`setSyncWave`).
 */
export class VClusterApplication extends Construct {
  /** Name of the Application. */
  public readonly name: string;
  /** Namespace of the Application. */
  public readonly namespace: string;
  /** The Helm release Argo CD installs (always written as `helm.releaseName`). */
  public readonly releaseName: string;
  /** The emitted Application. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: VClusterApplicationProps) {
    super(scope, id);
    const manifest = renderApplication(props);
    claimInstaller(props.connection, `VClusterApplication ${this.node.path}`, `VClusterApplication ${this.node.path}`);
    this.name = manifest.metadata.name;
    this.namespace = manifest.metadata.namespace!;
    this.releaseName = props.connection.release;
    this.apiObject = new ApiObject(this, 'Application', manifest);
  }
}

/**
 * ONE `argoproj.io/v1alpha1` ApplicationSet that generates an Application per vCluster from a
 * list generator (elements `name`, `namespace`, `release`, `chartVersion`, `valuesPath`, in the
 * order given). Values always come from the vcluster.yaml files in `valuesRepository` through
 * the `$values` ref. `goTemplate` with `missingkey=error`, so a typo in the template fails instead
 * of rendering an empty string. Pure; throws a `ValidationError` listing every problem.
 */
export function renderApplicationSet(props: VClusterApplicationSetProps): Manifest {
  const problems = new ProblemCollector();
  const o = resolveOptions(props, problems);
  const name = props.name ?? 'vclusters';
  checkLabel(problems, 'name', name, 'ApplicationSet name');
  const repo = props.valuesRepository;
  if (repo === undefined) {
    problems.add({
      path: 'valuesRepository',
      message: 'an ApplicationSet needs the repository holding the generated vcluster.yaml files (its elements cannot carry values objects)',
      value: 'undefined',
      allowed: '{ repoURL, targetRevision? }, or one VClusterApplication per vCluster with inline values',
    });
  } else {
    checkValuesRepository(problems, 'valuesRepository', repo);
  }
  const members = Array.isArray(props.vclusters) ? props.vclusters : [];
  if (members.length === 0) {
    problems.add({ path: 'vclusters', message: 'an ApplicationSet needs at least one vCluster', value: showValue(props.vclusters), allowed: 'a non-empty list' });
  }
  const elements: Record<string, string>[] = [];
  const seen = new Map<string, number>();
  members.forEach((member, i) => {
    const path = `vclusters[${i}]`;
    if (!checkConnection(problems, `${path}.connection`, member?.connection)) return;
    const c = member.connection;
    const appName = member.name ?? c.release;
    checkLabel(problems, `${path}.name`, appName, 'Application name');
    checkRepositoryPath(problems, `${path}.valuesPath`, member.valuesPath);
    const first = seen.get(appName);
    if (first !== undefined) {
      problems.add({
        path: `${path}.name`,
        message: `Application name already generated by vclusters[${first}] (Argo CD would fight over one Application)`,
        value: showValue(appName),
        allowed: 'a name unique in this ApplicationSet',
      });
    } else {
      seen.set(appName, i);
    }
    elements.push({ name: appName, namespace: c.namespace, release: c.release, chartVersion: chartVersion(c), valuesPath: member.valuesPath });
  });
  problems.throwIfAny(`VClusterApplicationSet ${showValue(o.namespace)}/${showValue(name)}`);

  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    // The removal policy is for the generated Applications, not for the ApplicationSet itself.
    metadata: objectMetadata(name, o, false),
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements } }],
      // The ApplicationSet controller gives every generated Application the resources finalizer
      // unless the template has finalizers of its own or this is true (argo-cd
      // `applicationset/utils/utils.go` RenderTemplateParams; docs
      // `operator-manual/applicationset/Application-Deletion.md`). Dropping an element, or deleting
      // or replacing the ApplicationSet (its Applications go with it through their ownerReferences),
      // would otherwise uninstall vClusters. With KEEP the Applications have no finalizer at all.
      ...(o.onRemoval === RemovalPolicy.KEEP ? { syncPolicy: { preserveResourcesOnDeletion: true } } : {}),
      template: {
        metadata: { name: '{{.name}}', namespace: o.namespace, ...finalizers(o) },
        spec: {
          project: o.project,
          destination: { server: o.destinationServer, namespace: '{{.namespace}}' },
          sources: [
            {
              repoURL: o.repoURL,
              chart: VCLUSTER_CHART,
              targetRevision: '{{.chartVersion}}',
              helm: { releaseName: '{{.release}}', valueFiles: ['$values/{{.valuesPath}}'] },
            },
            { repoURL: repo!.repoURL, targetRevision: repo!.targetRevision ?? 'HEAD', ref: 'values' },
          ],
          ...syncPolicy(o),
        },
      },
    },
  };
}

/** One Argo CD ApplicationSet for many vClusters (see `renderApplicationSet`). */
export class VClusterApplicationSet extends Construct {
  /** Name of the ApplicationSet. */
  public readonly name: string;
  /** Namespace of the ApplicationSet. */
  public readonly namespace: string;
  /** Names of the Applications it generates, in element order. */
  public readonly applicationNames: readonly string[];
  /** The emitted ApplicationSet. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: VClusterApplicationSetProps) {
    super(scope, id);
    const manifest = renderApplicationSet(props);
    props.vclusters.forEach((m, i) =>
      claimInstaller(m.connection, `VClusterApplicationSet ${this.node.path}`, `VClusterApplicationSet ${this.node.path}`, `vclusters[${i}].connection`),
    );
    this.name = manifest.metadata.name;
    this.namespace = manifest.metadata.namespace!;
    this.applicationNames = props.vclusters.map((m) => m.name ?? m.connection.release);
    this.apiObject = new ApiObject(this, 'ApplicationSet', manifest);
  }
}
