import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { VCLUSTER_CHART, VCLUSTER_CHART_REPOSITORY } from './vcluster-chart';
import { parseChartVersion } from '../constructs/chart-version';
import { ProblemCollector, showValue } from '../errors';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, defaultServiceAccountName, fluxDefaultReleaseName, isDns1123Label, isDns1123Subdomain } from '../constructs/names';
import { Manifest } from '../constructs/platform-api-key';
import { VClusterPlatformConnection } from '../constructs/vcluster-platform-connection';

/** The pattern Flux's CRDs give every duration (`interval`, `timeout`). */
const FLUX_DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const DURATION_RULE = 'a Go duration such as "30s", "10m" or "1h30m"';

/** The ConfigMap key a HelmRelease reads values from (Flux `valuesFrom` default key). */
export const FLUX_VALUES_KEY = 'values.yaml';

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
   * `spec.releaseName`. Must equal `connection.release` when set.
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
  if (input.releaseName) return fluxDefaultReleaseName(input.releaseName);
  return fluxDefaultReleaseName(input.name, input.targetNamespace || undefined);
}

function checkDuration(problems: ProblemCollector, path: string, value: unknown): void {
  if (typeof value !== 'string' || !FLUX_DURATION.test(value)) problems.add({ path, message: 'not a Flux duration', value: showValue(value), allowed: DURATION_RULE });
}

function checkLabel(problems: ProblemCollector, path: string, value: unknown, what: string): void {
  if (!isDns1123Label(value)) problems.add({ path, message: `not a valid ${what}`, value: showValue(value), allowed: DNS1123_LABEL_RULE });
}

function checkSubdomain(problems: ProblemCollector, path: string, value: unknown, what: string): void {
  if (!isDns1123Subdomain(value)) problems.add({ path, message: `not a valid ${what}`, value: showValue(value), allowed: DNS1123_SUBDOMAIN_RULE });
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
  if (typeof url !== 'string' || !/^(https?|oci):\/\/\S+$/.test(url)) {
    problems.add({ path: 'url', message: 'not a Helm repository URL', value: showValue(url), allowed: 'an http://, https:// or oci:// URL without spaces' });
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

  checkLabel(problems, 'name', name, 'HelmRelease name');
  checkLabel(problems, 'namespace', namespace, 'namespace');
  const releaseNameValid = props.releaseName === undefined || (isDns1123Label(props.releaseName) && props.releaseName.length <= 53);
  if (!releaseNameValid) {
    problems.add({ path: 'releaseName', message: 'not a valid Helm release name', value: showValue(props.releaseName), allowed: DNS1123_LABEL_RULE.replace('63', '53') });
  }
  checkDuration(problems, 'interval', interval);
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
  if (isDns1123Label(name) && releaseNameValid && effective !== connection.release) {
    const how = props.releaseName
      ? `releaseName ${showValue(props.releaseName)}`
      : targetNamespace
        ? `Flux's default naming <targetNamespace>-<name> ${showValue(`${targetNamespace}-${name}`)}${effective.length < targetNamespace.length + name.length + 1 ? ' shortened' : ''}`
        : `Flux's default naming (the HelmRelease name)`;
    problems.add({
      path: props.releaseName ? 'releaseName' : 'name',
      message: `helm-controller would install release ${showValue(effective)} (from ${how}), but the connection's release is ${showValue(connection.release)}${
        connection.serviceAccountName === defaultServiceAccountName(connection.release)
          ? `: its RBAC binds ${connection.serviceAccountName} while the vCluster would run as ${defaultServiceAccountName(effective)}`
          : ''
      }`,
      value: showValue(effective),
      allowed: `releaseName: ${showValue(connection.release)}, or a connection whose release is ${showValue(effective)}`,
    });
  }
  problems.throwIfAny(`VClusterHelmRelease ${showValue(namespace)}/${showValue(name)} for vCluster ${connection.namespace}/${connection.release}`);

  const version = parseChartVersion(connection.vclusterVersion)?.text ?? connection.vclusterVersion;
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
  if (createNamespace) spec.install = { createNamespace: true };
  let configMap: Manifest | undefined;
  if (valuesFrom === FluxValuesSource.CONFIG_MAP) {
    // valuesFrom references are namespace-local: the ConfigMap sits beside the HelmRelease.
    configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMapName, namespace },
      data: { [FLUX_VALUES_KEY]: connection.valuesYaml },
    };
    spec.valuesFrom = [{ kind: 'ConfigMap', name: configMapName, valuesKey: FLUX_VALUES_KEY }];
  } else {
    // A copy: the manifest must not alias the connection's values.
    spec.values = structuredClone(connection.values);
  }
  return {
    helmRelease: { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name, namespace }, spec },
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
    this.name = rendered.helmRelease.metadata.name;
    this.namespace = rendered.helmRelease.metadata.namespace!;
    this.effectiveReleaseName = rendered.effectiveReleaseName;
    if (rendered.configMap) this.configMap = new ApiObject(this, 'ConfigMap', rendered.configMap);
    this.helmRelease = new ApiObject(this, 'HelmRelease', rendered.helmRelease);
  }
}

/** Kinds of Flux source a Kustomization can apply from. */
export enum FluxSourceKind {
  /** `source.toolkit.fluxcd.io` GitRepository (what `flux bootstrap` creates, named `flux-system`). */
  GIT_REPOSITORY = 'GitRepository',
  /** OCIRepository. */
  OCI_REPOSITORY = 'OCIRepository',
  /** Bucket. */
  BUCKET = 'Bucket',
}

/** The source a Kustomization applies from. */
export interface FluxSourceRef {
  /** Kind of the source. */
  readonly kind: FluxSourceKind;
  /** Name of the source. */
  readonly name: string;
  /**
   * Namespace of the source.
   * @default - the Kustomization's namespace
   */
  readonly namespace?: string;
}

/** Another Kustomization that must be Ready first. A `FluxKustomization` is one. */
export interface FluxDependency {
  /** Its name. */
  readonly name: string;
  /**
   * Its namespace.
   * @default - the depending Kustomization's namespace
   */
  readonly namespace?: string;
}

/** An object whose readiness Flux checks (`healthChecks`). */
export interface FluxHealthCheck {
  /**
   * API version.
   * @default - the preferred version
   */
  readonly apiVersion?: string;
  /** Kind. */
  readonly kind: string;
  /** Name. */
  readonly name: string;
  /**
   * Namespace.
   * @default - the Kustomization's namespace
   */
  readonly namespace?: string;
}

/** Props for `FluxKustomization`. */
export interface FluxKustomizationProps {
  /** Name of the Kustomization. */
  readonly name: string;
  /**
   * Namespace of the Kustomization.
   * @default "flux-system"
   */
  readonly namespace?: string;
  /** Folder in the source to apply, e.g. `./dist/host`. */
  readonly path: string;
  /**
   * The source holding `path`.
   * @default { kind: FluxSourceKind.GIT_REPOSITORY, name: "flux-system" } (what `flux bootstrap` creates)
   */
  readonly sourceRef?: FluxSourceRef;
  /**
   * Reconcile interval.
   * @default "10m"
   */
  readonly interval?: string;
  /**
   * Delete objects that disappear from `path`. With it, removing a vCluster from the fleet
   * uninstalls it.
   * @default true
   */
  readonly prune?: boolean;
  /**
   * Kustomizations that must be Ready before this one is applied (names in this namespace, or
   * references). The HelmRelease Kustomization depends on the key/RBAC one.
   * @default - none
   */
  readonly dependsOn?: readonly (string | FluxDependency)[];
  /**
   * Report Ready only when every applied object is ready, so that Kustomizations depending on
   * this one wait for the access key Secret to exist (ExternalSecret synced, SealedSecret
   * unsealed), not merely for it to be applied. Flux ignores `healthChecks` when it is on.
   * @default true, or false when `healthChecks` are given
   */
  readonly wait?: boolean;
  /**
   * Check only these objects' readiness (instead of `wait`).
   * @default - none
   */
  readonly healthChecks?: readonly FluxHealthCheck[];
  /**
   * How long applying and health checking may take.
   * @default - Flux's default, the interval
   */
  readonly timeout?: string;
}

/** The `kustomize.toolkit.fluxcd.io/v1` Kustomization. Pure; throws a `ValidationError` listing every problem. */
export function renderFluxKustomization(props: FluxKustomizationProps): Manifest {
  const namespace = props.namespace ?? 'flux-system';
  const sourceRef = props.sourceRef ?? { kind: FluxSourceKind.GIT_REPOSITORY, name: 'flux-system' };
  const interval = props.interval ?? '10m';
  const prune = props.prune ?? true;
  const healthChecks = props.healthChecks ?? [];
  const wait = props.wait ?? healthChecks.length === 0;
  const dependsOn: FluxDependency[] = (props.dependsOn ?? []).map((d) =>
    typeof d === 'string' ? { name: d } : { name: d.name, ...(d.namespace !== undefined ? { namespace: d.namespace } : {}) },
  );

  const problems = new ProblemCollector();
  checkSubdomain(problems, 'name', props.name, 'Kustomization name');
  checkLabel(problems, 'namespace', namespace, 'namespace');
  if (typeof props.path !== 'string' || props.path === '' || /\s/.test(props.path) || props.path.split('/').includes('..')) {
    problems.add({
      path: 'path',
      message: 'not a folder inside the source',
      value: showValue(props.path),
      allowed: 'a relative path without spaces or \'..\', e.g. "./dist/host"',
    });
  }
  if (!Object.values(FluxSourceKind).includes(sourceRef.kind)) {
    problems.add({ path: 'sourceRef.kind', message: 'unknown Flux source kind', value: showValue(sourceRef.kind), allowed: Object.values(FluxSourceKind).join(', ') });
  }
  checkSubdomain(problems, 'sourceRef.name', sourceRef.name, 'source name');
  if (sourceRef.namespace !== undefined) checkLabel(problems, 'sourceRef.namespace', sourceRef.namespace, 'namespace');
  checkDuration(problems, 'interval', interval);
  if (props.timeout !== undefined) checkDuration(problems, 'timeout', props.timeout);
  if (typeof prune !== 'boolean') problems.add({ path: 'prune', message: 'must be a boolean', value: showValue(prune), allowed: 'true, false' });
  if (typeof wait !== 'boolean') problems.add({ path: 'wait', message: 'must be a boolean', value: showValue(wait), allowed: 'true, false' });
  if (wait === true && healthChecks.length > 0) {
    problems.add({
      path: 'healthChecks',
      message: 'Flux ignores healthChecks when wait is true',
      value: `${healthChecks.length} health check(s)`,
      allowed: 'wait: false with healthChecks, or wait: true without them',
    });
  }
  const seen = new Set<string>();
  dependsOn.forEach((d, i) => {
    checkSubdomain(problems, `dependsOn[${i}].name`, d.name, 'Kustomization name');
    if (d.namespace !== undefined) checkLabel(problems, `dependsOn[${i}].namespace`, d.namespace, 'namespace');
    const key = `${d.namespace ?? namespace}/${d.name}`;
    if (key === `${namespace}/${props.name}`)
      problems.add({ path: `dependsOn[${i}]`, message: 'a Kustomization cannot depend on itself', value: showValue(d.name), allowed: 'another Kustomization' });
    if (seen.has(key)) problems.add({ path: `dependsOn[${i}]`, message: 'listed twice', value: showValue(key), allowed: 'each dependency once' });
    seen.add(key);
  });
  healthChecks.forEach((h, i) => {
    if (typeof h.kind !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(h.kind))
      problems.add({ path: `healthChecks[${i}].kind`, message: 'not a Kubernetes kind', value: showValue(h.kind), allowed: 'a kind such as "ExternalSecret"' });
    checkSubdomain(problems, `healthChecks[${i}].name`, h.name, 'object name');
    if (h.namespace !== undefined) checkLabel(problems, `healthChecks[${i}].namespace`, h.namespace, 'namespace');
  });
  problems.throwIfAny(`FluxKustomization ${showValue(namespace)}/${showValue(props.name)}`);

  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: props.name, namespace },
    spec: {
      interval,
      path: props.path,
      prune,
      sourceRef: { kind: sourceRef.kind, name: sourceRef.name, ...(sourceRef.namespace !== undefined ? { namespace: sourceRef.namespace } : {}) },
      ...(dependsOn.length > 0 ? { dependsOn } : {}),
      wait,
      ...(healthChecks.length > 0 ? { healthChecks: healthChecks.map((h) => ({ ...h })) } : {}),
      ...(props.timeout !== undefined ? { timeout: props.timeout } : {}),
    },
  };
}

/**
 * A Flux Kustomization applying one folder of the generated tree. Order the folders with
 * `dependsOn`: the HelmReleases only after the access keys and RBAC are Ready.
 */
export class FluxKustomization extends Construct implements FluxDependency {
  /** Name of the Kustomization. */
  public readonly name: string;
  /** Namespace of the Kustomization. */
  public readonly namespace: string;
  /** The emitted Kustomization. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: FluxKustomizationProps) {
    super(scope, id);
    const manifest = renderFluxKustomization(props);
    this.name = manifest.metadata.name;
    this.namespace = manifest.metadata.namespace!;
    this.apiObject = new ApiObject(this, 'Kustomization', manifest);
  }
}
