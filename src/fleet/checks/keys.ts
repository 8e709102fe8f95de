// Semantic checks of each access key (on data the schema accepted), and across keys.
import { SEALED_VALUE_RULE, sealedValueProblem } from '../../constructs/access-key-source';
import { clusterExternalSecretName } from '../../constructs/platform-api-key';
import { SYSTEM_NAMESPACES, systemNamespaceReason } from '../../constructs/system-namespaces';
import { showValue } from '../../errors';
import { SealedSecretScope, sealingLabel } from '../../sealing/scope';
import { Problems, Segment } from '../problems';
import type { RawApiKey } from '../raw';
import type { FleetApiKey, FleetKeySource } from '../types';
import { quoteName, sealedPreview } from '../wording';

/** Checks that a sealed value has the shape of a Sealed Secrets seal (the check `AccessKeySource.sealed` makes too), without showing it. */
export function checkSealedValue(value: string, segments: Segment[], problems: Problems): void {
  const message = sealedValueProblem(value);
  if (message !== undefined) problems.add(segments, { message, value: sealedPreview(value), allowed: SEALED_VALUE_RULE });
}

/**
 * A key's Secret in a system or GitOps namespace: the generated Role grants `get` on the Secret of
 * that name there to every vCluster using the key, so a key named like the tool's own Secret
 * (`argocd-secret`, a Flux git credential) would hand those vClusters the tool's credentials.
 * Refused unless the key says `allowSystemNamespace: true`. `toolNamespaces` are the fleet's own
 * (argocd.namespace, flux.sourceRef.namespace) on top of the usual ones.
 */
export function checkKeyNamespace(id: string, k: RawApiKey, toolNamespaces: ReadonlyMap<string, string>, problems: Problems): void {
  if (k.allowSystemNamespace === true) return;
  // The list and its reasons are the constructs' (VClusterPlatformConnection refuses the same);
  // the fleet adds its own GitOps namespaces, which the constructs cannot know.
  const what =
    !SYSTEM_NAMESPACES.includes(k.namespace) && toolNamespaces.has(k.namespace)
      ? `this fleet's GitOps namespace (${toolNamespaces.get(k.namespace)})`
      : systemNamespaceReason(k.namespace);
  if (what === undefined) return;
  problems.add(['apiKeys', id, 'namespace'], {
    message: `${k.namespace} is ${what}: the RBAC would let every vCluster using this key read the Secret named ${k.secretName ?? 'vcluster-platform-api-key'} there, and a key named like a Secret of Kubernetes or of the tool (e.g. argocd-secret) would hand them its credentials`,
    value: showValue(k.namespace),
    allowed: 'a namespace of its own for the key (e.g. vcluster-platform), or allowSystemNamespace: true on this key if you really mean it',
  });
}

/** A value sealed for another Secret (scope and name) cannot be decrypted by the controller. */
export function checkSealedFor(k: RawApiKey, at: (...rest: Segment[]) => Segment[], secretName: string, scope: SealedSecretScope, problems: Problems): void {
  const sealedFor = k.sealed?.sealedFor;
  if (sealedFor === undefined) return;
  const expected = sealingLabel(scope, k.namespace, secretName);
  if (sealedFor === expected) return;
  problems.add(at('sealed', 'sealedFor'), {
    message: `the value was sealed for ${showValue(sealedFor)}, but with scope ${scope} this key's Secret ${k.namespace}/${secretName} needs ${showValue(expected)}; the controller could not decrypt it`,
    value: showValue(sealedFor),
    allowed: `${showValue(expected)}; re-seal with: npm run --silent seal -- --cert CERT --namespace ${k.namespace} --name ${secretName} --scope ${scope} --format fleet`,
  });
}

/** The variable of a plaintextFromEnv key must hold a key when synthesizing; its value is never shown. */
export function checkPlaintextEnv(variable: string, value: string | undefined, segments: Segment[], problems: Problems): void {
  if (value === undefined || value === '') {
    // Only the variable's name is shown: its value is the access key.
    problems.add(segments, {
      message: `environment variable ${variable} is ${value === undefined ? 'not set' : 'empty'}; it must hold the access key when synthesizing`,
      value: showValue(variable),
      allowed: `export ${variable}=<access key> before synthesizing, or another source (externalSecret, sealed)`,
    });
  } else if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    // Described, never shown: the value is the access key.
    problems.add(segments, {
      message: `the access key in environment variable ${variable} contains whitespace or control characters (a stray newline from a file or echo?)`,
      value: showValue(variable),
      allowed: `an access key without whitespace, e.g. export ${variable}="$(tr -d '[:space:]' < key.txt)"`,
    });
  }
}

/** A fan-out needs an External Secrets source (its ClusterExternalSecret name is shortened to fit ESO's finalizer). */
export function checkFanOut(k: RawApiKey, at: (...rest: Segment[]) => Segment[], source: FleetKeySource, problems: Problems): void {
  if (k.fanOut === undefined) return;
  if (source.type !== 'externalSecret') {
    problems.add(at('fanOut'), {
      message: `a ClusterExternalSecret fan-out needs an externalSecret source, but this key uses ${source.type}`,
      value: showValue(k.fanOut),
      allowed: 'leave fanOut out, or use externalSecret',
    });
  }
}

/** Which vClusters use each key (by index), and each vCluster's namespace. */
export interface KeyUsers {
  readonly byKey: ReadonlyMap<string, readonly number[]>;
  readonly namespaceOf: ReadonlyMap<number, string>;
}

/**
 * Pinned keys serve exactly one vCluster; a fanned-out key needs at least one (an empty `In`
 * selector is invalid). vClusters the schema refused may be its users: then nothing is said.
 */
export function checkKeyUsage(keys: ReadonlyMap<string, FleetApiKey>, users: KeyUsers, anyVClusterRefused: boolean, problems: Problems): void {
  for (const [id, key] of keys) {
    const using = users.byKey.get(id) ?? [];
    if (key.fanOut !== undefined && using.length === 0 && !anyVClusterRefused) {
      problems.add(['apiKeys', id, 'fanOut'], {
        message: 'a fanned-out key places its Secret in the namespaces of the vClusters using it, but no vCluster uses this key',
        value: showValue(key.fanOut),
        allowed: 'a vCluster with apiKey: ' + id + ' (or defaults.apiKey), or remove the key',
      });
    }
    if (key.instanceName !== undefined && using.length > 1) {
      const listed = using
        .slice(0, 3)
        .map((i) => problems.ref(['vclusters', i]))
        .join(', ');
      problems.add(['apiKeys', id, 'instanceName'], {
        message: `pins the key to one VirtualClusterInstance, but ${using.length} vClusters use it: ${listed}${using.length > 3 ? ', ...' : ''}`,
        value: showValue(key.instanceName),
        allowed: 'a dedicated key per vCluster, or a shared key without instanceName',
      });
    }
  }
}

/** Two keys must not write the same Secret (a fanned-out key writes one per using namespace). */
export function checkSecretCollisions(keys: ReadonlyMap<string, FleetApiKey>, rawKeys: Record<string, RawApiKey>, users: KeyUsers, problems: Problems): void {
  const secrets = new Map<string, { id: string; existing: boolean }>();
  const fanOutObjects = new Map<string, string>();
  for (const [id, key] of keys) {
    const existing = key.source.type === 'existing';
    const where = rawKeys[id]!.secretName !== undefined ? ['apiKeys', id, 'secretName'] : ['apiKeys', id];
    if (key.fanOut === 'clusterExternalSecret') {
      // The cluster-scoped ClusterExternalSecret is named after the key's namespace and secretName,
      // so two such keys with both equal are one object, whatever namespaces they fan out into.
      const name = clusterExternalSecretName(key.namespace, key.secretName);
      const other = fanOutObjects.get(name);
      if (other === undefined) {
        fanOutObjects.set(name, id);
      } else {
        problems.add(where, {
          message: `key ${quoteName(id)} is fanned out by ClusterExternalSecret ${name}, which key ${quoteName(other)} at ${problems.ref(['apiKeys', other])} writes too; the one applied last would replace the other`,
          value: showValue(key.secretName),
          allowed: 'a distinct namespace or secretName per fanned-out key, or one key shared by the vClusters',
        });
      }
    }
    const namespaces = key.fanOut === 'clusterExternalSecret' ? [...new Set((users.byKey.get(id) ?? []).map((i) => users.namespaceOf.get(i)!))].sort() : [key.namespace];
    for (const ns of namespaces) {
      const secretId = `${ns}/${key.secretName}`;
      const other = secrets.get(secretId);
      if (other === undefined) {
        secrets.set(secretId, { id, existing });
      } else if (other.id !== id && !(other.existing && existing)) {
        const how = (isExisting: boolean): string => (isExisting ? 'declares as existing' : 'writes');
        problems.add(where, {
          message: `key ${quoteName(id)} ${existing ? 'refers to' : 'writes'} Secret ${secretId}${key.fanOut ? ' (fanned out into that namespace)' : ''}, which key ${quoteName(other.id)} at ${problems.ref(['apiKeys', other.id])} ${how(other.existing)} too`,
          value: showValue(key.secretName),
          allowed: 'a distinct namespace or secretName per key, or one key shared by the vClusters',
        });
      }
    }
  }
}
