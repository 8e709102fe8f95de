import * as path from 'path';
import { toYamlDocuments } from '../output/yaml-emit';
import { formatProblem, ValidationError } from '../errors';
import { loadFleet } from '../fleet/loader';
import { ConcurrentWriteError, overlappingTargets, PartialWriteError, TreeTarget, WriteResult, writeTreesAtomically } from '../output/writer';
import { FleetSynthesis, synthesizeFleet } from '../fleet/synthesize';
import { escapeForHelm, inHelmChart, isHelmChartVersion, renderHelmChart, renderNotes } from '../output/helm-chart';
import { OutputFolder } from '../output/layout';
import { fleetSourceLabel, layoutFleetTree } from './render';
import { couldBeAccessKey, explainOsError, showOptionValue } from './option-values';

/** Streams and environment of one run, injectable for tests. */
export interface RunIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

const USAGE = `usage: npm run synth [-- OPTIONS]   (or: cdk8s synth)

Synthesizes the fleet file into a GitOps tree.

options:
  --fleet FILE           fleet file (default: $VCLUSTER_FLEET, else vclusters.yaml)
  --out DIR              output folder (default: dist)
  --helm-chart DIR       also write the host-side bundle as a Helm chart into DIR
  --chart-version X      version of that Helm chart (required with --helm-chart)
  --chart-name NAME      name of that Helm chart (default: vcluster-platform-connections)
  -h, --help             show this help

exit codes: 0 written or unchanged, 1 invalid input (fleet file, foreign files in an output
folder), 2 usage (options), 70 the operating system failed (disk full, read-only, permissions,
another run writing the same folder)
`;

interface Options {
  fleet?: string;
  out: string;
  helmChart?: string;
  chartVersion?: string;
  chartName: string;
  help: boolean;
}

/** Exit code for invalid input: the fleet file, or what is in an output folder. */
const EXIT_INVALID = 1;
/** Exit code for bad options, and for output folders that overlap. */
const EXIT_USAGE = 2;
/** Exit code for failures of the operating system or of another run (EX_SOFTWARE of sysexits.h). */
const EXIT_INTERNAL = 70;

function parseArgs(argv: readonly string[]): { options: Options; problems: string[] } {
  const options: Options = { out: 'dist', chartName: 'vcluster-platform-connections', help: false };
  const problems: string[] = [];
  const valued: Record<string, (v: string) => void> = {
    '--fleet': (v) => (options.fleet = v),
    '--out': (v) => (options.out = v),
    '--helm-chart': (v) => (options.helmChart = v),
    '--chart-version': (v) => (options.chartVersion = v),
    '--chart-name': (v) => (options.chartName = v),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      options.help = true;
      continue;
    }
    const eq = arg.startsWith('-') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const set = valued[flag];
    if (!set) {
      // Neither a stray word nor what follows `=` is shown: either may be an access key typed in the wrong place.
      problems.push(
        arg.startsWith('-')
          ? `unknown option ${showOptionValue(flag)}${eq > 0 ? ' (its value is not shown)' : ''} (allowed: ${Object.keys(valued).join(', ')}, --help)`
          : `unexpected argument #${i + 1} (not shown, in case it is an access key); every value belongs to an option (allowed: ${Object.keys(valued).join(', ')}, --help)`,
      );
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') problems.push(`option ${flag} needs a value`);
    else set(value);
  }
  if (options.helmChart !== undefined && options.chartVersion === undefined) problems.push('--helm-chart needs --chart-version (a semantic version such as 1.0.0)');
  if (options.chartVersion !== undefined && !isHelmChartVersion(options.chartVersion)) {
    problems.push(`--chart-version: not a semantic version; got ${showOptionValue(options.chartVersion)} (allowed: e.g. 1.0.0)`);
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.chartName)) {
    problems.push(`--chart-name: not a valid chart name; got ${showOptionValue(options.chartName)} (allowed: lowercase letters, digits and '-')`);
  }
  return { options, problems };
}

/** The folders one run writes, by the option that names them, as typed. */
function outputFolders(options: Options, env: NodeJS.ProcessEnv): { label: string; outDir: string }[] {
  const folders = [{ label: '--out', outDir: options.out }];
  if (options.helmChart !== undefined) folders.push({ label: '--helm-chart', outDir: options.helmChart });
  // Under the cdk8s CLI: it expects the app to fill its (emptied) output folder.
  if (env.CDK8S_OUTDIR) folders.push({ label: 'CDK8S_OUTDIR', outDir: env.CDK8S_OUTDIR });
  return folders;
}

/**
 * The cdk8s CLI's folder (CDK8S_OUTDIR): one `<folder>.k8s.yaml` per chart, as cdk8s apps write,
 * which is also what `cdk8s synth --format helm` packages into templates/. dist/ stays the
 * GitOps tree. `--format helm` points CDK8S_OUTDIR at the chart's templates/ folder; there a
 * literal `{{` (the ExternalSecret template) must be escaped or Helm would execute it, and, as in
 * --helm-chart, Namespaces stay out (NOTES.txt lists them to create first). The ownership
 * manifest there is `_generated-files.tpl`: Helm renders no file of templates/ whose name starts
 * with `_` into a manifest ("Files whose name begins with an underscore (_) are assumed to not
 * have a manifest inside", helm.sh/docs/chart_template_guide/named_templates).
 */
function cliTarget(cliOut: string, folders: readonly OutputFolder[], cwd: string): TreeTarget {
  const helmTemplates = path.basename(cliOut) === 'templates';
  const files = new Map<string, string>();
  for (const folder of folders) {
    const objects = helmTemplates ? folder.objects.filter(inHelmChart) : folder.objects;
    if (objects.length === 0) continue;
    const text = toYamlDocuments(objects);
    // Nested folders (keys/<id>) become one flat file name: keys-<id>.k8s.yaml.
    files.set(`${folder.name.replace(/\//g, '-')}.k8s.yaml`, helmTemplates ? escapeForHelm(text) : text);
  }
  if (helmTemplates) files.set('NOTES.txt', renderNotes(folders));
  return { outDir: path.resolve(cwd, cliOut), files, options: { displayPath: cliOut, ...(helmTemplates ? { manifestName: '_generated-files.tpl' } : {}) } };
}

/** Plaintext key Secrets that also go into a Helm chart, as `namespace/name`. */
function plaintextInChart(folders: readonly OutputFolder[]): string[] {
  const found: string[] = [];
  for (const folder of folders) {
    for (const obj of folder.objects) {
      if (obj.apiVersion === 'v1' && obj.kind === 'Secret' && inHelmChart(obj)) found.push(`${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`);
    }
  }
  return found;
}

/** Writes every folder of the run, all or nothing, and reports what was written. */
function writeOutputs(options: Options, io: RunIo, fleetFile: string, synthesis: FleetSynthesis): void {
  const targets: TreeTarget[] = [
    {
      outDir: path.resolve(io.cwd, options.out),
      files: layoutFleetTree(synthesis, fleetSourceLabel(path.resolve(io.cwd, fleetFile), path.resolve(io.cwd, options.out))),
      options: { displayPath: options.out },
    },
  ];
  if (options.helmChart !== undefined) {
    targets.push({
      outDir: path.resolve(io.cwd, options.helmChart),
      files: renderHelmChart(synthesis.folders, {
        name: options.chartName,
        version: options.chartVersion!,
        source: fleetSourceLabel(path.resolve(io.cwd, fleetFile), path.resolve(io.cwd, options.helmChart)),
      }),
      options: { displayPath: options.helmChart },
    });
  }
  if (io.env.CDK8S_OUTDIR) targets.push(cliTarget(io.env.CDK8S_OUTDIR, synthesis.folders, io.cwd));
  const results: WriteResult[] = writeTreesAtomically(targets);

  for (const warning of synthesis.warnings) io.stderr(`warning: ${warning}\n`);
  const plaintext = plaintextInChart(synthesis.folders);
  const charts = [options.helmChart, io.env.CDK8S_OUTDIR && path.basename(io.env.CDK8S_OUTDIR) === 'templates' ? io.env.CDK8S_OUTDIR : undefined].filter((c) => c !== undefined);
  if (plaintext.length > 0 && charts.length > 0) {
    io.stderr(
      `warning: the plaintext access key${plaintext.length === 1 ? '' : 's'} (Secret ${plaintext.join(', ')}) ${plaintext.length === 1 ? 'is' : 'are'} also in the Helm chart ${charts.join(' and ')}: whoever can pull the packaged chart (from a chart registry, say) can read ${plaintext.length === 1 ? 'it' : 'them'}. Use a sealed or ExternalSecret source, or keep that chart private.\n`,
    );
  }
  const objects = synthesis.folders.reduce((n, f) => n + f.objects.length, 0);
  const said = (r: WriteResult): string => (r.changed ? 'written' : 'unchanged');
  io.stdout(`${options.out}/: ${synthesis.valuesFiles.length} vClusters, ${objects} objects, ${results[0].files} files (${said(results[0])})\n`);
  if (options.helmChart !== undefined) {
    io.stdout(`${options.helmChart}/: Helm chart ${options.chartName} ${options.chartVersion}, ${results[1].files} files (${said(results[1])})\n`);
  }
}

/** The message and exit code for a failure of `run`. */
function failure(err: unknown, io: RunIo): number {
  if (err instanceof ValidationError) {
    io.stderr(`error: ${err.message}\n`);
    return EXIT_INVALID;
  }
  const e = err as Error;
  const os = explainOsError(err, io.cwd);
  if (os !== undefined) io.stderr(`error: cannot write the output: ${os}\n`);
  else if (err instanceof ConcurrentWriteError || err instanceof PartialWriteError) io.stderr(`error: ${e.message}\n`);
  // Unexpected failures: one line, no stack (set VCLUSTER_PLATFORM_DEBUG=1 for it).
  else io.stderr(`error: ${e && e.message ? e.message : String(err)}\n`);
  if (io.env.VCLUSTER_PLATFORM_DEBUG) io.stderr(`${e && e.stack}\n`);
  return EXIT_INTERNAL;
}

/**
 * Runs one synthesis: load and validate the fleet, build, lay out, write every output folder all
 * or nothing. Returns the exit code: 0 ok, 1 invalid input, 2 usage, 70 the operating system or
 * another run failed the write. Invalid input never leaves a stack trace or a partly written tree.
 */
export function run(argv: readonly string[], io: RunIo): number {
  const { options, problems } = parseArgs(argv);
  if (options.help) {
    io.stdout(USAGE);
    return 0;
  }
  // Folders that are the same or nest would replace each other's tree (or, nested, count each
  // other as foreign on every later run): refused before anything is read or written.
  const folders = outputFolders(options, io.env);
  for (const p of overlappingTargets(folders.map((f) => ({ label: f.label, outDir: path.resolve(io.cwd, f.outDir), shown: f.outDir })))) {
    problems.push(formatProblem(p));
  }
  if (problems.length > 0) {
    io.stderr(`error: ${problems.length} problem${problems.length === 1 ? '' : 's'} with the options:\n${problems.map((p) => `  - ${p}`).join('\n')}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const fleetFile = options.fleet ?? io.env.VCLUSTER_FLEET ?? 'vclusters.yaml';
  try {
    const displayPath = couldBeAccessKey(fleetFile) ? showOptionValue(fleetFile) : fleetFile;
    const fleet = loadFleet(path.resolve(io.cwd, fleetFile), { env: io.env, displayPath });
    writeOutputs(options, io, fleetFile, synthesizeFleet(fleet, io.env));
    return 0;
  } catch (err) {
    return failure(err, io);
  }
}
