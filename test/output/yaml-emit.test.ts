import fc from 'fast-check';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { toYaml, toYamlDocuments } from '../../src/output/yaml-emit';

/** What the `yaml` package writes with line folding off: the style toYaml reproduces. */
function yamlOracle(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

/** Reads `text` as a YAML 1.2 (core schema) reader and as a YAML 1.1 reader (go-yaml, kubectl, Helm) do. */
function readBoth(text: string): { v12: unknown; v11: unknown } {
  return { v12: parse(text), v11: parse(text, { version: '1.1' }) };
}

// A throwaway, syntactically plausible certificate body: PEM-shaped text, not a real certificate.
const PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBszCCAVmgAwIBAgIUQ0xGZmFrZWNlcnRpZmljYXRlZm9ydGVzdHMwCgYIKoZI',
  'zj0EAwIwFDESMBAGA1UEAwwJdGVzdC1vbmx5MB4XDTI2MDEwMTAwMDAwMFoXDTM2',
  'MDEwMTAwMDAwMFowFDESMBAGA1UEAwwJdGVzdC1vbmx5MFkwEwYHKoZIzj0CAQYI',
  '-----END CERTIFICATE-----',
  '',
].join('\n');

/** Realistic manifests of the kinds this project writes; none holds a real secret. */
const MANIFESTS: ReadonlyArray<readonly [string, unknown]> = [
  [
    'Secret with data and a PEM CA',
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'vcluster-platform-api-key',
        namespace: 'team-a',
        labels: { 'vcluster.loft.sh/created-by-cli': 'true' },
      },
      data: {
        accessKey: 'dGVzdC1vbmx5LWtleQ==',
        host: 'cGxhdGZvcm0uZXhhbXBsZS5jb20=',
        insecure: 'ZmFsc2U=',
        project: 'ZGVmYXVsdA==',
      },
      stringData: { certificateAuthorityData: PEM, insecure: 'false', port: '443', ratio: '0.31' },
    },
  ],
  [
    'Role',
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'vc-team-a-v-team-a-platform-role', namespace: 'platform-keys' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['vcluster-platform-api-key'] }],
    },
  ],
  [
    'RoleBinding',
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'vc-team-a-v-team-a-platform-role-binding', namespace: 'platform-keys' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'vc-team-a-v-team-a-platform-role' },
      subjects: [{ kind: 'ServiceAccount', name: 'vc-team-a', namespace: 'team-a' }],
    },
  ],
  [
    'Argo CD Application with a nested helm valuesObject',
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'team-a', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      spec: {
        project: 'default',
        destination: { server: 'https://kubernetes.default.svc', namespace: 'team-a' },
        source: {
          repoURL: 'https://charts.loft.sh',
          chart: 'vcluster',
          targetRevision: '0.32.0',
          helm: {
            releaseName: 'team-a',
            valuesObject: {
              platform: {
                apiKey: { secretName: 'vcluster-platform-api-key', namespace: 'platform-keys', createRBAC: false },
                project: 'default',
              },
              controlPlane: {
                statefulSet: {
                  pods: { annotations: { 'vcluster-platform.example/key-revision': '3' } },
                  resources: { limits: { memory: '2Gi' }, requests: { cpu: '200m', memory: '256Mi' } },
                },
                distro: { k8s: { enabled: true } },
              },
              sync: { toHost: { ingresses: { enabled: true } }, fromHost: { nodes: { enabled: false, selector: { all: true } } } },
              exportKubeConfig: { server: 'https://team-a.example.com', additionalSecrets: [] },
              policies: { resourceQuota: { quota: { 'requests.cpu': 10, 'limits.memory': '40Gi', 'count/pods': 20 } } },
              replicas: 1,
              weight: 0.5,
              tolerations: [],
              extra: {},
            },
          },
        },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'] },
      },
    },
  ],
  [
    'Flux HelmRelease',
    {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'team-a', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        releaseName: 'team-a',
        targetNamespace: 'team-a',
        storageNamespace: 'team-a',
        chart: {
          spec: { chart: 'vcluster', version: '0.31.3', sourceRef: { kind: 'HelmRepository', name: 'loft', namespace: 'flux-system' } },
        },
        install: { createNamespace: true, remediation: { retries: 3 } },
        dependsOn: [{ name: 'platform-keys' }],
        valuesFrom: [{ kind: 'Secret', name: 'team-a-values', valuesKey: 'values.yaml', optional: false }],
        values: { external: { platform: { apiKey: { secretName: 'vcluster-platform-api-key', createRBAC: true }, project: 'default' } } },
      },
    },
  ],
  [
    'ExternalSecret',
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'vcluster-platform-api-key', namespace: 'team-a' },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
        target: {
          name: 'vcluster-platform-api-key',
          creationPolicy: 'Owner',
          template: {
            type: 'Opaque',
            engineVersion: 'v2',
            data: { accessKey: '{{ .accessKey }}', host: 'platform.example.com', project: 'default', insecure: 'false' },
          },
        },
        data: [{ secretKey: 'accessKey', remoteRef: { key: 'platform/team-a', property: 'accessKey' } }],
      },
    },
  ],
  [
    'SealedSecret',
    {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: {
        name: 'vcluster-platform-api-key',
        namespace: 'team-a',
        annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' },
      },
      spec: {
        encryptedData: { accessKey: 'AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq+test+only+not+a+real+ciphertext==' },
        template: {
          metadata: { name: 'vcluster-platform-api-key', namespace: 'team-a', labels: { 'app.kubernetes.io/managed-by': 'cdk8s' } },
          type: 'Opaque',
        },
      },
    },
  ],
];

describe('toYaml: byte-identical to YAML.stringify(x, { lineWidth: 0 }) on realistic manifests', () => {
  test.each(MANIFESTS)('%s', (_name, manifest) => {
    const text = toYaml(manifest);
    expect(text).toBe(yamlOracle(manifest));
    expect(readBoth(text)).toEqual({ v12: manifest, v11: manifest });
  });

  test('a stream of all of them, with the style details spelled out', () => {
    const docs = MANIFESTS.map(([, m]) => m);
    const text = toYamlDocuments(docs);
    expect(text).toMatchSnapshot();
    expect(text).toBe(docs.map(yamlOracle).join('---\n'));
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(docs);
    // Block sequences indented under their key, empty collections inline, PEM as a literal block.
    expect(text).toContain('rules:\n  - apiGroups:\n      - ""\n    resources:\n      - secrets\n');
    expect(text).toContain('        tolerations: []\n        extra: {}\n');
    expect(text).toContain('  certificateAuthorityData: |\n    -----BEGIN CERTIFICATE-----\n');
    expect(text).toContain('  insecure: "false"\n  port: "443"\n  ratio: "0.31"\n');
  });
});

describe('toYaml: scalar quoting', () => {
  // Each of these would change type or meaning as a plain scalar for a YAML 1.1 or 1.2 reader.
  test.each([
    ['true'],
    ['false'],
    ['True'],
    ['FALSE'],
    ['yes'],
    ['no'],
    ['Yes'],
    ['NO'],
    ['on'],
    ['off'],
    ['On'],
    ['OFF'],
    ['y'],
    ['n'],
    ['Y'],
    ['N'],
    ['null'],
    ['Null'],
    ['~'],
    [''],
    ['<<'],
    ['='],
    ['0.31'],
    ['1e3'],
    ['1E+3'],
    ['0x1F'],
    ['0X1F'],
    ['0o17'],
    ['0b101'],
    ['08'],
    ['0777'],
    ['1_000'],
    ['+1'],
    ['-1'],
    ['.5'],
    ['.'],
    ['1.'],
    ['e9'],
    ['E-1'],
    ['-.e9'],
    ['0x'],
    ['0x_'],
    ['0b_'],
    ['.inf'],
    ['-.Inf'],
    ['+.INF'],
    ['.nan'],
    ['.NaN'],
    ['1:30'],
    ['190:20:30.15'],
    ['2001-12-14'],
    ['2001-12-14t21:59:43.10-05:00'],
    ['2001-12-14 21:59:43.10 -5'],
    [' a'],
    ['a '],
    ['\u00a0a'],
    ['a\u3000'],
    ['-'],
    ['- a'],
    ['?'],
    ['? a'],
    ['?a'],
    [':'],
    [': a'],
    [':a'],
    [','],
    ['[a]'],
    [']'],
    ['{a}'],
    ['}'],
    ['#a'],
    ['&a'],
    ['*a'],
    ['!a'],
    ['|a'],
    ['>a'],
    ["'a"],
    ['"a'],
    ['%a'],
    ['@a'],
    ['`a'],
    ['a: b'],
    ['a #b'],
    ['a:'],
    ['---'],
    ['--- a'],
    ['...'],
    ['a\tb'],
    ['a\u0007b'],
    ['a\rb'],
    ['\u007f'],
    ['\u0085'],
    ['\u009f'],
    ['\u2028'],
    ['\u2029'],
    ['\ufeff'],
    ['\ufffe'],
    ['\ud800'],
    ['a\udc00'],
  ])('quotes %j', (s) => {
    const text = toYaml({ k: s });
    expect(text.startsWith('k: "')).toBe(true);
    expect(readBoth(text)).toEqual({ v12: { k: s }, v11: { k: s } });
    // Keys follow the same rules.
    const keyed = toYaml({ [s]: 1 });
    expect(keyed.startsWith('"')).toBe(true);
    expect(readBoth(keyed)).toEqual({ v12: { [s]: 1 }, v11: { [s]: 1 } });
  });

  test.each([
    ['--set'],
    ['-foo'],
    ['a#b'],
    ['a:b'],
    ['http://x:80/a#b'],
    ['0.32.0'],
    ['1.2.3'],
    ['v1'],
    ['a b'],
    ['a,b'],
    ['a[0]'],
    ['é'],
    ['日本語'],
    ['😀'],
    ['CreateNamespace=true'],
    ['a}}'],
    ['1h'],
    ['200m'],
    ['x.'],
    ['inf'],
    ['NaN'],
    ['nil'],
    ['yess'],
    ['0xg'],
    ['1.2.3e4'],
    ['e'],
    ['ee9'],
    ['exit'],
    ['2001-12'],
    ['a\u00a0b'],
  ])('writes %j plain', (s) => {
    const text = toYaml({ k: s });
    expect(text).toBe(`k: ${s}\n`);
    expect(readBoth(text)).toEqual({ v12: { k: s }, v11: { k: s } });
  });

  test('escapes JSON-style, plus what JSON leaves raw', () => {
    const s = 'q"b\\s\b\f\n\r\t\u0000\u001b\u007f\u0085\u2028\u2029\ufeff\uffff\ud800 é😀';
    const text = toYaml(s);
    expect(text).toBe('"q\\"b\\\\s\\b\\f\\n\\r\\t\\u0000\\u001b\\u007f\\u0085\\u2028\\u2029\\ufeff\\uffff\\ud800 é😀"\n');
    expect(readBoth(text)).toEqual({ v12: s, v11: s });
  });

  test.each([
    ['one trailing newline → |', 'a\n  b\nc\n', 'k: |\n  a\n    b\n  c\n'],
    ['no trailing newline → |-', 'a\nb', 'k: |-\n  a\n  b\n'],
    ['empty lines carry no indentation', 'a\n\nb\n', 'k: |\n  a\n\n  b\n'],
    ['a leading empty line', '\na', 'k: |-\n\n  a\n'],
    ['two trailing newlines → double quotes', 'a\n\n', 'k: "a\\n\\n"\n'],
    ['trailing space on a line → double quotes', 'a \nb', 'k: "a \\nb"\n'],
    ['leading space on the first line → double quotes', ' a\nb', 'k: " a\\nb"\n'],
    ['a tab → double quotes', 'a\tb\nc', 'k: "a\\tb\\nc"\n'],
    ['CRLF → double quotes', 'a\r\nb', 'k: "a\\r\\nb"\n'],
    ['only newlines → double quotes', '\n', 'k: "\\n"\n'],
    ['text that looks like YAML stays text', 'key: value\n- item\n---\n# c\n', 'k: |\n  key: value\n  - item\n  ---\n  # c\n'],
  ])('multi-line: %s', (_name, s, expected) => {
    expect(toYaml({ k: s })).toBe(expected);
    expect(readBoth(expected)).toEqual({ v12: { k: s }, v11: { k: s } });
  });

  test('multi-line strings in sequences and keys', () => {
    const value = { list: ['a\nb\n', ['c\nd']], 'multi\nline key': 1 };
    const text = toYaml(value);
    expect(text).toBe('list:\n  - |\n    a\n    b\n  - - |-\n      c\n      d\n"multi\\nline key": 1\n');
    expect(readBoth(text)).toEqual({ v12: value, v11: value });
  });

  test.each([
    [0, '0'],
    [-0, '-0'],
    [42, '42'],
    [-7, '-7'],
    [0.5, '0.5'],
    [1e21, '1e+21'],
    [5e-324, '5e-324'],
    [-1.5e-7, '-1.5e-7'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('number %p', (n, expected) => {
    const text = toYaml({ n });
    expect(text).toBe(`"n": ${expected}\n`);
    expect(text).toBe(yamlOracle({ n }).replace(/^n:/, '"n":'));
    expect(Object.is((parse(text) as { n: number }).n, n)).toBe(true);
    expect(Object.is((parse(text, { version: '1.1' }) as { n: number }).n, n)).toBe(true);
  });
});

describe('toYaml: structure', () => {
  test.each([
    ['empty object', {}, '{}\n'],
    ['empty array', [], '[]\n'],
    ['null', null, 'null\n'],
    ['boolean', true, 'true\n'],
    ['string', 'hello', 'hello\n'],
    ['nested sequences', [[1, [2, 3]], [], {}], '- - 1\n  - - 2\n    - 3\n- []\n- {}\n'],
    ['mapping in sequence', [{ a: 1, b: { c: [true] } }], '- a: 1\n  b:\n    c:\n      - true\n'],
    ['undefined entries are skipped', { a: undefined, b: 1, c: { d: undefined } }, 'b: 1\nc: {}\n'],
    ['null-prototype object', Object.assign(Object.create(null) as object, { a: 1 }), 'a: 1\n'],
    ['integer-like keys come first, as in JS', { b: 1, 2: 'x' }, '"2": x\nb: 1\n'],
  ])('%s', (_name, value, expected) => {
    const text = toYaml(value);
    expect(text).toBe(expected);
    expect(text).toBe(yamlOracle(value));
  });

  test('a key longer than 1024 characters uses the explicit ? form', () => {
    const long = 'k'.repeat(1100);
    const value = { [long]: { a: 1, b: [1, 2] }, z: [long] };
    const text = toYaml(value);
    expect(text).toBe(`? ${long}\n: a: 1\n  b:\n    - 1\n    - 2\nz:\n  - ${long}\n`);
    expect(text).toBe(yamlOracle(value));
    expect(readBoth(text)).toEqual({ v12: value, v11: value });
  });

  test('toYamlDocuments: separators, no leading ---, empty list', () => {
    expect(toYamlDocuments([])).toBe('');
    expect(toYamlDocuments([{ a: 1 }])).toBe('a: 1\n');
    expect(toYamlDocuments([{ a: 1 }, [], 'x\ny\n', null])).toBe('a: 1\n---\n[]\n---\n|\n  x\n  y\n---\nnull\n');
    expect(parseAllDocuments(toYamlDocuments(['---', '...', { a: '---' }])).map((d) => d.toJS())).toEqual(['---', '...', { a: '---' }]);
  });
});

describe('toYaml: deliberate differences from YAML.stringify', () => {
  // Each row: input, what toYaml writes, and why it differs. The test also proves `yaml` does
  // differ (so a row becomes stale if `yaml` changes) and that toYaml's text reads back right.
  test.each([
    ['YAML 1.1 booleans are quoted (go-yaml reads yes/no/on/off/y/n as booleans)', { enabled: 'yes', n: 'off' }, 'enabled: "yes"\n"n": "off"\n'],
    ['YAML 1.1 numbers and timestamps are quoted', { a: '1_000', b: '0b101', c: '1:30', d: '2001-12-14' }, 'a: "1_000"\nb: "0b101"\nc: "1:30"\nd: "2001-12-14"\n'],
    ['the YAML 1.1 merge key is quoted', { '<<': 'x' }, '"<<": x\n'],
    ['quoted strings are always double-quoted JSON-style', { a: '{"b": 1}' }, 'a: "{\\"b\\": 1}"\n'],
    ['C1 controls, U+2028/2029 and BOM are escaped', { a: 'x\u0085y\u2028\ufeff' }, 'a: "x\\u0085y\\u2028\\ufeff"\n'],
    ['ESC is \\u001b, not \\e', { a: '\u001b[0m' }, 'a: "\\u001b[0m"\n'],
    ['trailing spaces in multi-line text force double quotes', { a: 'x \ny' }, 'a: "x \\ny"\n'],
    ['several trailing newlines force double quotes instead of |+', { a: 'x\n\n' }, 'a: "x\\n\\n"\n'],
    ['a leading space forces double quotes instead of |2', { a: ' x\ny' }, 'a: " x\\ny"\n'],
    ['a multi-line root string is indented', 'x\ny', '|-\n  x\n  y\n'],
    ['a shared object is written twice, no anchors', ((o) => ({ a: o, b: o }))({ c: 1 }), 'a:\n  c: 1\nb:\n  c: 1\n'],
  ])('%s', (_name, value, expected) => {
    const text = toYaml(value);
    expect(text).toBe(expected);
    expect(yamlOracle(value)).not.toBe(expected);
    expect(readBoth(text)).toEqual({ v12: value, v11: value });
  });
});

describe('toYaml: fails on values that are not JSON-like', () => {
  class Custom {
    readonly a = 1;
  }
  const cycle: Record<string, unknown> = { spec: { list: [] as unknown[] } };
  (cycle.spec as { list: unknown[] }).list.push(cycle);
  const arrayCycle: unknown[] = [];
  arrayCycle.push({ items: arrayCycle });

  test.each([
    ['fails on NaN', { spec: { replicas: NaN } }, /cannot write NaN at \$\.spec\.replicas: numbers must be finite/],
    ['fails on Infinity', [1, Infinity], /cannot write Infinity at \$\[1\]: numbers must be finite/],
    ['fails on -Infinity', -Infinity, /cannot write -Infinity at \$: numbers must be finite/],
    ['fails on a function', { a: { 'b.c': [() => 1] } }, /cannot write a function at \$\.a\["b\.c"\]\[0\]/],
    ['fails on a symbol', { s: Symbol('x') }, /cannot write a symbol at \$\.s/],
    ['fails on a bigint', { n: 10n }, /cannot write the bigint 10n at \$\.n/],
    ['fails on a Date', { at: new Date(0) }, /cannot write an instance of Date at \$\.at: only plain objects and arrays/],
    ['fails on a Map', new Map(), /cannot write an instance of Map at \$/],
    ['fails on a Buffer', { data: Buffer.from('x') }, /cannot write an instance of Buffer at \$\.data/],
    ['fails on a class instance', [new Custom()], /cannot write an instance of Custom at \$\[0\]/],
    ['fails on an object cycle', cycle, /cannot write an object at \$\.spec\.list\[0\]: the value contains a cycle/],
    ['fails on an array cycle', arrayCycle, /cannot write an array at \$\[0\]\.items: the value contains a cycle/],
    ['fails on an undefined array item', { args: ['a', undefined] }, /cannot write undefined at \$\.args\[1\]: array items must not be undefined/],
    ['fails on undefined', undefined, /cannot write undefined at \$/],
  ])('%s', (_name, value, message) => {
    expect(() => toYaml(value)).toThrow(TypeError);
    expect(() => toYaml(value)).toThrow(message);
  });

  test('fails with the document index in a stream', () => {
    expect(() => toYamlDocuments([{ a: 1 }, { b: NaN }])).toThrow(/^document 1: toYaml: cannot write NaN at \$\.b/);
  });
});

describe('toYaml: round trip through YAML 1.2 and YAML 1.1 readers (property)', () => {
  /** Characters that trip YAML up: indicators, whitespace, controls, number and bool parts, non-BMP. */
  const trouble = fc.constantFrom(
    ...'-?:,[]{}#&*!|>\'"%@`~<=. \t\n\r\\/_+0123456789eExXoObBtTyYnNaA'.split(''),
    '\u0000',
    '\u0007',
    '\u001b',
    '\u007f',
    '\u0085',
    '\u00a0',
    '\u2028',
    '\u2029',
    '\ufeff',
    '\uffff',
    '\ud800',
    '\udc00',
    'é',
    '日',
    '😀',
  );
  const words = fc.constantFrom(
    'yes',
    'no',
    'on',
    'off',
    'y',
    'n',
    'true',
    'False',
    'null',
    '~',
    '',
    '0.31',
    '1e3',
    '0x1F',
    '08',
    '.inf',
    '-.nan',
    '1_000',
    '1:30',
    '2001-12-14',
    '<<',
    '=',
    '---',
    '...',
    '- ',
    '? ',
    ': ',
    ' #',
    '0.32.0',
  );
  const line = fc.oneof(fc.string({ unit: trouble, maxLength: 12 }), words, fc.string({ maxLength: 12 }));
  const hostileString = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: trouble, maxLength: 16 }) },
    { weight: 2, arbitrary: words },
    { weight: 2, arbitrary: fc.array(line, { maxLength: 5 }).map((lines) => lines.join('\n')) },
    { weight: 1, arbitrary: fc.array(words, { maxLength: 4 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789._:+-eExXoObB'.split('')), maxLength: 10 }) },
  );
  const leaf = fc.oneof(
    { weight: 4, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(hostileString, tie('tree'), { maxKeys: 4 })),
  }));

  function roundTrips(value: unknown): void {
    const text = toYaml(value);
    expect(parse(text)).toEqual(value);
    expect(parse(text, { version: '1.1' })).toEqual(value);
  }

  test('fc.jsonValue()', () => {
    fc.assert(fc.property(fc.jsonValue(), roundTrips), { numRuns: 1000 });
  });

  test('fc.jsonValue() with full-Unicode strings', () => {
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'binary' }), roundTrips), { numRuns: 500 });
  });

  test('hostile strings as keys and values', () => {
    fc.assert(fc.property(tree, roundTrips), { numRuns: 2000 });
  });

  test('document streams', () => {
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 4 }), (docs) => {
        const text = toYamlDocuments(docs);
        expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(docs);
        expect(parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS())).toEqual(docs);
      }),
      { numRuns: 300 },
    );
  });
});
