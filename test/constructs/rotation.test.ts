import { AccessKeySource } from '../../src/constructs/access-key-source';
import { KeyFanOut, PlatformApiKey, PlatformApiKeyProps, ROTATION_ANNOTATION } from '../../src/constructs/platform-api-key';
import { VClusterPlatformConnection } from '../../src/constructs/vcluster-platform-connection';
import { K8sObject, synth } from '../support/construct-testing';

// A new rotation token must reach External Secrets Operator, not only the vCluster pods: ESO
// refreshes an ExternalSecret at once only when its generation or its labels/annotations change
// (`shouldRefreshPeriodic`: status.syncedResourceVersion != GetResourceVersion(meta)); otherwise
// the control planes restart on the OLD key and the new one arrives at the next refreshInterval.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const TOKEN_KEY = 'cdk8s-vcluster-platform/access-key-rotation';

function props(overrides: Partial<PlatformApiKeyProps>): PlatformApiKeyProps {
  return {
    namespace: 'vcluster-platform',
    host: 'platform.example.com',
    source: AccessKeySource.externalSecret({ storeName: 'vault', remoteKey: 'platform/key', remoteProperty: 'accessKey' }),
    ...overrides,
  };
}

function build(overrides: Partial<PlatformApiKeyProps>): { objects: K8sObject[]; connection: VClusterPlatformConnection } {
  let connection: VClusterPlatformConnection | undefined;
  const { objects } = synth((chart) => {
    const key = new PlatformApiKey(chart, 'key', props(overrides));
    connection = new VClusterPlatformConnection(chart, 'vc', { release: 'team-a', namespace: 'team-a', vclusterVersion: '0.36.1', apiKey: key });
  });
  return { objects, connection: connection! };
}

function podAnnotations(connection: VClusterPlatformConnection): Json {
  return (connection.values as Json).controlPlane?.statefulSet?.pods?.annotations;
}

describe('rotation token: ESO fetches the new key before the control planes roll', () => {
  test('the annotation key is the one the pods carry', () => {
    expect(ROTATION_ANNOTATION).toBe(TOKEN_KEY);
  });

  test('ExternalSecret: the token is an annotation of the ExternalSecret and of the pods', () => {
    const { objects, connection } = build({ rotation: '2026-12-01' });
    const es = objects.find((o) => o.kind === 'ExternalSecret')!;
    expect(es).toMatchSnapshot();
    expect(es.metadata.annotations![TOKEN_KEY]).toBe('2026-12-01');
    expect(podAnnotations(connection)).toEqual({ [TOKEN_KEY]: '2026-12-01' });
  });

  test('a new token changes the ExternalSecret (what makes ESO refresh), nothing else of it', () => {
    const before = build({ rotation: '2026-11-01' }).objects.find((o) => o.kind === 'ExternalSecret')!;
    const after = build({ rotation: '2026-12-01' }).objects.find((o) => o.kind === 'ExternalSecret')!;
    expect(after.metadata.annotations![TOKEN_KEY]).not.toBe(before.metadata.annotations![TOKEN_KEY]);
    expect({ ...after, metadata: { ...after.metadata, annotations: {} } }).toEqual({ ...before, metadata: { ...before.metadata, annotations: {} } });
  });

  test('no token: no rotation annotation anywhere', () => {
    const { objects, connection } = build({});
    expect(JSON.stringify(objects)).not.toContain(TOKEN_KEY);
    expect(podAnnotations(connection)).toBeUndefined();
  });

  test('ClusterExternalSecret: the token goes to spec.externalSecretMetadata.annotations, which ESO copies onto every ExternalSecret it creates', () => {
    const { objects } = build({ rotation: '2026-12-01', fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET });
    const ces = objects.find((o) => o.kind === 'ClusterExternalSecret')!;
    expect(ces).toMatchSnapshot();
    expect((ces.spec as Json).externalSecretMetadata).toEqual({ annotations: { [TOKEN_KEY]: '2026-12-01' } });
    // Not on the ClusterExternalSecret itself: its own annotations never reach the ExternalSecrets.
    expect(ces.metadata.annotations![TOKEN_KEY]).toBeUndefined();
    const without = build({ fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET }).objects.find((o) => o.kind === 'ClusterExternalSecret')!;
    expect((without.spec as Json).externalSecretMetadata).toBeUndefined();
  });

  test.each([
    ['sealed', AccessKeySource.sealed({ encryptedAccessKey: Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(298, 7)]).toString('base64') })],
    ['plaintext', AccessKeySource.literal('test-only-access-key', { allowPlaintext: true })],
  ])('%s: the new key is in git itself, so the token only rolls the pods', (_case, source) => {
    const { objects, connection } = build({ rotation: '2026-12-01', source, instanceName: undefined });
    expect(JSON.stringify(objects)).not.toContain(TOKEN_KEY);
    expect(podAnnotations(connection)).toEqual({ [TOKEN_KEY]: '2026-12-01' });
  });
});
