// Issue 11, round two: URLs without credentials, the library as strict as the loader, Flux paths.
import { Testing } from 'cdk8s';
import { VClusterApplication, VClusterApplicationSet } from '../../src/delivery/argocd';
import { FluxKustomization, VClusterHelmRepository } from '../../src/delivery/flux';
import { ValidationError } from '../../src/errors';
import { parseFleet } from '../../src/fleet/loader';
import { synthesizeFleet } from '../../src/fleet/synthesize';
import { hasUrlCredentials, maskUrlCredentials } from '../../src/constructs/url';
import { connectionThroughExistingKey, newChart, problemsOf } from '../support/construct-testing';

/** A fake token; asserts check that it never shows up in messages. */
const TOKEN = 'ghp_FAKEtoken0123456789';

describe('URLs never carry credentials', () => {
  test.each([
    ['https://git:TOKEN@github.com/acme/p.git', true, 'https://***@github.com/acme/p.git'],
    ['https://TOKEN@github.com/acme/p.git', true, 'https://***@github.com/acme/p.git'],
    ['https://user:p@ss@github.com/acme/p.git', true, 'https://***@github.com/acme/p.git'],
    ['oci://robot:TOKEN@registry.example.com/charts', true, 'oci://***@registry.example.com/charts'],
    ['ssh://git:TOKEN@github.com/acme/p.git', true, 'ssh://***@github.com/acme/p.git'],
    // SSH user names name the account a key logs into; they are not secrets.
    ['ssh://git@github.com/acme/p.git', false, 'ssh://git@github.com/acme/p.git'],
    ['git@github.com:acme/p.git', false, 'git@github.com:acme/p.git'],
    // An '@' after the authority is part of the path or query, not user information.
    ['https://github.com/acme/p@v1.git', false, 'https://github.com/acme/p@v1.git'],
    ['https://github.com/acme/p.git?ref=a@b', false, 'https://github.com/acme/p.git?ref=a@b'],
  ])('%s: credentials %s, shown as %s', (url, credentials, shown) => {
    expect(hasUrlCredentials(url)).toBe(credentials);
    expect(maskUrlCredentials(url)).toBe(shown);
  });

  const conn = (chart: ReturnType<typeof newChart>) => connectionThroughExistingKey(chart, 'team-a', 'team-a');
  test.each<[string, (chart: ReturnType<typeof newChart>) => unknown, string]>([
    [
      'VClusterApplication valuesRepository.repoURL',
      (c) => new VClusterApplication(c, 'app', { connection: conn(c), valuesRepository: { repoURL: `https://git:${TOKEN}@github.com/acme/p.git`, path: 'dist/v.yaml' } }),
      'valuesRepository.repoURL',
    ],
    ['VClusterApplication repoURL', (c) => new VClusterApplication(c, 'app', { connection: conn(c), repoURL: `https://${TOKEN}@charts.example.com` }), 'repoURL'],
    [
      'VClusterApplication destinationServer',
      (c) => new VClusterApplication(c, 'app', { connection: conn(c), destinationServer: `https://admin:${TOKEN}@k8s.example.com` }),
      'destinationServer',
    ],
    [
      'VClusterApplicationSet valuesRepository.repoURL',
      (c) =>
        new VClusterApplicationSet(c, 'set', {
          valuesRepository: { repoURL: `https://git:${TOKEN}@github.com/acme/p.git` },
          vclusters: [{ connection: conn(c), valuesPath: 'dist/v.yaml' }],
        }),
      'valuesRepository.repoURL',
    ],
    ['VClusterHelmRepository url', (c) => new VClusterHelmRepository(c, 'repo', { url: `oci://robot:${TOKEN}@registry.example.com/charts` }), 'url'],
  ])('fails %s with credentials, masked', (_case, build, path) => {
    const { problems, message } = problemsOf(() => build(newChart()));
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problems[0]!.message).toMatch(/must not carry user information/);
    expect(problems[0]!.value).toMatch(/\*\*\*@/);
    expect(message).not.toContain(TOKEN);
  });

  test('an SSH repository with its user name is accepted', () => {
    const chart = newChart();
    const app = new VClusterApplication(chart, 'app', {
      connection: connectionThroughExistingKey(chart, 'team-a', 'team-a'),
      valuesRepository: { repoURL: 'git@github.com:acme/platform.git', path: 'dist/v.yaml' },
    });
    expect(JSON.stringify(app.apiObject.toJson())).toContain('git@github.com:acme/platform.git');
  });
});

describe('FluxKustomization paths are relative to the source root', () => {
  test.each([
    ['/etc', /relative to the root of the source/],
    ['/', /relative to the root of the source/],
    ['dist/../..', /not a folder inside the source/],
  ])('fails path %j', (path, message) => {
    const { problems } = problemsOf(() => new FluxKustomization(newChart(), 'k', { name: 'k', path }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('path');
    expect(problems[0]!.message).toMatch(message);
  });

  test.each(['./dist/host', 'dist/host', '.'])('accepts path %j', (path) => {
    expect(new FluxKustomization(newChart(), 'k', { name: 'k', path }).apiObject.toJson().spec.path).toBe(path);
  });
});

/** A fleet with one Argo CD vCluster; `argocd` holds the lines under `argocd:`. */
function argoFleet(argocd: string[], extra: string[] = []): string {
  return [
    'platform:',
    '  host: platform.example.com',
    'apiKeys:',
    '  shared:',
    '    namespace: vcluster-platform',
    '    existing: {}',
    'argocd:',
    ...argocd.map((l) => `  ${l}`),
    ...extra,
    'vclusters:',
    '  - name: team-a',
    '    chartVersion: "0.36.1"',
    '    apiKey: shared',
    '    delivery: argocd',
    '',
  ].join('\n');
}

const REPO = (field: string, extra: string[] = []) => [`${field}:`, '  repoURL: https://github.com/acme/platform.git', ...extra.map((l) => `  ${l}`)];

describe('the library is as strict as the loader: every value the loader accepts synthesizes', () => {
  // [case, argocd lines, other top-level lines, expected]: 'accepted' means the loader accepts it
  // AND the constructs synthesize it; 'refused' means the loader refuses it at its file:line.
  const cases: [string, string[], string[], 'accepted' | 'refused'][] = [
    ['a dotted AppProject name', ['project: team.platform'], [], 'accepted'],
    ['an upper-case AppProject name', ['project: Team'], [], 'refused'],
    ['a plain targetRevision', REPO('valuesRepository', ['targetRevision: release-1.2']), [], 'accepted'],
    ['single braces in targetRevision', REPO('valuesRepository', ['targetRevision: "v{1}"']), [], 'accepted'],
    ['Go-template braces in targetRevision', REPO('valuesRepository', ['targetRevision: "{{.branch}}"']), [], 'refused'],
    ['Go-template braces in repository.targetRevision', REPO('repository', ['targetRevision: "main}}"']), [], 'refused'],
    ['Go-template braces in repoURL', ['valuesRepository:', '  repoURL: "https://github.com/acme/{{.repo}}.git"'], [], 'refused'],
    ['an SSH repoURL', ['valuesRepository:', '  repoURL: git@github.com:acme/platform.git'], [], 'accepted'],
    ['a token in repoURL', ['valuesRepository:', `  repoURL: https://${TOKEN}@github.com/acme/platform.git`], [], 'refused'],
    ['a token and a space in repoURL', ['valuesRepository:', `  repoURL: "https://${TOKEN}@github.com/acme/platform.git x"`], [], 'refused'],
    ['"./dist/" as valuesRepository.path', REPO('valuesRepository', ['path: ./dist/']), [], 'accepted'],
    ['"." as valuesRepository.path', REPO('valuesRepository', ['path: .']), [], 'accepted'],
    ['"$" in valuesRepository.path', REPO('valuesRepository', ['path: "dist/$ENV"']), [], 'refused'],
    ['braces in valuesRepository.path', REPO('valuesRepository', ['path: "dist/{x}"']), [], 'refused'],
    ['braces in repository.path', REPO('repository', ['path: "dist/{{.env}}"']), [], 'refused'],
    ['braces in destinationServer', ['destinationServer: "https://{{.server}}"'], [], 'refused'],
    ['braces in a cluster server', REPO('repository'), ['clusters:', '  prod:', '    server: "https://{{.s}}:6443"', 'defaults:', '  cluster: prod'], 'refused'],
    ['a plain cluster server', REPO('repository'), ['clusters:', '  prod:', '    server: "https://prod.example.com:6443"', 'defaults:', '  cluster: prod'], 'accepted'],
  ];
  const withSet = cases.flatMap(([name, lines, extra, expected]) => {
    const set: typeof cases = lines.some((l) => l.startsWith('valuesRepository:')) ? [[`${name} (ApplicationSet)`, [...lines, 'applicationSet: true'], extra, expected]] : [];
    return [[name, lines, extra, expected] as (typeof cases)[number], ...set];
  });

  test.each(
    withSet.map(([name, lines, extra, expected]) => [name, expected === 'refused' ? 'fails with file:line in the loader' : 'synthesizes', lines, extra, expected] as const),
  )('%s: %s', (_case, _outcome, lines, extra, expected) => {
    const text = argoFleet(lines, extra);
    let outcome: 'accepted' | 'refused';
    try {
      const fleet = parseFleet(text, 'fleet.yaml', { env: {} });
      // Must not throw: a value the loader let through has to be one the constructs take.
      synthesizeFleet(fleet, {});
      outcome = 'accepted';
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      expect(e.message).toMatch(/^invalid fleet file fleet\.yaml/);
      for (const p of e.problems) {
        expect(p.file).toBe('fleet.yaml');
        expect(p.line).toBeGreaterThanOrEqual(1);
      }
      expect(e.message).not.toContain(TOKEN);
      outcome = 'refused';
    }
    expect(outcome).toBe(expected);
  });

  test('a dotted AppProject name reaches the Application', () => {
    const fleet = parseFleet(argoFleet(['project: team.platform']), 'fleet.yaml', { env: {} });
    const objects = synthesizeFleet(fleet, {}).folders.flatMap((f) => f.objects as unknown as { kind: string; spec?: { project?: string } }[]);
    const apps = objects.filter((o) => o.kind === 'Application' && o.spec?.project !== undefined);
    expect(apps.length).toBeGreaterThan(0);
    for (const a of apps) expect(a.spec!.project).toBe('team.platform');
  });

  test('the constructs take a dotted AppProject name too', () => {
    const chart = newChart();
    const app = new VClusterApplication(chart, 'app', { connection: connectionThroughExistingKey(chart, 'team-a', 'team-a'), project: 'team.platform' });
    expect(app.apiObject.toJson().spec.project).toBe('team.platform');
    expect(Testing.synth(chart).length).toBeGreaterThan(0);
  });
});

describe('allowSystemNamespace reaches the constructs', () => {
  test('a fleet key in kube-system with allowSystemNamespace: true synthesizes its Role there', () => {
    const text = [
      'platform:',
      '  host: platform.example.com',
      'apiKeys:',
      '  legacy:',
      '    namespace: kube-system',
      '    allowSystemNamespace: true',
      '    existing: {}',
      'vclusters:',
      '  - name: team-a',
      '    chartVersion: "0.36.1"',
      '    apiKey: legacy',
      '',
    ].join('\n');
    const objects = synthesizeFleet(parseFleet(text, 'fleet.yaml', { env: {} }), {}).folders.flatMap(
      (f) => f.objects as unknown as { kind: string; metadata: { namespace?: string } }[],
    );
    expect(objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace)).toEqual(['kube-system']);
  });
});
