/**
 * `seal`, second round: no option value that could be an access key is echoed, a certificate
 * file that also holds a private key is refused, a not yet valid one warned about, and every
 * input is read with a byte limit (files only when they are regular files).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { ValidationError } from '../../src/errors';
import { main, SEAL_READ_LIMITS, SealIo } from '../../src/cli/seal';
import { parseSealingCertificate } from '../../src/sealing/sealed-secrets';

/** Stands in for an access key; every output is checked not to contain it. */
const KEY = 'FAKEk3y9Q7wZ2x8v5T1m4N6b0R';

let tmp: string;
let certFile: string;
let keyFile: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seal-hardening-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=seal-hardening'], {
    cwd: tmp,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  certFile = path.join(tmp, 'cert.pem');
  keyFile = path.join(tmp, 'key.pem');
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function seal(argv: string[], stdin: AsyncIterable<Buffer | string> = Readable.from([Buffer.from(`${KEY}\n`)]), now?: Date): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const io: SealIo = {
    stdin,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    now: now ? () => now : undefined,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

function expectNoKey(r: Result): void {
  expect(r.stdout + r.stderr).not.toContain(KEY);
  expect(r.stdout + r.stderr).not.toContain(KEY.slice(0, 10));
}

describe('no option value that could be an access key is echoed', () => {
  const base = (): string[] => ['--cert', certFile, '--namespace', 'payments'];
  test.each([
    ['--from-file KEY', (): string[] => [...base(), '--from-file', KEY], '--from-file: cannot read the access key file (no such file); got (26 characters, not shown'],
    ['--cert KEY', (): string[] => ['--cert', KEY, '--namespace', 'payments'], '--cert: cannot read the certificate (no such file); got (26 characters'],
    ['--namespace KEY', (): string[] => ['--cert', certFile, '--namespace', KEY], '--namespace: is not a valid namespace; got (26 characters'],
    ['--name KEY', (): string[] => [...base(), '--name', KEY], '--name: is not a valid Secret name; got (26 characters'],
    ['--scope KEY', (): string[] => [...base(), '--scope', KEY], '--scope: unknown scope; got (26 characters'],
    ['--format=KEY', (): string[] => [...base(), `--format=${KEY}`], '--format: unknown format; got (26 characters'],
    ['a repeated --namespace KEY', (): string[] => [...base(), '--namespace', KEY], '--namespace: is given more than once; got (26 characters'],
    ['--keep-newline=KEY', (): string[] => [...base(), `--keep-newline=${KEY}`], '--keep-newline: takes no value; got (26 characters'],
    ['--KEY', (): string[] => [...base(), `--${KEY}`], 'arguments: unknown option; got (28 characters'],
  ])('fails on %s without printing it', async (_name, argv, message) => {
    const r = await seal(argv());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expectNoKey(r);
  });

  test('a certificate file that is not PEM is named by its path; a bare name that could be a key is not', async () => {
    const named = path.join(tmp, KEY);
    fs.writeFileSync(named, 'not a certificate\n');
    const absolute = await seal(['--cert', named, '--namespace', 'payments']);
    expect(absolute.code).toBe(2);
    // An absolute path is a path, not a key.
    expect(absolute.stderr).toContain(`${named}: --cert: is not a PEM certificate`);
    const bare = await seal(['--cert', KEY, '--namespace', 'payments']);
    expect(bare.stderr).toContain('--cert: cannot read the certificate (no such file); got (26 characters, not shown: it could be an access key)');
    expectNoKey(bare);
  });
});

describe('the certificate file', () => {
  test('fails when it also holds the private key, without showing any of the key', async () => {
    const bundle = path.join(tmp, 'bundle.pem');
    const keyText = fs.readFileSync(keyFile, 'utf8');
    fs.writeFileSync(bundle, fs.readFileSync(certFile, 'utf8') + keyText);
    const r = await seal(['--cert', bundle, '--namespace', 'payments']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--cert: holds a PRIVATE KEY next to the certificate; this file is meant to be committed');
    const body = keyText.split('\n')[1];
    expect(r.stderr).not.toContain(body.slice(0, 16));
    expect(() => parseSealingCertificate(fs.readFileSync(bundle, 'utf8'))).toThrow(ValidationError);
  });

  test('warns when it is not valid yet, and still seals', async () => {
    const r = await seal(['--cert', certFile, '--namespace', 'payments'], undefined, new Date('2001-01-01T00:00:00Z'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^seal: warning: the certificate \(CN=seal-hardening\) is not valid before \d{4}-\d\d-\d\dT[\d:.]+Z; check this machine's clock/);
    expect(r.stdout).toMatch(/^[A-Za-z0-9+/]+={0,2}\n$/);
    expect(parseSealingCertificate(fs.readFileSync(certFile, 'utf8'), { now: new Date('2001-01-01T00:00:00Z') }).warnings).toHaveLength(1);
    expect(parseSealingCertificate(fs.readFileSync(certFile, 'utf8')).warnings).toEqual([]);
  });
});

describe('every input is read with a byte limit', () => {
  test.each([
    [
      '--from-file /dev/zero',
      (): string[] => ['--cert', certFile, '--namespace', 'payments', '--from-file', '/dev/zero'],
      '--from-file: cannot read the access key file (is not a regular file',
    ],
    ['--cert /dev/urandom', (): string[] => ['--cert', '/dev/urandom', '--namespace', 'payments'], '--cert: cannot read the certificate (is not a regular file'],
    ['--from-file a folder', (): string[] => ['--cert', certFile, '--namespace', 'payments', '--from-file', tmp], 'cannot read the access key file (is a directory)'],
  ])('fails on %s', async (_name, argv, message) => {
    const r = await seal(argv(), Readable.from([]));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('fails on a named pipe as --from-file without waiting for a writer', async () => {
    const fifo = path.join(tmp, 'key.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await seal(['--cert', certFile, '--namespace', 'payments', '--from-file', fifo], Readable.from([]));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a regular file');
  });

  test('fails on a 4 GB (sparse) --from-file and --cert from its size, without reading it', async () => {
    const big = path.join(tmp, 'big.bin');
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 4 * 1024 ** 3);
    fs.closeSync(fd);
    const r = await seal(['--cert', big, '--namespace', 'payments', '--from-file', big], Readable.from([]));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--cert: cannot read the certificate (is 4294967296 bytes, over the limit of ${SEAL_READ_LIMITS.certificate} bytes)`);
    expect(r.stderr).toContain(`--from-file: cannot read the access key file (is 4294967296 bytes, over the limit of ${SEAL_READ_LIMITS.accessKey} bytes)`);
    fs.rmSync(big);
  });

  test('fails on an endless stdin after the limit, and stops pulling from it', async () => {
    let pulled = 0;
    const chunk = Buffer.alloc(4096, 0x41);
    const endless = {
      async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
        for (;;) {
          pulled += 1;
          yield chunk;
        }
      },
    };
    const r = await seal(['--cert', certFile, '--namespace', 'payments'], endless);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`stdin: sends more than ${SEAL_READ_LIMITS.accessKey} bytes, the limit; an access key is far shorter`);
    expect(pulled).toBe(Math.floor(SEAL_READ_LIMITS.accessKey / chunk.length) + 1);
  });

  test('an access key at the limit is still sealed', async () => {
    const atLimit = path.join(tmp, 'at-limit.txt');
    fs.writeFileSync(atLimit, Buffer.alloc(SEAL_READ_LIMITS.accessKey, 0x41));
    const r = await seal(['--cert', certFile, '--namespace', 'payments', '--from-file', atLimit], Readable.from([]));
    expect(r.code).toBe(0);
  });
});
