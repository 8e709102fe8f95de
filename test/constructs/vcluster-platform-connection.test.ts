import { Chart, Testing } from 'cdk8s';
import fc from 'fast-check';
import { parse } from 'yaml';
import { ValuesLayout } from '../../src/constructs/chart-version';
import { DEFAULT_API_KEY_SECRET_NAME, IPlatformApiKey, PlatformApiKey, PlatformApiKeyProps } from '../../src/constructs/platform-api-key';
import { RbacMode } from '../../src/constructs/rbac-mode';
import {
  ROTATION_ANNOTATION,
  VALUES_HEADER,
  VClusterPlatformConnection,
  VClusterPlatformConnectionProps,
  renderConnectionValues,
} from '../../src/constructs/vcluster-platform-connection';
import { describeShared } from '../support/shared';
import { externalSecretKey, problemsOf } from '../support/construct-testing';
import { resolveValuesSchema, validateValues } from '../support/values-schema';

function key(chart: Chart, overrides: Partial<PlatformApiKeyProps> = {}): PlatformApiKey {
  return externalSecretKey(chart, 'key', overrides);
}

function connect(props: Partial<VClusterPlatformConnectionProps> & { keyProps?: Partial<PlatformApiKeyProps> } = {}): VClusterPlatformConnection {
  const chart = new Chart(Testing.app(), 'c');
  const { keyProps, ...rest } = props;
  return new VClusterPlatformConnection(chart, 'team-a', {
    release: 'team-a',
    namespace: 'team-a',
    vclusterVersion: '0.36.1',
    apiKey: key(chart, keyProps),
    ...rest,
  });
}

/** Every string anywhere in `value`, with its path. */
function strings(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  return [];
}

/** The same values in the other era's layout, to prove the layouts are not interchangeable. */
const OTHER_ERA: Readonly<Record<ValuesLayout, string>> = {
  [ValuesLayout.EXTERNAL_PLATFORM]: '0.36.1',
  [ValuesLayout.PLATFORM]: '0.31.3',
};

describe('values: the apiKey block in the layout of the chart version', () => {
  test.each([
    { version: '0.21.0', layout: ValuesLayout.EXTERNAL_PLATFORM, schema: 'v0.31.3' },
    { version: '0.31.3', layout: ValuesLayout.EXTERNAL_PLATFORM, schema: 'v0.31.3' },
    { version: '0.32.0', layout: ValuesLayout.PLATFORM, schema: 'v0.32.0' },
    { version: '0.36.1', layout: ValuesLayout.PLATFORM, schema: 'v0.36.1' },
    { version: '0.37.0', layout: ValuesLayout.PLATFORM, schema: 'HEAD-4876675' },
    { version: '0.37.3', layout: ValuesLayout.PLATFORM, schema: 'HEAD-4876675' },
  ])('$version → $layout', ({ version, layout }) => {
    const conn = connect({ vclusterVersion: version });
    expect(conn.values).toMatchSnapshot();

    expect(conn.layout).toBe(layout);
    const apiKey = { secretName: DEFAULT_API_KEY_SECRET_NAME, namespace: 'vcluster-platform', createRBAC: false };
    expect(conn.values).toEqual(layout === ValuesLayout.PLATFORM ? { platform: { apiKey } } : { external: { platform: { apiKey } } });
    // Explicit, in vCluster's own key order.
    const block =
      layout === ValuesLayout.PLATFORM
        ? (conn.values.platform as Record<string, unknown>)
        : ((conn.values.external as Record<string, unknown>).platform as Record<string, unknown>);
    expect(Object.keys(block.apiKey as object)).toEqual(['secretName', 'namespace', 'createRBAC']);
  });

  test.each([
    { name: 'project', props: { project: 'team-x' }, expectPath: ['platform', 'project'], value: 'team-x' },
    { name: 'serviceAccountName', props: { serviceAccountName: 'team-a-sa' }, expectPath: ['controlPlane', 'advanced', 'serviceAccount', 'name'], value: 'team-a-sa' },
    {
      name: 'rotation (from the key)',
      props: { keyProps: { rotation: '2026-11-28.1' } },
      expectPath: ['controlPlane', 'statefulSet', 'pods', 'annotations', ROTATION_ANNOTATION],
      value: '2026-11-28.1',
    },
  ])('$name lands at its values path in both layouts', ({ props, expectPath, value }) => {
    for (const version of ['0.31.3', '0.36.1']) {
      const conn = connect({ vclusterVersion: version, ...props });
      const path = version === '0.31.3' && expectPath[0] === 'platform' ? ['external', ...expectPath] : expectPath;
      let node: unknown = conn.values;
      for (const p of path) node = (node as Record<string, unknown>)[p];
      expect(node).toBe(value);
    }
  });

  test('everything at once, both layouts', () => {
    const props = { project: 'team-x', serviceAccountName: 'team-a-sa', rbac: RbacMode.CHART, keyProps: { rotation: 'r1' } };
    const old = connect({ ...props, vclusterVersion: '0.31.3' });
    const current = connect({ ...props, vclusterVersion: '0.36.1' });
    expect({ old: old.values, current: current.values }).toMatchSnapshot();
    const controlPlane = { advanced: { serviceAccount: { name: 'team-a-sa' } }, statefulSet: { pods: { annotations: { [ROTATION_ANNOTATION]: 'r1' } } } };
    const platform = { apiKey: { secretName: DEFAULT_API_KEY_SECRET_NAME, namespace: 'vcluster-platform', createRBAC: true }, project: 'team-x' };
    expect(old.values).toEqual({ external: { platform }, controlPlane });
    expect(current.values).toEqual({ platform, controlPlane });
  });

  test('a key in the release namespace still says secretName, namespace and createRBAC explicitly', () => {
    const conn = connect({ keyProps: { namespace: 'team-a', secretName: 'team-a-key' } });
    expect(conn.values).toEqual({ platform: { apiKey: { secretName: 'team-a-key', namespace: 'team-a', createRBAC: false } } });
  });

  test('PlatformApiKey.fromSecretName is referenced as given', () => {
    const chart = new Chart(Testing.app(), 'c');
    const existing: IPlatformApiKey = PlatformApiKey.fromSecretName('hand-made-key', 'keys');
    const conn = new VClusterPlatformConnection(chart, 'x', { release: 'x', namespace: 'x', vclusterVersion: '0.31.3', apiKey: existing, rbac: RbacMode.CHART });
    expect(conn.values).toEqual({ external: { platform: { apiKey: { secretName: 'hand-made-key', namespace: 'keys', createRBAC: true } } } });
  });

  test('renderConnectionValues omits empty optional strings instead of writing ""', () => {
    const values = renderConnectionValues({
      layout: ValuesLayout.PLATFORM,
      secretName: 's',
      secretNamespace: 'n',
      createRBAC: true,
      project: '',
      serviceAccountName: '',
      rotation: '',
    });
    expect(values).toEqual({ platform: { apiKey: { secretName: 's', namespace: 'n', createRBAC: true } } });
  });
});

describe('valuesYaml', () => {
  test.each([['0.31.3'], ['0.36.1']])('%s: the generated-file header, then YAML that parses back to the values', (version) => {
    const conn = connect({ vclusterVersion: version, project: 'team-x', serviceAccountName: 'team-a-sa', keyProps: { rotation: 'r1' } });
    const text = conn.valuesYaml;
    expect(text).toMatchSnapshot();
    expect(text.startsWith(VALUES_HEADER)).toBe(true);
    expect(text.startsWith('# ')).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
    expect(parse(text)).toEqual(conn.values);
    // createRBAC is a real boolean in the text, not the string "false".
    expect(text).toMatch(/^\s+createRBAC: false$/m);
    expect(conn.valuesYaml).toBe(text);
  });
});

describeShared("oracle: every generated values object validates against its era's chart schema, and the other era rejects it", () => {
  const versions = ['0.21.0', '0.25.0', '0.31.3', '0.32.0', '0.33.1', '0.36.1', '0.37.0'];
  const variants: Array<[string, Partial<VClusterPlatformConnectionProps> & { keyProps?: Partial<PlatformApiKeyProps> }]> = [
    ['STATIC, minimal', {}],
    ['CHART, minimal', { rbac: RbacMode.CHART }],
    ['STATIC, project + serviceAccountName + rotation', { project: 'team-x', serviceAccountName: 'team-a-sa', keyProps: { rotation: 'r1' } }],
    ['CHART, project + serviceAccountName + rotation', { rbac: RbacMode.CHART, project: 'team-x', serviceAccountName: 'team-a-sa', keyProps: { rotation: 'r1' } }],
  ];
  const cases = versions.flatMap((version) => variants.map(([name, props]) => [version, name, props] as const));

  test.each(cases)('%s, %s', (version, _name, props) => {
    const conn = connect({ ...props, vclusterVersion: version });
    expect(validateValues(conn.values, version)).toEqual([]);
    const wrong = validateValues(conn.values, OTHER_ERA[conn.layout]);
    expect(wrong.length).toBeGreaterThan(0);
    const unknownTop = conn.layout === ValuesLayout.PLATFORM ? 'platform' : 'external';
    expect(wrong.join('\n')).toContain(`unknown key "${unknownTop}"`);
  });

  test('the 0.37 line is checked against the HEAD schema, which also rejects the old layout', () => {
    expect(resolveValuesSchema('0.37.0').id).toBe('HEAD-4876675');
    const old = connect({ vclusterVersion: '0.31.3' });
    expect(validateValues(old.values, '0.37.0').join('\n')).toContain('unknown key "external"');
  });

  test('the schemas are strict where FACTS says they are (so the oracle can fail)', () => {
    const good = connect({ vclusterVersion: '0.36.1' }).values as { platform: { apiKey: Record<string, unknown> } };
    expect(validateValues({ platform: { ...good.platform, apiKey: { ...good.platform.apiKey, createRBAC: 'false' } } }, '0.36.1').join('\n')).toMatch(
      /createRBAC: must be boolean/,
    );
    expect(validateValues({ platform: { ...good.platform, apiKey: { ...good.platform.apiKey, rbac: true } } }, '0.36.1').join('\n')).toMatch(/unknown key "rbac"/);
    expect(validateValues({ platform: { ...good.platform, autoSleep: {} } }, '0.36.1').join('\n')).toMatch(/unknown key "autoSleep"/);
  });

  test('property: any valid connection yields schema-valid values without empty strings', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
    const version = fc.oneof(
      fc.tuple(fc.integer({ min: 21, max: 31 }), fc.integer({ min: 0, max: 9 })).map(([m, p]) => `0.${m}.${p}`),
      fc.tuple(fc.integer({ min: 32, max: 40 }), fc.integer({ min: 0, max: 9 })).map(([m, p]) => `0.${m}.${p}`),
    );
    fc.assert(
      fc.property(
        label,
        label,
        label,
        version,
        fc.constantFrom(RbacMode.STATIC, RbacMode.CHART),
        fc.option(label, { nil: undefined }),
        fc.option(label, { nil: undefined }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,10}$/), { nil: undefined }),
        (release, namespace, keyNamespace, vclusterVersion, rbac, project, serviceAccountName, rotation) => {
          const chart = new Chart(Testing.app(), 'c');
          const conn = new VClusterPlatformConnection(chart, 'v', {
            release,
            namespace,
            vclusterVersion,
            rbac,
            project,
            serviceAccountName,
            apiKey: key(chart, { namespace: keyNamespace, rotation }),
          });
          expect(validateValues(conn.values, vclusterVersion)).toEqual([]);
          expect(strings(conn.values).filter(([, s]) => s === '')).toEqual([]);
          const apiKey = (conn.layout === ValuesLayout.PLATFORM ? conn.values.platform : (conn.values.external as Record<string, unknown>).platform) as {
            apiKey: Record<string, unknown>;
          };
          expect(apiKey.apiKey.createRBAC).toBe(conn.rbac === RbacMode.CHART);
          expect(apiKey.apiKey.namespace).toBe(keyNamespace);
        },
      ),
      { numRuns: 150, seed: 20261128 },
    );
  });
});

describe('fails on invalid input', () => {
  test.each<[string, Partial<VClusterPlatformConnectionProps>, string, string, RegExp]>([
    ['a non-semver version', { vclusterVersion: '0.31' }, 'vclusterVersion', '"0.31"', /not a semantic version/],
    ['"latest" as version', { vclusterVersion: 'latest' }, 'vclusterVersion', '"latest"', /not a semantic version/],
    ['a version below 0.21.0', { vclusterVersion: '0.20.4' }, 'vclusterVersion', '"0.20.4"', /before 0\.21\.0 have no apiKey setting/],
    ['a pre-release of 0.21.0', { vclusterVersion: '0.21.0-beta.1' }, 'vclusterVersion', '"0.21.0-beta.1"', /before 0\.21\.0/],
    ['an RBAC mode', { rbac: 'helm' as RbacMode }, 'rbac', '"helm"', /unknown RBAC mode/],
    // Helm accepts 53, but the pods' controller-revision-hash label (<release>-<hash>, at most 63) does not.
    ['a release of 53 characters', { release: 'r'.repeat(53) }, 'release', JSON.stringify('r'.repeat(53)), /53 characters, too long for a vCluster release name.*at most 52/],
    ['a release longer than 53 characters', { release: 'r'.repeat(54) }, 'release', JSON.stringify('r'.repeat(54)), /54 characters, too long/],
    // The chart names a Service after the release: DNS-1035, a leading letter.
    ['a release starting with a digit', { release: '1team' }, 'release', '"1team"', /must start with a letter.*Service/],
    ['a release with upper case', { release: 'Team-A' }, 'release', '"Team-A"', /not a valid vCluster release name/],
    ['a namespace', { namespace: 'team_a' }, 'namespace', '"team_a"', /not a valid namespace/],
    ['a serviceAccountName', { serviceAccountName: 'SA' }, 'serviceAccountName', '"SA"', /not a valid service account name/],
    ['an empty serviceAccountName', { serviceAccountName: '' }, 'serviceAccountName', '""', /not a valid service account name/],
    ['a project', { project: 'Team X' }, 'project', '"Team X"', /not a valid platform project name/],
    ['an empty project', { project: '' }, 'project', '""', /not a valid platform project name/],
  ])('fails on %s', (_case, props, path, value, message) => {
    const { problems, message: text } = problemsOf(() => connect(props));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path, value });
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.allowed).toBeDefined();
    expect(text).toMatch(/^VClusterPlatformConnection c\/team-a: 1 problem:\n/);
    expect(text).toContain(`${path}: `);
    expect(text).toContain(`got ${value}`);
  });

  test('a release of exactly 52 characters is accepted', () => {
    expect(connect({ release: 'r'.repeat(52) }).release).toHaveLength(52);
  });

  test('fails without an apiKey', () => {
    const { problems } = problemsOf(
      () =>
        new VClusterPlatformConnection(new Chart(Testing.app(), 'c'), 'x', {
          release: 'x',
          namespace: 'x',
          vclusterVersion: '0.36.1',
          apiKey: undefined as unknown as IPlatformApiKey,
        }),
    );
    expect(problems.map((p) => p.path)).toEqual(['apiKey']);
  });

  test('fails listing ALL problems at once: three bad fields, three problems', () => {
    const { problems, message } = problemsOf(() => connect({ release: 'Bad_Release', vclusterVersion: '0.19.0', rbac: 'both' as RbacMode }));
    expect(problems.map((p) => p.path)).toEqual(['release', 'vclusterVersion', 'rbac']);
    expect(message).toMatchSnapshot();
    for (const bad of ['"Bad_Release"', '"0.19.0"', '"both"']) expect(message).toContain(`got ${bad}`);
    expect(message.split('\n')).toHaveLength(4);
  });

  test('fails on a pinned key (instanceName) used by a second vCluster, naming both', () => {
    const chart = new Chart(Testing.app(), 'c');
    const pinned = key(chart, { instanceName: 'team-a' });
    new VClusterPlatformConnection(chart, 'a', { release: 'team-a', namespace: 'team-a', vclusterVersion: '0.36.1', apiKey: pinned });
    const { problems } = problemsOf(() => new VClusterPlatformConnection(chart, 'b', { release: 'team-b', namespace: 'team-b', vclusterVersion: '0.31.3', apiKey: pinned }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('apiKey');
    expect(problems[0]!.message).toMatch(/pinned to instance "team-a".*vCluster team-a\/team-a/);
    expect(problems[0]!.value).toBe('vCluster team-b/team-b');
  });

  test('a key without instanceName may be shared', () => {
    const chart = new Chart(Testing.app(), 'c');
    const shared = key(chart);
    for (const name of ['a', 'b', 'c']) new VClusterPlatformConnection(chart, name, { release: name, namespace: name, vclusterVersion: '0.36.1', apiKey: shared });
    expect(chart.node.findAll().filter((c) => c instanceof VClusterPlatformConnection)).toHaveLength(3);
  });
});

describe('names shared with the fleet file and cdk8s-plus conventions', () => {
  test('chartVersion and the deprecated vclusterVersion give the same connection', () => {
    // GIVEN two charts, one per spelling
    const values = ['chartVersion', 'vclusterVersion'].map((prop) => {
      const chart = new Chart(Testing.app(), 'c');
      const apiKey = PlatformApiKey.fromSecretName(chart, 'key', 'vcluster-platform-api-key', { namespace: 'keys' });
      const c = new VClusterPlatformConnection(chart, 'vc', { release: 'team-a', namespace: 'team-a', apiKey, [prop]: '0.36.1' });
      return { values: c.values, chartVersion: c.chartVersion, old: c.vclusterVersion, objects: Testing.synth(chart) };
    });
    // THEN they are identical, and the old getter reads the new field
    expect(values[0]).toEqual(values[1]);
    expect(values[0]!.chartVersion).toBe('0.36.1');
    expect(values[0]!.old).toBe('0.36.1');
  });

  test('fails with both spellings disagreeing, and with neither', () => {
    const chart = new Chart(Testing.app(), 'c');
    const apiKey = PlatformApiKey.fromSecretName(chart, 'key', 'vcluster-platform-api-key', { namespace: 'keys' });
    expect(() => new VClusterPlatformConnection(chart, 'both', { release: 'a', namespace: 'a', apiKey, chartVersion: '0.36.1', vclusterVersion: '0.31.3' })).toThrow(
      /vclusterVersion: is the old name of chartVersion, which says "0.36.1"; give chartVersion only/,
    );
    expect(() => new VClusterPlatformConnection(chart, 'neither', { release: 'b', namespace: 'b', apiKey })).toThrow(/chartVersion: is missing/);
  });

  test('PlatformApiKey.fromSecretName(scope, id, name, { namespace }) adds a construct that emits nothing, like the deprecated form', () => {
    const chart = new Chart(Testing.app(), 'c');
    const inTree = PlatformApiKey.fromSecretName(chart, 'existing', 'vcluster-platform-api-key', { namespace: 'keys', rotation: '2026-12' });
    const outside = PlatformApiKey.fromSecretName('vcluster-platform-api-key', 'keys', { rotation: '2026-12' });
    expect(chart.node.tryFindChild('existing')).toBe(inTree);
    expect({ name: inTree.secretName, ns: inTree.namespace, rotation: inTree.rotation, seen: inTree.secretNamespaceFor('x') }).toEqual({
      name: outside.secretName,
      ns: outside.namespace,
      rotation: outside.rotation,
      seen: outside.secretNamespaceFor('x'),
    });
    expect(Testing.synth(chart)).toEqual([]);
    expect(() => PlatformApiKey.fromSecretName(chart, 'bad', 'Not_A_Name', { namespace: 'keys' })).toThrow(/secretName: not a valid Secret name/);
  });
});
