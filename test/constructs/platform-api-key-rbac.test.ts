import { Chart, Testing } from 'cdk8s';
import { AccessKeySource } from '../../src/constructs/access-key-source';
import { DEFAULT_API_KEY_SECRET_NAME, PlatformApiKey, PlatformApiKeyProps } from '../../src/constructs/platform-api-key';
import { PlatformApiKeyRbac, PlatformApiKeyRbacProps, platformRbacNames, renderPlatformApiKeyRbac } from '../../src/constructs/platform-api-key-rbac';
import { RbacMode } from '../../src/constructs/rbac-mode';
import { VClusterPlatformConnection } from '../../src/constructs/vcluster-platform-connection';
import { Warnings } from '../../src/constructs/warnings';
import { K8sObject, externalSecretKey, problemsOf, synth } from '../support/construct-testing';
import { describeShared } from '../support/shared';
import { validateValues } from '../support/values-schema';

function sharedKey(chart: Chart, overrides: Partial<PlatformApiKeyProps> = {}): PlatformApiKey {
  return externalSecretKey(chart, 'shared-key', overrides);
}

/** What the chart renders, written out by hand from FACTS §3 (not computed by src). */
function expectedRbac(o: { role: string; binding: string; secretNamespace: string; secretName: string; serviceAccount: string; releaseNamespace: string }): K8sObject[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: o.role, namespace: o.secretNamespace },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [o.secretName] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: o.binding, namespace: o.secretNamespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: o.role },
      subjects: [{ kind: 'ServiceAccount', name: o.serviceAccount, namespace: o.releaseNamespace }],
    },
  ];
}

// Names chosen so the 63-character cut lands where it matters (lengths are asserted below):
const NS36 = 'tenant-analytics-warehouse-eu-west-1'; // 36
const NS35 = 'tenant-analytics-warehouse-euwest-1'; // 35
const NS63_DASH_AT_50 = `${'x'.repeat(50)}-${'y'.repeat(12)}`; // 63, '-' at index 50
const REL52 = 'payments-ledger-reconciliation-service-eu-west-prod1'; // 52 (the longest release a vCluster runs under)

describe('PlatformApiKeyRbac: names, rule, subject (identical to the chart)', () => {
  test.each([
    {
      name: 'short names: no cut',
      release: 'team-a',
      releaseNamespace: 'team-a',
      role: 'vc-team-a-v-team-a-platform-role',
      binding: 'vc-team-a-v-team-a-platform-role-binding',
    },
    {
      name: 'role of 61 characters: the binding is cut inside "-binding" and the names differ',
      release: 'team-a',
      releaseNamespace: NS35,
      role: `vc-team-a-v-${NS35}-platform-role`,
      binding: `vc-team-a-v-${NS35}-platform-role-b`,
    },
    {
      name: 'role of 62 characters: the binding cut lands on the "-" of "-binding", both names identical',
      release: 'team-a',
      releaseNamespace: NS36,
      role: `vc-team-a-v-${NS36}-platform-role`,
      binding: `vc-team-a-v-${NS36}-platform-role`,
    },
    {
      name: 'the cut lands on the "-" before "platform": trimmed, both names identical',
      release: 'analytics-warehouse1',
      releaseNamespace: NS36,
      role: `vc-analytics-warehouse1-v-${NS36}`,
      binding: `vc-analytics-warehouse1-v-${NS36}`,
    },
    {
      name: 'the cut lands on a "-" inside the namespace',
      release: 'team-a',
      releaseNamespace: NS63_DASH_AT_50,
      role: `vc-team-a-v-${'x'.repeat(50)}`,
      binding: `vc-team-a-v-${'x'.repeat(50)}`,
    },
    {
      name: 'the longest release and namespace: cut mid-word, nothing trimmed',
      release: REL52,
      releaseNamespace: 'z'.repeat(63),
      role: `vc-${REL52}-v-zzzzz`,
      binding: `vc-${REL52}-v-zzzzz`,
    },
  ])('$name', ({ release, releaseNamespace, role, binding }) => {
    const props: PlatformApiKeyRbacProps = { release, releaseNamespace, secretName: DEFAULT_API_KEY_SECRET_NAME, secretNamespace: 'vcluster-platform' };
    let construct: PlatformApiKeyRbac | undefined;
    const { objects } = synth((chart) => {
      construct = new PlatformApiKeyRbac(chart, 'rbac', props);
    });
    expect(objects).toMatchSnapshot();

    expect(role.length).toBeLessThanOrEqual(63);
    expect(binding.length).toBeLessThanOrEqual(63);
    expect(objects).toEqual(
      expectedRbac({ role, binding, secretNamespace: 'vcluster-platform', secretName: DEFAULT_API_KEY_SECRET_NAME, serviceAccount: `vc-${release}`, releaseNamespace }),
    );
    expect(platformRbacNames(release, releaseNamespace)).toEqual({ roleName: role, roleBindingName: binding });
    expect(construct!.roleName).toBe(role);
    expect(construct!.roleBindingName).toBe(binding);
    expect(construct!.emitted).toBe(true);
    // The construct emits exactly what the pure render function returns.
    expect(renderPlatformApiKeyRbac(props)).toEqual(objects);
  });

  test('the fixtures hit the lengths the cases claim', () => {
    expect([NS36.length, NS35.length, NS63_DASH_AT_50.length, REL52.length]).toEqual([36, 35, 63, 52]);
    expect(`vc-team-a-v-${NS35}-platform-role`).toHaveLength(61);
    expect(`vc-team-a-v-${NS36}-platform-role`).toHaveLength(62);
    expect(`vc-analytics-warehouse1-v-${NS36}-platform-role`[62]).toBe('-');
    expect(`vc-team-a-v-${NS63_DASH_AT_50}-platform-role`[62]).toBe('-');
  });

  test('serviceAccountName overrides the subject; the subject stays in the RELEASE namespace', () => {
    const { objects } = synth((chart) => {
      new PlatformApiKeyRbac(chart, 'rbac', {
        release: 'team-a',
        releaseNamespace: 'team-a',
        secretName: 'platform-key',
        secretNamespace: 'keys',
        serviceAccountName: 'custom-sa',
      });
    });
    expect(objects).toMatchSnapshot();
    expect(objects).toEqual(
      expectedRbac({
        role: 'vc-team-a-v-team-a-platform-role',
        binding: 'vc-team-a-v-team-a-platform-role-binding',
        secretNamespace: 'keys',
        secretName: 'platform-key',
        serviceAccount: 'custom-sa',
        releaseNamespace: 'team-a',
      }),
    );
  });

  test('no labels, no annotations, exactly one rule with only get', () => {
    const { objects } = synth((chart) => {
      new PlatformApiKeyRbac(chart, 'rbac', { release: 'team-a', releaseNamespace: 'team-a', secretName: 'platform-key', secretNamespace: 'keys' });
    });
    for (const o of objects) expect(Object.keys(o.metadata).sort()).toEqual(['name', 'namespace']);
    const rules = objects[0]!.rules as Array<{ verbs: string[] }>;
    expect(rules).toHaveLength(1);
    expect(rules[0]!.verbs).toEqual(['get']);
  });

  test('emits nothing when the Secret is in the release namespace', () => {
    let construct: PlatformApiKeyRbac | undefined;
    const { objects } = synth((chart) => {
      construct = new PlatformApiKeyRbac(chart, 'rbac', { release: 'team-a', releaseNamespace: 'team-a', secretName: 'platform-key', secretNamespace: 'team-a' });
    });
    expect(objects).toEqual([]);
    expect(construct!.emitted).toBe(false);
    expect(renderPlatformApiKeyRbac({ release: 'team-a', releaseNamespace: 'team-a', secretName: 'platform-key', secretNamespace: 'team-a' })).toEqual([]);
  });

  test('fails listing every bad field at once, with path and value', () => {
    const { problems, message } = problemsOf(
      () =>
        new PlatformApiKeyRbac(new Chart(Testing.app(), 'c'), 'rbac', {
          release: `${REL52}x`,
          releaseNamespace: 'Team-A',
          secretName: 'bad_name',
          secretNamespace: '',
          serviceAccountName: 'SA!',
        }),
    );
    expect(problems.map((p) => [p.path, p.value])).toEqual([
      ['release', JSON.stringify(`${REL52}x`)],
      ['releaseNamespace', '"Team-A"'],
      ['secretNamespace', '""'],
      ['secretName', '"bad_name"'],
      ['serviceAccountName', '"SA!"'],
    ]);
    expect(message).toMatch(/^PlatformApiKeyRbac c\/rbac: 5 problems:/);
    expect(problems[0]!.allowed).toContain('at most 52 characters');
  });
});

describe('chart RBAC names that Kubernetes would refuse or that two vClusters would share', () => {
  // GIVEN a namespace whose '--' lands on the 63-character cut of vc-web-v-<namespace>-platform-role
  const DASHED_NS = `${'a'.repeat(52)}--b`;

  test('fails on a Role name that would end in "-" (the chart trims only one)', () => {
    expect(platformRbacNames('web', DASHED_NS).roleName).toMatch(/-$/);
    const { problems } = problemsOf(
      () => new PlatformApiKeyRbac(new Chart(Testing.app(), 'c'), 'rbac', { release: 'web', releaseNamespace: DASHED_NS, secretName: 'k', secretNamespace: 'keys' }),
    );
    expect(problems.map((p) => p.path)).toEqual(['release', 'release']);
    expect(problems[0]!.message).toContain(`platform Role "vc-web-v-${'a'.repeat(52)}-"`);
    expect(problems[1]!.message).toContain('platform RoleBinding');
  });

  test.each([RbacMode.STATIC, RbacMode.CHART])('fails in mode %s on a connection whose chart RBAC name would end in "-"', (rbac) => {
    const { problems } = problemsOf(() => {
      const chart = new Chart(Testing.app(), 'c');
      new VClusterPlatformConnection(chart, 'web', { release: 'web', namespace: DASHED_NS, vclusterVersion: '0.36.1', apiKey: sharedKey(chart), rbac });
    });
    expect(problems[0]!.message).toContain("puts a '--' at the cut");
  });

  test.each([RbacMode.STATIC, RbacMode.CHART])('fails in mode %s on two vClusters whose RBAC names agree in the first 63 characters, naming the first', (rbac) => {
    // GIVEN a 50-character release: vc-<release>-v-<namespace> passes 63 characters inside the namespace
    const release = 'analytics-warehouse-ingest-pipeline-eu-west-1-prod';
    const chart = new Chart(Testing.app(), 'c');
    const key = sharedKey(chart);
    new VClusterPlatformConnection(chart, 'one', { release, namespace: 'tenant-analytics-0', vclusterVersion: '0.36.1', apiKey: key, rbac });
    // WHEN a second vCluster differs only past the cut
    const { problems } = problemsOf(() => new VClusterPlatformConnection(chart, 'two', { release, namespace: 'tenant-analytics-1', vclusterVersion: '0.36.1', apiKey: key, rbac }));
    // THEN it is refused, and the message names the vCluster already holding the names
    expect(problems).toHaveLength(2);
    expect(problems[0]!.message).toContain('Role vcluster-platform/vc-analytics-warehouse-ingest-pipeline-eu-west-1-prod-v-tenant');
    expect(problems[0]!.message).toContain('already the one of vCluster tenant-analytics-0/' + release);
  });

  test('two vClusters in one namespace with distinct releases, and keys in their own namespaces, never clash', () => {
    const { objects } = synth((chart) => {
      const key = sharedKey(chart);
      new VClusterPlatformConnection(chart, 'a', { release: 'a', namespace: 'team', vclusterVersion: '0.36.1', apiKey: key });
      new VClusterPlatformConnection(chart, 'b', { release: 'b', namespace: 'team', vclusterVersion: '0.36.1', apiKey: key });
      const own = new PlatformApiKey(chart, 'own', { namespace: 'solo', host: 'platform.example.com', source: AccessKeySource.externalSecret({ storeName: 's', remoteKey: 'k' }) });
      new VClusterPlatformConnection(chart, 'solo', { release: 'solo', namespace: 'solo', vclusterVersion: '0.36.1', apiKey: own });
    });
    expect(objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.name)).toEqual(['vc-a-v-team-platform-role', 'vc-b-v-team-platform-role']);
  });
});

describe('VClusterPlatformConnection: RBAC modes', () => {
  test.each([
    { mode: undefined, version: '0.31.3', rbac: RbacMode.STATIC, createRBAC: false, kinds: ['ExternalSecret', 'Role', 'RoleBinding'] },
    { mode: RbacMode.STATIC, version: '0.36.1', rbac: RbacMode.STATIC, createRBAC: false, kinds: ['ExternalSecret', 'Role', 'RoleBinding'] },
    { mode: RbacMode.CHART, version: '0.31.3', rbac: RbacMode.CHART, createRBAC: true, kinds: ['ExternalSecret'] },
    { mode: RbacMode.CHART, version: '0.36.1', rbac: RbacMode.CHART, createRBAC: true, kinds: ['ExternalSecret'] },
  ])('mode $mode on $version: rbac $rbac, createRBAC $createRBAC', ({ mode, version, rbac, createRBAC, kinds }) => {
    let conn: VClusterPlatformConnection | undefined;
    const { app, objects } = synth((chart) => {
      conn = new VClusterPlatformConnection(chart, 'team-a', { release: 'team-a', namespace: 'team-a', vclusterVersion: version, apiKey: sharedKey(chart), rbac: mode });
    });
    expect(objects).toMatchSnapshot();

    expect(objects.map((o) => o.kind)).toEqual(kinds);
    expect(conn!.rbac).toBe(rbac);
    expect(conn!.rbacConstruct !== undefined).toBe(rbac === RbacMode.STATIC);
    const apiKey = { secretName: DEFAULT_API_KEY_SECRET_NAME, namespace: 'vcluster-platform', createRBAC };
    expect(conn!.values).toEqual(version === '0.31.3' ? { external: { platform: { apiKey } } } : { platform: { apiKey } });
    if (rbac === RbacMode.STATIC) {
      expect(objects.slice(1)).toEqual(
        expectedRbac({
          role: 'vc-team-a-v-team-a-platform-role',
          binding: 'vc-team-a-v-team-a-platform-role-binding',
          secretNamespace: 'vcluster-platform',
          secretName: DEFAULT_API_KEY_SECRET_NAME,
          serviceAccount: 'vc-team-a',
          releaseNamespace: 'team-a',
        }),
      );
    }
    expect(Warnings.collect(app)).toEqual([]);
  });

  test.each([
    { version: '0.21.0', broken: true },
    { version: '0.23.2', broken: true },
    { version: '0.24.0', broken: true },
    { version: '0.24.1', broken: true },
    { version: '0.23.3', broken: false },
    { version: '0.24.2', broken: false },
    { version: '0.25.0', broken: false },
  ])('CHART on $version: fallback to STATIC with a warning = $broken', ({ version, broken }) => {
    let conn: VClusterPlatformConnection | undefined;
    const { app, objects } = synth((chart) => {
      conn = new VClusterPlatformConnection(chart, 'legacy', { release: 'legacy', namespace: 'legacy', vclusterVersion: version, apiKey: sharedKey(chart), rbac: RbacMode.CHART });
    });
    const warnings = Warnings.collect(app);
    if (broken) {
      expect(conn!.rbac).toBe(RbacMode.STATIC);
      expect(objects.map((o) => o.kind)).toEqual(['ExternalSecret', 'Role', 'RoleBinding']);
      expect(conn!.values).toEqual({ external: { platform: { apiKey: { secretName: DEFAULT_API_KEY_SECRET_NAME, namespace: 'vcluster-platform', createRBAC: false } } } });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`chart ${version}`);
      expect(warnings[0]).toContain('RbacMode.STATIC');
      expect(warnings[0]).toContain('legacy/legacy');
    } else {
      expect(conn!.rbac).toBe(RbacMode.CHART);
      expect(objects.map((o) => o.kind)).toEqual(['ExternalSecret']);
      expect(conn!.values).toEqual({ external: { platform: { apiKey: { secretName: DEFAULT_API_KEY_SECRET_NAME, namespace: 'vcluster-platform', createRBAC: true } } } });
      expect(warnings).toEqual([]);
    }
  });

  test('CHART on a broken version with the key in the same namespace: no fallback, no warning, nothing emitted', () => {
    let conn: VClusterPlatformConnection | undefined;
    const { app, objects } = synth((chart) => {
      const key = sharedKey(chart, { namespace: 'legacy' });
      conn = new VClusterPlatformConnection(chart, 'legacy', { release: 'legacy', namespace: 'legacy', vclusterVersion: '0.23.2', apiKey: key, rbac: RbacMode.CHART });
    });
    expect(conn!.rbac).toBe(RbacMode.CHART);
    expect(objects.map((o) => o.kind)).toEqual(['ExternalSecret']);
    expect(Warnings.collect(app)).toEqual([]);
  });

  test('serviceAccountName on the connection: RBAC subject and values agree', () => {
    let conn: VClusterPlatformConnection | undefined;
    const { objects } = synth((chart) => {
      conn = new VClusterPlatformConnection(chart, 'team-a', {
        release: 'team-a',
        namespace: 'team-a',
        vclusterVersion: '0.36.1',
        apiKey: sharedKey(chart),
        serviceAccountName: 'team-a-control-plane',
      });
    });
    expect(objects).toMatchSnapshot();
    const binding = objects.find((o) => o.kind === 'RoleBinding')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'team-a-control-plane', namespace: 'team-a' }]);
    expect(conn!.serviceAccountName).toBe('team-a-control-plane');
    expect(conn!.values.controlPlane).toEqual({ advanced: { serviceAccount: { name: 'team-a-control-plane' } } });
  });
});

describe('shared and dedicated keys', () => {
  const fleet = [
    { release: 'team-a', namespace: 'team-a', version: '0.31.3' },
    { release: 'team-b', namespace: 'team-b', version: '0.36.1' },
    { release: 'team-c', namespace: 'tenants-c', version: '0.37.0' },
  ];

  test('one shared key, three vClusters: one ExternalSecret, three Role/RoleBinding pairs', () => {
    const conns: VClusterPlatformConnection[] = [];
    const { app, objects } = synth((chart) => {
      const key = sharedKey(chart);
      for (const v of fleet) conns.push(new VClusterPlatformConnection(chart, v.release, { release: v.release, namespace: v.namespace, vclusterVersion: v.version, apiKey: key }));
    });
    expect(objects).toMatchSnapshot();

    expect(objects.filter((o) => o.kind === 'ExternalSecret')).toHaveLength(1);
    expect(objects.map((o) => o.kind)).toEqual(['ExternalSecret', 'Role', 'RoleBinding', 'Role', 'RoleBinding', 'Role', 'RoleBinding']);
    fleet.forEach((v, i) => {
      const [role, binding] = objects.slice(1 + 2 * i, 3 + 2 * i);
      expect([role, binding]).toEqual(
        expectedRbac({
          role: `vc-${v.release}-v-${v.namespace}-platform-role`,
          binding: `vc-${v.release}-v-${v.namespace}-platform-role-binding`,
          secretNamespace: 'vcluster-platform',
          secretName: DEFAULT_API_KEY_SECRET_NAME,
          serviceAccount: `vc-${v.release}`,
          releaseNamespace: v.namespace,
        }),
      );
      expect(conns[i]!.secretNamespace).toBe('vcluster-platform');
    });
    // Three distinct (kind, namespace, name) triples per kind: no object is emitted twice.
    const ids = objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Warnings.collect(app)).toEqual([]);
  });

  test('dedicated keys in each vCluster namespace: no RBAC at all', () => {
    const conns: VClusterPlatformConnection[] = [];
    const { objects } = synth((chart) => {
      for (const v of fleet) {
        const key = new PlatformApiKey(chart, `${v.release}-key`, {
          namespace: v.namespace,
          host: 'platform.example.com',
          instanceName: v.release,
          source: AccessKeySource.externalSecret({ storeName: 'platform-store', remoteKey: `vcluster-platform/${v.release}` }),
        });
        conns.push(new VClusterPlatformConnection(chart, v.release, { release: v.release, namespace: v.namespace, vclusterVersion: v.version, apiKey: key }));
      }
    });
    expect(objects).toMatchSnapshot();

    expect(objects.map((o) => o.kind)).toEqual(['ExternalSecret', 'ExternalSecret', 'ExternalSecret']);
    expect(objects.map((o) => o.metadata.namespace)).toEqual(fleet.map((v) => v.namespace));
    conns.forEach((c, i) => {
      expect(c.rbacConstruct).toBeUndefined();
      expect(c.secretNamespace).toBe(fleet[i]!.namespace);
    });
  });
});

describeShared('every values object of these RBAC scenarios validates against its chart schema', () => {
  test.each([
    ['0.21.0', RbacMode.CHART],
    ['0.23.2', RbacMode.CHART],
    ['0.24.1', RbacMode.CHART],
    ['0.25.0', RbacMode.CHART],
    ['0.31.3', RbacMode.STATIC],
    ['0.32.0', RbacMode.CHART],
    ['0.36.1', RbacMode.STATIC],
    ['0.37.0', RbacMode.CHART],
  ])('%s %s', (version, mode) => {
    const chart = new Chart(Testing.app(), 'c');
    const conn = new VClusterPlatformConnection(chart, 'v', {
      release: 'v',
      namespace: 'v',
      vclusterVersion: version,
      apiKey: sharedKey(chart),
      rbac: mode,
      serviceAccountName: 'v-sa',
    });
    expect(validateValues(conn.values, version)).toEqual([]);
  });
});
