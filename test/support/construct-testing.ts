import { App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { Problem, ValidationError } from '../../src/errors';
import { AccessKeySource } from '../../src/constructs/access-key-source';
import { PlatformApiKey, PlatformApiKeyProps } from '../../src/constructs/platform-api-key';
import { VClusterPlatformConnection } from '../../src/constructs/vcluster-platform-connection';
import { HAVE_SHARED } from './shared';
import { validateAgainstCrd } from './crd';

/** A synthesized Kubernetes object, loosely typed for asserts. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Builds a chart, synthesizes it and returns its objects; every custom resource in the output is
 * checked against its CRD here, so no test can emit one that the cluster would reject.
 */
export function synth(build: (chart: Chart) => void): { app: App; objects: K8sObject[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'test');
  build(chart);
  const objects = Testing.synth(chart) as K8sObject[];
  if (HAVE_SHARED) {
    for (const o of objects) {
      if (o.apiVersion === 'v1' || o.apiVersion.startsWith('rbac.authorization.k8s.io/')) continue;
      expect({ object: `${o.kind} ${o.metadata.name}`, problems: validateAgainstCrd(o) }).toEqual({ object: `${o.kind} ${o.metadata.name}`, problems: [] });
    }
  }
  return { app, objects };
}

/** Runs `fn`, which must throw a ValidationError, and returns its problems. */
export function problemsOf(fn: () => unknown): { problems: readonly Problem[]; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return { problems: e.problems, message: e.message };
    throw e;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

/** The namespace of the existing key `connectionThroughExistingKey` uses. */
export const EXISTING_KEY_NS = 'platform-keys';

/** A chart with readable object names. */
export function newChart(): Chart {
  return new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
}

/** A connection through an existing key in another namespace (so STATIC RBAC is emitted). */
export function connectionThroughExistingKey(scope: Construct, release: string, namespace: string, vclusterVersion = '0.36.1'): VClusterPlatformConnection {
  return new VClusterPlatformConnection(scope, `conn-${namespace}-${release}`, {
    release,
    namespace,
    vclusterVersion,
    apiKey: PlatformApiKey.fromSecretName('vcluster-platform-api-key', EXISTING_KEY_NS),
  });
}

/** The objects of one kind. */
export function byKind<T extends { kind: string }>(objects: readonly T[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind);
}

/** A key in `vcluster-platform` fetched by an ExternalSecret; `overrides` change any prop. */
export function externalSecretKey(scope: Construct, id = 'key', overrides: Partial<PlatformApiKeyProps> = {}): PlatformApiKey {
  return new PlatformApiKey(scope, id, {
    namespace: 'vcluster-platform',
    host: 'platform.example.com',
    source: AccessKeySource.externalSecret({ storeName: 'platform-store', remoteKey: 'vcluster-platform/access-key' }),
    ...overrides,
  });
}
