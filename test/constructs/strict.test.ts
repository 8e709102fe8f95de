// Issue 11, round two: labels, duplicates across connections / installers / nested charts, and
// key sources as strict as the fleet loader.
import { App, Chart, Testing } from 'cdk8s';
import { AccessKeySource } from '../../src/constructs/access-key-source';
import { PlatformApiKey, PlatformApiKeyProps } from '../../src/constructs/platform-api-key';
import { VClusterPlatformConnection } from '../../src/constructs/vcluster-platform-connection';
import { hasUrlCredentials, maskUrlCredentials } from '../../src/constructs/url';
import { VClusterApplication } from '../../src/delivery/argocd';
import { VClusterHelmRelease, VClusterHelmRepository } from '../../src/delivery/flux';
import { ValidationError } from '../../src/errors';
import { parseFleet } from '../../src/fleet/loader';
import { connectionThroughExistingKey, externalSecretKey, newChart, problemsOf, synth } from '../support/construct-testing';

const FAKE_KEY = 'FAKE-test-only-access-key-0123456789abcdef';

function keyWith(overrides: Partial<PlatformApiKeyProps>): () => PlatformApiKey {
  return () => externalSecretKey(newChart(), 'key', overrides);
}

describe('PlatformApiKey.labels', () => {
  test.each<[string, unknown, string, RegExp]>([
    ['a string (it would be spread into "0", "1", ...)', 'team-a', 'labels', /must be an object/],
    ['a list', ['team'], 'labels', /must be an object/],
    ['null', null, 'labels', /must be an object/],
    ['a key with a space', { 'team name': 'a' }, 'labels["team name"]', /not a valid label key/],
    ['a 300-character key', { ['k'.repeat(300)]: 'a' }, `labels["${'k'.repeat(76)}...]`, /not a valid label key/],
    ['a 64-character name', { ['n'.repeat(64)]: 'a' }, `labels["${'n'.repeat(64)}"]`, /not a valid label key/],
    ['an empty prefix', { '/team': 'a' }, 'labels["/team"]', /not a valid label key/],
    ['an upper-case prefix', { 'Example.com/team': 'a' }, 'labels["Example.com/team"]', /not a valid label key/],
    ['a prefix of 254 characters', { [`${'p'.repeat(254)}/team`]: 'a' }, `labels["${'p'.repeat(76)}...]`, /not a valid label key/],
    ['a value with a newline', { team: 'a\nb' }, 'labels["team"]', /not a valid label value/],
    ['a 64-character value', { team: 'v'.repeat(64) }, 'labels["team"]', /not a valid label value/],
    ['a value ending in "-"', { team: 'a-' }, 'labels["team"]', /not a valid label value/],
    ['a number as value', { team: 7 }, 'labels["team"]', /not a valid label value/],
  ])('fails on labels with %s', (_case, labels, path, message) => {
    const { problems } = problemsOf(keyWith({ labels: labels as Record<string, string> }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toMatch(message);
  });

  test('fails listing every bad label at once', () => {
    const { problems } = problemsOf(keyWith({ labels: { 'a b': 'x', c: 'y z' } }));
    expect(problems.map((p) => p.message)).toEqual(['not a valid label key', 'not a valid label value']);
  });

  test('valid keys and values reach the Secret', () => {
    const labels = { team: 'a', 'example.com/owner': 'platform_team.x', [`${'p'.repeat(253)}/n`]: '', ['n'.repeat(63)]: 'v'.repeat(63) };
    const { objects } = synth((chart) => {
      new PlatformApiKey(chart, 'key', {
        namespace: 'vcluster-platform',
        host: 'platform.example.com',
        source: AccessKeySource.literal(FAKE_KEY, { allowPlaintext: true }),
        labels,
      });
    });
    expect(objects.find((o) => o.kind === 'Secret')!.metadata.labels).toEqual(labels);
  });
});

describe('duplicates', () => {
  test('fails on two connections for one release and namespace in one chart', () => {
    const chart = newChart();
    connectionThroughExistingKey(chart, 'team-a', 'team-a');
    const { problems, message } = problemsOf(
      () =>
        new VClusterPlatformConnection(chart, 'again', {
          release: 'team-a',
          namespace: 'team-a',
          vclusterVersion: '0.36.1',
          apiKey: PlatformApiKey.fromSecretName('vcluster-platform-api-key', 'platform-keys'),
        }),
    );
    expect(problems.map((p) => p.path)).toEqual(['release']);
    expect(message).toMatch(/release team-a in namespace team-a is already connected by VClusterPlatformConnection test\/conn-team-a-team-a/);
  });

  test('one release and namespace in two top-level charts (two clusters) is fine', () => {
    const app = Testing.app();
    for (const name of ['staging', 'production']) connectionThroughExistingKey(new Chart(app, name), 'team-a', 'team-a');
    expect(app.charts).toHaveLength(2);
  });

  test('fails on two connections for one release and namespace in a chart and its nested chart', () => {
    const parent = newChart();
    connectionThroughExistingKey(parent, 'team-a', 'team-a');
    const { message } = problemsOf(() => connectionThroughExistingKey(new Chart(parent, 'nested'), 'team-a', 'team-a'));
    expect(message).toMatch(/already connected/);
  });

  test('fails on two VClusterApplications for one connection', () => {
    const chart = newChart();
    const connection = connectionThroughExistingKey(chart, 'team-a', 'team-a');
    new VClusterApplication(chart, 'app', { connection });
    const { problems, message } = problemsOf(() => new VClusterApplication(chart, 'app2', { connection, name: 'team-a-again' }));
    expect(problems.map((p) => p.path)).toEqual(['connection']);
    expect(message).toMatch(/already installed by VClusterApplication test\/app/);
  });

  test('fails on a VClusterHelmRelease for a connection an Application installs', () => {
    const chart = newChart();
    const connection = connectionThroughExistingKey(chart, 'team-a', 'team-a');
    new VClusterApplication(chart, 'app', { connection });
    const helmRepository = new VClusterHelmRepository(chart, 'repo');
    const { message } = problemsOf(() => new VClusterHelmRelease(chart, 'hr', { connection, helmRepository }));
    expect(message).toMatch(/already installed by VClusterApplication test\/app/);
  });

  test('fails on a PlatformApiKey in a nested chart writing the Secret of its parent', () => {
    const parent = newChart();
    externalSecretKey(parent, 'key');
    const { problems, message } = problemsOf(() => externalSecretKey(new Chart(parent, 'nested'), 'key'));
    expect(problems.map((p) => p.path)).toEqual(['secretName']);
    expect(message).toMatch(/Secret vcluster-platform\/vcluster-platform-api-key is already written by PlatformApiKey test\/key/);
  });

  test('one Secret in two top-level charts is fine', () => {
    const app = new App();
    for (const name of ['staging', 'production']) externalSecretKey(new Chart(app, name), 'key');
    expect(app.charts).toHaveLength(2);
  });
});

/** Sealed-value shapes, each with whether the fleet loader takes it. */
const SEALS: [string, string][] = [
  ['a seal (2-byte length 256, RSA block, GCM tag, data)', Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(256 + 16 + 20, 9)]).toString('base64')],
  ['a seal of 4096-bit RSA', Buffer.concat([Buffer.from([2, 0]), Buffer.alloc(512 + 16 + 1, 9)]).toString('base64')],
  ['400 base64 characters with no RSA length in front', Buffer.alloc(300, 7).toString('base64')],
  ['an RSA length of 255', Buffer.concat([Buffer.from([0, 255]), Buffer.alloc(300, 9)]).toString('base64')],
  ['an RSA length longer than the value', Buffer.concat([Buffer.from([1, 64]), Buffer.alloc(300, 9)]).toString('base64')],
  ['nothing after the GCM tag', Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(256 + 16, 9)]).toString('base64')],
  ['base64 without padding', 'QUJD'.repeat(100) + 'QQ'],
  ['a line break inside', `${Buffer.alloc(300, 7).toString('base64').slice(0, 100)}\n${Buffer.alloc(300, 7).toString('base64').slice(100)}`],
  ['empty', ''],
];

function fleetRefuses(encryptedAccessKey: string): boolean {
  const text = [
    'platform:',
    '  host: platform.example.com',
    'apiKeys:',
    '  shared:',
    '    namespace: vcluster-platform',
    '    sealed:',
    `      encryptedAccessKey: ${JSON.stringify(encryptedAccessKey)}`,
    'vclusters:',
    '  - name: team-a',
    '    chartVersion: "0.36.1"',
    '    apiKey: shared',
    '',
  ].join('\n');
  try {
    parseFleet(text, 'fleet.yaml', { env: {} });
    return false;
  } catch (e) {
    if (e instanceof ValidationError) return true;
    throw e;
  }
}

describe('AccessKeySource is as strict as the fleet loader', () => {
  test.each(SEALS)('AccessKeySource.sealed and the loader agree on %s', (_case, value) => {
    let constructRefuses = false;
    try {
      keyWith({ source: AccessKeySource.sealed({ encryptedAccessKey: value }) })();
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      expect(e.problems.map((p) => p.path)).toEqual(['source.encryptedAccessKey']);
      // The construct shows only the length of the value.
      if (value.length > 0) expect(e.message).not.toContain(value.slice(0, 40));
      constructRefuses = true;
    }
    expect(constructRefuses).toBe(fleetRefuses(value));
  });

  test('fails on the 400-character value that only looked like a seal', () => {
    const { problems } = problemsOf(keyWith({ source: AccessKeySource.sealed({ encryptedAccessKey: SEALS[2]![1] }) }));
    expect(problems[0]!.message).toMatch(/is not a sealed value: 300 bytes do not hold an RSA-encrypted session key/);
  });

  test.each<[string, string, string, RegExp]>([
    ['an empty variable name', '', 'source.variable', /not an environment variable name/],
    ['a variable name with a space', 'MY KEY', 'source.variable', /not an environment variable name/],
    ['a variable name starting with a digit', '1KEY', 'source.variable', /not an environment variable name/],
    ['an unset variable', 'NOT_SET_ANYWHERE', 'source', /environment variable NOT_SET_ANYWHERE is not set or empty/],
    ['a variable named like an Object method', 'constructor', 'source', /environment variable constructor is not set or empty/],
  ])('fails AccessKeySource.fromEnv with %s', (_case, variable, path, message) => {
    const { problems } = problemsOf(keyWith({ source: AccessKeySource.fromEnv(variable, { allowPlaintext: true, env: {} }) }));
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problems[0]!.message).toMatch(message);
  });

  test('fromEnv with a set variable still works', () => {
    const key = keyWith({ source: AccessKeySource.fromEnv('LAB_KEY', { allowPlaintext: true, env: { LAB_KEY: FAKE_KEY } }) })();
    expect(key.secretName).toBe('vcluster-platform-api-key');
  });
});

describe('keys in system and GitOps namespaces', () => {
  const connect = (keyNamespace: string, secretName: string, extra: { allowSystemNamespace?: boolean; namespace?: string } = {}) =>
    new VClusterPlatformConnection(newChart(), 'conn', {
      release: 'team-a',
      namespace: extra.namespace ?? 'team-a',
      vclusterVersion: '0.36.1',
      apiKey: PlatformApiKey.fromSecretName(secretName, keyNamespace),
      allowSystemNamespace: extra.allowSystemNamespace,
    });

  test.each([
    ['kube-system', 'vcluster-platform-api-key', /kube-system, a Kubernetes system namespace/],
    ['kube-public', 'vcluster-platform-api-key', /a Kubernetes system namespace/],
    ['kube-node-lease', 'vcluster-platform-api-key', /a Kubernetes system namespace/],
    ['argocd', 'argocd-secret', /usual namespace of a GitOps or secrets tool.*read the Secret named argocd-secret there/],
    ['flux-system', 'flux-system', /usual namespace of a GitOps or secrets tool/],
    ['external-secrets', 'vcluster-platform-api-key', /usual namespace of a GitOps or secrets tool/],
    ['sealed-secrets', 'vcluster-platform-api-key', /usual namespace of a GitOps or secrets tool/],
  ])('fails a connection reading a key in %s', (namespace, secretName, message) => {
    const { problems } = problemsOf(() => connect(namespace, secretName));
    expect(problems.map((p) => p.path)).toEqual(['apiKey']);
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.allowed).toContain('allowSystemNamespace: true');
  });

  test('allowSystemNamespace: true lets it through, and the RBAC names the Secret', () => {
    const connection = connect('kube-system', 'vcluster-platform-api-key', { allowSystemNamespace: true });
    expect(connection.secretNamespace).toBe('kube-system');
    expect(connection.rbacConstruct).toBeDefined();
  });

  test.each(['default', 'vcluster-platform'])('a key in %s is fine', (namespace) => {
    expect(connect(namespace, 'vcluster-platform-api-key').secretNamespace).toBe(namespace);
  });

  test('a vCluster in the key namespace itself gets no RBAC, so nothing is granted and nothing refused', () => {
    expect(connect('kube-system', 'vcluster-platform-api-key', { namespace: 'kube-system' }).rbacConstruct).toBeUndefined();
  });
});

describe('URL credential checks on huge values', () => {
  test('a value of megabytes with "@" in it is checked and masked without exhausting the regexp stack', () => {
    const huge = `${'a'.repeat(10 * 1024 * 1024)}@host:path`;
    expect(() => hasUrlCredentials(huge)).not.toThrow();
    const token = `https://TOKEN@${'h'.repeat(10 * 1024 * 1024)}/repo.git`;
    expect(hasUrlCredentials(token)).toBe(true);
    expect(maskUrlCredentials(token).startsWith('https://***@hhh')).toBe(true);
  });
});
