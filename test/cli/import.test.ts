import { execFileSync } from 'child_process';
/**
 * The `import` command: hand-made objects as the docs describe them (a kubectl-created Secret,
 * Applications with valuesObject / values, a Flux HelmRelease, a `kubectl get -o yaml` List),
 * refusals, and the round trip synth → import → synth on every example fleet. No access key
 * may ever appear in what import prints or writes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { generateFleetYaml } from '../../bench/fleet-generator';
import { main } from '../../src/cli/import';
import { parseChartVersion, ValuesLayout, valuesLayoutFor } from '../../src/constructs/chart-version';
import { run as synth } from '../../src/cli/synth';
import { loadFleet, parseFleet } from '../../src/fleet/loader';
import { synthesizeFleet } from '../../src/fleet/synthesize';
import { Fleet } from '../../src/fleet/types';

const REPO = path.resolve(__dirname, '..', '..');
const FIXTURES = 'test/fixtures/import';
/** The fake access keys in the fixtures, as written and base64-encoded: none may leak. */
const FAKE_KEYS = ['FAKE-demo-access-key-not-real-0001', 'FAKE-demo-access-key-not-real-0002', 'fake-lab-access-key-for-round-trip'];
const LEAKS = FAKE_KEYS.flatMap((k) => [k, Buffer.from(k).toString('base64')]);
const ENV = { LAB_PLATFORM_ACCESS_KEY: FAKE_KEYS[2]! };

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'import-test-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runImport(argv: readonly string[], stdin?: string, cwd = REPO): Result {
  let stdout = '';
  let stderr = '';
  const code = main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd,
    readStdin: () => {
      if (stdin === undefined) throw new Error('stdin read unexpectedly');
      return stdin;
    },
  });
  return { code, stdout, stderr };
}

function expectNoKeyMaterial(...texts: string[]): void {
  for (const text of texts) for (const leak of LEAKS) expect(text).not.toContain(leak);
}

function loadText(text: string, dir = REPO): Fleet {
  return parseFleet(text, path.join(dir, 'imported.yaml'), { env: {} });
}

function fleetData(text: string): any {
  return parse(text);
}

describe('hand-made objects', () => {
  const cases = [
    {
      name: 'Argo CD Applications (valuesObject, values string, both layouts) with a kubectl-created Secret',
      files: ['kubectl-secret.yaml', 'argocd-by-hand.yaml'],
      check: (f: any, fleet: Fleet, stderr: string) => {
        expect(f.apiKeys['vcluster-platform']).toEqual({ namespace: 'vcluster-platform', existing: {} });
        expect(f.platform.host).toBe('platform.example.com');
        const a = fleet.vclusters.find((v) => v.name === 'team-a')!;
        expect([a.namespace, a.chartVersion, a.rbac, a.effectiveRelease, a.project, a.delivery]).toEqual(['team-a', '0.36.1', 'static', 'team-a', 'team-a', 'argocd']);
        const b = fleet.vclusters.find((v) => v.name === 'team-b')!;
        expect([b.namespace, b.chartVersion, b.rbac, b.effectiveRelease]).toEqual(['tenants', '0.31.3', 'chart', 'team-b-vc']);
        expect(fleet.argocd).toMatchObject({ syncPolicy: 'automated', prune: false, selfHeal: true });
        // No resources finalizer on the Applications: deleting one leaves the vCluster running.
        expect([f.onRemoval, f.namePrefix, f.argocd.repository]).toEqual([undefined, undefined, undefined]);
        expect(stderr).toMatch(/argocd-by-hand\.yaml:\d+: Application argocd\/ingress-nginx: not mapped: not a vCluster Application/);
        expect(stderr).toContain('Application argocd/team-b: not mapped: values the fleet file cannot express, left out: sync.toHost.ingresses.enabled');
        // The Role and RoleBinding the team wrote are what the fleet now emits in static mode.
        const names = synthesizeFleet(fleet, {}).folders.flatMap((x) =>
          x.objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding').map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
        );
        expect(names).toEqual(['vcluster-platform/vc-team-a-v-team-a-platform-role', 'vcluster-platform/vc-team-a-v-team-a-platform-role-binding']);
      },
    },
    {
      name: 'a Flux HelmRelease with targetNamespace and an ExternalSecret (store kind defaulted)',
      files: ['flux-by-hand.yaml'],
      check: (f: any, fleet: Fleet) => {
        expect(f.apiKeys['platform-keys']).toEqual({
          namespace: 'platform-keys',
          project: 'data',
          externalSecret: { storeRef: { kind: 'SecretStore', name: 'vault' }, remoteRef: { key: 'secret/platform', property: 'vcluster' }, refreshInterval: '15m' },
        });
        const vc = fleet.vclusters[0]!;
        expect([vc.name, vc.namespace, vc.effectiveRelease, vc.rbac, vc.delivery, vc.release]).toEqual([
          'analytics',
          'analytics',
          'analytics-analytics',
          'static',
          'flux',
          undefined,
        ]);
        expect(fleet.flux).toMatchObject({ namespace: 'flux-system', interval: '10m', valuesFrom: 'inline' });
        // Without kustomize.toolkit.fluxcd.io/prune: disabled, Flux deletes the HelmRelease (and helm-controller uninstalls) when it leaves git.
        expect(f.onRemoval).toBe('uninstall');
      },
    },
    {
      name: 'a kubectl get -o yaml List from a live cluster (SealedSecret beside the Secret it wrote)',
      files: ['kubectl-get-list.yaml'],
      check: (f: any, fleet: Fleet, stderr: string) => {
        expect(Object.keys(f.apiKeys)).toEqual(['payments']);
        expect(f.apiKeys.payments).toMatchObject({ namespace: 'payments', project: 'payments', insecure: true, instanceName: 'payments', sealed: { scope: 'namespace-wide' } });
        expect(fleet.vclusters.map((v) => [v.name, v.namespace, v.rbac, v.delivery])).toEqual([['payments', 'payments', 'chart', 'flux']]);
        expect(stderr).toMatch(/kubectl-get-list\.yaml:36: Secret payments\/sh\.helm\.release\.v1\.payments\.v1: not mapped: not an access-key Secret/);
        expect(stderr).toMatch(/kubectl-get-list\.yaml:55: Deployment payments\/payments-api: not mapped: kind Deployment/);
        // Other credentials with an accessKey are not platform keys.
        expect(stderr).toMatch(/kubectl-get-list\.yaml:\d+: Secret payments\/backup-s3: not mapped: not an access-key Secret/);
      },
    },
    {
      name: 'an ApplicationSet from a live cluster, with the Application it generated',
      files: ['kubectl-secret.yaml', 'applicationset-live.yaml'],
      check: (f: any, fleet: Fleet, stderr: string) => {
        expect(fleet.vclusters.map((v) => [v.name, v.namespace, v.effectiveRelease, v.chartVersion, v.rbac])).toEqual([
          ['team-c', 'team-c', 'team-c', '0.36.1', 'chart'],
          ['team-d', 'team-d', 'team-d-vc', '0.28.0', 'chart'],
        ]);
        // The values were inline, so the fleet writes Applications (its ApplicationSet needs a values repository).
        expect(f.argocd.applicationSet).toBeUndefined();
        // No preserveResourcesOnDeletion: the controller gives the generated Applications the resources finalizer.
        expect(fleet.onRemoval).toBe('uninstall');
        expect(stderr).toContain('note: an ApplicationSet without a values repository');
        expect(stderr).toContain('values use platform.apiKey, which chart 0.28.0 rejects; the fleet writes external.platform.apiKey');
      },
    },
    {
      name: 'a multi-source Application reading its vcluster.yaml from the team repository',
      files: ['kubectl-secret.yaml', 'multi-source'],
      check: (f: any, fleet: Fleet, stderr: string) => {
        expect(f.argocd.valuesRepository).toEqual({ repoURL: 'https://github.com/acme/team-e.git', targetRevision: 'main' });
        const vc = fleet.vclusters[0]!;
        expect([vc.name, vc.chartVersion, vc.rbac, vc.serviceAccountName, fleet.argocd.project, fleet.argocd.syncPolicy]).toEqual([
          'team-e',
          '0.32.0',
          'chart',
          'team-e-cp',
          'tenants',
          'manual',
        ]);
        expect(stderr).toContain('values file vclusters/values/team-e.yaml moves: the fleet reads <argocd.valuesRepository.path>/vclusters/team-e/team-e/vcluster.yaml');
      },
    },
  ];
  test.each(cases)('$name', ({ files, check }) => {
    const r = runImport(files.map((f) => `${FIXTURES}/${f}`));
    expect(r.code).toBe(0);
    expect({ stdout: r.stdout, stderr: r.stderr }).toMatchSnapshot();
    expect(r.stdout.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/vclusters.schema.json');
    expectNoKeyMaterial(r.stdout, r.stderr);
    check(fleetData(r.stdout), loadText(r.stdout), r.stderr);
  });

  test('stdin (-) and a folder give the same fleet as the files', () => {
    const list = fs.readFileSync(path.join(REPO, FIXTURES, 'kubectl-get-list.yaml'), 'utf8');
    const fromStdin = runImport(['-'], list);
    const fromFile = runImport([`${FIXTURES}/kubectl-get-list.yaml`]);
    expect(fromStdin.code).toBe(0);
    const body = (t: string): string => t.split('\n').slice(2).join('\n');
    expect(body(fromStdin.stdout)).toBe(body(fromFile.stdout));
    const folder = runImport([FIXTURES]);
    expect(folder.code).toBe(0);
    expect(Object.keys(fleetData(folder.stdout).apiKeys).sort()).toEqual(['payments', 'platform-keys', 'vcluster-platform']);
    expectNoKeyMaterial(fromStdin.stdout, fromStdin.stderr, folder.stdout, folder.stderr);
  });

  test('the same objects twice import once, with a line for the copy', () => {
    const r = runImport([`${FIXTURES}/flux-by-hand.yaml`, `${FIXTURES}/flux-by-hand.yaml`]);
    expect(r.code).toBe(0);
    expect(loadText(r.stdout).vclusters).toHaveLength(1);
    expect(r.stderr).toMatch(
      /flux-by-hand\.yaml:\d+: HelmRelease flux-system\/analytics: not mapped: the same vCluster as test\/fixtures\/import\/flux-by-hand\.yaml:\d+; imported once/,
    );
  });

  test('a value file missing from the input, or fitting several inputs, leaves the Application out with the reason', () => {
    const missing = runImport([`${FIXTURES}/kubectl-secret.yaml`, `${FIXTURES}/multi-source/application.yaml`]);
    expect(missing.stderr).toMatch(
      /application\.yaml:\d+: Application argocd\/team-e: not mapped: values file vclusters\/values\/team-e\.yaml is not in the input: import the folder that holds it too/,
    );
    const dir = fs.mkdtempSync(path.join(tmp, 'twice-'));
    for (const copy of ['a', 'b']) {
      fs.mkdirSync(path.join(dir, copy, 'values'), { recursive: true });
      fs.copyFileSync(path.join(REPO, FIXTURES, 'multi-source/values/team-e.yaml'), path.join(dir, copy, 'values/team-e.yaml'));
    }
    fs.copyFileSync(path.join(REPO, FIXTURES, 'multi-source/application.yaml'), path.join(dir, 'application.yaml'));
    fs.copyFileSync(path.join(REPO, FIXTURES, 'kubectl-secret.yaml'), path.join(dir, 'secret.yaml'));
    const twice = runImport(['.'], undefined, dir);
    expect(twice.code).toBe(0);
    expect(twice.stderr).toContain('values file vclusters/values/team-e.yaml fits several inputs (a/values/team-e.yaml, b/values/team-e.yaml): import one tree at a time');
    expect(fleetData(twice.stdout).vclusters).toEqual([]);
  });

  test('--out writes the fleet, refuses to overwrite without --force, and --force overwrites', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'out-'));
    const out = path.join(dir, 'vclusters.yaml');
    const first = runImport([`${FIXTURES}/flux-by-hand.yaml`, '--out', out]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    const written = fs.readFileSync(out, 'utf8');
    expect(loadFleet(out, { env: {} }).vclusters).toHaveLength(1);
    fs.writeFileSync(out, '# mine\n');
    const refused = runImport([`${FIXTURES}/flux-by-hand.yaml`, '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists; pass --force/);
    expect(fs.readFileSync(out, 'utf8')).toBe('# mine\n');
    expect(runImport([`${FIXTURES}/flux-by-hand.yaml`, '--out', out, '--force']).code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(written);
  });
});

describe('synthesized trees', () => {
  test('a multi-cluster tree gives clusters, each vCluster its cluster, the fleet key ids and argocd.repository', () => {
    const tree = fs.mkdtempSync(path.join(tmp, 'multi-'));
    const fleet = editedFleet('examples/multi-cluster/vclusters.yaml', (t) => t.concat('namePrefix: corp-\n'));
    expect(synth(['--fleet', fleet, '--out', tree], { stdout: () => undefined, stderr: () => undefined, env: {}, cwd: REPO })).toBe(0);
    const r = runImport(['.'], undefined, tree);
    expect(r.code).toBe(0);
    expect({ stdout: r.stdout.split('\n').slice(2).join('\n'), stderr: r.stderr.replace(tree, '<tree>') }).toMatchSnapshot();
    const f = fleetData(r.stdout);
    expect(f.clusters).toEqual({ edge: { name: 'edge-eu' }, hub: { server: 'https://kubernetes.default.svc' } });
    expect(f.vclusters.map((v: any) => [v.name, v.cluster, v.apiKey])).toEqual([
      ['team-b', 'edge', 'shared'],
      ['analytics', 'edge', 'edge-flux'],
      ['team-a', 'hub', 'shared'],
      ['reporting', 'hub', 'shared'],
    ]);
    expect([f.namePrefix, f.onRemoval, f.argocd.destinationServer, f.flux.path]).toEqual(['corp-', undefined, undefined, './examples/multi-cluster/dist']);
    expect(f.argocd.repository).toEqual({ repoURL: 'https://github.com/acme/platform-gitops.git', targetRevision: 'main', path: 'examples/multi-cluster/dist' });
    // The argocd-cm snippet beside the tree is skipped without a line.
    expect(r.stderr).not.toContain('argocd-cm');
  });
});

describe('refusals', () => {
  const cases = [
    {
      name: 'fails on unparseable YAML with file:line',
      argv: ['bad.yaml'],
      files: { 'bad.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: [x\n' },
      code: 1,
      stderr: /bad\.yaml:\d+:\d+: \(yaml\): not valid YAML/,
    },
    {
      name: 'fails when nothing can be imported',
      argv: ['deploy.yaml'],
      files: { 'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: x}\n' },
      code: 1,
      stderr: /deploy\.yaml:1: Deployment x\/web: not mapped: kind Deployment[\s\S]*error: nothing to import/,
    },
    { name: 'fails without an input', argv: [], files: {}, code: 2, stderr: /no input given/ },
    { name: 'fails on an unknown option', argv: ['--fleet', 'x'], files: {}, code: 2, stderr: /unknown option "--fleet"/ },
    {
      name: 'fails on a bad --chart-version',
      argv: ['x.yaml', '--chart-version', 'latest'],
      files: {},
      code: 2,
      stderr: /--chart-version: not a vCluster chart version of 0.21.0 or later; got "latest"/,
    },
    { name: 'fails on a missing input file', argv: ['missing.yaml'], files: {}, code: 1, stderr: /missing\.yaml: \(file\): cannot read it \(ENOENT\)/ },
    {
      name: 'fails when no object shows the platform host',
      argv: ['es.yaml'],
      files: {
        'es.yaml': [
          'apiVersion: external-secrets.io/v1',
          'kind: ExternalSecret',
          'metadata: {name: vcluster-platform-api-key, namespace: team-a}',
          'spec:',
          '  secretStoreRef: {kind: ClusterSecretStore, name: vault}',
          '  data: [{secretKey: accessKey, remoteRef: {key: k}}]',
          '',
        ].join('\n'),
      },
      code: 1,
      stderr: /no access-key Secret in the input shows the platform host; pass --host HOST/,
    },
  ];
  test.each(cases)('$name', ({ argv, files, code, stderr }) => {
    const dir = fs.mkdtempSync(path.join(tmp, 'refuse-'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const r = runImport(argv, undefined, dir);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(stderr);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('--help prints the usage and exits 0', () => {
    const r = runImport(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: cdk8s-vcluster-platform import \[OPTIONS\] INPUT\.\.\./);
    for (const option of ['--out FILE', '--force', '--host HOST', '--chart-version X']) expect(r.stdout).toContain(option);
  });

  test('values the chart would refuse leave the vCluster out with the reason', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'values-'));
    const hr = (name: string, values: string): string =>
      `---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: ${name}, namespace: ${name}}\nspec:\n  chart: {spec: {chart: vcluster, version: ${name === 'range' ? "'>=0.30.0'" : '0.36.1'}}}\n  values: ${values}\n`;
    fs.writeFileSync(
      path.join(dir, 'in.yaml'),
      fs.readFileSync(path.join(REPO, FIXTURES, 'kubectl-secret.yaml'), 'utf8') +
        hr('quoted', "{platform: {apiKey: {namespace: vcluster-platform, createRBAC: 'false'}}}") +
        hr('both', '{platform: {apiKey: {}}, external: {platform: {apiKey: {}}}}') +
        hr('range', '{}'),
    );
    const r = runImport(['in.yaml'], undefined, dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('HelmRelease quoted/quoted: not mapped: values the chart would refuse: apiKey.createRBAC is "false", not a boolean (the chart schema refuses it)');
    expect(r.stderr).toContain('HelmRelease both/both: not mapped: values the chart would refuse: values carry both platform and external.platform');
    expect(r.stderr).toContain('HelmRelease range/range: not mapped: chart version ">=0.30.0" is not an exact version such as 0.36.1');
    expect(fleetData(r.stdout).vclusters).toEqual([]);
    expectNoKeyMaterial(r.stdout, r.stderr);
  });

  test('--host fills the platform host when no Secret shows it', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'host-'));
    fs.writeFileSync(
      path.join(dir, 'es.yaml'),
      'apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: vcluster-platform-api-key, namespace: team-a}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: vault}\n  data: [{secretKey: accessKey, remoteRef: {key: k}}]\n',
    );
    const r = runImport(['es.yaml', '--host', 'platform.example.com'], undefined, dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'note: ExternalSecret team-a/vcluster-platform-api-key: no host in the Secret it yields; the fleet writes platform.host platform.example.com into it',
    );
    expect(loadText(r.stdout, dir).platform.host).toBe('platform.example.com');
  });
});

// ---------------------------------------------------------------------------------------------
// Round trip: synth → import → synth gives the same keys, RBAC, values and delivery objects.

/** Kinds that are plumbing: regenerated from fleet-wide settings, laid out differently by design. */
const PLUMBING = new Set(['Namespace', 'Kustomization', 'HelmRepository']);

function comparable(fleet: Fleet): { objects: Map<string, unknown>; values: Map<string, unknown>; plainSecrets: string[] } {
  const s = synthesizeFleet(fleet, ENV);
  const objects = new Map<string, unknown>();
  const plainSecrets: string[] = [];
  for (const folder of s.folders) {
    for (const o of folder.objects) {
      const id = `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (PLUMBING.has(o.kind)) continue;
      // A plaintext key's Secret holds key material: import never reads it, the key becomes `existing`.
      if (o.kind === 'Secret' && o.apiVersion === 'v1') plainSecrets.push(`${o.metadata.namespace}/${o.metadata.name}`);
      else objects.set(id, o);
    }
  }
  const values = new Map(
    s.valuesFiles.map((v) => [`${v.namespace}/${v.release}`, { text: v.text, delivery: v.delivery, chartVersion: v.delivery === 'none' ? '(none)' : v.chartVersion }]),
  );
  return { objects, values, plainSecrets };
}

function exampleFleets(): string[] {
  const examples = fs.existsSync(path.join(REPO, 'examples'))
    ? fs
        .readdirSync(path.join(REPO, 'examples'), { recursive: true })
        .map(String)
        // The fleet files, not the trees synthesized beside them.
        .filter((f) => path.basename(f) === 'vclusters.yaml')
        .map((f) => `examples/${f}`)
    : [];
  const fixtures = fs
    .readdirSync(path.join(REPO, 'test/fixtures/fleet'))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `test/fixtures/fleet/${f}`);
  return ['vclusters.yaml', ...fixtures, ...examples];
}

/** full.yaml with an ApplicationSet and inline Flux values: the layouts the fixtures leave out (`extra`: more top-level fields). */
function variantFleet(edit: (text: string) => string = (t) => t): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'variant-'));
  fs.copyFileSync(path.join(REPO, 'test/fixtures/fleet/platform-ca.pem'), path.join(dir, 'platform-ca.pem'));
  let text = fs
    .readFileSync(path.join(REPO, 'test/fixtures/fleet/full.yaml'), 'utf8')
    .replace('applicationSet: false', 'applicationSet: true')
    .replace('valuesFrom: configMap', 'valuesFrom: inline');
  text = edit(text);
  const file = path.join(dir, 'variant.yaml');
  fs.writeFileSync(file, text);
  return file;
}

/** A fleet file of the repository, edited, in a folder of its own (with the CA file fleets may name). */
function editedFleet(file: string, edit: (text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'edited-'));
  fs.copyFileSync(path.join(REPO, 'test/fixtures/fleet/platform-ca.pem'), path.join(dir, 'platform-ca.pem'));
  const out = path.join(dir, 'vclusters.yaml');
  fs.writeFileSync(out, edit(fs.readFileSync(path.join(REPO, file), 'utf8')));
  return out;
}

/** A generated fleet (bench/fleet-generator.ts): many keys of every source, both eras, all deliveries. */
function generatedFleet(): string {
  const file = path.join(fs.mkdtempSync(path.join(tmp, 'generated-')), 'fleet.yaml');
  fs.writeFileSync(file, generateFleetYaml(REPO, { vclusters: 60, dedicatedEvery: 10, perSharedKey: 20 }));
  return file;
}

function isOldLayout(version: string): boolean {
  return valuesLayoutFor(parseChartVersion(version)!) === ValuesLayout.EXTERNAL_PLATFORM;
}

describe('round trip', () => {
  const fleets = [
    ...exampleFleets().map((f) => ({ name: f, make: () => path.join(REPO, f) })),
    { name: 'full.yaml with applicationSet and inline Flux values', make: () => variantFleet() },
    {
      name: 'full.yaml with namePrefix, onRemoval uninstall and a repository apart from the values repository',
      make: () =>
        variantFleet((t) =>
          t
            .replace('  syncPolicy: automated', '  repository: { repoURL: https://github.com/acme/tree.git, targetRevision: release, path: gitops/tree }\n  syncPolicy: automated')
            .concat('namePrefix: corp-\nonRemoval: uninstall\n'),
        ),
    },
    {
      name: 'examples/multi-cluster with namePrefix and onRemoval uninstall',
      make: () => editedFleet('examples/multi-cluster/vclusters.yaml', (t) => t.concat('namePrefix: corp-\nonRemoval: uninstall\n')),
    },
    {
      // Flux's own bootstrap layout: a single-cluster tree whose path runs through clusters/<name>/ is not a multi-cluster tree.
      name: 'full.yaml with flux.path ./clusters/prod',
      make: () => editedFleet('test/fixtures/fleet/full.yaml', (t) => t.replace('path: ./clusters/prod/dist', 'path: ./clusters/prod')),
    },
    { name: 'a generated fleet of 60 vClusters', make: generatedFleet },
  ];
  test.each(fleets)('synth → import → synth: $name', ({ make }) => {
    const source = make();
    const original = loadFleet(source, { env: ENV });
    const tree = fs.mkdtempSync(path.join(tmp, 'tree-'));
    const synthOut: string[] = [];
    expect(synth(['--fleet', source, '--out', tree], { stdout: (t) => synthOut.push(t), stderr: () => undefined, env: ENV, cwd: REPO })).toBe(0);

    const imported = path.join(fs.mkdtempSync(path.join(tmp, 'imported-')), 'vclusters.yaml');
    // Values files nothing installs: one chart version per values layout they may use.
    const eras = new Map<boolean, string>();
    for (const v of original.vclusters) if (v.delivery === 'none' && !eras.has(isOldLayout(v.chartVersion))) eras.set(isOldLayout(v.chartVersion), v.chartVersion);
    const r = runImport([tree, '--out', imported, ...[...eras.values()].flatMap((v) => ['--chart-version', v])]);
    expect(r.code).toBe(0);
    const text = fs.readFileSync(imported, 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=')).toBe(true);
    expectNoKeyMaterial(r.stdout, r.stderr, text);
    // Everything generated is recognised: nothing in the tree is reported as not mapped.
    expect(r.stderr).not.toContain('not mapped');

    const again = loadFleet(imported, { env: {} });
    const before = comparable(original);
    const after = comparable(again);
    // The per-key Applications are compared like everything else (names carry the key ids and namePrefix).
    const keyApps = [...before.objects.keys()].filter((id) => /^Application .*vcluster-platform-key-/.test(id));
    if (original.argocd.repository !== undefined && original.vclusters.some((v) => v.delivery === 'argocd')) expect(keyApps.length).toBeGreaterThan(0);
    expect([...after.objects.keys()].sort()).toEqual([...before.objects.keys()].sort());
    for (const [id, obj] of before.objects) expect([id, after.objects.get(id)]).toEqual([id, obj]);
    expect(after.values).toEqual(before.values);
    expect(after.plainSecrets).toEqual([]);
    for (const secret of before.plainSecrets) {
      expect(again.apiKeys.some((k) => `${k.namespace}/${k.secretName}` === secret && k.source.type === 'existing')).toBe(true);
    }
  });
});

describe('bounded reads (inputs are read with a hard limit, only regular files)', () => {
  test.each([
    ['/dev/zero', /\/dev\/zero: \(file\): cannot read it: is not a regular file/],
    ['/dev/urandom', /\/dev\/urandom: \(file\): cannot read it: is not a regular file/],
  ])('fails on %s at once instead of reading without end', (device, message) => {
    const r = runImport([device]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  test('fails on a FIFO without a writer at once instead of hanging', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'fifo-'));
    execFileSync('mkfifo', [path.join(dir, 'objects.yaml')]);
    const r = runImport(['objects.yaml'], undefined, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/objects\.yaml: \(file\): cannot read it: is not a regular file/);
  });
});
