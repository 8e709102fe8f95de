import * as fs from 'fs';
import * as path from 'path';
import { toYamlDocuments } from '../output/yaml-emit';
import { showValue, ValidationError } from '../errors';
import { loadFleet } from '../fleet/loader';
import { writeTreeAtomically } from '../output/writer';
import { synthesizeFleet } from '../fleet/synthesize';
import { escapeForHelm, inHelmChart, isHelmChartVersion, renderHelmChart, renderNotes } from '../output/helm-chart';
import { layoutTree } from '../output/layout';

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
`;

interface Options {
  fleet?: string;
  out: string;
  helmChart?: string;
  chartVersion?: string;
  chartName: string;
  help: boolean;
}

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
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const set = valued[flag];
    if (!set) {
      problems.push(`unknown option ${showValue(arg)} (allowed: ${Object.keys(valued).join(', ')}, --help)`);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') problems.push(`option ${flag} needs a value`);
    else set(value);
  }
  if (options.helmChart !== undefined && options.chartVersion === undefined) problems.push('--helm-chart needs --chart-version (a semantic version such as 1.0.0)');
  if (options.chartVersion !== undefined && !isHelmChartVersion(options.chartVersion)) {
    problems.push(`--chart-version: not a semantic version; got ${showValue(options.chartVersion)} (allowed: e.g. 1.0.0)`);
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.chartName)) {
    problems.push(`--chart-name: not a valid chart name; got ${showValue(options.chartName)} (allowed: lowercase letters, digits and '-')`);
  }
  return { options, problems };
}

/**
 * Runs one synthesis: load and validate the fleet, build, lay out, write atomically. Returns the
 * exit code. Invalid input never leaves a stack trace or a partly written tree.
 */
export function run(argv: readonly string[], io: RunIo): number {
  const { options, problems } = parseArgs(argv);
  if (options.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (problems.length > 0) {
    io.stderr(`error: ${problems.length} problem${problems.length === 1 ? '' : 's'} with the options:\n${problems.map((p) => `  - ${p}`).join('\n')}\n\n${USAGE}`);
    return 2;
  }
  const fleetFile = options.fleet ?? io.env.VCLUSTER_FLEET ?? 'vclusters.yaml';
  try {
    const fleet = loadFleet(path.resolve(io.cwd, fleetFile), { env: io.env, displayPath: fleetFile });
    const synthesis = synthesizeFleet(fleet, io.env);
    const files = layoutTree(synthesis.folders, synthesis.valuesFiles, { rootFolders: synthesis.rootFolders, source: fleetFile, extraFiles: synthesis.extraFiles });
    const helmFiles =
      options.helmChart !== undefined ? renderHelmChart(synthesis.folders, { name: options.chartName, version: options.chartVersion!, source: fleetFile }) : undefined;
    const result = writeTreeAtomically(path.resolve(io.cwd, options.out), files);
    for (const warning of synthesis.warnings) io.stderr(`warning: ${warning}\n`);
    const objects = synthesis.folders.reduce((n, f) => n + f.objects.length, 0);
    io.stdout(`${options.out}/: ${synthesis.valuesFiles.length} vClusters, ${objects} objects, ${result.files} files (${result.changed ? 'written' : 'unchanged'})\n`);
    // Under the cdk8s CLI: it expects the app to fill its (emptied) output folder. dist/ stays the
    // GitOps tree; the CLI's folder gets one `<folder>.k8s.yaml` per chart, as cdk8s apps write,
    // which is also what `cdk8s synth --format helm` packages into templates/.
    const cliOut = io.env.CDK8S_OUTDIR;
    if (cliOut) {
      // `--format helm` makes the CLI point CDK8S_OUTDIR at the chart's templates/ folder; there a
      // literal `{{` (the ExternalSecret template) must be escaped or Helm would execute it, and,
      // as in --helm-chart, Namespaces stay out (NOTES.txt lists them to create first).
      const helmTemplates = path.basename(cliOut) === 'templates';
      fs.mkdirSync(path.resolve(io.cwd, cliOut), { recursive: true });
      for (const folder of synthesis.folders) {
        const objects = helmTemplates ? folder.objects.filter(inHelmChart) : folder.objects;
        if (objects.length === 0) continue;
        const text = toYamlDocuments(objects);
        // Nested folders (keys/<id>) become one flat file name: keys-<id>.k8s.yaml.
        fs.writeFileSync(path.resolve(io.cwd, cliOut, `${folder.name.replace(/\//g, '-')}.k8s.yaml`), helmTemplates ? escapeForHelm(text) : text);
      }
      if (helmTemplates) fs.writeFileSync(path.resolve(io.cwd, cliOut, 'NOTES.txt'), renderNotes(synthesis.folders));
    }
    if (helmFiles && options.helmChart !== undefined) {
      const helm = writeTreeAtomically(path.resolve(io.cwd, options.helmChart), helmFiles);
      io.stdout(`${options.helmChart}/: Helm chart ${options.chartName} ${options.chartVersion}, ${helm.files} files (${helm.changed ? 'written' : 'unchanged'})\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ValidationError) {
      io.stderr(`error: ${err.message}\n`);
      return 1;
    }
    // Unexpected failures: one line, no stack (set VCLUSTER_PLATFORM_DEBUG=1 for it).
    const e = err as Error;
    io.stderr(`error: ${e && e.message ? e.message : String(err)}\n`);
    if (io.env.VCLUSTER_PLATFORM_DEBUG) io.stderr(`${e && e.stack}\n`);
    return 70;
  }
}
