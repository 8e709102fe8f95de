import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ValidationError } from '../../src/errors';
import { loadFleet, MAX_CA_FILE_BYTES, MAX_FLEET_FILE_BYTES, MAX_NESTING_DEPTH, MAX_VCLUSTERS, parseFleet } from '../../src/fleet/loader';
import { Fleet } from '../../src/fleet/types';
import { fluxDefaultReleaseName } from '../../src/constructs/names';
import { closestMatch, didYouMean, editDistance } from '../../src/fleet/suggest';
import { EXISTING_SOURCE, EXTERNAL_SECRET_SOURCE, sharedKeyFleet } from '../support/fleets';

const REPO = path.resolve(__dirname, '..', '..');
const VALID = path.join(__dirname, '..', 'fixtures', 'fleet');
const INVALID = path.join(__dirname, '..', 'fixtures', 'invalid');
/** A fake key for the plaintext source; tests assert it never shows up in messages. */
const FAKE_KEY = 'FAKE-test-only-access-key-0123456789abcdef';
const LAB_ENV = { LAB_PLATFORM_ACCESS_KEY: FAKE_KEY };

/** The error `fn` throws, which must be a ValidationError. */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw new Error(`expected a ValidationError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

/**
 * CPU milliseconds this process has used: bounds on it catch quadratic work without failing
 * when other processes share the machine (wall-clock time would).
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Certificate data is long and not the point of the snapshot: keep its size and first line. */
function forSnapshot(fleet: Fleet): unknown {
  return JSON.parse(
    JSON.stringify(fleet, (key, value: unknown) => {
      if (key === 'certificateAuthorityData' && typeof value === 'string') return `<PEM, ${value.length} characters, ${value.split('\n')[0]}>`;
      if (key === 'encryptedAccessKey' && typeof value === 'string') return `<${value.length} characters, ${value.slice(0, 8)}...>`;
      return value;
    }),
  );
}

/** A generated fleet of `n` vClusters with a realistic mix; `dedicatedKeys` gives each its own key. */
function generatedFleet(n: number, dedicatedKeys = false): string {
  const lines = [
    'platform:',
    '  host: platform.example.com',
    'defaults:',
    '  chartVersion: "0.36.1"',
    '  apiKey: shared',
    '  delivery: argocd',
    'flux:',
    '  namespace: flux-system',
    'apiKeys:',
    '  shared:',
    '    namespace: vcluster-platform',
    ...EXTERNAL_SECRET_SOURCE,
  ];
  if (dedicatedKeys) for (let i = 0; i < n; i++) lines.push(`  key-${i}:`, `    namespace: ns-${i}`, '    existing: {}');
  lines.push('vclusters:');
  for (let i = 0; i < n; i++) {
    lines.push(`  - name: team-${i}`, `    namespace: ns-${i}`);
    if (dedicatedKeys) lines.push(`    apiKey: key-${i}`);
    else lines.push(i % 3 === 0 ? '    delivery: flux' : i % 3 === 1 ? '    rbac: chart' : '    chartVersion: "0.31.3"');
  }
  return `${lines.join('\n')}\n`;
}

describe('loadFleet: valid fleets', () => {
  test('minimal fleet: defaults applied, host normalized', () => {
    // WHEN
    const fleet = loadFleet(path.join(VALID, 'minimal.yaml'), { env: {}, displayPath: 'minimal.yaml' });

    // THEN
    expect(forSnapshot(fleet)).toMatchSnapshot();
    expect(fleet.file).toBe('minimal.yaml');
    expect(fleet.platform).toEqual({ host: 'platform.example.com' }); // "https://platform.example.com/" as written
    const [vc] = fleet.vclusters;
    expect(vc).toEqual({
      name: 'team-a',
      namespace: 'team-a',
      chartVersion: '0.36.1',
      apiKey: 'shared',
      rbac: 'static',
      effectiveRelease: 'team-a',
      delivery: 'none',
    });
    expect(fleet.apiKeys[0]!.secretName).toBe('vcluster-platform-api-key');
    expect(fleet.apiKeys[0]!.source).toEqual({
      type: 'externalSecret',
      storeKind: 'ClusterSecretStore',
      storeName: 'vault',
      remoteKey: 'platform/vcluster-api-key',
      refreshInterval: '1h',
    });
    expect(fleet.argocd).toEqual({
      namespace: 'argocd',
      project: 'default',
      destinationServer: 'https://kubernetes.default.svc',
      applicationSet: false,
      syncPolicy: 'automated',
      prune: false,
      selfHeal: false,
    });
    expect(fleet.flux).toEqual({
      interval: '10m',
      valuesFrom: 'inline',
      sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' },
      path: './dist',
    });
  });

  test('fleet using every feature', () => {
    // WHEN
    const fleet = loadFleet(path.join(VALID, 'full.yaml'), { env: LAB_ENV, displayPath: 'full.yaml' });

    // THEN
    expect(forSnapshot(fleet)).toMatchSnapshot();
    const vc = (name: string) => fleet.vclusters.find((v) => v.name === name)!;
    const key = (id: string) => fleet.apiKeys.find((k) => k.id === id)!;

    // defaults and overrides
    expect(vc('team-a')).toMatchObject({ chartVersion: '0.36.1', apiKey: 'shared', rbac: 'static', delivery: 'argocd', project: 'team-projects' });
    expect(vc('team-b')).toMatchObject({ chartVersion: '0.31.3', rbac: 'chart', project: 'tenants', serviceAccountName: 'team-b-control-plane' }); // "v0.31.3" as written
    expect(fleet.platform.host).toBe('platform.example.com:8443');

    // effectiveRelease (FACTS §4)
    expect(vc('team-b')).toMatchObject({ release: 'team-b-vc', effectiveRelease: 'team-b-vc' }); // explicit
    expect(vc('team-a').release).toBeUndefined();
    expect(vc('team-a').effectiveRelease).toBe('team-a'); // Argo CD: the Application name
    expect(vc('analytics').effectiveRelease).toBe('analytics-analytics'); // Flux: <targetNamespace>-<name>
    expect(vc('flux-local').effectiveRelease).toBe('flux-local'); // Flux in its own namespace: no targetNamespace
    expect(vc('reporting').effectiveRelease).toBe('reporting'); // Flux, explicit
    expect(vc('payments').effectiveRelease).toBe('payments'); // none
    const long = vc('analytics-warehouse-ingest');
    const full = 'data-platform-analytics-warehouse-analytics-warehouse-ingest';
    expect(full.length).toBeGreaterThan(53);
    expect(long.effectiveRelease).toBe(fluxDefaultReleaseName('analytics-warehouse-ingest', 'data-platform-analytics-warehouse'));
    expect(long.effectiveRelease).toMatch(/^data-platform-analytics-warehouse-analyt-[0-9a-f]{11}$/);

    // keys: platform settings inherited or overridden, CA file read
    const ca = fs.readFileSync(path.join(VALID, 'platform-ca.pem'), 'utf8');
    expect(fleet.platform.certificateAuthorityData).toBe(ca);
    expect(key('shared')).toMatchObject({
      host: 'platform.example.com:8443',
      project: 'default',
      insecure: false,
      certificateAuthorityData: ca,
      rotation: '2026-11',
      fanOut: 'clusterExternalSecret',
    });
    expect(key('payments')).toMatchObject({ project: 'payments', insecure: true, instanceName: 'payments' });
    expect(key('payments').source).toMatchObject({ type: 'sealed', scope: 'strict', sealedFor: 'payments/vcluster-platform-api-key' });
    expect(key('lab')).toMatchObject({
      host: 'lab-platform.example.com',
      secretName: 'lab-platform-key',
      source: { type: 'plaintextFromEnv', variable: 'LAB_PLATFORM_ACCESS_KEY' },
    });
    expect(key('legacy')).toMatchObject({ secretName: 'old-key', source: { type: 'existing' } });
    expect(fleet.argocd.valuesRepository).toEqual({ repoURL: 'https://github.com/acme/platform-gitops.git', targetRevision: 'main', path: 'dist' });

    // The environment is only checked: its value never enters the result.
    expect(JSON.stringify(fleet)).not.toContain(FAKE_KEY);
  });

  test('parseFleet reads the CA file through the injected reader, relative to the fleet file', () => {
    // GIVEN
    const text = 'platform:\n  host: p.example.com\n  certificateAuthorityFile: certs/ca.pem\napiKeys: {}\nvclusters: []\n';
    const pem = fs.readFileSync(path.join(VALID, 'platform-ca.pem'), 'utf8');
    const read: string[] = [];

    // WHEN
    const fleet = parseFleet(text, '/repo/fleets/prod.yaml', { readFile: (p) => (read.push(p), pem) });

    // THEN
    expect(read).toEqual([path.resolve('/repo/fleets/certs/ca.pem')]);
    expect(fleet.platform.certificateAuthorityData).toBe(pem);
    expect(fleet.vclusters).toEqual([]);
  });

  test('an anchor changes nothing in what is loaded', () => {
    // GIVEN the same fleet, once plain and once with an anchor
    const plain = generatedFleet(20);
    const anchored = plain.replace('platform:', 'platform: &p');

    // THEN
    expect(parseFleet(anchored, 'a.yaml')).toEqual(parseFleet(plain, 'a.yaml'));
  });

  test.each([
    ['0', true],
    ['0s', true],
    ['1h30m', true],
    ['00', false],
    ['1d', false],
  ])('externalSecret refreshInterval %p (External Secrets reads "0" as fetch once): accepted = %p', (interval, accepted) => {
    // GIVEN
    const text = generatedFleet(1).replace(
      '      remoteRef: { key: platform/vcluster-api-key }',
      `      remoteRef: { key: platform/vcluster-api-key }\n      refreshInterval: "${interval}"`,
    );
    expect(text).toContain(`refreshInterval: "${interval}"`);

    // WHEN / THEN
    if (accepted) {
      expect(parseFleet(text, 'a.yaml').apiKeys[0]!.source).toMatchObject({ type: 'externalSecret', refreshInterval: interval });
    } else {
      expect(validationError(() => parseFleet(text, 'a.yaml')).problems.map((p) => p.path)).toEqual(['apiKeys.shared.externalSecret.refreshInterval']);
    }
  });

  test('a 10,000-vCluster fleet loads completely (and not in quadratic time)', () => {
    for (const dedicated of [false, true]) {
      const text = generatedFleet(10_000, dedicated);
      const start = cpuMs();
      const fleet = parseFleet(text, 'big.yaml');
      const ms = cpuMs() - start;
      expect(fleet.vclusters).toHaveLength(10_000);
      expect(fleet.apiKeys).toHaveLength(dedicated ? 10_001 : 1);
      // A loose bound: it takes about 1 s of CPU here; quadratic behaviour would take many seconds.
      expect(ms).toBeLessThan(5000);
    }
  });
});

describe('loadFleet: the bad-input corpus', () => {
  const cases = fs
    .readdirSync(INVALID)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  test('has at least 40 cases, each with an .expected file', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const c of cases) expect(fs.existsSync(path.join(INVALID, c.replace(/\.yaml$/, '.expected')))).toBe(true);
  });

  test.each(cases)('fails %s', (name) => {
    // GIVEN
    const file = path.join(INVALID, name);
    const expected = fs
      .readFileSync(file.replace(/\.yaml$/, '.expected'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');

    // WHEN
    const error = validationError(() => loadFleet(file, { env: {}, displayPath: path.relative(REPO, file) }));

    // THEN
    expect(error.message).toMatch(/^invalid fleet file test\/fixtures\/invalid\//);
    for (const substring of expected) expect(error.message).toContain(substring);
    expect(error.message).not.toMatch(/^\s+at /m); // no stack-trace lines
    expect(error.message.split('\n')).toHaveLength(error.problems.length + 1); // one line per problem
    for (const p of error.problems) {
      expect(p.file).toBe(path.relative(REPO, file));
      if (p.path !== '(file)') expect(p.line).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('loadFleet: schema and semantic problems in one run', () => {
  const BASE = [
    'platform:',
    '  host: http://platform.example.com', // semantic: plain http
    '  colour: blue', // schema: unknown field (does not stop the semantic checks)
    'defaults:',
    '  chartVersion: "0.36.1"',
    'apiKeys:',
    '  good:',
    '    namespace: vcluster-platform',
    '    existing: {}',
    '  broken:',
    '    namespace: Not_A_Namespace', // schema: the entry is left out of the semantic checks
    '    existing: {}',
    'vclusters:',
    '  - name: a',
    '    apiKey: good',
    '  - name: a', // semantic: duplicate of vclusters[0]
    '    apiKey: good',
    '  - name: b',
    '    apiKey: broken', // declared (though broken): no second problem
    '  - name: c',
    '    apiKey: missing', // semantic: undeclared
    '  - name: D', // schema: the entry is left out of the semantic checks
    '    apiKey: missing',
    '',
  ];

  test('fails listing the problems of every kind together, none twice and none derived from a refused entry', () => {
    const error = validationError(() => parseFleet(BASE.join('\n'), 'mixed.yaml'));
    expect(error.problems.map((p) => `${p.line}:${p.column} ${p.path}`)).toEqual([
      '2:9 platform.host',
      '3:3 platform.colour',
      '11:16 apiKeys.broken.namespace',
      '16:11 vclusters[1].name',
      '21:13 vclusters[3].apiKey',
      '22:11 vclusters[4].name',
    ]);
    expect(error.problems[3]!.message).toContain('duplicate vCluster');
    expect(error.problems[4]!.message).toContain('not declared');
  });

  test('fails with only the schema problems when the top level itself is wrong (the semantic checks need it)', () => {
    const text = BASE.join('\n').replace('  chartVersion: "0.36.1"', '  chartVersion: 36');
    const error = validationError(() => parseFleet(text, 'mixed.yaml'));
    expect(error.problems.map((p) => p.path)).toEqual(['platform.colour', 'defaults.chartVersion', 'apiKeys.broken.namespace', 'vclusters[4].name']);
  });
});

describe('loadFleet: huge and hostile inputs (generated, not committed)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-loader-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('fails a 10 MB value quickly with a short message', () => {
    const file = path.join(dir, 'ten-mb.yaml');
    fs.writeFileSync(file, generatedFleet(1).replace('name: team-0', `name: ${'a'.repeat(10 * 1024 * 1024)}`));
    const error = validationError(() => loadFleet(file, { displayPath: 'ten-mb.yaml' }));
    expect(error.message).toContain('ten-mb.yaml:16:11: vclusters[0].name: is too long: 10485760 characters, at most 63 allowed');
    expect(error.message.length).toBeLessThan(1000);
  });

  test('fails a file over 16 MiB before reading it', () => {
    const file = path.join(dir, 'huge.yaml');
    fs.writeFileSync(file, `#${'x'.repeat(MAX_FLEET_FILE_BYTES)}`);
    const error = validationError(() => loadFleet(file, { displayPath: 'huge.yaml' }));
    expect(error.message).toContain('huge.yaml: (file): the file is 16777217 bytes; fleet files are limited to 16777216 bytes (16 MiB)');
  });

  test('fails a 100,000-vCluster fleet with a clear message', () => {
    const error = validationError(() => parseFleet(generatedFleet(100_000), 'fleet.yaml'));
    expect(error.message).toContain(`fleet.yaml:15:1: vclusters: declares 100000 vClusters; at most ${MAX_VCLUSTERS} are supported`);
    expect(error.problems).toHaveLength(1);
  });

  test('fails too many vClusters written as a flow list as well', () => {
    const text = `platform:\n  host: p.example.com\napiKeys: {}\nvclusters: [${Array.from({ length: MAX_VCLUSTERS + 1 }, () => 'x').join(', ')}]\n`;
    expect(validationError(() => parseFleet(text, 'f.yaml')).message).toContain('f.yaml:4:1: vclusters: declares 50001 vClusters');
  });

  /** A fleet whose unknown top-level field `deep` holds maps nested until level `levels` (the root map is level 1). */
  const nestedMaps = (levels: number): string => generatedFleet(1) + Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}${i === 0 ? 'deep' : 'a'}:`).join('\n') + ' x\n';

  test.each([
    // [case, text, where the 101st level starts]
    ['flow nesting, 50,000 levels', `a: ${'['.repeat(50_000)}`, '1:103'],
    ['block nesting, 3,000 levels (4.5 MB; the stack overflowed here)', Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}- `).join('\n') + 'x', '101:101'],
    ['block nesting, 1,000 levels (yaml said "Maximum call stack size exceeded")', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}- `).join('\n') + 'x', '101:101'],
    ['maps nested 101 levels', nestedMaps(101), `${generatedFleet(1).split('\n').length + 100}:201`],
  ])('fails %s at the level past the limit, before anything recursive runs', (_, text, where) => {
    const error = validationError(() => parseFleet(text, 'deep.yaml'));
    expect(error.message).toBe(
      `invalid fleet file deep.yaml: 1 problem:\n  - deep.yaml:${where}: (yaml): maps and lists are nested more than ${MAX_NESTING_DEPTH} levels deep here; a fleet file needs fewer than 10, so this is refused (allowed: at most ${MAX_NESTING_DEPTH} levels of nesting)`,
    );
  });

  test('accepts nesting up to the limit (then other checks speak)', () => {
    // The root map is level 1, so 99 maps under it reach level 100.
    const error = validationError(() => parseFleet(nestedMaps(100), 'deep.yaml'));
    expect(error.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^unknown field 'deep'/)]);
  });

  test('fails with every problem, capped at 100 listed plus a count of the rest', () => {
    // 300 vClusters named alike in one namespace: 299 duplicates.
    const text = generatedFleet(300)
      .replace(/namespace: ns-\d+/g, 'namespace: same')
      .replace(/name: team-\d+/g, 'name: team')
      .replace(/delivery: flux/g, 'rbac: static');
    const error = validationError(() => parseFleet(text, 'dups.yaml'));
    expect(error.problems).toHaveLength(101);
    expect(error.message).toContain('199 more problems not shown');
  });

  test('__proto__ and constructor keys pollute nothing', () => {
    const text = generatedFleet(1).replace('vclusters:', '__proto__:\n  polluted: true\nconstructor:\n  polluted: true\nvclusters:');
    validationError(() => parseFleet(text, 'p.yaml'));
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('loadFleet: bounded work on endless, amplified and all-wrong input', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-bounded-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The error of `fn` and how long it took. */
  function timed(fn: () => unknown): { error: ValidationError; ms: number } {
    const start = cpuMs();
    const error = validationError(fn);
    return { error, ms: cpuMs() - start };
  }

  /** A fleet with one existing shared key whose vClusters are written by `vcluster`. */
  const fleetOf = (n: number, vcluster: (i: number) => string[]): string => sharedKeyFleet(n, vcluster, EXISTING_SOURCE);

  const HAS_DEV_ZERO = fs.existsSync('/dev/zero');
  (HAS_DEV_ZERO ? test : test.skip)('reads a device without a size (/dev/zero) only up to 16 MiB + 1 byte, then refuses it', () => {
    const { error, ms } = timed(() => loadFleet('/dev/zero', { displayPath: 'zero' }));
    expect(error.message).toBe(
      `invalid fleet file zero: 1 problem:\n  - zero: (file): more than ${MAX_FLEET_FILE_BYTES} bytes arrived and reading stopped there; fleet files are limited to ${MAX_FLEET_FILE_BYTES} bytes (16 MiB)`,
    );
    expect(ms).toBeLessThan(10_000);
  });

  const HAS_MKFIFO = spawnSync('sh', ['-c', 'command -v mkfifo']).status === 0;
  (HAS_MKFIFO ? test : test.skip)(
    'refuses a pipe that keeps sending and never closes, after 16 MiB + 1 byte',
    () => {
      const fifo = path.join(dir, 'endless.pipe');
      execFileSync('mkfifo', [fifo]);
      // The writer is another process (loadFleet blocks this thread while it reads). It sends 64 MiB
      // and then holds the pipe open for 20 s, so an unbounded read fails this test instead of hanging it.
      const script = [
        'const fs = require("fs");',
        `const fd = fs.openSync(${JSON.stringify(fifo)}, "w");`,
        'const b = Buffer.alloc(1 << 20, 35);',
        'try { for (let i = 0; i < 64; i++) fs.writeSync(fd, b); } catch { process.exit(0); }',
        'setTimeout(() => process.exit(0), 20000);',
      ].join('\n');
      const writer = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      try {
        const { error } = timed(() => loadFleet(fifo, { displayPath: 'endless.pipe' }));
        expect(error.message).toContain(
          `endless.pipe: (file): more than ${MAX_FLEET_FILE_BYTES} bytes arrived and reading stopped there; fleet files are limited to ${MAX_FLEET_FILE_BYTES} bytes (16 MiB)`,
        );
      } finally {
        writer.kill('SIGKILL');
      }
    },
    30_000,
  );

  (HAS_MKFIFO ? test : test.skip)(
    'reads a pipe that closes under the limit completely',
    () => {
      const fifo = path.join(dir, 'fleet.pipe');
      execFileSync('mkfifo', [fifo]);
      const source = path.join(dir, 'fleet-source.yaml');
      fs.writeFileSync(source, generatedFleet(3000));
      const writer = spawn(process.execPath, ['-e', `const fs = require('fs'); fs.writeFileSync(${JSON.stringify(fifo)}, fs.readFileSync(${JSON.stringify(source)}))`], {
        stdio: 'ignore',
      });
      try {
        expect(loadFleet(fifo).vclusters).toHaveLength(3000);
      } finally {
        writer.kill('SIGKILL');
      }
    },
    30_000,
  );

  test.each([
    [MAX_CA_FILE_BYTES, "the file 'big-ca.pem' is not PEM certificate data"],
    [MAX_CA_FILE_BYTES + 1, `cannot read the certificate authority file (larger than ${MAX_CA_FILE_BYTES} bytes)`],
  ])('fails a certificate authority file of %p bytes at the field naming it, with %p', (bytes, reason) => {
    fs.writeFileSync(path.join(dir, 'big-ca.pem'), Buffer.alloc(bytes, 'x'));
    const fleet = path.join(dir, 'big-ca.yaml');
    fs.writeFileSync(fleet, generatedFleet(1).replace('  host: platform.example.com', '  host: platform.example.com\n  certificateAuthorityFile: big-ca.pem'));
    const error = validationError(() => loadFleet(fleet, { displayPath: 'big-ca.yaml' }));
    expect(error.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}`)).toEqual(['big-ca.yaml:3:29 platform.certificateAuthorityFile']);
    expect(error.message).toContain(reason);
  });

  test('checks a small file whose aliases multiply one big map in seconds, listing 100 problems', () => {
    // 500 aliases of a 300-field map: far under yaml's maxAliasCount, 150,000 problems if all were collected.
    const map = Array.from({ length: 300 }, (_, i) => `  k${i}: x`).join('\n');
    const text = `platform:\n  host: platform.example.com\napiKeys: {}\nbig: &m\n${map}\nvclusters:\n${Array.from({ length: 500 }, () => '  - *m').join('\n')}\n`;
    const { error, ms } = timed(() => parseFleet(text, 'amplified.yaml'));
    expect(ms).toBeLessThan(5000);
    expect(error.problems).toHaveLength(101);
    expect(error.message).toContain("amplified.yaml:4:1: big: unknown field 'big'");
    // The aliased map is where the problems are written.
    expect(error.message).toContain("amplified.yaml:5:3: vclusters[0].k0: unknown field 'k0'");
    expect(error.message).toMatch(/amplified\.yaml: \(more\): at least \d+ more problems not shown; fix the ones above and run again$/);
  }, 30_000);

  test('refuses aliases that stand for more data than a fleet file may hold, at the alias that passes the limit', () => {
    const map = Array.from({ length: 300 }, (_, i) => `  k${i}: x`).join('\n');
    const text = `platform:\n  host: platform.example.com\napiKeys: {}\nbig: &m\n${map}\nvclusters:\n${Array.from({ length: 9000 }, () => '  - *m').join('\n')}\n`;
    expect(text.length).toBeLessThan(70_000);
    const { error, ms } = timed(() => parseFleet(text, 'amplified.yaml'));
    expect(ms).toBeLessThan(10_000);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toMatch(/amplified\.yaml:\d+:5: \(yaml\): YAML aliases expand to too much data \(what they stand for passes 16777216 characters/);

    // One long string aliased in every vCluster: each alias is one use for yaml, but a megabyte to check.
    const strings = fleetOf(0, () => []).replace(
      'vclusters:\n',
      `s: &s "${'a'.repeat(1_000_000)}"\nvclusters:\n${Array.from({ length: 100 }, () => '  - { name: *s }').join('\n')}\n`,
    );
    expect(validationError(() => parseFleet(strings, 'strings.yaml')).message).toContain('YAML aliases expand to too much data');
  }, 30_000);

  test('refuses a ~7 MB fleet with errors in every vCluster in seconds, counting at least the problems found', () => {
    const text = fleetOf(49_000, (i) => [`  - name: Team-${i}`, `    namespace: ns-${i}`, '    replicas: three', '    delivery: argo', '    rbac: static']);
    const { error, ms } = timed(() => parseFleet(text, 'all-bad.yaml'));
    expect(ms).toBeLessThan(10_000);
    expect(error.problems).toHaveLength(101);
    expect(error.message).toContain('all-bad.yaml:11:11: vclusters[0].name: not a valid DNS-1123 label (it contains upper-case letters)');
    expect(error.message).toContain("all-bad.yaml:13:5: vclusters[0].replicas: unknown field 'replicas'");
    expect(error.message).toContain("all-bad.yaml:14:15: vclusters[0].delivery: unknown value; did you mean 'argocd'?");
    expect(error.message).toMatch(/all-bad\.yaml: \(more\): at least \d+ more problems not shown; fix the ones above and run again$/);
  }, 30_000);

  test('counts every problem exactly when there are few enough to check them all', () => {
    const text = fleetOf(2000, (i) => [`  - name: Team-${i}`, `    namespace: ns-${i}`, '    replicas: three']);
    const error = validationError(() => parseFleet(text, 'some-bad.yaml'));
    expect(error.message).toMatch(/some-bad\.yaml: \(more\): 3900 more problems not shown; fix the ones above and run again$/);
  });

  test('refuses 50,000 access keys without a source in seconds', () => {
    const lines = ['platform:', '  host: platform.example.com', 'apiKeys:'];
    for (let i = 0; i < 50_000; i++) lines.push(`  key-${i}:`, `    namespace: ns-${i}`);
    lines.push('vclusters: []');
    const { error, ms } = timed(() => parseFleet(`${lines.join('\n')}\n`, 'keys.yaml'));
    expect(ms).toBeLessThan(10_000);
    expect(error.message).toContain('keys.yaml:5:5: apiKeys.key-0: has no source');
    expect(error.message).toMatch(/more problems not shown/);
  }, 30_000);

  test('refuses 20,000 duplicate keys in seconds, each named by its path', () => {
    const text = fleetOf(20_000, (i) => [`  - name: a-${i}`, `    name: b-${i}`]);
    const { error, ms } = timed(() => parseFleet(text, 'dups.yaml'));
    expect(ms).toBeLessThan(10_000);
    expect(error.message).toContain("dups.yaml:12:5: vclusters[0].name: duplicate key 'name'");
    expect(error.message).toContain('dups.yaml: (more): 19900 more problems not shown');
  }, 30_000);

  test('refuses 10,000 misspelled key references among 10,000 keys in seconds, suggesting for the first ones', () => {
    const lines = ['platform:', '  host: platform.example.com', 'defaults:', '  chartVersion: "0.36.1"', 'apiKeys:'];
    for (let i = 0; i < 10_000; i++) lines.push(`  key-${i}:`, `    namespace: ns-${i}`, '    existing: {}');
    lines.push('vclusters:');
    for (let i = 0; i < 10_000; i++) lines.push(`  - name: v-${i}`, `    apiKey: kye-${i}`);
    const { error, ms } = timed(() => parseFleet(`${lines.join('\n')}\n`, 'typos.yaml'));
    expect(ms).toBeLessThan(10_000);
    expect(error.message).toContain("vclusters[0].apiKey: names the access key 'kye-0', which is not declared under apiKeys; did you mean 'key-0'?");
    expect(error.message).toContain('typos.yaml: (more): 9900 more problems not shown');
  }, 30_000);
});

describe('loadFleet: secrets stay out of messages', () => {
  test('fails without showing a plaintextFromEnv value', () => {
    // GIVEN a fleet with a plaintext key whose variable is set, and other problems
    const text = [
      'platform:',
      '  host: platform.example.com',
      'apiKeys:',
      '  lab:',
      '    namespace: lab',
      '    plaintextFromEnv: { variable: LAB_PLATFORM_ACCESS_KEY, allowPlaintext: true }',
      '  empty:',
      '    namespace: lab2',
      '    plaintextFromEnv: { variable: EMPTY_KEY, allowPlaintext: true }',
      'vclusters:',
      '  - name: lab',
      '    apiKey: lab',
      '    chartVersion: "0.1"',
      '',
    ].join('\n');

    // WHEN
    const error = validationError(() => parseFleet(text, 'lab.yaml', { env: { ...LAB_ENV, EMPTY_KEY: '' } }));

    // THEN
    expect(error.message).toContain('environment variable EMPTY_KEY is empty');
    expect(error.message).toContain('vclusters[0].chartVersion: is not a semantic version');
    for (let i = 0; i + 8 <= FAKE_KEY.length; i++) expect(error.message).not.toContain(FAKE_KEY.slice(i, i + 8));
  });

  test('fails on a plaintextFromEnv value with a stray newline, at the fleet field, without showing it', () => {
    const text = [
      'platform:',
      '  host: platform.example.com',
      'apiKeys:',
      '  lab:',
      '    namespace: lab',
      '    plaintextFromEnv: { variable: LAB_PLATFORM_ACCESS_KEY, allowPlaintext: true }',
      'vclusters:',
      '  - name: lab',
      '    apiKey: lab',
      '    chartVersion: "0.36.1"',
      '',
    ].join('\n');
    const error = validationError(() => parseFleet(text, 'lab.yaml', { env: { LAB_PLATFORM_ACCESS_KEY: `${FAKE_KEY}\n` } }));
    expect(error.problems.map((p) => `${p.file}:${p.line} ${p.path}`)).toEqual(['lab.yaml:6 apiKeys.lab.plaintextFromEnv.variable']);
    expect(error.message).toContain('contains whitespace or control characters');
    for (let i = 0; i + 8 <= FAKE_KEY.length; i++) expect(error.message).not.toContain(FAKE_KEY.slice(i, i + 8));
  });

  test('fails without showing more than a short prefix of a sealed value', () => {
    const file = path.join(INVALID, 'sealed-for-other-namespace.yaml');
    const sealed = /encryptedAccessKey: (\S+)/.exec(fs.readFileSync(file, 'utf8'))![1]!;
    const bad = fs.readFileSync(file, 'utf8').replace(`encryptedAccessKey: ${sealed}`, `encryptedAccessKey: ${sealed.slice(0, 300)}`);
    const error = validationError(() => parseFleet(bad, 'sealed.yaml'));
    expect(error.message).toContain('apiKeys.payments.sealed.encryptedAccessKey: is not a sealed value');
    for (let i = 0; i + 8 <= 300; i++) expect(error.message).not.toContain(sealed.slice(i, i + 8));
  });

  test('fails with user information in a host masked', () => {
    const error = validationError(() => loadFleet(path.join(INVALID, 'host-userinfo.yaml'), { env: {} }));
    expect(error.message).not.toContain('hunter2');
  });
});

describe('schema/vclusters.schema.json', () => {
  test('every object is closed and every field is described', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'schema', 'vclusters.schema.json'), 'utf8')) as Record<string, unknown>;
    const defs = schema.$defs as Record<string, Record<string, unknown>>;
    const described = (s: Record<string, unknown>): boolean =>
      typeof s.description === 'string' || (typeof s.$ref === 'string' && typeof defs[s.$ref.replace('#/$defs/', '')]?.description === 'string');
    const problems: string[] = [];
    const walk = (s: Record<string, unknown>, where: string): void => {
      if (s.type === 'object' && s.additionalProperties === undefined) problems.push(`${where}: additionalProperties not set`);
      for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (!described(sub)) problems.push(`${where}.${name}: no description`);
        walk(sub, `${where}.${name}`);
      }
    };
    walk(schema, '(root)');
    for (const [name, def] of Object.entries(defs)) {
      if (typeof def.description !== 'string') problems.push(`$defs.${name}: no description`);
      walk(def, `$defs.${name}`);
    }
    expect(problems).toEqual([]);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});

describe('suggest', () => {
  test('editDistance counts a swap of neighbours as one edit', () => {
    expect(editDistance('namespace', 'namespace')).toBe(0);
    expect(editDistance('namespce', 'namespace')).toBe(1);
    expect(editDistance('namespcae', 'namespace')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('a'.repeat(1000), 'b', 2)).toBe(3);
  });

  test.each([
    ['namespce', 'namespace'],
    ['chartversion', 'chartVersion'],
    ['apikey', 'apiKey'],
    ['vcluster', 'vclusters'],
    ['argo', 'argocd'],
    ['replicas', undefined],
    ['x', undefined],
    ['<500 characters>', undefined],
  ])('closestMatch(%j) is %j', (label, expected) => {
    const word = label === '<500 characters>' ? 'a'.repeat(500) : label;
    expect(closestMatch(word, ['name', 'namespace', 'chartVersion', 'apiKey', 'vclusters', 'argocd', 'flux', 'none'])).toBe(expected);
  });

  test('didYouMean phrases a suggestion only when there is one', () => {
    expect(didYouMean('namespce', ['namespace'])).toBe("; did you mean 'namespace'?");
    expect(didYouMean('zzz', ['namespace'])).toBe('');
  });
});

describe('loadFleet: credentials in URLs (issue 11)', () => {
  test.each(['url-values-repository-credentials.yaml', 'url-repository-token.yaml', 'url-cluster-server-credentials.yaml'])('fails %s without showing the secret', (name) => {
    const file = path.join(INVALID, name);
    const error = validationError(() => loadFleet(file, { env: {}, displayPath: name }));
    expect(error.problems).toHaveLength(1);
    expect(error.message).toMatch(/must not carry user information/);
    expect(error.message).toContain('***@');
    expect(error.message).not.toMatch(/FAKEtoken|FAKEpassword/);
  });

  test('fails a token in a repoURL the schema refuses too, masked there as well', () => {
    const text = sharedKeyFleet(1).replace('vclusters:', 'argocd:\n  valuesRepository:\n    repoURL: "https://git:FAKEtoken@github.com/acme/p.git x"\nvclusters:');
    const error = validationError(() => parseFleet(text, 'fleet.yaml', { env: {} }));
    expect(error.message).toContain('***@github.com');
    expect(error.message).not.toContain('FAKEtoken');
  });

  test('an SSH repository URL with its user name is accepted', () => {
    const text = sharedKeyFleet(1).replace('vclusters:', 'argocd:\n  valuesRepository:\n    repoURL: git@github.com:acme/platform.git\nvclusters:');
    expect(parseFleet(text, 'fleet.yaml', { env: {} }).argocd.valuesRepository!.repoURL).toBe('git@github.com:acme/platform.git');
  });
});

describe('loadFleet: keys in system and GitOps namespaces (issue 11)', () => {
  const fleetWithKeyIn = (namespace: string, extra: string[] = [], top: string[] = []): string =>
    sharedKeyFleet(1, undefined, EXISTING_SOURCE)
      .replace('    namespace: vcluster-platform', [`    namespace: ${namespace}`, ...extra].join('\n'))
      .replace('apiKeys:', [...top, 'apiKeys:'].join('\n'));

  test.each([
    ['kube-system', [], /Kubernetes system namespace/],
    ['kube-public', [], /Kubernetes system namespace/],
    ['kube-node-lease', [], /Kubernetes system namespace/],
    ['argocd', [], /this fleet's GitOps namespace \(Argo CD, argocd.namespace by default\)/],
    ['flux-system', [], /this fleet's GitOps namespace \(Flux, flux.sourceRef.namespace by default\)/],
    ['external-secrets', [], /usual namespace of a GitOps or secrets tool/],
    ['sealed-secrets', [], /usual namespace of a GitOps or secrets tool/],
    ['gitops', ['argocd:', '  namespace: gitops'], /this fleet's GitOps namespace \(argocd.namespace\)/],
  ] as const)('fails a key in %s', (namespace, top, message) => {
    const error = validationError(() => parseFleet(fleetWithKeyIn(namespace, [], [...top]), 'fleet.yaml', { env: {} }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.path).toBe('apiKeys.shared.namespace');
    expect(error.problems[0]!.line).toBe(top.length + 8);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('allowSystemNamespace: true');
  });

  test('allowSystemNamespace: true lets the fleet keep its key there, and says so in the loaded fleet', () => {
    const fleet = parseFleet(fleetWithKeyIn('kube-system', ['    allowSystemNamespace: true']), 'fleet.yaml', { env: {} });
    expect(fleet.apiKeys[0]).toMatchObject({ namespace: 'kube-system', allowSystemNamespace: true });
  });

  test.each(['default', 'vcluster-platform', 'argocd-apps'])('a key in %s is accepted', (namespace) => {
    expect(parseFleet(fleetWithKeyIn(namespace), 'fleet.yaml', { env: {} }).apiKeys[0]!.namespace).toBe(namespace);
  });

  test('fails allowSystemNamespace that is not a boolean', () => {
    const error = validationError(() => parseFleet(fleetWithKeyIn('kube-system', ['    allowSystemNamespace: "yes"']), 'fleet.yaml', { env: {} }));
    expect(error.problems.some((p) => p.path.startsWith('apiKeys.shared'))).toBe(true);
  });
});
