// Flux Kustomizations (the folders of the generated tree, in order) and the checks every Flux object shares.
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ProblemCollector, showValue } from '../errors';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, isDns1123Label, isDns1123Subdomain } from '../constructs/names';
import { Manifest } from '../constructs/platform-api-key';

/** The pattern Flux's CRDs give every duration (`interval`, `timeout`). */
const FLUX_DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const DURATION_RULE = 'a Go duration such as "30s", "10m" or "1h30m"';

/** @internal */
export function checkDuration(problems: ProblemCollector, path: string, value: unknown): void {
  if (typeof value !== 'string' || !FLUX_DURATION.test(value)) problems.add({ path, message: 'not a Flux duration', value: showValue(value), allowed: DURATION_RULE });
}

/** @internal */
export function checkLabel(problems: ProblemCollector, path: string, value: unknown, what: string): void {
  if (!isDns1123Label(value)) problems.add({ path, message: `not a valid ${what}`, value: showValue(value), allowed: DNS1123_LABEL_RULE });
}

/** @internal */
export function checkSubdomain(problems: ProblemCollector, path: string, value: unknown, what: string): void {
  if (!isDns1123Subdomain(value)) problems.add({ path, message: `not a valid ${what}`, value: showValue(value), allowed: DNS1123_SUBDOMAIN_RULE });
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
  /**
   * How soon a failed apply or health check is tried again (`spec.retryInterval`; Flux uses
   * `interval` when it is unset): shorter lets a fixed key recover without waiting a whole interval.
   * @default - Flux's default, the `interval`
   */
  readonly retryInterval?: string;
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
  // The Kustomization CRD (kustomize.toolkit.fluxcd.io/v1, spec.path): a path inside the source
  // whose default "translates to the root path of the SourceRef"; `flux create kustomization`
  // writes it "./"-relative. An absolute path names nothing on the cluster: it is a mistake.
  if (typeof props.path !== 'string' || props.path === '' || props.path.startsWith('/') || /\s/.test(props.path) || props.path.split('/').includes('..')) {
    problems.add({
      path: 'path',
      message: typeof props.path === 'string' && props.path.startsWith('/') ? 'must be relative to the root of the source, not absolute' : 'not a folder inside the source',
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
  if (props.retryInterval !== undefined) checkDuration(problems, 'retryInterval', props.retryInterval);
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
      ...(props.retryInterval !== undefined ? { retryInterval: props.retryInterval } : {}),
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
