import * as fs from 'fs';
import * as path from 'path';
import { Document, isPair, isScalar, Scalar, visit } from 'yaml';
import { parseChartVersion, valuesLayoutFor } from '../constructs/chart-version';
import { escapeUnsafe, formatProblem, showValue, ValidationError } from '../errors';
import { parseFleet } from '../fleet/loader';
import { collect } from './import/collect';
import { buildFleet } from './import/fleet-file';
import { link } from './import/link';
import { describe, Note, where } from './import/model';
import { readAtMost } from '../fleet/read';
import { MAX_INPUT_BYTES, readInputs } from './import/read';

/** Streams of one `import` run, injectable for tests. */
export interface ImportIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Folder relative inputs and `--out` are resolved against. */
  readonly cwd: string;
  /** Reads all of stdin (for the input `-`). @default stdin, at most MAX_INPUT_BYTES */
  readonly readStdin?: () => string;
}

const USAGE = `usage: cdk8s-vcluster-platform import [OPTIONS] INPUT...

Reads Kubernetes objects (files, folders searched for *.yaml/*.yml, or - for stdin, e.g.
kubectl get secrets,externalsecrets,sealedsecrets,roles,rolebindings,applications,helmreleases -A -o yaml)
and writes the fleet file (vclusters.yaml) that synthesizes to them. Access keys are never read.

options:
  --out FILE             write the fleet to FILE (and CA files next to it) instead of stdout
  --force                overwrite FILE (and CA files) when they exist
  --host HOST            platform host, when no access-key Secret in the input shows it
  --chart-version X      chart version of values files that nothing installs (imported with delivery none);
                         repeat it for both values layouts (e.g. 0.31.3 and 0.36.1): each file takes the one it fits
  -h, --help             show this help

exit codes: 0 fleet written, 1 invalid input or nothing to import, 2 usage error
`;

interface Options {
  inputs: string[];
  out?: string;
  force: boolean;
  host?: string;
  chartVersions: string[];
  help: boolean;
}

function parseArgs(argv: readonly string[]): { options: Options; problems: string[] } {
  const options: Options = { inputs: [], force: false, help: false, chartVersions: [] };
  const problems: string[] = [];
  const valued: Record<string, (v: string) => void> = {
    '--out': (v) => (options.out = v),
    '--host': (v) => (options.host = v),
    '--chart-version': (v) => void options.chartVersions.push(v),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') options.help = true;
    else if (arg === '--force') options.force = true;
    else if (arg === '-' || !arg.startsWith('-')) options.inputs.push(arg);
    else {
      const eq = arg.indexOf('=');
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const set = valued[flag];
      if (!set) {
        problems.push(`unknown option ${showValue(arg)} (allowed: ${Object.keys(valued).join(', ')}, --force, --help)`);
        continue;
      }
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') problems.push(`option ${flag} needs a value`);
      else set(value);
    }
  }
  if (!options.help && options.inputs.length === 0) problems.push('no input given (files, folders, or - for stdin)');
  for (const v of options.chartVersions) {
    const parsed = parseChartVersion(v);
    if (!parsed || !valuesLayoutFor(parsed)) problems.push(`--chart-version: not a vCluster chart version of 0.21.0 or later; got ${showValue(v)} (allowed: e.g. 0.36.1)`);
  }
  return { options, problems };
}

/** One stderr line for something that was not mapped. */
function noteLine(n: Note): string {
  const head = n.at ? `${where(n.at)}: ${n.subject ?? describe(n.at)}` : (n.subject ?? '(input)');
  return escapeUnsafe(`${head}: not mapped: ${n.why}`);
}

/** Where the schema is, relative to the fleet's folder, for the `yaml-language-server` line. */
function schemaReference(fleetDir: string): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'schema', 'vclusters.schema.json');
    // lib/ holds a compiled copy; the package's own schema/ folder is the one editors are pointed at.
    if (path.basename(dir) !== 'lib' && fs.existsSync(candidate)) {
      const rel = path.relative(fleetDir, candidate).split(path.sep).join('/');
      return rel.startsWith('.') ? rel : `./${rel}`;
    }
    dir = path.dirname(dir);
  }
  return './schema/vclusters.schema.json';
}

/** Fleet data as YAML: versions and rotation tokens quoted (YAML would read 0.30 as a number). */
export function renderFleet(fleet: Record<string, unknown>, schema: string, inputs: readonly string[]): string {
  const doc = new Document(fleet);
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && isScalar(pair.value) && typeof pair.value.value === 'string' && ['chartVersion', 'rotation'].includes(String(pair.key.value))) {
        pair.value.type = Scalar.QUOTE_DOUBLE;
      }
    },
  });
  const header = [`# yaml-language-server: $schema=${schema}`, `# Written by cdk8s-vcluster-platform import from ${inputs.join(', ')}. Check it, then synthesize.`];
  return `${header.join('\n')}\n${doc.toString({ lineWidth: 0 })}`;
}

function writeFiles(files: Map<string, string>, force: boolean, io: ImportIo): number {
  const clashes = [...files.keys()].filter((f) => fs.existsSync(f) && !(fs.readFileSync(f, 'utf8') === files.get(f)));
  if (clashes.length > 0 && !force) {
    io.stderr(`error: ${clashes.map((f) => path.relative(io.cwd, f) || f).join(', ')} already exist${clashes.length === 1 ? 's' : ''}; pass --force to overwrite\n`);
    return 2;
  }
  for (const [file, text] of files) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.import-${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return 0;
}

/**
 * The `import` command: reads objects, maps them, prints or writes the fleet. Returns the exit
 * code (0 written, 1 invalid input or nothing to import, 2 usage). Never prints an access key.
 */
/** Stdin (a pipe, often) with a hard byte limit: an endless producer is cut off, not read whole. */
function readStdinBounded(): string {
  const read = readAtMost('/dev/stdin', MAX_INPUT_BYTES);
  if (read.data === undefined) throw new ValidationError('stdin', [{ path: '-', message: `sends more than ${MAX_INPUT_BYTES} bytes, the limit for an input` }]);
  return read.data.toString('utf8');
}

export function main(argv: readonly string[], io: ImportIo): number {
  try {
    return importFleet(argv, io);
  } catch (err) {
    // Unexpected failures: one line, no stack (set VCLUSTER_PLATFORM_DEBUG=1 for it), as synth does.
    const e = err as Error;
    if (err instanceof ValidationError) {
      io.stderr(`error: ${err.message}\n`);
      return 1;
    }
    io.stderr(`error: ${escapeUnsafe(e && e.message ? e.message : String(err))}\n`);
    if (process.env.VCLUSTER_PLATFORM_DEBUG) io.stderr(`${e && e.stack}\n`);
    return 70;
  }
}

function importFleet(argv: readonly string[], io: ImportIo): number {
  const { options, problems } = parseArgs(argv);
  if (options.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (problems.length > 0) {
    io.stderr(`error: ${problems.length} problem${problems.length === 1 ? '' : 's'} with the options:\n${problems.map((p) => `  - ${p}`).join('\n')}\n\n${USAGE}`);
    return 2;
  }
  const read = readInputs(options.inputs, io.cwd, io.readStdin ?? readStdinBounded);
  if (read.problems.length > 0) {
    io.stderr(`error: ${new ValidationError('cannot import', read.problems).message}\n`);
    return 1;
  }
  const collected = collect(read.objects, { chartVersions: options.chartVersions });
  const notes = [...collected.notes];
  const linked = link(collected, notes);
  const outFile = options.out !== undefined ? path.resolve(io.cwd, options.out) : undefined;
  const draft = buildFleet(linked, collected, { host: options.host, writeCaFiles: outFile !== undefined }, notes);
  // In input order (file as named, then line); lines about no single object last.
  const order = new Map(read.objects.map((o, i) => [o, i]));
  const rank = (n: Note): number => (n.at ? (order.get(n.at) ?? Number.MAX_SAFE_INTEGER - 1) : Number.MAX_SAFE_INTEGER);
  for (const n of [...notes].sort((a, b) => rank(a) - rank(b))) io.stderr(`${noteLine(n)}\n`);
  for (const info of draft.infos) io.stderr(`note: ${escapeUnsafe(info)}\n`);
  if (linked.vclusters.length === 0 && linked.keys.length === 0) {
    io.stderr(`error: nothing to import: no access key and no vCluster found in ${read.objects.length} object${read.objects.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  if ((draft.fleet.platform as { host?: string }).host === undefined) {
    io.stderr('error: no access-key Secret in the input shows the platform host; pass --host HOST\n');
    return 1;
  }
  const fleetDir = outFile !== undefined ? path.dirname(outFile) : io.cwd;
  const text = renderFleet(draft.fleet, schemaReference(fleetDir), options.inputs);
  const display = options.out ?? '(stdout)';
  try {
    // The fleet must load as written: the same checks `synth` runs, on the text itself.
    parseFleet(text, path.join(fleetDir, 'vclusters.yaml'), {
      displayPath: display,
      env: {},
      readFile: (abs) => draft.caFiles.get(path.basename(abs)) ?? fs.readFileSync(abs, 'utf8'),
    });
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    io.stderr(`error: the imported fleet does not load; nothing written:\n${e.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}\n`);
    return 1;
  }
  if (outFile === undefined) {
    io.stdout(text);
    return 0;
  }
  const files = new Map<string, string>([[outFile, text]]);
  for (const [name, pem] of draft.caFiles) files.set(path.join(fleetDir, name), pem);
  const code = writeFiles(files, options.force, io);
  if (code === 0) io.stderr(`${display}: ${linked.keys.length} keys, ${linked.vclusters.length} vClusters imported\n`);
  return code;
}
