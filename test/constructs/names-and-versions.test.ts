import { createHash } from 'crypto';
import { ValuesLayout, hasBrokenChartRbac, parseChartVersion, valuesLayoutFor } from '../../src/constructs/chart-version';
import {
  MAX_RELEASE_NAME_LENGTH,
  defaultServiceAccountName,
  fluxDefaultReleaseName,
  helmControllerShortenName,
  isDns1123Label,
  isDns1123Subdomain,
  isRunnableReleaseName,
  releaseNameProblem,
  truncate63TrimOneDash,
} from '../../src/constructs/names';
import { describeShared } from '../support/shared';
import { availableValuesSchemas, resolveValuesSchema } from '../support/values-schema';

function version(text: string) {
  const v = parseChartVersion(text);
  if (!v) throw new Error(`test setup: ${text} should parse`);
  return v;
}

describe('parseChartVersion', () => {
  test.each([
    ['0.31.3', { major: 0, minor: 31, patch: 3, prerelease: '', text: '0.31.3' }],
    ['v0.36.1', { major: 0, minor: 36, patch: 1, prerelease: '', text: '0.36.1' }],
    ['0.32.0-rc.1', { major: 0, minor: 32, patch: 0, prerelease: 'rc.1', text: '0.32.0-rc.1' }],
    ['0.21.0+build.7', { major: 0, minor: 21, patch: 0, prerelease: '', text: '0.21.0+build.7' }],
    ['1.0.0', { major: 1, minor: 0, patch: 0, prerelease: '', text: '1.0.0' }],
  ])('parses %s', (text, expected) => {
    expect(parseChartVersion(text)).toEqual(expected);
  });

  test.each([['0.31'], ['0.31.x'], ['latest'], [''], ['00.31.3'], ['0.31.3 '], [' 0.31.3'], ['0.31.3-'], ['V0.31.3'], ['v'], ['0.31.3.1']])('fails on %j (not semver)', (text) => {
    expect(parseChartVersion(text)).toBeUndefined();
  });

  test.each([[undefined], [null], [31], [{ major: 0 }]])('fails on the non-string %p', (value) => {
    expect(parseChartVersion(value)).toBeUndefined();
  });
});

describe('valuesLayoutFor: the era boundaries', () => {
  test.each([
    ['0.20.9', undefined],
    ['0.21.0-rc.1', undefined],
    ['0.21.0', ValuesLayout.EXTERNAL_PLATFORM],
    ['0.23.2', ValuesLayout.EXTERNAL_PLATFORM],
    ['0.31.3', ValuesLayout.EXTERNAL_PLATFORM],
    ['0.31.99', ValuesLayout.EXTERNAL_PLATFORM],
    // Every 0.32.0 prerelease already has the top-level platform block (FACTS §2): the switch is at 0.32.0-0.
    ['0.32.0-0', ValuesLayout.PLATFORM],
    ['0.32.0-alpha.0', ValuesLayout.PLATFORM],
    ['0.32.0-alpha.2', ValuesLayout.PLATFORM],
    ['0.32.0-next.0', ValuesLayout.PLATFORM],
    ['0.32.0-rc.1', ValuesLayout.PLATFORM],
    ['0.32.0-rc.2', ValuesLayout.PLATFORM],
    ['0.32.0', ValuesLayout.PLATFORM],
    ['0.32.1', ValuesLayout.PLATFORM],
    ['0.36.1', ValuesLayout.PLATFORM],
    ['0.37.0', ValuesLayout.PLATFORM],
    ['1.0.0', ValuesLayout.PLATFORM],
  ])('%s → %s', (text, layout) => {
    expect(valuesLayoutFor(version(text))).toBe(layout);
  });
});

describe('hasBrokenChartRbac: the subject-namespace bug', () => {
  test.each([
    ['0.19.9', false],
    ['0.20.0', true],
    ['0.21.0', true],
    ['0.23.2', true],
    ['0.23.3', false],
    ['0.23.9', false],
    ['0.24.0', true],
    ['0.24.1', true],
    ['0.24.2-rc.1', true],
    ['0.24.2', false],
    ['0.25.0', false],
    ['0.31.3', false],
    ['0.36.1', false],
    ['1.23.0', false],
  ])('%s → %s', (text, broken) => {
    expect(hasBrokenChartRbac(version(text))).toBe(broken);
  });
});

describe('truncate63TrimOneDash (Helm `trunc 63 | trimSuffix "-"`)', () => {
  const a62 = 'a'.repeat(62);
  test.each([
    ['short', 'short', 'short'],
    ['exactly 63', 'b'.repeat(63), 'b'.repeat(63)],
    ['64 cut to 63', 'c'.repeat(64), 'c'.repeat(63)],
    ['cut lands on a dash', `${a62}-tail`, a62],
    ['only ONE trailing dash is trimmed', `${'d'.repeat(61)}--tail`, `${'d'.repeat(61)}-`],
    ['a short name ending in a dash', 'name-', 'name'],
    ['a dash inside the first 63 stays', `${'e'.repeat(10)}-${'f'.repeat(60)}`, `${'e'.repeat(10)}-${'f'.repeat(52)}`],
  ])('%s', (_case, input, expected) => {
    const out = truncate63TrimOneDash(input);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(63);
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('helmControllerShortenName (what helm-controller installs)', () => {
  test.each([
    ['short', 'team-a', 'team-a'],
    ['exactly 53 characters is kept', 'n'.repeat(53), 'n'.repeat(53)],
    ['54 characters become 40 + "-" + 12 hex', 'x'.repeat(54), `${'x'.repeat(40)}-${sha256('x'.repeat(54)).slice(0, 12)}`],
  ])('%s', (_case, input, expected) => {
    expect(helmControllerShortenName(input)).toBe(expected);
  });
});

describe('fluxDefaultReleaseName (the runnable release written for Flux)', () => {
  /** The expected value, computed here rather than from src: Flux's prefix, 11 hex of the SHA-256. */
  function expectedShort(full: string): string {
    return `${full.slice(0, 40)}-${sha256(full).slice(0, 11)}`;
  }

  test.each([
    ['name only', 'team-a', undefined, 'team-a'],
    ['targetNamespace-name', 'vcluster', 'team-a', 'team-a-vcluster'],
    ['exactly 52 characters is unchanged', 'n'.repeat(45), 'ns-ab1', `ns-ab1-${'n'.repeat(45)}`],
    ['empty targetNamespace counts as unset', 'vcluster', '', 'vcluster'],
  ])('%s', (_case, name, targetNamespace, expected) => {
    const out = fluxDefaultReleaseName(name, targetNamespace);
    expect(out).toBe(expected);
    expect(isRunnableReleaseName(out)).toBe(true);
  });

  test.each([
    ['53 characters, which Flux itself would keep', 'n'.repeat(46), 'ns-ab1'],
    ['54 characters (name only)', 'x'.repeat(54), undefined],
    ['54 characters (targetNamespace-name)', 'y'.repeat(40), 'z'.repeat(13)],
    ['a long, realistic pair', 'vcluster-platform-connection-for-payments', 'tenant-payments-production-eu-west-1'],
  ])('%s is shortened to 52: 40 + "-" + 11 hex of its SHA-256', (_case, name, targetNamespace) => {
    const full = targetNamespace ? `${targetNamespace}-${name}` : name;
    expect(full.length).toBeGreaterThan(MAX_RELEASE_NAME_LENGTH);
    const out = fluxDefaultReleaseName(name, targetNamespace);
    expect(out).toBe(expectedShort(full));
    expect(out).toHaveLength(52);
    expect(isRunnableReleaseName(out)).toBe(true);
    // Recognisable next to what helm-controller would have picked: same prefix, same hash start.
    if (full.length > 53) expect(helmControllerShortenName(full).startsWith(out)).toBe(true);
  });

  test('a known value (pinned, so a change of hashing input is caught)', () => {
    const full = `${'t'.repeat(30)}-${'r'.repeat(30)}`;
    expect(fluxDefaultReleaseName('r'.repeat(30), 't'.repeat(30))).toMatchSnapshot();
    expect(fluxDefaultReleaseName('r'.repeat(30), 't'.repeat(30))).toBe(expectedShort(full));
  });
});

describe('releaseNameProblem: names a vCluster can run under', () => {
  test.each([['a'], ['team-a'], ['a'.repeat(52)], ['a1-b2']])('accepts %j', (name) => {
    expect(releaseNameProblem(name)).toBeUndefined();
    expect(isRunnableReleaseName(name)).toBe(true);
  });

  test.each([
    ['53 characters (Helm accepts it, the pods do not)', 'a'.repeat(53), /53 characters.*controller-revision-hash.*at most 52/],
    ['a leading digit (the Service name is DNS-1035)', '1team', /must start with a letter.*Service/],
    ['upper case', 'Team', /not a valid vCluster release name/],
    ['a trailing dash', 'team-', /not a valid vCluster release name/],
    ['empty', '', /not a valid vCluster release name/],
  ])('fails on %s', (_case, name, message) => {
    expect(releaseNameProblem(name)).toMatch(message);
    expect(isRunnableReleaseName(name)).toBe(false);
  });
});

describe('defaultServiceAccountName', () => {
  test('is vc-<release>', () => {
    expect(defaultServiceAccountName('team-a')).toBe('vc-team-a');
  });
});

describe('isDns1123Label / isDns1123Subdomain', () => {
  test.each([
    // value, label, subdomain
    ['a', true, true],
    ['team-a', true, true],
    ['0abc', true, true],
    ['a'.repeat(63), true, true],
    ['a'.repeat(64), false, true],
    ['a.b', false, true],
    ['vcluster-platform-api-key', true, true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, false, true], // 253
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false, false], // 254
    ['', false, false],
    ['-a', false, false],
    ['a-', false, false],
    ['A', false, false],
    ['a_b', false, false],
    ['a..b', false, false],
    ['.a', false, false],
    ['a.', false, false],
    ['a b', false, false],
    ['team-a\n', false, false],
    ['ä', false, false],
  ])('%j → label %s, subdomain %s', (value, label, subdomain) => {
    expect(isDns1123Label(value)).toBe(label);
    expect(isDns1123Subdomain(value)).toBe(subdomain);
  });

  test.each([[undefined], [null], [42], [['a']]])('fails on the non-string %p', (value) => {
    expect(isDns1123Label(value)).toBe(false);
    expect(isDns1123Subdomain(value)).toBe(false);
  });
});

describeShared('test/support/values-schema: which chart schema a version is checked against', () => {
  test('the four schema files are found, oldest first', () => {
    expect(availableValuesSchemas().map((s) => s.id)).toEqual(['v0.31.3', 'v0.32.0', 'v0.36.1', 'HEAD-4876675']);
  });

  test.each([
    ['0.21.0', 'v0.31.3'],
    ['0.25.0', 'v0.31.3'],
    ['0.31.3', 'v0.31.3'],
    ['0.31.9', 'v0.31.3'],
    ['0.32.0', 'v0.32.0'],
    ['0.32.5', 'v0.32.0'],
    ['0.36.0', 'v0.32.0'],
    ['0.36.1', 'v0.36.1'],
    ['v0.36.1', 'v0.36.1'],
    ['0.36.2', 'v0.36.1'],
    ['0.37.0-rc.1', 'HEAD-4876675'],
    ['0.37.0', 'HEAD-4876675'],
    ['0.37.4', 'HEAD-4876675'],
    ['0.40.0', 'HEAD-4876675'],
  ])('%s → %s', (chartVersion, id) => {
    expect(resolveValuesSchema(chartVersion).id).toBe(id);
  });

  test.each([['0.20.9'], ['0.31'], ['latest']])('fails for %j', (chartVersion) => {
    expect(() => resolveValuesSchema(chartVersion)).toThrow(/semantic version|older than 0\.21\.0/);
  });
});
