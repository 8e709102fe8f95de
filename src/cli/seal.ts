import * as path from 'path';
import { stringify } from 'yaml';
import { formatProblem, Problem, ValidationError } from '../errors';
import { SealedSecretScope, sealingLabel } from '../sealing/scope';
import { parseSealingCertificate, SealingCertificate, sealingTargetProblems, sealValue } from '../sealing/sealed-secrets';
import { isReadFailure, readRegularFile, readStreamBounded } from './bounded-read';
import { couldBeAccessKey, showOptionValue } from './option-values';
import { OpenedFleet, openFleetForKey } from './seal-fleet';

/** How `seal` prints its result. */
export enum SealOutputFormat {
  /** Only the sealed base64 value and a newline: for scripts and `encryptedAccessKey`. */
  VALUE = 'value',
  /** A `sealed:` YAML block to paste under an access key in the fleet file. */
  FLEET = 'fleet',
}

/** A place `seal` writes text to. */
export interface SealWritable {
  /** Writes `text` as is. */
  write(text: string): unknown;
}

/** The outside world of `seal`, injectable so tests run it in-process. */
export interface SealIo {
  /** Where the plaintext comes from when `--from-file` is absent. */
  readonly stdin: AsyncIterable<Buffer | string> & { readonly isTTY?: boolean };
  /** Receives the result only. */
  readonly stdout: SealWritable;
  /** Receives errors, warnings and hints. */
  readonly stderr: SealWritable;
  /**
   * The clock certificate expiry is judged against.
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

/** Everything a `fleet` snippet says about one sealed access key. */
export interface FleetSnippetInput {
  /** The scope the value was sealed for. */
  readonly scope: SealedSecretScope;
  /** The OAEP label the value was sealed with (`sealingLabel`). */
  readonly sealedFor: string;
  /** `SealingCertificate.sha256` of the certificate the value was sealed for. */
  readonly certificateSha256: string;
  /** The sealed value. */
  readonly encryptedAccessKey: string;
}

/** Exit code for bad input: flags, files, certificate or plaintext. */
export const EXIT_USAGE = 2;

const DEFAULT_NAME = 'vcluster-platform-api-key';

/**
 * Byte limits of what `seal` reads. A controller certificate is about 2 KB (a bundle of a few
 * rotated ones stays far below 1 MiB); an access key is well under 1 KiB.
 */
export const SEAL_READ_LIMITS = { certificate: 1024 * 1024, accessKey: 64 * 1024 } as const;

/** Usage text printed by `--help`. */
export const SEAL_USAGE = `Usage: cdk8s-vcluster-platform seal --cert FILE --namespace NS [options] < access-key
       (in this repository: npm run --silent seal -- …)

Seals a vCluster Platform access key for a Sealed Secrets controller, offline, the way kubeseal
does. The plaintext is read from stdin (one trailing newline is dropped) or from --from-file
(used byte for byte) and is never printed.

Options:
  --cert FILE          the controller's public certificate (kubeseal --fetch-cert > FILE)  [required]
  --namespace NS       namespace of the access-key Secret                                  [required]
  --name NAME          name of the access-key Secret         (default: ${DEFAULT_NAME})
  --scope SCOPE        ${Object.values(SealedSecretScope).join(' | ')}   (default: ${SealedSecretScope.STRICT})
  --from-file FILE     read the access key from FILE instead of stdin
  --keep-newline       keep a trailing newline read from stdin
  --format FORMAT      ${Object.values(SealOutputFormat).join(' | ')}   (default: ${SealOutputFormat.VALUE})
                         value: the sealed base64 value
                         fleet: a "sealed:" block, indented to paste under apiKeys.<id> as it is
  --key ID --fleet FILE
                       write the sealed block into FILE as apiKeys.<ID>.sealed, in place, keeping
                       its comments; --namespace and --name default to that key's
  -h, --help           print this help

Examples:
  echo "$ACCESS_KEY" | cdk8s-vcluster-platform seal --cert pub-cert.pem --namespace payments --format fleet
  echo "$ACCESS_KEY" | cdk8s-vcluster-platform seal --cert pub-cert.pem --key payments --fleet vclusters.yaml
`;

/** Renders the `fleet` output: a `sealed:` block, stable key order, no line folding. */
export function formatFleetSnippet(input: FleetSnippetInput): string {
  // Indented for its place: under `apiKeys:` (column 0) and `  <id>:` (column 2), `sealed:` sits at column 4.
  return indent(
    stringify(
      {
        sealed: {
          scope: input.scope,
          sealedFor: input.sealedFor,
          certificateSha256: input.certificateSha256,
          encryptedAccessKey: input.encryptedAccessKey,
        },
      },
      // A folded base64 value would still parse, but one line is what people grep and diff.
      { lineWidth: 0 },
    ),
  );
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '    ');
}

type ValueField = 'cert' | 'namespace' | 'name' | 'scope' | 'fromFile' | 'format' | 'key' | 'fleet';

type Flags = { [K in ValueField]?: string } & { keepNewline: boolean; help: boolean };

const VALUE_FLAGS: Record<string, ValueField> = {
  '--cert': 'cert',
  '--namespace': 'namespace',
  '--name': 'name',
  '--scope': 'scope',
  '--from-file': 'fromFile',
  '--format': 'format',
  '--key': 'key',
  '--fleet': 'fleet',
};
const BOOLEAN_FLAGS: Record<string, 'keepNewline' | 'help'> = {
  '--keep-newline': 'keepNewline',
  '--help': 'help',
  '-h': 'help',
};
const ALL_FLAGS = [...Object.keys(VALUE_FLAGS), ...Object.keys(BOOLEAN_FLAGS)].join(', ');

/** Parses argv into flags, recording every problem instead of stopping at the first. */
function parseFlags(argv: readonly string[], problems: Problem[]): Flags {
  const flags: Flags = { keepNewline: false, help: false };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    if (flag in VALUE_FLAGS) {
      let value: string | undefined;
      if (eq >= 0) {
        value = arg.slice(eq + 1);
      } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
        value = argv[++i];
      }
      if (value === undefined || value === '') {
        problems.push({ path: flag, message: 'needs a value' });
        continue;
      }
      if (seen.has(flag)) problems.push({ path: flag, message: 'is given more than once', value: showOptionValue(value) });
      seen.add(flag);
      flags[VALUE_FLAGS[flag]] = value;
    } else if (flag in BOOLEAN_FLAGS) {
      if (eq >= 0) problems.push({ path: flag, message: 'takes no value', value: showOptionValue(arg.slice(eq + 1)) });
      flags[BOOLEAN_FLAGS[flag]] = true;
    } else if (arg.startsWith('-')) {
      problems.push({ path: 'arguments', message: 'unknown option', value: showOptionValue(flag), allowed: ALL_FLAGS });
    } else {
      // A stray word is most likely an access key typed on the command line: do not echo it.
      problems.push({
        path: 'arguments',
        message: `unexpected argument #${i + 1} (not shown, in case it is the key); pipe the access key on stdin or use --from-file`,
        allowed: ALL_FLAGS,
      });
    }
  }
  return flags;
}

/**
 * `--key ID --fleet FILE`: the fleet file opened at that key (both flags or neither); a given
 * --namespace or --name must agree with the key, since the seal is bound to them.
 */
function fleetKeyOf(flags: Flags, problems: Problem[]): OpenedFleet | undefined {
  if ((flags.key === undefined) !== (flags.fleet === undefined)) {
    problems.push({ path: flags.key === undefined ? '--fleet' : '--key', message: 'goes with --key ID --fleet FILE: give both, or neither' });
    return undefined;
  }
  if (flags.key === undefined || flags.fleet === undefined) return undefined;
  const opened = openFleetForKey(path.resolve(flags.fleet), flags.fleet, flags.key);
  problems.push(...opened.problems);
  const t = opened.target;
  if (t !== undefined && flags.namespace !== undefined && flags.namespace !== t.namespace) {
    problems.push({ path: '--namespace', message: `differs from apiKeys.${flags.key}.namespace (${t.namespace}); leave it out`, value: showOptionValue(flags.namespace) });
  }
  if (t !== undefined && flags.name !== undefined && flags.name !== t.name) {
    problems.push({ path: '--name', message: `differs from the key's Secret name (${t.name}); leave it out`, value: showOptionValue(flags.name) });
  }
  return t === undefined ? undefined : opened;
}

/** Drops exactly one trailing "\n" or "\r\n": the one `echo` adds. */
function stripOneNewline(data: Buffer): Buffer {
  if (data.length >= 2 && data[data.length - 2] === 0x0d && data[data.length - 1] === 0x0a) return data.subarray(0, data.length - 2);
  if (data.length >= 1 && data[data.length - 1] === 0x0a) return data.subarray(0, data.length - 1);
  return data;
}

function readFile(file: string, path: string, what: string, limit: number, problems: Problem[]): Buffer | undefined {
  const result = readRegularFile(file, limit);
  if (!isReadFailure(result)) return result;
  problems.push({ path, message: `cannot read the ${what} (${result.reason})`, value: showOptionValue(file) });
  return undefined;
}

/** Reads and checks the `--cert` file, recording its problems. */
function readCertificate(cert: string, io: SealIo, problems: Problem[]): SealingCertificate | undefined {
  const pem = readFile(cert, '--cert', 'certificate', SEAL_READ_LIMITS.certificate, problems);
  if (pem === undefined) return undefined;
  try {
    return parseSealingCertificate(pem.toString('utf8'), { now: (io.now ?? (() => new Date()))() });
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const file = couldBeAccessKey(cert) ? `--cert file ${showOptionValue(cert)}` : cert;
    for (const p of e.problems) problems.push({ ...p, path: '--cert', file });
    return undefined;
  }
}

/** Library field names mapped to the flags that feed them, so problems name what the user typed. */
const FIELD_TO_FLAG: Record<string, string> = {
  namespace: '--namespace',
  name: '--name',
  scope: '--scope',
};

/**
 * Runs `seal` with `argv` (without `node` and the script) and returns the exit code: 0 on
 * success (also after `--help`), 2 on bad input with every problem printed to `io.stderr`, one
 * per line. Only the result goes to `io.stdout`; the plaintext is never written anywhere.
 */
export async function main(argv: readonly string[], io: SealIo): Promise<number> {
  const problems: Problem[] = [];
  const flags = parseFlags(argv, problems);
  if (flags.help) {
    io.stdout.write(SEAL_USAGE);
    return 0;
  }

  if (flags.cert === undefined && !problems.some((p) => p.path === '--cert')) {
    problems.push({ path: '--cert', message: "is required: the Sealed Secrets controller's public certificate", allowed: 'a PEM file, e.g. from kubeseal --fetch-cert' });
  }
  const fleetKey = fleetKeyOf(flags, problems);
  if (flags.namespace === undefined && fleetKey === undefined && flags.key === undefined && !problems.some((p) => p.path === '--namespace')) {
    problems.push({ path: '--namespace', message: 'is required: the namespace of the access-key Secret' });
  }
  const scopes = Object.values(SealedSecretScope) as string[];
  if (flags.scope !== undefined && !scopes.includes(flags.scope)) {
    problems.push({ path: '--scope', message: 'unknown scope', value: showOptionValue(flags.scope), allowed: scopes.join(', ') });
  }
  const formats = Object.values(SealOutputFormat) as string[];
  if (flags.format !== undefined && !formats.includes(flags.format)) {
    problems.push({ path: '--format', message: 'unknown format', value: showOptionValue(flags.format), allowed: formats.join(', ') });
  }
  if (flags.keepNewline && flags.fromFile !== undefined) {
    problems.push({ path: '--keep-newline', message: 'only applies to stdin; --from-file is always read byte for byte' });
  }
  const scope = scopes.includes(flags.scope ?? SealedSecretScope.STRICT) ? ((flags.scope ?? SealedSecretScope.STRICT) as SealedSecretScope) : undefined;
  const format = (flags.format ?? SealOutputFormat.VALUE) as SealOutputFormat;
  const name = flags.name ?? fleetKey?.target?.name ?? DEFAULT_NAME;
  const namespaceGiven = flags.namespace ?? fleetKey?.target?.namespace;

  // A missing --namespace is already reported; a valid stand-in lets --name still be checked.
  for (const p of sealingTargetProblems({ namespace: namespaceGiven ?? 'default', name, scope })) {
    // An access key given to --namespace or --name by mistake is not shown back.
    const given = p.path === 'namespace' ? flags.namespace : p.path === 'name' ? flags.name : undefined;
    problems.push({ ...p, path: FIELD_TO_FLAG[p.path] ?? p.path, ...(given !== undefined && couldBeAccessKey(given) ? { value: showOptionValue(given) } : {}) });
  }

  const certificate = flags.cert === undefined ? undefined : readCertificate(flags.cert, io, problems);

  let plaintext: Buffer | undefined;
  let source: string;
  if (flags.fromFile !== undefined) {
    source = '--from-file';
    plaintext = readFile(flags.fromFile, source, 'access key file', SEAL_READ_LIMITS.accessKey, problems);
  } else {
    source = 'stdin';
    // Reading stdin after bad flags would make a user at a terminal type the key for nothing.
    if (problems.length === 0) {
      if (io.stdin.isTTY) io.stderr.write('seal: reading the access key from the terminal; finish with Enter and Ctrl-D\n');
      const data = await readStreamBounded(io.stdin, SEAL_READ_LIMITS.accessKey);
      if (isReadFailure(data)) {
        problems.push({ path: source, message: `${data.reason}; an access key is far shorter: is the right thing piped in?` });
      } else {
        plaintext = flags.keepNewline ? data : stripOneNewline(data);
      }
    }
  }
  if (plaintext !== undefined && plaintext.length === 0) {
    problems.push({ path: source, message: 'the access key is empty; there is nothing to seal', allowed: 'a non-empty access key' });
  }

  if (problems.length > 0) {
    for (const p of problems) io.stderr.write(`seal: ${formatProblem(p)}\n`);
    io.stderr.write('seal: run with --help for usage\n');
    return EXIT_USAGE;
  }

  for (const warning of certificate!.warnings) io.stderr.write(`seal: warning: ${warning}\n`);
  // The key itself must not be shown; saying that it has whitespace is enough to find the cause.
  if (plaintext!.some((byte) => byte <= 0x20 || byte === 0x7f)) {
    io.stderr.write(
      `seal: warning: the access key from ${source} contains whitespace or control characters; vCluster Platform access keys have none (a stray newline?). It was sealed as is.\n`,
    );
  }

  const namespace = namespaceGiven!;
  const encrypted = sealValue({ certificate: certificate!, namespace, name, scope, plaintext: plaintext! });
  const block = { scope: scope!, sealedFor: sealingLabel(scope!, namespace, name), certificateSha256: certificate!.sha256, encryptedAccessKey: encrypted };
  if (fleetKey !== undefined) {
    const failed = fleetKey.write(block);
    for (const p of failed) io.stderr.write(`seal: ${formatProblem(p)}\n`);
    if (failed.length === 0) io.stdout.write(`seal: wrote apiKeys.${flags.key}.sealed (${scope}, for ${block.sealedFor}) into ${flags.fleet}\n`);
    return failed.length === 0 ? 0 : 1;
  }
  if (format === SealOutputFormat.FLEET) {
    io.stdout.write(formatFleetSnippet(block));
  } else {
    io.stdout.write(`${encrypted}\n`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // An unexpected failure: say what it was, without a stack trace and without any input.
      process.stderr.write(`seal: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
