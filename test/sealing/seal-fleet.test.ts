/**
 * `seal --key ID --fleet FILE` writes the sealed block into the fleet file in place (comments
 * kept), and `--format fleet` prints a block that pastes under `apiKeys.<id>` as it is.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { main } from '../../src/cli/seal';
import { parseFleet } from '../../src/fleet/loader';

const KEY = 'fake-access-key-for-tests-0123456789';
let tmp: string;
let cert: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seal-fleet-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=seal-fleet'], {
    cwd: tmp,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  cert = path.join(tmp, 'cert.pem');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function seal(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: Readable.from([Buffer.from(`${KEY}\n`)]),
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

const FLEET = [
  '# yaml-language-server: $schema=./schema/vclusters.schema.json',
  'platform:',
  '  host: platform.example.com # the platform',
  'apiKeys:',
  '  # dedicated to payments',
  '  payments:',
  '    namespace: payments',
  '    secretName: payments-key',
  '  shared:',
  '    namespace: vcluster-platform',
  '    externalSecret:',
  '      storeRef: { name: vault }',
  '      remoteRef: { key: k, property: accessKey }',
  'vclusters:',
  '  - name: payments',
  '    chartVersion: "0.36.1"',
  '    apiKey: payments',
  '',
].join('\n');

describe('seal --key ID --fleet FILE', () => {
  test('writes apiKeys.<id>.sealed in place, keeps every comment, and the fleet loads', async () => {
    // GIVEN a fleet whose payments key has no source yet
    const file = path.join(tmp, 'vclusters.yaml');
    fs.writeFileSync(file, FLEET);
    // WHEN the key is sealed into it (namespace and Secret name taken from the key)
    const r = await seal(['--cert', cert, '--key', 'payments', '--fleet', file]);
    // THEN the file holds the sealed block where it belongs, comments intact, no key material
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`seal: wrote apiKeys.payments.sealed (strict, for payments/payments-key) into ${file}\n`);
    const text = fs.readFileSync(file, 'utf8');
    for (const comment of ['# yaml-language-server', '# the platform', '# dedicated to payments']) expect(text).toContain(comment);
    expect(text).not.toContain(KEY);
    const fleet = parseFleet(text, file, { env: {} });
    const key = fleet.apiKeys.find((k) => k.id === 'payments')!;
    expect(key.source).toMatchObject({ type: 'sealed', scope: 'strict', sealedFor: 'payments/payments-key' });
    // AND sealing again replaces the block rather than adding one
    expect((await seal(['--cert', cert, '--key', 'payments', '--fleet', file])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8').match(/^ {4}sealed:$/gm)).toHaveLength(1);
  });

  test.each([
    ['a key that is not declared', ['--key', 'nope'], /--key: names no access key under apiKeys .*; got "nope" \(allowed: payments, shared\)/],
    ['a key with another source', ['--key', 'shared'], /--key: apiKeys\.shared takes its access key from externalSecret; a key has exactly one source/],
    ['--namespace that differs from the key', ['--key', 'payments', '--namespace', 'other'], /--namespace: differs from apiKeys\.payments\.namespace \(payments\)/],
    ['--key without --fleet', ['--key', 'payments', 'NO-FLEET'], /--key: goes with --key ID --fleet FILE: give both, or neither/],
  ])('fails on %s, leaving the fleet file as it was', async (_case, extra, message) => {
    const file = path.join(tmp, 'unchanged.yaml');
    fs.writeFileSync(file, FLEET);
    const argv = extra.includes('NO-FLEET') ? ['--cert', cert, ...extra.filter((a) => a !== 'NO-FLEET')] : ['--cert', cert, ...extra, '--fleet', file];
    const r = await seal(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toBe(FLEET);
  });
});

describe('seal --format fleet', () => {
  test('prints a block that pastes under apiKeys.<id> as it is: the pasted fleet loads', async () => {
    const r = await seal(['--cert', cert, '--namespace', 'payments', '--name', 'payments-key', '--format', 'fleet']);
    expect(r.code).toBe(0);
    const lines = FLEET.split('\n');
    const at = lines.indexOf('    secretName: payments-key') + 1;
    const pasted = [...lines.slice(0, at), r.stdout.trimEnd(), ...lines.slice(at)].join('\n');
    const key = parseFleet(pasted, path.join(tmp, 'pasted.yaml'), { env: {} }).apiKeys.find((k) => k.id === 'payments')!;
    expect(key.source).toMatchObject({ type: 'sealed', sealedFor: 'payments/payments-key' });
  });
});
