import { createHash } from 'crypto';
import { Chart, Testing } from 'cdk8s';
import { isDns1123Subdomain } from '../../src/constructs/names';
import { AccessKeySource, AccessKeySourceType, SecretStoreKind } from '../../src/constructs/access-key-source';
import {
  DEFAULT_API_KEY_SECRET_NAME,
  KeyFanOut,
  PlatformApiKey,
  PlatformApiKeyProps,
  renderClusterExternalSecret,
  renderExternalSecret,
  renderPlainSecret,
  renderSealedSecret,
} from '../../src/constructs/platform-api-key';
import { SealedSecretScope } from '../../src/sealing/scope';
import { RbacMode } from '../../src/constructs/rbac-mode';
import { VClusterPlatformConnection } from '../../src/constructs/vcluster-platform-connection';
import { Warnings } from '../../src/constructs/warnings';
import { K8sObject, problemsOf, synth } from '../support/construct-testing';
import { describeShared } from '../support/shared';
import * as path from 'path';
import { CRD_DIR, hasCrdFor, indexedCrdFiles, openApiToJsonSchema, validateAgainstCrd } from '../support/crd';
import { describeKubectl, kubectlSecret } from '../support/kubectl';

// ---------------------------------------------------------------------------------------------
// Fixtures: obviously fake values only.

/** Stands in for an access key; outputs and messages are checked not to leak it where they must not. */
const ACCESS_KEY = 'test-only-access-key-5c1e0b';
const HOST = 'platform.example.com';

/** Base64 of a 300-byte pattern: shaped like a sealed value (2 + 256 + 16 bytes and more), not one. */
// Shaped like a seal (a 2-byte length of 256, a 256-byte RSA block, then AES-GCM bytes); not a real one.
const SEALED_VALUE = Buffer.from([1, 0, ...Array.from({ length: 298 }, (_, i) => ((i + 2) * 37 + 11) % 256)]).toString('base64');

/** A syntactically valid PEM block whose body is test text, not a certificate. */
const CA_PEM = [
  '-----BEGIN CERTIFICATE-----',
  ...(Buffer.from('test-only CA data for cdk8s-vcluster-platform, not a real certificate!!')
    .toString('base64')
    .match(/.{1,64}/g) ?? []),
  '-----END CERTIFICATE-----',
  '',
].join('\n');

/** Marker text inside a fake private key: no error message may contain it. */
const PRIVATE_KEY_MARKER = 'TESTONLYPRIVATEKEYMATERIALxyz0123456789';
const PRIVATE_KEY_PEM = `-----BEGIN PRIVATE KEY-----\n${PRIVATE_KEY_MARKER}\n-----END PRIVATE KEY-----\n`;

/**
 * Every object holding a key survives pruning and the deletion of what applied it: Argo CD
 * `Prune=false,Delete=false` (Delete=false is what stops `argocd app delete`'s cascade), Flux
 * `kustomize.toolkit.fluxcd.io/prune: disabled`. Written out here, not imported from src/.
 */
const RETAIN = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };

/** ESO < 2.9 defaults these inside remoteRef; written so Argo CD does not show the ExternalSecret OutOfSync. */
const REMOTE_REF_DEFAULTS = { conversionStrategy: 'Default', decodingStrategy: 'None', metadataPolicy: 'None' };

/** Synthesized JSON, poked into by path; `any` keeps these lookups readable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function keyProps(overrides: Partial<PlatformApiKeyProps> = {}): PlatformApiKeyProps {
  return {
    namespace: 'vcluster-platform',
    host: HOST,
    source: AccessKeySource.externalSecret({ storeName: 'platform-store', remoteKey: 'vcluster-platform/access-key' }),
    ...overrides,
  };
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

// ---------------------------------------------------------------------------------------------

describe('AccessKeySource.externalSecret', () => {
  test.each(['0', '0s'])('refreshInterval %p (External Secrets fetches once, never refreshes) is accepted and passed through', (refreshInterval) => {
    const { objects } = synth((chart) => {
      new PlatformApiKey(chart, 'key', keyProps({ source: AccessKeySource.externalSecret({ storeName: 'vault', remoteKey: 'k', refreshInterval }) }));
    });
    expect((objects[0]!.spec as Json).refreshInterval).toBe(refreshInterval);
  });

  test.each([
    {
      name: 'ClusterSecretStore by default, whole remote value, refresh 1h',
      options: { storeName: 'platform-store', remoteKey: 'vcluster-platform/access-key' },
      storeKind: 'ClusterSecretStore',
      remoteRef: { key: 'vcluster-platform/access-key' },
      refreshInterval: '1h',
    },
    {
      name: 'SecretStore with a property and a refresh interval',
      options: { storeKind: SecretStoreKind.SECRET_STORE, storeName: 'vault', remoteKey: 'kv/platform', remoteProperty: 'accessKey', refreshInterval: '15m' },
      storeKind: 'SecretStore',
      remoteRef: { key: 'kv/platform', property: 'accessKey' },
      refreshInterval: '15m',
    },
    {
      name: 'ClusterSecretStore with a property and a compound duration',
      options: { storeKind: SecretStoreKind.CLUSTER_SECRET_STORE, storeName: 'aws-sm', remoteKey: 'prod/platform', remoteProperty: 'key', refreshInterval: '1h30m' },
      storeKind: 'ClusterSecretStore',
      remoteRef: { key: 'prod/platform', property: 'key' },
      refreshInterval: '1h30m',
    },
  ])('$name', ({ options, storeKind, remoteRef, refreshInterval }) => {
    const { objects } = synth((chart) => {
      new PlatformApiKey(chart, 'key', keyProps({ source: AccessKeySource.externalSecret(options), project: 'team-x' }));
    });
    expect(objects).toMatchSnapshot();

    expect(objects).toHaveLength(1);
    const es = objects[0]!;
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.kind).toBe('ExternalSecret');
    expect(es.metadata).toEqual({ name: DEFAULT_API_KEY_SECRET_NAME, namespace: 'vcluster-platform', annotations: RETAIN });
    const spec = es.spec as Json;
    expect(spec.secretStoreRef).toEqual({ kind: storeKind, name: options.storeName });
    expect(spec.refreshInterval).toBe(refreshInterval);
    expect(spec.data).toEqual([{ secretKey: 'accessKey', remoteRef: { ...remoteRef, ...REMOTE_REF_DEFAULTS } }]);
    expect(spec.target.name).toBe(DEFAULT_API_KEY_SECRET_NAME);
    expect(spec.target.template.engineVersion).toBe('v2');
    // The non-secret keys are static template data, exactly as vCluster's CLI writes them.
    expect(spec.target.template.data).toEqual({
      accessKey: '{{ .accessKey }}',
      certificateAuthorityData: '',
      host: HOST,
      insecure: 'false',
      project: 'team-x',
    });
  });

  test('carries instanceName, insecure and CA data as template data; a custom secretName names both objects', () => {
    const { objects } = synth((chart) => {
      new PlatformApiKey(
        chart,
        'key',
        keyProps({ secretName: 'platform-key', instanceName: 'team-a', insecure: true, certificateAuthorityData: CA_PEM, host: 'https://platform.example.com:8443' }),
      );
    });
    expect(objects).toMatchSnapshot();
    const spec = objects[0]!.spec as Json;
    expect(objects[0]!.metadata.name).toBe('platform-key');
    expect(spec.target.name).toBe('platform-key');
    expect(spec.target.template.data).toEqual({
      accessKey: '{{ .accessKey }}',
      certificateAuthorityData: CA_PEM,
      host: 'platform.example.com:8443',
      insecure: 'true',
      name: 'team-a',
      project: 'default',
    });
  });
});

describe('AccessKeySource.sealed', () => {
  test.each([
    { scope: undefined, annotations: undefined },
    { scope: SealedSecretScope.STRICT, annotations: undefined },
    { scope: SealedSecretScope.NAMESPACE_WIDE, annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' } },
    { scope: SealedSecretScope.CLUSTER_WIDE, annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } },
  ])('scope $scope', ({ scope, annotations }) => {
    const { objects } = synth((chart) => {
      new PlatformApiKey(chart, 'key', keyProps({ namespace: 'payments', instanceName: 'payments', source: AccessKeySource.sealed({ encryptedAccessKey: SEALED_VALUE, scope }) }));
    });
    expect(objects).toMatchSnapshot();

    expect(objects).toHaveLength(1);
    const ss = objects[0]!;
    expect(ss.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(ss.kind).toBe('SealedSecret');
    // The controller reads the scope from the SealedSecret's OWN metadata.
    expect(ss.metadata.annotations).toEqual({ ...RETAIN, ...annotations });
    expect(ss.metadata).toMatchObject({ name: DEFAULT_API_KEY_SECRET_NAME, namespace: 'payments' });
    const spec = ss.spec as Json;
    expect(spec.encryptedData).toEqual({ accessKey: SEALED_VALUE });
    // The unsealed Secret is owned by the SealedSecret (kept with it), not applied by a GitOps tool: no sync options.
    expect(spec.template.metadata.annotations).toEqual(annotations);
    expect(spec.template.type).toBe('Opaque');
    expect(spec.template.data).toEqual({ certificateAuthorityData: '', host: HOST, insecure: 'false', name: 'payments', project: 'default' });
    expect(JSON.stringify(spec.template)).not.toContain(SEALED_VALUE);
  });
});

describe('plaintext sources: literal and fromEnv', () => {
  test.each([
    { name: 'literal', source: () => AccessKeySource.literal(ACCESS_KEY, { allowPlaintext: true }) },
    { name: 'fromEnv', source: () => AccessKeySource.fromEnv('PLATFORM_ACCESS_KEY', { allowPlaintext: true, env: { PLATFORM_ACCESS_KEY: ACCESS_KEY } }) },
  ])('$name: a plain Opaque Secret with base64 data, and a plaintext warning', ({ source }) => {
    const { app, objects } = synth((chart) => {
      new PlatformApiKey(chart, 'key', keyProps({ namespace: 'team-a', source: source() }));
    });
    expect(objects).toMatchSnapshot();

    expect(source().type).toBe(AccessKeySourceType.PLAINTEXT);
    expect(objects).toHaveLength(1);
    const secret = objects[0]!;
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: DEFAULT_API_KEY_SECRET_NAME, namespace: 'team-a', annotations: RETAIN },
      type: 'Opaque',
      data: {
        accessKey: base64(ACCESS_KEY),
        certificateAuthorityData: '',
        host: base64(HOST),
        insecure: base64('false'),
        project: base64('default'),
      },
    });
    const warnings = Warnings.collect(app);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/plaintext/);
    expect(warnings[0]).toContain(`team-a/${DEFAULT_API_KEY_SECRET_NAME}`);
    expect(warnings[0]).not.toContain(ACCESS_KEY);
  });

  test('externalSecret and sealed sources record no warning', () => {
    const { app } = synth((chart) => {
      new PlatformApiKey(chart, 'es', keyProps());
      new PlatformApiKey(chart, 'sealed', keyProps({ namespace: 'payments', source: AccessKeySource.sealed({ encryptedAccessKey: SEALED_VALUE }) }));
    });
    expect(Warnings.collect(app)).toEqual([]);
  });

  test('labels land on the Secret', () => {
    const { objects } = synth((chart) => {
      new PlatformApiKey(chart, 'key', keyProps({ labels: { team: 'a' }, source: AccessKeySource.literal(ACCESS_KEY, { allowPlaintext: true }) }));
    });
    expect(objects[0]!.metadata.labels).toEqual({ team: 'a' });
  });
});

describeKubectl('oracle: the plain Secret is what kubectl create secret generic writes', () => {
  test.each([
    { name: 'minimal', props: {}, entries: { certificateAuthorityData: '', host: HOST, insecure: 'false', project: 'default' } },
    {
      name: 'with instanceName and CA data',
      props: { instanceName: 'team-a', certificateAuthorityData: CA_PEM, insecure: true, project: 'team-x', secretName: 'team-a-platform-key' },
      entries: { certificateAuthorityData: CA_PEM, host: HOST, insecure: 'true', name: 'team-a', project: 'team-x' },
    },
  ])('$name', ({ props, entries }) => {
    const secretName = (props as { secretName?: string }).secretName ?? DEFAULT_API_KEY_SECRET_NAME;
    const { objects } = synth((chart) => {
      new PlatformApiKey(chart, 'key', keyProps({ namespace: 'team-a', ...props, source: AccessKeySource.literal(ACCESS_KEY, { allowPlaintext: true }) }));
    });
    // Entries given to kubectl in a scrambled order: kubectl sorts, and so must we.
    const scrambled = Object.fromEntries(Object.entries({ accessKey: ACCESS_KEY, ...entries }).reverse());
    // kubectl writes the data; the retention annotations are ours.
    const fromKubectl = kubectlSecret(secretName, 'team-a', scrambled);
    const expected: Json = { ...fromKubectl, metadata: { ...(fromKubectl.metadata as object), annotations: RETAIN } };
    expect(objects).toEqual([expected]);
    // toEqual ignores key order; kubectl writes data keys sorted, and so must we (byte-stable output).
    expect(Object.keys(objects[0]!.data as object)).toEqual(Object.keys(expected.data as object));
    expect(Object.keys(expected.data as object)).toEqual([...Object.keys(expected.data as object)].sort());

    // The pure render function gives the same object.
    const key = new PlatformApiKey(
      new Chart(Testing.app(), 'pure'),
      'key',
      keyProps({ namespace: 'team-a', ...props, source: AccessKeySource.literal(ACCESS_KEY, { allowPlaintext: true }) }),
    );
    expect(renderPlainSecret({ secretName: key.secretName, namespace: key.namespace, data: key.data }, ACCESS_KEY)).toEqual(expected);
  });
});

describe('PlatformApiKey.fromSecretName', () => {
  test('emits nothing and can still be referenced by a vCluster', () => {
    const { app, objects } = synth((chart) => {
      const existing = PlatformApiKey.fromSecretName('platform-key', 'vcluster-platform');
      expect(existing.secretName).toBe('platform-key');
      expect(existing.namespace).toBe('vcluster-platform');
      expect(existing.secretNamespaceFor('team-a')).toBe('vcluster-platform');
      const conn = new VClusterPlatformConnection(chart, 'team-a', { release: 'team-a', namespace: 'team-a', vclusterVersion: '0.36.1', apiKey: existing });
      expect(conn.values).toEqual({ platform: { apiKey: { secretName: 'platform-key', namespace: 'vcluster-platform', createRBAC: false } } });
    });
    expect(objects).toMatchSnapshot();
    // Only the RBAC for the cross-namespace read: no Secret, ExternalSecret or SealedSecret.
    expect(objects.map((o) => o.kind)).toEqual(['Role', 'RoleBinding']);
    expect(Warnings.collect(app)).toEqual([]);
  });

  test.each([
    ['secretName', 'Bad_Name', 'vcluster-platform', ['secretName']],
    ['namespace', 'platform-key', 'not.a.label', ['namespace']],
    ['both', '', '', ['secretName', 'namespace']],
  ])('fails on a bad %s, listing every problem', (_case, secretName, namespace, paths) => {
    const { problems, message } = problemsOf(() => PlatformApiKey.fromSecretName(secretName, namespace));
    expect(problems.map((p) => p.path)).toEqual(paths);
    expect(message).toMatch(/^PlatformApiKey\.fromSecretName: /);
    for (const p of problems) expect(p.value).toBeDefined();
  });
});

describe('KeyFanOut.CLUSTER_EXTERNAL_SECRET', () => {
  test("one ClusterExternalSecret selecting the consumers' namespaces (sorted, deduplicated), and no RBAC", () => {
    let key: PlatformApiKey | undefined;
    const { objects, app } = synth((chart) => {
      key = new PlatformApiKey(
        chart,
        'shared',
        keyProps({
          fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET,
          source: AccessKeySource.externalSecret({ storeName: 'platform-store', remoteKey: 'platform/key', refreshInterval: '30m' }),
        }),
      );
      for (const [release, namespace] of [
        ['team-c', 'team-c'],
        ['team-a', 'team-a'],
        ['team-b', 'team-b'],
        ['team-a-2', 'team-a'],
      ]) {
        const conn = new VClusterPlatformConnection(chart, release!, { release: release!, namespace: namespace!, vclusterVersion: '0.36.1', apiKey: key });
        // The Secret is placed in the vCluster's own namespace: nothing to read across namespaces.
        expect(conn.secretNamespace).toBe(namespace);
        expect(conn.values).toEqual({ platform: { apiKey: { secretName: DEFAULT_API_KEY_SECRET_NAME, namespace, createRBAC: false } } });
      }
    });
    expect(objects).toMatchSnapshot();

    expect(objects.map((o) => o.kind)).toEqual(['ClusterExternalSecret']);
    const ces = objects[0]!;
    expect(ces.apiVersion).toBe('external-secrets.io/v1');
    // Cluster-scoped, so named <key namespace>.<secretName>: two teams' keys never share a name.
    expect(ces.metadata).toEqual({ name: `vcluster-platform.${DEFAULT_API_KEY_SECRET_NAME}`, annotations: RETAIN });
    const spec = ces.spec as Json;
    expect(spec.namespaceSelectors).toEqual([{ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['team-a', 'team-b', 'team-c'] }] }]);
    expect(spec.externalSecretName).toBe(DEFAULT_API_KEY_SECRET_NAME);
    expect(spec.refreshTime).toBe('30m');
    expect(spec.externalSecretSpec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'platform-store' });
    expect(spec.externalSecretSpec.target.name).toBe(DEFAULT_API_KEY_SECRET_NAME);
    expect(key!.secretNamespaceFor('anything')).toBe('anything');
    expect(Warnings.collect(app)).toEqual([]);
  });

  test('a fan-out key that no vCluster uses never emits an empty `In` selector (ESO rejects it)', () => {
    // An `In` requirement with no values is invalid (labels.NewRequirement: "values set can't be
    // empty"), so the ClusterExternalSecret would fail in the cluster. Either refusing the input or
    // emitting no ClusterExternalSecret is fine; emitting `values: []` is not.
    let objects: K8sObject[] = [];
    try {
      objects = synth((chart) => {
        new PlatformApiKey(chart, 'unused', keyProps({ fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET }));
      }).objects;
    } catch (e) {
      expect(String(e)).toMatch(/no vCluster|unused|consumer/i);
      return;
    }
    const selectors = objects
      .filter((o) => o.kind === 'ClusterExternalSecret')
      .flatMap((o) => (o.spec as Json).namespaceSelectors as Array<{ matchExpressions: Array<{ operator: string; values: string[] }> }>)
      .flatMap((sel) => sel.matchExpressions);
    expect(selectors.filter((m) => m.operator === 'In' && m.values.length === 0)).toEqual([]);
  });

  test('two fanned-out keys with the default secretName: two ClusterExternalSecrets of distinct names', () => {
    const { objects } = synth((chart) => {
      for (const team of ['team-a', 'team-b']) {
        const key = new PlatformApiKey(chart, team, keyProps({ namespace: `keys-${team}`, fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET }));
        new VClusterPlatformConnection(chart, `vc-${team}`, { release: team, namespace: team, vclusterVersion: '0.36.1', apiKey: key });
      }
    });
    expect(objects.map((o) => o.metadata.name)).toEqual([`keys-team-a.${DEFAULT_API_KEY_SECRET_NAME}`, `keys-team-b.${DEFAULT_API_KEY_SECRET_NAME}`]);
    expect(objects.map((o) => (o.spec as Json).externalSecretName)).toEqual([DEFAULT_API_KEY_SECRET_NAME, DEFAULT_API_KEY_SECRET_NAME]);
  });

  test.each([
    ['59 characters: kept', 'n'.repeat(30), 's'.repeat(28), undefined],
    ['60 characters: shortened', 'n'.repeat(30), 's'.repeat(29), `${'n'.repeat(30)}.${'s'.repeat(15)}`],
    ['a cut ending in the dot: the dot is dropped', 'n'.repeat(45), 's'.repeat(40), 'n'.repeat(45)],
    ['253 characters and more', 'n'.repeat(60), 's'.repeat(200), 'n'.repeat(46)],
  ])("the ClusterExternalSecret name fits ESO's namespace finalizer ces-<name> (at most 63): %s", (_case, namespace, secretName, prefix) => {
    const full = `${namespace}.${secretName}`;
    const { objects } = synth((chart) => {
      const key = new PlatformApiKey(chart, 'k', keyProps({ namespace, secretName, fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET }));
      new VClusterPlatformConnection(chart, 'vc', { release: 'a', namespace: 'a', vclusterVersion: '0.36.1', apiKey: key });
    });
    const name = objects[0]!.metadata.name;
    expect(`ces-${name}`.length).toBeLessThanOrEqual(63);
    if (prefix === undefined) {
      expect(name).toBe(full);
    } else {
      // Shortened as Flux shortens release names: a prefix, '-', 12 hex of the SHA-256 of the full name.
      expect(name).toBe(`${prefix}-${createHash('sha256').update(full).digest('hex').slice(0, 12)}`);
    }
    expect(isDns1123Subdomain(name)).toBe(true);
    // The ExternalSecrets it creates, and the Secret, keep the key's secretName.
    expect((objects[0]!.spec as Json).externalSecretName).toBe(secretName);
  });

  test('CHART mode on a broken chart needs no fallback: the key is in the vCluster namespace', () => {
    const { app, objects } = synth((chart) => {
      const key = new PlatformApiKey(chart, 'shared', keyProps({ fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET }));
      const conn = new VClusterPlatformConnection(chart, 'old', { release: 'old', namespace: 'old', vclusterVersion: '0.23.2', apiKey: key, rbac: RbacMode.CHART });
      expect(conn.rbac).toBe(RbacMode.CHART);
    });
    expect(objects.map((o) => o.kind)).toEqual(['ClusterExternalSecret']);
    expect(Warnings.collect(app)).toEqual([]);
  });
});

describeShared('the CRD validator (test/support/crd.ts) cannot silently pass', () => {
  function validExternalSecret(): Json {
    const key = new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps());
    return renderExternalSecret({ secretName: key.secretName, namespace: key.namespace, data: key.data }, key.source as never) as Json;
  }

  test('every kind this library emits has a CRD, and the rendered objects pass', () => {
    const key = new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps());
    const resolved = { secretName: key.secretName, namespace: key.namespace, data: key.data };
    const rendered = [
      renderExternalSecret(resolved, key.source as never),
      renderClusterExternalSecret(resolved, key.source as never, ['team-a']),
      renderSealedSecret(resolved, SEALED_VALUE, SealedSecretScope.CLUSTER_WIDE),
    ];
    for (const m of rendered) {
      expect(hasCrdFor(m)).toBe(true);
      expect(validateAgainstCrd(m)).toEqual([]);
    }
  });

  test.each([
    {
      name: 'an unknown field in spec',
      mutate: (o: Json) => {
        o.spec.refreshEvery = '1h';
      },
      expected: /\/spec: .*unknown field "refreshEvery"/,
    },
    {
      name: 'an unknown field deep inside the template',
      mutate: (o: Json) => {
        o.spec.target.template.engine = 'v2';
      },
      expected: /\/spec\/target\/template: .*unknown field "engine"/,
    },
    {
      name: 'a wrong type',
      mutate: (o: Json) => {
        o.spec.data[0].remoteRef.key = 42;
      },
      expected: /\/spec\/data\/0\/remoteRef\/key: must be string/,
    },
    {
      name: 'a value outside an enum',
      mutate: (o: Json) => {
        o.spec.secretStoreRef.kind = 'VaultStore';
      },
      expected: /\/spec\/secretStoreRef\/kind: must be equal to one of the allowed values/,
    },
    {
      name: 'the unserved v1beta1',
      mutate: (o: Json) => {
        o.apiVersion = 'external-secrets.io/v1beta1';
      },
      expected: /version v1beta1 of ExternalSecret is not served \(served: v1\)/,
    },
    {
      name: 'an undeclared version',
      mutate: (o: Json) => {
        o.apiVersion = 'external-secrets.io/v2';
      },
      expected: /version v2 of ExternalSecret is not declared/,
    },
    {
      name: 'an unknown kind',
      mutate: (o: Json) => {
        o.kind = 'ExternalSecrets';
      },
      expected: /no CRD for kind ExternalSecrets/,
    },
    {
      name: 'metadata without a name',
      mutate: (o: Json) => {
        delete o.metadata.name;
      },
      expected: /\/metadata: must have required property 'name'/,
    },
    {
      name: 'a non-string label value',
      mutate: (o: Json) => {
        o.metadata.labels = { team: 1 };
      },
      expected: /\/metadata\/labels\/team: must be string/,
    },
  ])('fails on $name', ({ mutate, expected }) => {
    const o = validExternalSecret();
    expect(validateAgainstCrd(o)).toEqual([]);
    mutate(o);
    const problems = validateAgainstCrd(o);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(expected);
  });

  test('fails on a SealedSecret value of the wrong type and lists every problem at once', () => {
    const key = new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps());
    const ss = renderSealedSecret({ secretName: key.secretName, namespace: key.namespace, data: key.data }, SEALED_VALUE, SealedSecretScope.STRICT) as Json;
    ss.spec.encryptedData.accessKey = 7;
    ss.spec.template.type = ['Opaque'];
    ss.spec.extra = true;
    const problems = validateAgainstCrd(ss);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/spec\/encryptedData\/accessKey: must be string/),
        expect.stringMatching(/^\/spec\/template\/type: must be string/),
        expect.stringMatching(/^\/spec: .*unknown field "extra"/),
      ]),
    );
  });

  test('honours x-kubernetes-preserve-unknown-fields and nullable', () => {
    const key = new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps());
    const ss = renderSealedSecret({ secretName: key.secretName, namespace: key.namespace, data: key.data }, SEALED_VALUE, SealedSecretScope.STRICT) as Json;
    ss.spec.template.metadata.somethingNew = { kept: true }; // preserve-unknown-fields
    ss.spec.template.data = null; // nullable
    expect(validateAgainstCrd(ss)).toEqual([]);
  });

  test('openApiToJsonSchema: closed objects, preserve-unknown-fields, int-or-string, nullable, formats', () => {
    expect(
      openApiToJsonSchema({
        type: 'object',
        properties: {
          closed: { type: 'object', properties: { a: { type: 'string', format: 'byte' } } },
          open: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
          map: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'granular' },
          port: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
          maybe: { type: 'string', nullable: true, format: 'uri-ish' },
          properties: { type: 'integer', format: 'int32', default: 3 },
        },
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        closed: { type: 'object', additionalProperties: false, properties: { a: { type: 'string', format: 'byte' } } },
        open: { type: 'object', properties: { a: { type: 'string' } } },
        map: { type: 'object', additionalProperties: { type: 'string' } },
        port: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
        maybe: { type: ['string', 'null'] },
        properties: { type: 'integer', format: 'int32', default: 3 },
      },
    });
  });

  test('the fast look-up index names every CRD file by its group and kind', () => {
    const index = indexedCrdFiles();
    expect([...index.keys()].sort()).toEqual([
      'argoproj.io/Application',
      'argoproj.io/ApplicationSet',
      'bitnami.com/SealedSecret',
      'external-secrets.io/ClusterExternalSecret',
      'external-secrets.io/ExternalSecret',
      'helm.toolkit.fluxcd.io/HelmRelease',
      'kustomize.toolkit.fluxcd.io/Kustomization',
      'source.toolkit.fluxcd.io/HelmRepository',
    ]);
    for (const [key, file] of index) {
      expect(path.dirname(file)).toBe(CRD_DIR);
      expect(path.basename(file).startsWith(`${key.split('/')[0]}_`)).toBe(true);
    }
  });

  test.each([[null], ['text'], [[]], [{ kind: 'ExternalSecret' }]])('fails on the non-manifest %p', (value) => {
    expect(validateAgainstCrd(value)).not.toEqual([]);
  });
});

describe('fails on invalid input', () => {
  test.each([
    ['http://platform.example.com', /plain http:\/\/ is not allowed/],
    ['ftp://platform.example.com', /only the https:\/\/ scheme/],
    ['platform.example.com/loft', /path, query or fragment/],
    ['https://platform.example.com/loft/', /path, query or fragment/],
    ['platform.example.com?tenant=a', /path, query or fragment/],
    ['platform.example.com#top', /path, query or fragment/],
    ['platform example.com', /spaces/],
    ['platform.example.com\n', /spaces or line breaks/],
    ['admin:pw@platform.example.com', /user information/],
    ['localhost:8080', /loopback/],
    ['127.0.0.1:9898', /loopback/],
    ['[::1]:443', /loopback/],
    ['platform.example.com:0', /port must be between 1 and 65535/],
    ['platform.example.com:65536', /port must be between 1 and 65535/],
    ['platform.example.com:123456', /not a valid host name/],
    ['platform.example.com:', /not a valid host name/],
    ['-platform.example.com', /not a valid host name/],
    ['', /required/],
  ])('fails on host %j', (host, message) => {
    const { problems } = problemsOf(() => new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps({ host })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'host', value: JSON.stringify(host) });
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.allowed).toBeDefined();
  });

  test.each([
    ['https://platform.example.com', 'platform.example.com'],
    ['HTTPS://platform.example.com/', 'platform.example.com'],
    ['platform.example.com:8443', 'platform.example.com:8443'],
    ['10.0.0.5', '10.0.0.5'],
    ['[2001:db8::1]:443', '[2001:db8::1]:443'],
  ])('accepts host %j as %j', (host, expected) => {
    const key = new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps({ host }));
    expect(key.host).toBe(expected);
    expect(key.data.host).toBe(expected);
  });

  const sealedShort = Buffer.alloc(100, 7).toString('base64');
  test.each<[string, Partial<PlatformApiKeyProps>, string, string | undefined, RegExp]>([
    ['namespace', { namespace: 'Team-A' }, 'namespace', '"Team-A"', /not a valid namespace/],
    ['namespace (missing)', { namespace: undefined as unknown as string }, 'namespace', 'undefined', /not a valid namespace/],
    ['secretName', { secretName: 'bad_name' }, 'secretName', '"bad_name"', /not a valid Secret name/],
    ['project', { project: 'Default' }, 'project', '"Default"', /not a valid platform project name/],
    ['project (empty)', { project: '' }, 'project', '""', /not a valid platform project name/],
    ['instanceName', { instanceName: 'team.a' }, 'instanceName', '"team.a"', /not a valid VirtualClusterInstance name/],
    ['rotation', { rotation: 'rotated on monday' }, 'rotation', '"rotated on monday"', /not a valid rotation token/],
    ['rotation (empty)', { rotation: '' }, 'rotation', '""', /not a valid rotation token/],
    ['insecure', { insecure: 'yes' as unknown as boolean }, 'insecure', '"yes"', /must be a boolean/],
    ['certificateAuthorityData', { certificateAuthorityData: 'not a certificate' }, 'certificateAuthorityData', '17 characters', /is not PEM certificate data/],
    [
      'store kind',
      { source: AccessKeySource.externalSecret({ storeName: 'x', remoteKey: 'k', storeKind: 'VaultStore' as SecretStoreKind }) },
      'source.storeKind',
      '"VaultStore"',
      /unknown store kind/,
    ],
    ['store name', { source: AccessKeySource.externalSecret({ storeName: 'My Store', remoteKey: 'k' }) }, 'source.storeName', '"My Store"', /must name a SecretStore/],
    ['remote key', { source: AccessKeySource.externalSecret({ storeName: 'x', remoteKey: '  ' }) }, 'source.remoteKey', '"  "', /non-empty key/],
    ['remote property', { source: AccessKeySource.externalSecret({ storeName: 'x', remoteKey: 'k', remoteProperty: '' }) }, 'source.remoteProperty', '""', /non-empty property/],
    [
      'refresh interval "1 hour"',
      { source: AccessKeySource.externalSecret({ storeName: 'x', remoteKey: 'k', refreshInterval: '1 hour' }) },
      'source.refreshInterval',
      '"1 hour"',
      /not a duration/,
    ],
    [
      'refresh interval "1d"',
      { source: AccessKeySource.externalSecret({ storeName: 'x', remoteKey: 'k', refreshInterval: '1d' }) },
      'source.refreshInterval',
      '"1d"',
      /not a duration/,
    ],
    [
      'refresh interval "00"',
      { source: AccessKeySource.externalSecret({ storeName: 'x', remoteKey: 'k', refreshInterval: '00' }) },
      'source.refreshInterval',
      '"00"',
      /not a duration/,
    ],
    [
      'sealed value not base64',
      { source: AccessKeySource.sealed({ encryptedAccessKey: `${SEALED_VALUE.slice(0, -8)}!!!!!!!!` }) },
      'source.encryptedAccessKey',
      `${SEALED_VALUE.length} characters`,
      /is not base64 \(character \d+ is not a base64 character\)/,
    ],
    [
      'sealed value too short',
      { source: AccessKeySource.sealed({ encryptedAccessKey: sealedShort }) },
      'source.encryptedAccessKey',
      `${sealedShort.length} characters`,
      /not a sealed value/,
    ],
    [
      'sealing scope',
      { source: AccessKeySource.sealed({ encryptedAccessKey: SEALED_VALUE, scope: 'global' as SealedSecretScope }) },
      'source.scope',
      '"global"',
      /unknown sealing scope/,
    ],
    ['fan-out kind', { fanOut: 'everywhere' as KeyFanOut }, 'fanOut', '"everywhere"', /unknown fan-out/],
    [
      'fan-out with a sealed source',
      { fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET, source: AccessKeySource.sealed({ encryptedAccessKey: SEALED_VALUE }) },
      'fanOut',
      '"clusterExternalSecret"',
      /needs AccessKeySource\.externalSecret/,
    ],
    [
      'fan-out with a literal source',
      { fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET, source: AccessKeySource.literal(ACCESS_KEY, { allowPlaintext: true }) },
      'fanOut',
      '"clusterExternalSecret"',
      /needs AccessKeySource\.externalSecret/,
    ],
    ['source not from a factory', { source: { type: 'externalSecret' } as unknown as AccessKeySource }, 'source', '"object"', /AccessKeySource factory/],
  ])('fails on a bad %s', (_case, overrides, path, value, message) => {
    const { problems, message: text } = problemsOf(() => new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps(overrides)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path, value });
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.allowed).toBeDefined();
    // The rendered message names the construct, the field path and the bad value.
    expect(text).toMatch(/^PlatformApiKey c\/k: 1 problem:\n/);
    expect(text).toContain(`${path}: `);
    if (value !== undefined) expect(text).toContain(`got ${value}`);
  });

  test('fails on a private key pasted as CA data, without repeating the key', () => {
    const { problems, message } = problemsOf(() => new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps({ certificateAuthorityData: PRIVATE_KEY_PEM })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'certificateAuthorityData' });
    expect(problems[0]!.message).toMatch(/private key/);
    expect(message).not.toContain(PRIVATE_KEY_MARKER);
    expect(JSON.stringify(problems)).not.toContain(PRIVATE_KEY_MARKER);
  });

  test('fails on CA data with a certificate AND a private key, without repeating the key', () => {
    const { message } = problemsOf(() => new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps({ certificateAuthorityData: CA_PEM + PRIVATE_KEY_PEM })));
    expect(message).toMatch(/private key/);
    expect(message).not.toContain(PRIVATE_KEY_MARKER);
  });

  test.each([
    ['literal without allowPlaintext', () => AccessKeySource.literal(ACCESS_KEY, { allowPlaintext: false }), 'source.allowPlaintext', /needs the explicit opt-in/],
    [
      'literal with a missing options object',
      () => AccessKeySource.literal(ACCESS_KEY, undefined as unknown as { allowPlaintext: boolean }),
      'source.allowPlaintext',
      /needs the explicit opt-in/,
    ],
    [
      'literal with a truthy non-boolean opt-in',
      () => AccessKeySource.literal(ACCESS_KEY, { allowPlaintext: 'true' as unknown as boolean }),
      'source.allowPlaintext',
      /needs the explicit opt-in/,
    ],
    [
      'fromEnv without allowPlaintext',
      () => AccessKeySource.fromEnv('PLATFORM_ACCESS_KEY', { allowPlaintext: false, env: { PLATFORM_ACCESS_KEY: ACCESS_KEY } }),
      'source.allowPlaintext',
      /needs the explicit opt-in/,
    ],
  ])('fails on %s', (_case, source, path, message) => {
    const { problems, message: text } = problemsOf(() => new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps({ source: source() })));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toMatch(message);
    expect(text).not.toContain(ACCESS_KEY);
  });

  test.each([
    ['an empty literal', '', /the access key is empty/],
    ['a whitespace-only literal', '   ', /whitespace or control characters/],
    ['a literal with a trailing newline', `${ACCESS_KEY}\n`, /whitespace or control characters/],
    ['a literal with an inner space', `${ACCESS_KEY} ${ACCESS_KEY}`, /whitespace or control characters/],
  ])('fails on %s, without showing it', (_case, value, message) => {
    const { problems, message: text } = problemsOf(
      () => new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps({ source: AccessKeySource.literal(value, { allowPlaintext: true }) })),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('source');
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.value).toBeUndefined();
    if (value.trim() !== '') expect(text).not.toContain(ACCESS_KEY);
  });

  test.each([
    ['unset', {}],
    ['empty', { PLATFORM_ACCESS_KEY: '' }],
  ])('fails on fromEnv with an %s variable, naming the variable', (_case, env) => {
    const { problems } = problemsOf(
      () => new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps({ source: AccessKeySource.fromEnv('PLATFORM_ACCESS_KEY', { allowPlaintext: true, env }) })),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'source', message: 'environment variable PLATFORM_ACCESS_KEY is not set or empty' });
  });

  test('fails on fromEnv with a value carrying a newline, without showing the value', () => {
    const { problems, message } = problemsOf(
      () =>
        new PlatformApiKey(
          new Chart(Testing.app(), 'c'),
          'k',
          keyProps({ source: AccessKeySource.fromEnv('PLATFORM_ACCESS_KEY', { allowPlaintext: true, env: { PLATFORM_ACCESS_KEY: `${ACCESS_KEY}\n` } }) }),
        ),
    );
    expect(problems[0]!.message).toMatch(/in PLATFORM_ACCESS_KEY contains whitespace/);
    expect(message).not.toContain(ACCESS_KEY);
  });

  test('fails listing ALL problems at once: three bad fields, three problems', () => {
    const { problems, message } = problemsOf(
      () => new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps({ namespace: 'Bad NS', host: 'http://platform.example.com', project: 'UPPER' })),
    );
    expect(problems.map((p) => p.path)).toEqual(['namespace', 'host', 'project']);
    expect(message).toMatchSnapshot();
    expect(message).toMatch(/^PlatformApiKey c\/k: 3 problems:\n/);
    for (const bad of ['"Bad NS"', '"http://platform.example.com"', '"UPPER"']) expect(message).toContain(`got ${bad}`);
  });

  test('fails listing ALL problems of a plaintext source together with the others', () => {
    const { problems, message } = problemsOf(
      () =>
        new PlatformApiKey(new Chart(Testing.app(), 'c'), 'k', keyProps({ secretName: '-x', rotation: 'a b', source: AccessKeySource.literal(' ', { allowPlaintext: false }) })),
    );
    expect(problems.map((p) => p.path)).toEqual(['secretName', 'rotation', 'source.allowPlaintext', 'source']);
    expect(message.split('\n')).toHaveLength(5);
  });

  test('fails on a pinned key (instanceName) used by two vClusters', () => {
    const chart = new Chart(Testing.app(), 'c');
    const key = new PlatformApiKey(chart, 'k', keyProps({ instanceName: 'team-a' }));
    new VClusterPlatformConnection(chart, 'team-a', { release: 'team-a', namespace: 'team-a', vclusterVersion: '0.36.1', apiKey: key });
    const { problems, message } = problemsOf(
      () => new VClusterPlatformConnection(chart, 'team-b', { release: 'team-b', namespace: 'team-b', vclusterVersion: '0.36.1', apiKey: key }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'apiKey', value: 'vCluster team-b/team-b' });
    expect(problems[0]!.message).toContain('pinned to instance "team-a"');
    expect(problems[0]!.message).toContain('vCluster team-a/team-a');
    expect(message).toMatch(/^VClusterPlatformConnection c\/team-b: 1 problem/);
  });

  const FAN_OUT = { fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET };
  test.each([
    ['two keys writing one Secret', {}, {}, 'Secret vcluster-platform/vcluster-platform-api-key'],
    [
      'two fanned-out keys with one ClusterExternalSecret name',
      FAN_OUT,
      { source: AccessKeySource.externalSecret({ storeName: 'vault', remoteKey: 'other/key' }) },
      'ClusterExternalSecret vcluster-platform.vcluster-platform-api-key',
    ],
  ])('fails on %s in one chart, naming the first owner', (_case, first, second, claim) => {
    // GIVEN a key in a chart
    const chart = new Chart(Testing.app(), 'c');
    new PlatformApiKey(chart, 'first', keyProps(first));
    // WHEN a second key with the same namespace and secretName joins the same chart
    const { problems, message } = problemsOf(() => new PlatformApiKey(chart, 'second', keyProps({ ...first, ...second })));
    // THEN it is refused at secretName, naming the object and the key that writes it
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'secretName', value: '"vcluster-platform-api-key"' });
    expect(problems[0]!.message).toBe(`${claim} is already written by PlatformApiKey c/first in this chart; the object applied last would replace the other`);
    expect(message).toMatch(/^PlatformApiKey c\/second: 1 problem/);
  });

  test('the same key in two charts (say staging and production) is fine: one manifest per cluster', () => {
    const app = Testing.app();
    for (const env of ['staging', 'production']) {
      const chart = new Chart(app, env);
      const key = new PlatformApiKey(chart, 'shared', keyProps({ fanOut: KeyFanOut.CLUSTER_EXTERNAL_SECRET }));
      new VClusterPlatformConnection(chart, 'team-a', { release: 'team-a', namespace: 'team-a', vclusterVersion: '0.36.1', apiKey: key });
      new PlatformApiKey(chart, 'own', keyProps({ namespace: 'team-b' }));
    }
    const manifests = app.charts.map((c) => c.toJson());
    expect(manifests.map((objects) => objects.map((o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`))).toEqual([
      ['ClusterExternalSecret /vcluster-platform.vcluster-platform-api-key', 'ExternalSecret team-b/vcluster-platform-api-key'],
      ['ClusterExternalSecret /vcluster-platform.vcluster-platform-api-key', 'ExternalSecret team-b/vcluster-platform-api-key'],
    ]);
  });

  test.each([
    ['the fanned-out key first', true],
    ["the namespace's own key first", false],
  ])('fails on a fanned-out key and another key writing one Secret in a vCluster namespace (%s)', (_case, fanOutFirst) => {
    // GIVEN a key fanned out into team-a, and a key of team-a's own with the same secretName
    const chart = new Chart(Testing.app(), 'c');
    const fanned = (): PlatformApiKey => new PlatformApiKey(chart, 'fanned', keyProps(FAN_OUT));
    const own = (): PlatformApiKey => new PlatformApiKey(chart, 'own', keyProps({ namespace: 'team-a' }));
    const connect = (key: PlatformApiKey): VClusterPlatformConnection =>
      new VClusterPlatformConnection(chart, 'team-a', { release: 'team-a', namespace: 'team-a', vclusterVersion: '0.36.1', apiKey: key });
    // WHEN both are declared, in either order
    const { problems } = fanOutFirst
      ? problemsOf(() => {
          connect(fanned());
          own();
        })
      : problemsOf(() => {
          own();
          connect(fanned());
        });
    // THEN the second one is refused, naming the Secret
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe(fanOutFirst ? 'secretName' : 'apiKey');
    expect(problems[0]!.message).toContain(
      fanOutFirst
        ? 'Secret team-a/vcluster-platform-api-key is already written by PlatformApiKey c/fanned'
        : 'fanned out into namespace team-a, but Secret team-a/vcluster-platform-api-key is already written by PlatformApiKey c/own',
    );
  });

  test('two vClusters of one namespace share a fanned-out key without a clash', () => {
    const chart = new Chart(Testing.app(), 'c');
    const key = new PlatformApiKey(chart, 'fanned', keyProps(FAN_OUT));
    for (const release of ['one', 'two']) new VClusterPlatformConnection(chart, release, { release, namespace: 'team-a', vclusterVersion: '0.36.1', apiKey: key });
    expect(chart.toJson().map((o: K8sObject) => o.kind)).toEqual(['ClusterExternalSecret']);
  });
});
