import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { VCLUSTER_CHART, VCLUSTER_CHART_REPOSITORY } from './vcluster-chart';
import { parseChartVersion } from '../constructs/chart-version';
import { Problem, ProblemCollector, showValue } from '../errors';
import { hasUrlCredentials, showUrl, URL_CREDENTIALS_RULE } from '../constructs/url';
import { checkDuration, checkLabel, checkSubdomain } from './flux-kustomization';
import { RELEASE_NAME_RULE, defaultServiceAccountName, helmControllerShortenName, isDns1123Label, releaseNameProblem } from '../constructs/names';
import { RemovalPolicy, fluxRetainAnnotations } from './removal-policy';
import { Manifest } from '../constructs/platform-api-key';
import { claimInstaller } from '../constructs/object-claims';
import { VClusterPlatformConnection } from '../constructs/vcluster-platform-connection';

/** The ConfigMap key a HelmRelease reads values from (Flux `valuesFrom` default key). */
export const FLUX_VALUES_KEY = 'values.yaml';

/**
 * The label that makes helm-controller watch a `valuesFrom` ConfigMap: a change then reconciles the
 * HelmRelease at once instead of at its next interval (helm-controller `docs/spec/v2/helmreleases.md`:
 * "All ConfigMaps and Secrets referenced in valuesFrom should be labelled with
 * `reconcile.fluxcd.io/watch: Enabled`").
 */
export const FLUX_WATCH_LABEL: Readonly<Record<string, string>> = { 'reconcile.fluxcd.io/watch': 'Enabled' };

/** A HelmRepository a HelmRelease pulls its chart from. `VClusterHelmRepository` is one. */
export interface HelmRepositoryRef {
  /** Name of the HelmRepository. */
  readonly name: string;
  /** Namespace of the HelmRepository. */
  readonly namespace: string;
}

/** Props for `VClusterHelmRepository`. */
export interface VClusterHelmRepositoryProps {
  /**
   * Name of the HelmRepository.
   * @default "loft-sh"
   */
  readonly name?: string;
  /**
   * Namespace of the HelmRepository; HelmReleases in other namespaces reference it by namespace.
   * @default "flux-system"
   */
  readonly namespace?: string;
  /**
   * URL of the Helm repository (`oci://` URLs get `type: oci`).
   * @default "https://charts.loft.sh"
   */
  readonly url?: string;
  /**
   * How often Flux fetches the repository index.
   * @default "1h"
   */
  readonly interval?: string;
}

/** Where a HelmRelease takes the vCluster values from. */
export enum FluxValuesSource {
  /** `spec.values` in the HelmRelease. */
  INLINE = 'inline',
  /** A ConfigMap beside the HelmRelease, referenced by `spec.valuesFrom` (key `values.yaml`). */
  CONFIG_MAP = 'configMap',
}

/** Props for `VClusterHelmRelease`. */
export interface VClusterHelmReleaseProps {
  /** The vCluster: release name, namespace, chart version and values. */
  readonly connection: VClusterPlatformConnection;
  /**
   * Name of the HelmRelease. Without `releaseName` it decides the Helm release (helm-controller's naming): the
   * name itself in the vCluster namespace, `<vCluster namespace>-<name>` (shortened past 53
   * characters) elsewhere; that result must equal `connection.release`.
   * @default connection.release
   */
  readonly name?: string;
  /**
   * Namespace of the HelmRelease. Elsewhere than the vCluster namespace, `targetNamespace` and
   * `storageNamespace` are set to the vCluster namespace.
   * @default connection.namespace
   */
  readonly namespace?: string;
  /**
   * `spec.releaseName`: a release a vCluster can run under (see `releaseNameProblem`). Must equal `connection.release` when set.
   * @default - unset: Flux's default naming applies (see `fluxEffectiveReleaseName`)
   */
  readonly releaseName?: string;
  /**
   * Reconcile interval.
   * @default "10m"
   */
  readonly interval?: string;
  /**
   * The HelmRepository holding the vCluster chart.
   * @default { name: "loft-sh", namespace: "flux-system" } (the `VClusterHelmRepository` defaults)
   */
  readonly helmRepository?: HelmRepositoryRef;
  /**
   * Where the values go.
   * @default FluxValuesSource.INLINE
   */
  readonly valuesFrom?: FluxValuesSource;
  /**
   * Name of the values ConfigMap (with `FluxValuesSource.CONFIG_MAP`), in the HelmRelease namespace.
   * @default "<name>-values"
   */
  readonly configMapName?: string;
  /**
   * `install.createNamespace`: let Helm create the vCluster namespace when it is missing. Only
   * useful when the HelmRelease lives elsewhere (its own namespace exists already); written only
   * when true.
   * @default true when the HelmRelease lives outside the vCluster namespace, else false
   */
  readonly createNamespace?: boolean;
  /**
   * What removing the HelmRelease from the tree does. `KEEP` annotates it (and its values
   * ConfigMap) `kustomize.toolkit.fluxcd.io/prune: disabled`, so the Kustomization leaves it on the
   * cluster and the release stays installed; `UNINSTALL` lets the Kustomization prune it, and
   * helm-controller uninstalls the release of a deleted HelmRelease.
   * @default RemovalPolicy.KEEP
   */
  readonly onRemoval?: RemovalPolicy;
  /**
   * How long helm-controller waits before retrying a failed install or upgrade
   * (`strategy.retryInterval` of the `RetryOnFailure` strategy).
   * @default "5m"
   */
  readonly retryInterval?: string;
}

/** Inputs of `fluxEffectiveReleaseName`: the HelmRelease fields helm-controller reads. */
export interface FluxReleaseNameInput {
  /** `metadata.name`. */
  readonly name: string;
  /**
   * `spec.targetNamespace`.
   * @default - unset
   */
  readonly targetNamespace?: string;
  /**
   * `spec.releaseName`.
   * @default - unset
   */
  readonly releaseName?: string;
}

/**
 * The Helm release name helm-controller uses for a HelmRelease: `spec.releaseName`
 * when set, else `<targetNamespace>-<name>` when targetNamespace is set (even when it equals the
 * HelmRelease's own namespace), else `<name>`; past 53 characters the first 40, '-', and 12 hex
 * characters of its SHA-256. The HelmRelease's own namespace plays no part.
 */
export function fluxEffectiveReleaseName(input: FluxReleaseNameInput): string {
  // An empty string is unset for the Go controller as well.
  // helm-controller: `release.ShortenName(obj.GetReleaseName())` (internal/action/install.go).
  if (input.releaseName) return helmControllerShortenName(input.releaseName);
  return helmControllerShortenName(input.targetNamespace ? `${input.targetNamespace}-${input.name}` : input.name);
}

/** The `source.toolkit.fluxcd.io/v1` HelmRepository of the vCluster chart. Pure; throws a `ValidationError` listing every problem. */
export function renderHelmRepository(props: VClusterHelmRepositoryProps = {}): Manifest {
  const name = props.name ?? 'loft-sh';
  const namespace = props.namespace ?? 'flux-system';
  const url = props.url ?? VCLUSTER_CHART_REPOSITORY;
  const interval = props.interval ?? '1h';
  const problems = new ProblemCollector();
  checkSubdomain(problems, 'name', name, 'HelmRepository name');
  checkLabel(problems, 'namespace', namespace, 'namespace');
  if (hasUrlCredentials(url)) {
    problems.add({
      path: 'url',
      message: 'must not carry user information (a password or token in the URL ends up in git and in logs)',
      value: showUrl(url),
      allowed: URL_CREDENTIALS_RULE,
    });
  } else if (typeof url !== 'string' || !/^(https?|oci):\/\/\S+$/.test(url)) {
    problems.add({ path: 'url', message: 'not a Helm repository URL', value: showUrl(url), allowed: 'an http://, https:// or oci:// URL without spaces' });
  }
  checkDuration(problems, 'interval', interval);
  problems.throwIfAny(`VClusterHelmRepository ${showValue(namespace)}/${showValue(name)}`);
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name, namespace },
    spec: { interval, url, ...(url.startsWith('oci://') ? { type: 'oci' } : {}) },
  };
}

/** The Flux HelmRepository of the vCluster chart (see `renderHelmRepository`). */
export class VClusterHelmRepository extends Construct implements HelmRepositoryRef {
  /** Name of the HelmRepository. */
  public readonly name: string;
  /** Namespace of the HelmRepository. */
  public readonly namespace: string;
  /** The emitted HelmRepository. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: VClusterHelmRepositoryProps = {}) {
    super(scope, id);
    const manifest = renderHelmRepository(props);
    this.name = manifest.metadata.name;
    this.namespace = manifest.metadata.namespace!;
    this.apiObject = new ApiObject(this, 'HelmRepository', manifest);
  }
}

/** What `renderHelmRelease` produces. */
export interface RenderedHelmRelease {
  /** The `helm.toolkit.fluxcd.io/v2` HelmRelease. */
  readonly helmRelease: Manifest;
  /** The values ConfigMap, with `FluxValuesSource.CONFIG_MAP`. */
  readonly configMap?: Manifest;
  /** The Helm release name helm-controller will use; always `connection.release`. */
  readonly effectiveReleaseName: string;
  /** True when the HelmRelease lives outside the vCluster namespace. */
  readonly outsideVClusterNamespace: boolean;
}

/**
 * Without a strategy helm-controller does not retry a failed install or upgrade: the release
 * stays failed until the HelmRelease changes. `RetryOnFailure` retries every `retryInterval`, for
 * ever, without remediation; the default `RemediateOnFailure` with `remediation.retries` would
 * uninstall a failed install and roll back a failed upgrade between attempts, and the docs name
 * `RetryOnFailure` for StatefulSets that "cannot tolerate rollbacks" (helm-controller
 * `docs/spec/v2/helmreleases.md`, "Install strategy", "Upgrade strategy"; helm-controller 1.4 /
 * Flux 2.7 and later, in the CRD of ../shared/crds). A vCluster's control plane is one.
 */
function retryStrategy(retryInterval: string): Record<string, string> {
  return { name: 'RetryOnFailure', retryInterval };
}

/** The problem of a HelmRelease whose effective release differs from the connection's (the RBAC names the latter). */
function releaseMismatch(connection: VClusterPlatformConnection, name: string, effective: string, targetNamespace: string | undefined, releaseName: string | undefined): Problem {
  const how = releaseName
    ? `releaseName ${showValue(releaseName)}`
    : targetNamespace
      ? `Flux's default naming <targetNamespace>-<name> ${showValue(`${targetNamespace}-${name}`)}${effective.length < targetNamespace.length + name.length + 1 ? ' shortened' : ''}`
      : `Flux's default naming (the HelmRelease name)`;
  return {
    path: releaseName ? 'releaseName' : 'name',
    message: `helm-controller would install release ${showValue(effective)} (from ${how}), but the connection's release is ${showValue(connection.release)}${
      connection.serviceAccountName === defaultServiceAccountName(connection.release)
        ? `: its RBAC binds ${connection.serviceAccountName} while the vCluster would run as ${defaultServiceAccountName(effective)}`
        : ''
    }`,
    value: showValue(effective),
    allowed: `releaseName: ${showValue(connection.release)}, or a connection whose release is ${showValue(effective)}`,
  };
}

/**
 * The HelmRelease (and values ConfigMap) that install chart `vcluster` for one connection. Checks
 * that the release helm-controller will really use equals `connection.release`: the connection's
 * RBAC subject `vc-<release>` is derived from it, so a mismatch would grant the wrong service
 * account. Pure; throws a `ValidationError` listing every problem.
 */
export function renderHelmRelease(props: VClusterHelmReleaseProps): RenderedHelmRelease {
  const problems = new ProblemCollector();
  const connection = props.connection;
  if (!(connection instanceof VClusterPlatformConnection)) {
    problems.add({ path: 'connection', message: 'must be a VClusterPlatformConnection', value: showValue(typeof connection), allowed: 'a VClusterPlatformConnection' });
    problems.throwIfAny('VClusterHelmRelease');
  }
  const name = props.name ?? connection.release;
  const namespace = props.namespace ?? connection.namespace;
  const interval = props.interval ?? '10m';
  const repository = props.helmRepository ?? { name: 'loft-sh', namespace: 'flux-system' };
  const valuesFrom = props.valuesFrom ?? FluxValuesSource.INLINE;
  const configMapName = props.configMapName ?? `${name}-values`;
  const outside = namespace !== connection.namespace;
  const createNamespace = props.createNamespace ?? outside;
  const onRemoval = props.onRemoval ?? RemovalPolicy.KEEP;
  const retryInterval = props.retryInterval ?? '5m';

  checkLabel(problems, 'name', name, 'HelmRelease name');
  checkLabel(problems, 'namespace', namespace, 'namespace');
  const releaseProblem = props.releaseName === undefined ? undefined : releaseNameProblem(props.releaseName);
  const releaseNameValid = releaseProblem === undefined;
  if (releaseProblem) problems.add({ path: 'releaseName', message: releaseProblem, value: showValue(props.releaseName), allowed: RELEASE_NAME_RULE });
  const connectionProblem = releaseNameProblem(connection.release);
  if (connectionProblem) problems.add({ path: 'connection.release', message: connectionProblem, value: showValue(connection.release), allowed: RELEASE_NAME_RULE });
  checkDuration(problems, 'interval', interval);
  checkDuration(problems, 'retryInterval', retryInterval);
  if (!Object.values(RemovalPolicy).includes(onRemoval)) {
    problems.add({ path: 'onRemoval', message: 'unknown removal policy', value: showValue(onRemoval), allowed: Object.values(RemovalPolicy).join(', ') });
  }
  checkSubdomain(problems, 'helmRepository.name', repository.name, 'HelmRepository name');
  checkLabel(problems, 'helmRepository.namespace', repository.namespace, 'namespace');
  if (!Object.values(FluxValuesSource).includes(valuesFrom)) {
    problems.add({ path: 'valuesFrom', message: 'unknown values source', value: showValue(valuesFrom), allowed: Object.values(FluxValuesSource).join(', ') });
  }
  if (valuesFrom === FluxValuesSource.CONFIG_MAP) checkSubdomain(problems, 'configMapName', configMapName, 'ConfigMap name');
  if (typeof createNamespace !== 'boolean') problems.add({ path: 'createNamespace', message: 'must be a boolean', value: showValue(createNamespace), allowed: 'true, false' });

  const targetNamespace = outside ? connection.namespace : undefined;
  const effective = fluxEffectiveReleaseName({ name, targetNamespace, releaseName: props.releaseName });
  // Compared only when the names themselves are valid: otherwise the mismatch is noise.
  if (isDns1123Label(name) && releaseNameValid && effective !== connection.release) problems.add(releaseMismatch(connection, name, effective, targetNamespace, props.releaseName));
  problems.throwIfAny(`VClusterHelmRelease ${showValue(namespace)}/${showValue(name)} for vCluster ${connection.namespace}/${connection.release}`);

  const version = parseChartVersion(connection.chartVersion)?.text ?? connection.chartVersion;
  const spec: Record<string, unknown> = {
    interval,
    ...(props.releaseName ? { releaseName: props.releaseName } : {}),
    chart: {
      spec: {
        chart: VCLUSTER_CHART,
        version,
        sourceRef: { kind: 'HelmRepository', name: repository.name, namespace: repository.namespace },
      },
    },
  };
  if (targetNamespace) {
    spec.targetNamespace = targetNamespace;
    // vCluster snapshots look for the release Secret in the vCluster namespace (FACTS §4).
    spec.storageNamespace = targetNamespace;
  }
  const strategy = retryStrategy(retryInterval);
  spec.install = { ...(createNamespace ? { createNamespace: true } : {}), strategy };
  spec.upgrade = { strategy: { ...strategy } };
  // helm-controller uninstalls the release of a deleted HelmRelease (`reconcileDelete`); under KEEP
  // the Kustomization never deletes it (`kustomize.toolkit.fluxcd.io/prune: disabled`).
  const annotations = fluxRetainAnnotations(onRemoval);
  let configMap: Manifest | undefined;
  if (valuesFrom === FluxValuesSource.CONFIG_MAP) {
    // valuesFrom references are namespace-local: the ConfigMap sits beside the HelmRelease. It is
    // kept with the HelmRelease, which would fail to reconcile without it.
    configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMapName, namespace, labels: { ...FLUX_WATCH_LABEL }, ...(annotations ? { annotations: { ...annotations } } : {}) },
      data: { [FLUX_VALUES_KEY]: connection.valuesYaml },
    };
    spec.valuesFrom = [{ kind: 'ConfigMap', name: configMapName, valuesKey: FLUX_VALUES_KEY }];
  } else {
    // A copy: the manifest must not alias the connection's values.
    spec.values = structuredClone(connection.values);
  }
  return {
    helmRelease: {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name, namespace, ...(annotations ? { annotations: { ...annotations } } : {}) },
      spec,
    },
    configMap,
    effectiveReleaseName: effective,
    outsideVClusterNamespace: outside,
  };
}

/**
 * A Flux HelmRelease that installs one vCluster (and its values ConfigMap when asked), with the
 * release name checked against the connection (see `renderHelmRelease`).
 */
export class VClusterHelmRelease extends Construct {
  /** `fluxEffectiveReleaseName` as a static, beside the construct that needs it. */
  public static effectiveReleaseName(input: FluxReleaseNameInput): string {
    return fluxEffectiveReleaseName(input);
  }

  /** Name of the HelmRelease. */
  public readonly name: string;
  /** Namespace of the HelmRelease. */
  public readonly namespace: string;
  /** The Helm release name helm-controller will use (equal to `connection.release`). */
  public readonly effectiveReleaseName: string;
  /** The emitted HelmRelease. */
  public readonly helmRelease: ApiObject;
  /** The emitted values ConfigMap, with `FluxValuesSource.CONFIG_MAP`. */
  public readonly configMap?: ApiObject;

  constructor(scope: Construct, id: string, props: VClusterHelmReleaseProps) {
    super(scope, id);
    const rendered = renderHelmRelease(props);
    claimInstaller(props.connection, `VClusterHelmRelease ${this.node.path}`, `VClusterHelmRelease ${this.node.path}`);
    this.name = rendered.helmRelease.metadata.name;
    this.namespace = rendered.helmRelease.metadata.namespace!;
    this.effectiveReleaseName = rendered.effectiveReleaseName;
    if (rendered.configMap) this.configMap = new ApiObject(this, 'ConfigMap', rendered.configMap);
    this.helmRelease = new ApiObject(this, 'HelmRelease', rendered.helmRelease);
  }
}

// Kustomizations live in their own file; re-exported so `./flux` stays the one Flux entry point.
export { FluxKustomization, FluxSourceKind, renderFluxKustomization } from './flux-kustomization';
export type { FluxDependency, FluxHealthCheck, FluxKustomizationProps, FluxSourceRef } from './flux-kustomization';
