import { execFileSync, spawnSync } from 'child_process';
import { constants, createDecipheriv, createHash, createPrivateKey, KeyObject, privateDecrypt } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import * as ts from 'typescript';
import { parse } from 'yaml';
import { ValidationError } from '../../src/errors';
import { formatFleetSnippet, main, SealIo } from '../../src/cli/seal';
import { SealedSecretScope, sealingLabel } from '../../src/sealing/scope';
import { parseSealingCertificate, sealValue } from '../../src/sealing/sealed-secrets';

const ROOT = path.resolve(__dirname, '..', '..');
const DEMO_CERT = path.join(ROOT, 'examples', 'demo-sealed-secrets.crt');
const DEMO_SEALED = path.join(ROOT, 'examples', 'payments-access-key.sealed.yaml');
const DEMO_KEY = 'DEMO-ONLY-not-a-real-vcluster-platform-access-key';
/** Stands in for an access key; every output is checked not to contain it. */
const SECRET = 'test-only-access-key-7f3a9c';
const NS = 'payments';
const NAME = 'vcluster-platform-api-key';

let tmp: string;
let certFile: string;
let certPem: string;
let privateKey: KeyObject;
let ecCertFile: string;
let smallCertFile: string;
let privateKeyFile: string;
let publicKeyFile: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seal-test-'));
  // A throwaway key pair made for this run only, so the test can unseal what it sealed.
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=seal-test');
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ec-key.pem',
    '-out',
    'ec-cert.pem',
    '-days',
    '2',
    '-subj',
    '/CN=seal-test-ec',
  );
  openssl('req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-keyout', 'small-key.pem', '-out', 'small-cert.pem', '-days', '2', '-subj', '/CN=seal-test-small');
  openssl('pkey', '-in', 'key.pem', '-pubout', '-out', 'pub.pem');
  certFile = path.join(tmp, 'cert.pem');
  certPem = fs.readFileSync(certFile, 'utf8');
  privateKeyFile = path.join(tmp, 'key.pem');
  privateKey = createPrivateKey(fs.readFileSync(privateKeyFile));
  ecCertFile = path.join(tmp, 'ec-cert.pem');
  smallCertFile = path.join(tmp, 'small-cert.pem');
  publicKeyFile = path.join(tmp, 'pub.pem');
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// An independent unsealer, written from the published scheme rather than from src/: OAEP is
// decoded by hand so the test pins SHA-256 for BOTH the hash and MGF1 (OpenSSL would silently
// accept whatever the library chose).

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function mgf1(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(sha256(Buffer.concat([seed, c])));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((byte, i) => byte ^ b[i]));
}

function oaepSha256Decrypt(key: KeyObject, ciphertext: Buffer, label: string): Buffer {
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  const hLen = 32;
  if (em[0] !== 0) throw new Error('OAEP: bad leading byte');
  const maskedSeed = em.subarray(1, 1 + hLen);
  const maskedDb = em.subarray(1 + hLen);
  const seed = xor(maskedSeed, mgf1(maskedDb, hLen));
  const db = xor(maskedDb, mgf1(seed, maskedDb.length));
  if (!db.subarray(0, hLen).equals(sha256(Buffer.from(label, 'utf8')))) throw new Error('OAEP: label mismatch');
  let i = hLen;
  while (i < db.length && db[i] === 0) i++;
  if (db[i] !== 1) throw new Error('OAEP: no 0x01 separator');
  return db.subarray(i + 1);
}

/** Splits a sealed value into its three parts, checking the 2-byte length prefix. */
function split(sealed: string): { rsa: Buffer; gcm: Buffer } {
  const bytes = Buffer.from(sealed, 'base64');
  expect(bytes.toString('base64')).toBe(sealed); // plain standard base64, no line breaks
  const rsaLength = bytes.readUInt16BE(0);
  return { rsa: bytes.subarray(2, 2 + rsaLength), gcm: bytes.subarray(2 + rsaLength) };
}

function unseal(sealed: string, label: string, key: KeyObject = privateKey): Buffer {
  const { rsa, gcm } = split(sealed);
  const sessionKey = oaepSha256Decrypt(key, rsa, label);
  expect(sessionKey.length).toBe(32);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(gcm.subarray(gcm.length - 16));
  return Buffer.concat([decipher.update(gcm.subarray(0, gcm.length - 16)), decipher.final()]);
}

// ---------------------------------------------------------------------------------------------

const SCOPES: ReadonlyArray<[SealedSecretScope, string]> = [
  [SealedSecretScope.STRICT, 'payments/vcluster-platform-api-key'],
  [SealedSecretScope.NAMESPACE_WIDE, 'payments'],
  [SealedSecretScope.CLUSTER_WIDE, ''],
];

describe('sealValue', () => {
  test.each(SCOPES)('seals for scope %s with OAEP label %j and unseals to the plaintext', (scope, label) => {
    const sealed = sealValue({ certificate: certPem, namespace: NS, name: NAME, scope, plaintext: SECRET });

    const { rsa, gcm } = split(sealed);
    expect(rsa.length).toBe(256); // one 2048-bit RSA block
    expect(gcm.length).toBe(SECRET.length + 16); // GCM adds only the tag
    expect(sealingLabel(scope, NS, NAME)).toBe(label);
    expect(unseal(sealed, label).toString('utf8')).toBe(SECRET);
  });

  test('defaults to the strict scope', () => {
    const sealed = sealValue({ certificate: certPem, namespace: NS, name: NAME, plaintext: SECRET });
    expect(unseal(sealed, `${NS}/${NAME}`).toString('utf8')).toBe(SECRET);
  });

  // Every label a value could wrongly be replayed under: the other scopes, another namespace, another name.
  const wrongLabels = (scope: SealedSecretScope): string[] => {
    const right = sealingLabel(scope, NS, NAME);
    const candidates = [...SCOPES.map(([, l]) => l), `other/${NAME}`, `${NS}/other-secret`, 'other', `${NS}/${NAME} `];
    return candidates.filter((l) => l !== right);
  };
  test.each(SCOPES)('fails to unseal a %s value under any other label', (scope) => {
    const sealed = sealValue({ certificate: certPem, namespace: NS, name: NAME, scope, plaintext: SECRET });
    for (const label of wrongLabels(scope)) {
      expect(() => unseal(sealed, label)).toThrow(/label mismatch/);
      // OpenSSL's own OAEP agrees that the label does not fit.
      expect(() => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) }, split(sealed).rsa)).toThrow();
    }
  });

  test('agrees with OpenSSL RSA-OAEP-SHA256 on the session key', () => {
    const sealed = sealValue({ certificate: certPem, namespace: NS, name: NAME, plaintext: SECRET });
    const { rsa } = split(sealed);
    const viaOpenssl = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(`${NS}/${NAME}`) }, rsa);
    expect(viaOpenssl.equals(oaepSha256Decrypt(privateKey, rsa, `${NS}/${NAME}`))).toBe(true);
  });

  test('two seals of the same input differ (fresh session key) and both unseal', () => {
    const a = sealValue({ certificate: certPem, namespace: NS, name: NAME, plaintext: SECRET });
    const b = sealValue({ certificate: certPem, namespace: NS, name: NAME, plaintext: SECRET });
    expect(a).not.toBe(b);
    // Different session keys under a zero nonce must also give different AES-GCM parts.
    expect(split(a).gcm.equals(split(b).gcm)).toBe(false);
    expect(unseal(a, `${NS}/${NAME}`).toString()).toBe(SECRET);
    expect(unseal(b, `${NS}/${NAME}`).toString()).toBe(SECRET);
  });

  test('seals a Buffer byte for byte, a parsed certificate works as well as PEM', () => {
    const bytes = Buffer.from([0, 1, 2, 10, 13, 255, 0x41]);
    const sealed = sealValue({ certificate: parseSealingCertificate(certPem), namespace: NS, name: NAME, plaintext: bytes });
    expect(unseal(sealed, `${NS}/${NAME}`).equals(bytes)).toBe(true);
  });

  test('fails with every problem at once and never shows the plaintext', () => {
    let error: unknown;
    try {
      sealValue({ certificate: 'not a certificate', namespace: 'Payments', name: 'bad name', scope: 'global' as SealedSecretScope, plaintext: '' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ValidationError).problems;
    expect(problems.map((p) => p.path)).toEqual(['namespace', 'name', 'scope', 'certificate', 'plaintext']);
    expect((error as ValidationError).message).toContain('"Payments"');
    expect((error as ValidationError).message).toContain('allowed: strict, namespace-wide, cluster-wide');
  });

  test.each([
    ['a namespace longer than 63 characters', { namespace: 'a'.repeat(64) }, 'namespace'],
    ['a namespace with a dot', { namespace: 'pay.ments' }, 'namespace'],
    ['a name longer than 253 characters', { name: 'a'.repeat(254) }, 'name'],
    ['a name ending in a dash', { name: 'key-' }, 'name'],
  ])('fails on %s', (_title, override, field) => {
    expect(() => sealValue({ certificate: certPem, namespace: NS, name: NAME, plaintext: SECRET, ...override })).toThrow(
      new RegExp(`^cannot seal the value: 1 problem:\\n  - ${field}: `),
    );
  });

  test('fails on a plaintext that is a secret without echoing it', () => {
    expect(() => sealValue({ certificate: 'x', namespace: NS, name: NAME, plaintext: SECRET })).toThrow(ValidationError);
    try {
      sealValue({ certificate: 'x', namespace: NS, name: NAME, plaintext: SECRET });
    } catch (e) {
      expect(String(e)).not.toContain(SECRET);
    }
  });
});

describe('parseSealingCertificate', () => {
  test('returns the RSA key, fingerprint, subject and expiry', () => {
    const cert = parseSealingCertificate(certPem);
    const opensslFingerprint = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
    expect(cert.sha256).toBe(opensslFingerprint.replace(/^.*=/, '').trim().replace(/:/g, '').toLowerCase());
    expect(cert.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.modulusBits).toBe(2048);
    expect(cert.subject).toBe('CN=seal-test');
    // -days 2: expiry between now+1d and now+3d.
    expect(cert.validTo.getTime()).toBeGreaterThan(Date.now() + 86_400_000);
    expect(cert.validTo.getTime()).toBeLessThan(Date.now() + 3 * 86_400_000);
    expect(cert.warnings).toEqual([]);
  });

  test('uses the first certificate of a bundle', () => {
    const bundle = `${certPem}${fs.readFileSync(ecCertFile, 'utf8')}`;
    expect(parseSealingCertificate(bundle).sha256).toBe(parseSealingCertificate(certPem).sha256);
  });

  test('warns about, but accepts, an expired certificate', () => {
    const cert = parseSealingCertificate(certPem, { now: new Date('2200-01-01T00:00:00Z') });
    expect(cert.warnings).toHaveLength(1);
    expect(cert.warnings[0]).toMatch(/^the certificate \(CN=seal-test\) expired on \d{4}-\d\d-\d\dT.*kubeseal --fetch-cert$/);
  });

  const failures: ReadonlyArray<[string, () => string, RegExp]> = [
    ['an empty string', () => '', /certificate: is empty/],
    ['text that is not PEM', () => 'hello', /certificate: is not a PEM certificate \(no "-----BEGIN CERTIFICATE-----" block\)/],
    ['a private key, without echoing it', () => fs.readFileSync(privateKeyFile, 'utf8'), /certificate: holds a PRIVATE KEY, not a certificate/],
    ['a bare public key', () => fs.readFileSync(publicKeyFile, 'utf8'), /certificate: holds a PEM "PUBLIC KEY" block, not a certificate/],
    ['a damaged certificate', () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /certificate: is not a readable X\.509 certificate/],
    ['an EC certificate', () => fs.readFileSync(ecCertFile, 'utf8'), /certificate: does not hold an RSA public key.*; got "ec" \(allowed: rsa\)/],
    ['a 1024-bit RSA certificate', () => fs.readFileSync(smallCertFile, 'utf8'), /certificate: holds an RSA key that is too small; got 1024 bits \(allowed: at least 2048 bits/],
  ];
  test.each(failures)('fails on %s', (_title, pem, message) => {
    const text = pem();
    expect(() => parseSealingCertificate(text)).toThrow(ValidationError);
    expect(() => parseSealingCertificate(text)).toThrow(message);
    try {
      parseSealingCertificate(text);
    } catch (e) {
      // No line of the input (think: a private key) may reach the message.
      for (const line of text.split('\n').filter((l) => l.length > 8 && !l.startsWith('-----'))) {
        expect(String(e)).not.toContain(line);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdin: string | Buffer = '', options: { now?: Date; isTTY?: boolean } = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const input = Object.assign(Readable.from([Buffer.from(stdin)]), { isTTY: options.isTTY });
  const io: SealIo = {
    stdin: input,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    now: options.now ? () => options.now as Date : undefined,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const BASE = (): string[] => ['--cert', certFile, '--namespace', NS];

describe('seal command (in-process)', () => {
  test('prints only the sealed value; strips the one newline echo adds', async () => {
    const r = await run(BASE(), `${SECRET}\n`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^[A-Za-z0-9+/]+={0,2}\n$/);
    expect(unseal(r.stdout.trim(), `${NS}/${NAME}`).toString()).toBe(SECRET);
  });

  test.each([
    ['CRLF', `${SECRET}\r\n`, [], SECRET],
    ['no newline', SECRET, [], SECRET],
    ['two newlines: only one is stripped', `${SECRET}\n\n`, [], `${SECRET}\n`],
    ['--keep-newline', `${SECRET}\n`, ['--keep-newline'], `${SECRET}\n`],
  ])('stdin with %s', async (_title, stdin, extra, expected) => {
    const r = await run([...BASE(), ...extra], stdin);
    expect(r.code).toBe(0);
    expect(unseal(r.stdout.trim(), `${NS}/${NAME}`).toString()).toBe(expected);
    // A newline that stays in the key is worth a warning, which names no part of the key.
    expect(r.stderr).toBe(
      expected.endsWith('\n')
        ? 'seal: warning: the access key from stdin contains whitespace or control characters; vCluster Platform access keys have none (a stray newline?). It was sealed as is.\n'
        : '',
    );
  });

  test('--from-file is read byte for byte; --name and --scope set the label', async () => {
    const file = path.join(tmp, 'key.txt');
    fs.writeFileSync(file, SECRET);
    const r = await run(['--cert', certFile, '--namespace=team-a', '--name', 'platform-key', '--scope', 'namespace-wide', '--from-file', file], 'ignored stdin');
    expect(r.code).toBe(0);
    expect(unseal(r.stdout.trim(), 'team-a').toString()).toBe(SECRET);
    expect(() => unseal(r.stdout.trim(), 'team-a/platform-key')).toThrow(/label mismatch/);
  });

  test('--format fleet prints a sealed: block for the fleet file', async () => {
    const r = await run(['--cert', DEMO_CERT, '--namespace', NS, '--format', 'fleet'], `${SECRET}\n`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = parse(r.stdout) as { sealed: Record<string, string> };
    expect(Object.keys(doc)).toEqual(['sealed']);
    expect(doc.sealed.scope).toBe('strict');
    expect(doc.sealed.sealedFor).toBe('payments/vcluster-platform-api-key');
    expect(doc.sealed.certificateSha256).toBe(parseSealingCertificate(fs.readFileSync(DEMO_CERT, 'utf8')).sha256);
    const { rsa, gcm } = split(doc.sealed.encryptedAccessKey);
    expect(rsa.length).toBe(512); // the demo certificate is RSA-4096, like the controller's
    expect(gcm.length).toBe(SECRET.length + 16);
    expect(r.stdout).toContain(`  encryptedAccessKey: ${doc.sealed.encryptedAccessKey}\n`); // one line, unfolded
    expect(r.stdout.replace(doc.sealed.encryptedAccessKey, '<sealed value>')).toMatchSnapshot();
  });

  test.each(SCOPES)('--format fleet with --scope %s says sealedFor %j and unseals with it', async (scope, label) => {
    const r = await run([...BASE(), '--scope', scope, '--format', 'fleet'], SECRET);
    expect(r.code).toBe(0);
    const doc = parse(r.stdout) as { sealed: Record<string, string> };
    expect(doc.sealed).toEqual({ scope, sealedFor: label, certificateSha256: parseSealingCertificate(certPem).sha256, encryptedAccessKey: expect.any(String) });
    expect(unseal(doc.sealed.encryptedAccessKey, doc.sealed.sealedFor).toString()).toBe(SECRET);
  });

  test('formatFleetSnippet quotes an empty sealedFor', () => {
    expect(formatFleetSnippet({ scope: SealedSecretScope.CLUSTER_WIDE, sealedFor: '', certificateSha256: 'ab', encryptedAccessKey: 'AgB=' })).toBe(
      '    sealed:\n      scope: cluster-wide\n      sealedFor: ""\n      certificateSha256: ab\n      encryptedAccessKey: AgB=\n',
    );
  });

  test.each([['--help'], ['-h']])('%s prints usage and exits 0', async (flag) => {
    const r = await run([flag]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: cdk8s-vcluster-platform seal --cert FILE --namespace NS/);
    expect(r.stdout).toContain('strict | namespace-wide | cluster-wide');
    expect(r.stdout).toContain('value | fleet');
    expect(r.stderr).toBe('');
  });

  test('warns on an expired certificate but still seals', async () => {
    const r = await run(BASE(), SECRET, { now: new Date('2200-01-01T00:00:00Z') });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^seal: warning: the certificate \(CN=seal-test\) expired on .*\n$/);
    expect(unseal(r.stdout.trim(), `${NS}/${NAME}`).toString()).toBe(SECRET);
  });

  test('hints at Ctrl-D when stdin is a terminal', async () => {
    const r = await run(BASE(), `${SECRET}\n`, { isTTY: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('seal: reading the access key from the terminal; finish with Enter and Ctrl-D\n');
  });

  // [title, argv, stdin, every line expected on stderr before the --help hint]; functions because tmp is made in beforeAll
  const failures: ReadonlyArray<[string, () => string[], string, () => string[]]> = [
    [
      'without --cert and --namespace',
      () => [],
      SECRET,
      () => [
        "seal: --cert: is required: the Sealed Secrets controller's public certificate (allowed: a PEM file, e.g. from kubeseal --fetch-cert)",
        'seal: --namespace: is required: the namespace of the access-key Secret',
      ],
    ],
    ['on an unknown --scope', () => [...BASE(), '--scope', 'global'], SECRET, () => ['seal: --scope: unknown scope; got "global" (allowed: strict, namespace-wide, cluster-wide)']],
    ['on an unknown --format', () => [...BASE(), '--format=json'], SECRET, () => ['seal: --format: unknown format; got "json" (allowed: value, fleet)']],
    [
      'on an unknown option',
      () => [...BASE(), '--verbose'],
      SECRET,
      () => ['seal: arguments: unknown option; got "--verbose" (allowed: --cert, --namespace, --name, --scope, --from-file, --format, --key, --fleet, --keep-newline, --help, -h)'],
    ],
    [
      'on a key given as an argument, without echoing it',
      () => [...BASE(), SECRET],
      '',
      () => [
        'seal: arguments: unexpected argument #5 (not shown, in case it is the key); pipe the access key on stdin or use --from-file (allowed: --cert, --namespace, --name, --scope, --from-file, --format, --key, --fleet, --keep-newline, --help, -h)',
      ],
    ],
    ['on a flag without its value', () => ['--cert', certFile, '--namespace', '--name', NAME], SECRET, () => ['seal: --namespace: needs a value']],
    ['on a repeated flag', () => [...BASE(), '--namespace', 'other'], SECRET, () => ['seal: --namespace: is given more than once; got "other"']],
    [
      'on a bad namespace and name',
      () => ['--cert', certFile, '--namespace', 'Payments', '--name', 'api_key'],
      SECRET,
      () => [
        'seal: --namespace: is not a valid namespace; got "Payments" (allowed: lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters)',
        "seal: --name: is not a valid Secret name; got \"api_key\" (allowed: lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit, at most 253 characters)",
      ],
    ],
    [
      'on a missing certificate file',
      () => ['--cert', path.join(tmp, 'absent.pem'), '--namespace', NS],
      SECRET,
      () => [`seal: --cert: cannot read the certificate (no such file); got ${JSON.stringify(path.join(tmp, 'absent.pem'))}`],
    ],
    [
      'on a certificate file that is not PEM',
      () => ['--cert', path.join(ROOT, 'package.json'), '--namespace', NS],
      SECRET,
      () => [
        `seal: ${path.join(ROOT, 'package.json')}: --cert: is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" block) (allowed: the PEM certificate of the Sealed Secrets controller (kubeseal --fetch-cert))`,
      ],
    ],
    [
      'on a private key given as the certificate',
      () => ['--cert', privateKeyFile, '--namespace', NS],
      SECRET,
      () => [
        `seal: ${privateKeyFile}: --cert: holds a PRIVATE KEY, not a certificate; seal with the controller's public certificate and keep private keys out of the repository (allowed: the PEM certificate of the Sealed Secrets controller (kubeseal --fetch-cert))`,
      ],
    ],
    [
      'on an EC certificate',
      () => ['--cert', ecCertFile, '--namespace', NS],
      SECRET,
      () => [`seal: ${ecCertFile}: --cert: does not hold an RSA public key; Sealed Secrets seals with RSA-OAEP; got "ec" (allowed: rsa)`],
    ],
    ['on an empty stdin', () => BASE(), '', () => ['seal: stdin: the access key is empty; there is nothing to seal (allowed: a non-empty access key)']],
    ['on a stdin holding only the newline', () => BASE(), '\n', () => ['seal: stdin: the access key is empty; there is nothing to seal (allowed: a non-empty access key)']],
    [
      'on an empty --from-file',
      () => {
        fs.writeFileSync(path.join(tmp, 'empty.txt'), '');
        return [...BASE(), '--from-file', path.join(tmp, 'empty.txt')];
      },
      '',
      () => ['seal: --from-file: the access key is empty; there is nothing to seal (allowed: a non-empty access key)'],
    ],
    [
      'on a missing --from-file',
      () => [...BASE(), '--from-file', path.join(tmp, 'absent.txt')],
      '',
      () => [`seal: --from-file: cannot read the access key file (no such file); got ${JSON.stringify(path.join(tmp, 'absent.txt'))}`],
    ],
    [
      'on --keep-newline with --from-file',
      () => [...BASE(), '--from-file', certFile, '--keep-newline'],
      '',
      () => ['seal: --keep-newline: only applies to stdin; --from-file is always read byte for byte'],
    ],
    [
      'with every problem at once',
      () => ['--cert', path.join(tmp, 'absent.pem'), '--namespace', 'A', '--scope', 'x', '--format', 'y', '--bogus'],
      SECRET,
      () => [
        'seal: arguments: unknown option; got "--bogus" (allowed: --cert, --namespace, --name, --scope, --from-file, --format, --key, --fleet, --keep-newline, --help, -h)',
        'seal: --scope: unknown scope; got "x" (allowed: strict, namespace-wide, cluster-wide)',
        'seal: --format: unknown format; got "y" (allowed: value, fleet)',
        'seal: --namespace: is not a valid namespace; got "A" (allowed: lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters)',
        `seal: --cert: cannot read the certificate (no such file); got ${JSON.stringify(path.join(tmp, 'absent.pem'))}`,
      ],
    ],
  ];
  test.each(failures)('fails %s', async (_title, argv, stdin, lines) => {
    const r = await run(argv(), stdin);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${[...lines(), 'seal: run with --help for usage'].join('\n')}\n`);
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

// ---------------------------------------------------------------------------------------------

describe('seal command (as a process)', () => {
  let outDir: string;
  let script: string;

  beforeAll(() => {
    // Transpile the CLI and its local imports into a private folder under lib/ (so `yaml`
    // resolves from node_modules) instead of running the whole-project tsc, which would race
    // other test files and fail on unrelated work in progress. Type checking is tsc's job.
    fs.mkdirSync(path.join(ROOT, 'lib'), { recursive: true });
    outDir = fs.mkdtempSync(path.join(ROOT, 'lib', '.seal-cli-test-'));
    const pending = ['src/cli/seal.ts'];
    const done = new Set<string>();
    while (pending.length > 0) {
      const rel = pending.pop() as string;
      if (done.has(rel)) continue;
      done.add(rel);
      const source = fs.readFileSync(path.join(ROOT, rel), 'utf8');
      for (const m of source.matchAll(/from '(\.\.?\/[^']+)'/g)) pending.push(path.posix.join(path.posix.dirname(rel), `${m[1]}.ts`));
      const js = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: rel,
      }).outputText;
      const target = path.join(outDir, rel.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, js);
    }
    script = path.join(outDir, 'src', 'cli', 'seal.js');
  });

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  test('seals stdin and exits 0', () => {
    const r = spawnSync(process.execPath, [script, '--cert', certFile, '--namespace', NS, '--scope', 'cluster-wide'], { input: `${SECRET}\n`, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(unseal(r.stdout.trim(), '').toString()).toBe(SECRET);
  });

  test('fails with exit code 2, messages only, no stack trace', () => {
    const r = spawnSync(process.execPath, [script, '--cert', path.join(tmp, 'absent.pem'), '--scope', 'global'], { input: SECRET, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      `seal: --namespace: is required: the namespace of the access-key Secret`,
      'seal: --scope: unknown scope; got "global" (allowed: strict, namespace-wide, cluster-wide)',
      `seal: --cert: cannot read the certificate (no such file); got ${JSON.stringify(path.join(tmp, 'absent.pem'))}`,
      'seal: run with --help for usage',
      '',
    ]);
    expect(r.stderr).not.toContain(SECRET);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the committed demo', () => {
  const demo = parseSealingCertificate(fs.readFileSync(DEMO_CERT, 'utf8'));

  test('certificate: RSA-4096, CN sealed-secrets-demo, valid for about 100 years', () => {
    expect(demo.subject).toBe('CN=sealed-secrets-demo');
    expect(demo.modulusBits).toBe(4096);
    expect(demo.validTo.getUTCFullYear()).toBeGreaterThanOrEqual(2120);
    expect(demo.warnings).toEqual([]);
  });

  test('sealed value matches the certificate, the payments Secret and the fake demo key', () => {
    const doc = parse(fs.readFileSync(DEMO_SEALED, 'utf8')) as { sealed: Record<string, string> };
    expect(doc.sealed.scope).toBe('strict');
    expect(doc.sealed.sealedFor).toBe('payments/vcluster-platform-api-key');
    expect(doc.sealed.certificateSha256).toBe(demo.sha256);
    // The private key is gone, so the value cannot be opened; its shape still pins the scheme.
    const { rsa, gcm } = split(doc.sealed.encryptedAccessKey);
    expect(rsa.length).toBe(512);
    expect(gcm.length).toBe(DEMO_KEY.length + 16);
  });

  test('no private key sits in the examples', () => {
    for (const entry of fs.readdirSync(path.join(ROOT, 'examples'), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      expect(fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8')).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    }
  });
});
