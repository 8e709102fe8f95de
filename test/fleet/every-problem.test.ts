import { parseFleet } from '../../src/fleet/loader';
import { ValidationError } from '../../src/errors';

/** The problem lines of a refused fleet, as the CLI prints them. */
function problemsOf(text: string): string[] {
  try {
    parseFleet(text, 'vclusters.yaml');
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map((p) => `${p.line}:${p.column} ${p.path}`);
    throw e;
  }
  throw new Error('the fleet was accepted');
}

const FLEET = (entry: string[]): string =>
  ['platform:', '  host: platform.example.com', 'apiKeys:', '  k:', '    namespace: keys', '    existing: {}', 'vclusters:', '  - name: a', '    apiKey: k', ...entry, ''].join(
    '\n',
  );

describe('every problem of one vCluster entry is reported at once', () => {
  test.each([
    ['a bad chart version and an unknown delivery', ['    chartVersion: latest', '    delivery: helm'], ['10:19 vclusters[0].chartVersion', '11:15 vclusters[0].delivery']],
    ['a bad chart version and an unknown rbac mode', ['    chartVersion: "1.x"', '    rbac: foo'], ['10:19 vclusters[0].chartVersion', '11:11 vclusters[0].rbac']],
    ['a bad chart version and a bad release name', ['    chartVersion: latest', '    release: Not_A_Name'], ['10:19 vclusters[0].chartVersion', '11:14 vclusters[0].release']],
  ])('fails %s, naming both', (_case, entry, expected) => {
    expect(problemsOf(FLEET(entry))).toEqual(expected);
  });
});
