/**
 * Warnings reach a library user: a plain cdk8s app (`new App()`, constructs, `app.synth()`) run as
 * its own process, from the compiled library in lib/, prints each warning once on stderr.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..');
const LIB = path.join(REPO, 'lib', 'src', 'index.js');
/** A fake key; it must never reach the terminal. */
const KEY = 'FAKE-warnings-test-access-key-5f3a9c';
const PLAINTEXT_WARNING =
  'warning: PlatformApiKey lab/vcluster-platform-api-key: the access key is written in plaintext (base64) to the output; anyone who can read it can use the key. Prefer AccessKeySource.externalSecret or AccessKeySource.sealed.\n';

let tmp: string;

beforeAll(() => {
  // lib/ is built once, before any test file runs (jest globalSetup); rebuilding here would race
  // other files' children loading lib/.
  if (!fs.existsSync(LIB)) throw new Error(`${LIB} is missing: run \`npm run build\` (npm test and jest's globalSetup do)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warnings-test-'));
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `body` as a CommonJS program in a fresh folder, with `lib` = the compiled library. */
function runApp(name: string, body: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const file = path.join(dir, 'app.js');
  fs.writeFileSync(file, `const { App, Chart } = require(${JSON.stringify(require.resolve('cdk8s'))});\nconst lib = require(${JSON.stringify(LIB)});\n${body}\n`);
  // A clean environment: in particular without the quiet switch this test run sets for itself.
  const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, dir };
}

const LITERAL_KEY_APP = `
const app = new App();
const chart = new Chart(app, 'lab', { disableResourceNameHashes: true });
new lib.PlatformApiKey(chart, 'key', {
  namespace: 'lab',
  host: 'platform.example.com',
  source: lib.AccessKeySource.literal(${JSON.stringify(KEY)}, { allowPlaintext: true }),
});
`;

describe('a plain cdk8s app prints the library warnings on synth', () => {
  test('a literal key: exactly one warning line on stderr, never the key', () => {
    // WHEN
    const o = runApp('literal', `${LITERAL_KEY_APP}app.synth();`);

    // THEN
    expect(o.code).toBe(0);
    expect(o.stdout).toBe('');
    expect(o.stderr).toBe(PLAINTEXT_WARNING);
    for (const text of [o.stdout, o.stderr]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(Buffer.from(KEY).toString('base64'));
    }
    // Not vacuous: the key really went into the output.
    const written = fs
      .readdirSync(path.join(o.dir, 'dist'))
      .map((f) => fs.readFileSync(path.join(o.dir, 'dist', f), 'utf8'))
      .join('\n');
    expect(written).toContain(Buffer.from(KEY).toString('base64'));
  });

  test('once per warning, however often the app synthesizes or validates', () => {
    const o = runApp('repeat', `${LITERAL_KEY_APP}app.synth();\napp.synthYaml();\nchart.toJson();\napp.synth();`);
    expect(o.code).toBe(0);
    expect(o.stderr).toBe(PLAINTEXT_WARNING);
  });

  test('RbacMode.CHART on a chart with broken RBAC: one warning about the fallback to STATIC', () => {
    const o = runApp(
      'chart-rbac',
      `
const app = new App();
const chart = new Chart(app, 'c', { disableResourceNameHashes: true });
const key = lib.PlatformApiKey.fromSecretName('vcluster-platform-api-key', 'vcluster-platform');
new lib.VClusterPlatformConnection(chart, 'legacy', { release: 'legacy', namespace: 'legacy', vclusterVersion: '0.24.1', apiKey: key, rbac: lib.RbacMode.CHART });
app.synth();`,
    );
    expect(o.code).toBe(0);
    expect(o.stderr.split('\n')).toEqual([expect.stringMatching(/^warning: vCluster legacy\/legacy: chart 0\.24\.1 .*using RbacMode\.STATIC instead/), '']);
  });

  test.each([
    ['Warnings.silence(app)', `${LITERAL_KEY_APP}lib.Warnings.silence(app);\napp.synth();\nconsole.log(JSON.stringify(lib.Warnings.collect(app)));`, {}],
    ['VCLUSTER_PLATFORM_QUIET_WARNINGS=1', `${LITERAL_KEY_APP}app.synth();\nconsole.log(JSON.stringify(lib.Warnings.collect(app)));`, { VCLUSTER_PLATFORM_QUIET_WARNINGS: '1' }],
  ])('%s: nothing printed, the warning is still collected', (_, body, env) => {
    const o = runApp('silenced', body, env);
    expect(o.code).toBe(0);
    expect(o.stderr).toBe('');
    expect(JSON.parse(o.stdout)).toEqual([PLAINTEXT_WARNING.replace(/^warning: /, '').trimEnd()]);
  });

  test('an app without warnings prints nothing', () => {
    const o = runApp(
      'clean',
      `
const app = new App();
const chart = new Chart(app, 'c', { disableResourceNameHashes: true });
new lib.PlatformApiKey(chart, 'key', { namespace: 'keys', host: 'platform.example.com', source: lib.AccessKeySource.externalSecret({ storeName: 'vault', remoteKey: 'k' }) });
app.synth();`,
    );
    expect(o.code).toBe(0);
    expect(o.stderr).toBe('');
  });
});
