import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Problem, ProblemCollector, showValue } from '../errors';
import { Manifest } from '../constructs/platform-api-key';

/** The annotation Argo CD orders one sync by: lower waves are applied (and healthy) first; unannotated objects are wave 0. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/**
 * The wave plan for a tree that one Argo CD Application (an "app of apps") syncs.
 *
 * Argo CD applies a wave only after every object of the earlier waves is applied and healthy
 * (it has health checks for ExternalSecret and SealedSecret), so a vCluster's Application is
 * created only once its namespace, its access key and the RBAC to read it exist: the control
 * plane reads the key once, at start-up.
 *
 * - `NAMESPACES` (-2): namespaces first, everything else lives in them.
 * - `ACCESS_KEYS` (-1): Secret / ExternalSecret / ClusterExternalSecret / SealedSecret.
 * - `RBAC` (-1): Role and RoleBinding; they depend on nothing but the namespace, so they share
 *   the keys' wave instead of adding a sync step.
 * - `APPLICATIONS` (1): Applications and ApplicationSets. Wave 1 rather than 0 so that objects a
 *   user adds without an annotation (wave 0) are also in place before any vCluster starts.
 */
export const SyncWave = {
  /** Namespaces. */
  NAMESPACES: -2,
  /** Access-key Secrets and whatever produces them. */
  ACCESS_KEYS: -1,
  /** Role and RoleBinding for keys in another namespace. */
  RBAC: -1,
  /** vCluster Applications and ApplicationSets. */
  APPLICATIONS: 1,
} as const;

/** The problem with a sync wave at `path`, or `undefined` when it is an integer (Argo CD parses the annotation as one). */
export function syncWaveProblem(wave: unknown, path: string): Problem | undefined {
  if (typeof wave === 'number' && Number.isSafeInteger(wave)) return undefined;
  return { path, message: 'not a valid sync wave (Argo CD reads the annotation as an integer)', value: showValue(wave), allowed: 'an integer, e.g. -1, 0 or 1' };
}

/**
 * Annotates every `ApiObject` at or below `scope` with `argocd.argoproj.io/sync-wave: "<wave>"`
 * (an existing wave annotation is replaced: the last call wins). Use it on the key and RBAC
 * constructs so they sync before the Applications (see `SyncWave`).
 * @returns how many objects were annotated
 */
export function setSyncWave(scope: IConstruct, wave: number): number {
  const problems = new ProblemCollector();
  const problem = syncWaveProblem(wave, 'wave');
  if (problem) problems.add(problem);
  problems.throwIfAny(`setSyncWave ${scope.node.path || '<root>'}`);
  let count = 0;
  for (const c of scope.node.findAll()) {
    if (ApiObject.isApiObject(c)) {
      c.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave));
      count++;
    }
  }
  return count;
}

/**
 * The sync wave of a rendered object as Argo CD reads it: the annotation parsed as an integer,
 * else 0 (Argo CD's gitops-engine also falls back to 0 for a missing or unparsable annotation).
 */
export function syncWaveOf(manifest: Manifest): number {
  const annotations = manifest.metadata.annotations as Record<string, string> | undefined;
  const text = annotations?.[SYNC_WAVE_ANNOTATION];
  if (text === undefined) return 0;
  const wave = Number(text);
  return Number.isSafeInteger(wave) && text.trim() !== '' ? wave : 0;
}
