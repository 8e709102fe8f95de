/**
 * `npm run bench`: end-to-end synth time and peak RSS for generated fleets of 100, 1,000 and
 * 10,000 vClusters, side by side with a floor (the same objects through `yaml` and `fs`, nothing
 * else) and the documented manual method (kubectl per vCluster). Prints a markdown table with
 * the goals and PASS / MISS, and writes it to bench/out/results.md. Always exits 0 when the
 * measurement itself worked: it is a report.
 *
 * Environment:
 * - BENCH_SIZES    fleet sizes, comma-separated (default 100,1000,10000)
 * - BENCH_RUNS     timed runs per size: one number for all, or comma-separated per size
 *                  (default 5 below 10,000 vClusters, 3 from 10,000)
 * - BENCH_KUBECTL_SAMPLE  vClusters of the 1,000 fleet to run the kubectl method for (default 50; 0 skips)
 * - BENCH_OUT      working folder (default bench/out, ignored by git)
 * - BENCH_KEEP=1   keep the run folders afterwards
 * - BENCH_EVERYDAY_RUNS  timed runs of the everyday synth (bench/everyday.ts; default 11; 0 skips)
 *
 * Every timed run writes into a folder that did not exist before, and the folders are deleted
 * only at the end. Deleting tens of thousands of files right before a run would make the run
 * pay for it on some file systems: ext4 without a journal (this machine's root file system)
 * refuses for 1 to 6 minutes to reuse a deleted inode and scans past every one of them on each
 * new file, which measured up to 8 s of kernel time for the 30,000 files and folders of one
 * 10,000-vCluster tree. The floor runs the same way, so the comparison is like for like.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadFleet } from '../src/fleet/loader';
import { generateFleetYaml } from './fleet-generator';
import { listFiles, writeFloorDump } from './floor-dump';
import { EverydayResult, measureEveryday, renderEveryday } from './everyday';
import { kubectlVersion, manualCommands, ManualTiming, timeManualMethod } from './kubectl-method';

const ROOT = path.resolve(__dirname, '..', '..');
const LIB = path.join(ROOT, 'lib');
const MAIN_JS = path.join(LIB, 'charts', 'main.js');
const FLOOR_JS = path.join(LIB, 'bench', 'floor.js');
const PHASES_JS = path.join(LIB, 'bench', 'phases.js');
const RSS_REPORTER_JS = path.join(LIB, 'bench', 'rss-reporter.js');

/**
 * Kernel time per file above which the report says that the file system was slow, not counting
 * the kernel time any node process takes (start-up, memory).
 */
const SLOW_KERNEL_SECONDS_PER_FILE = 0.0001;
const PROCESS_KERNEL_SECONDS = 0.1;

/** Kernel seconds per file of our runs of one size, beyond what the process itself costs. */
function kernelPerFile(r: SizeResult): number {
  return Math.max(0, median(r.ours.map((x) => x.kernelSeconds)) - PROCESS_KERNEL_SECONDS) / r.files;
}

/** The goals of the issue. */
const GOALS = {
  seconds10k: 5,
  rssMb10k: 500,
  oursOverFloor: 2,
  kubectlOverOurs: 100,
  ratio10kOver1k: 11,
};

interface Config {
  readonly sizes: number[];
  readonly runs: Map<number, number>;
  readonly kubectlSample: number;
  readonly out: string;
  readonly keep: boolean;
  readonly everydayRuns: number;
}

function positiveInts(text: string, name: string, allowZero = false): number[] {
  const values = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (values.length === 0 || values.some((v) => !Number.isSafeInteger(v) || v < (allowZero ? 0 : 1))) {
    throw new Error(`${name} must be ${allowZero ? 'non-negative' : 'positive'} integers separated by commas; got ${JSON.stringify(text)}`);
  }
  return values;
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  const sizes = positiveInts(env.BENCH_SIZES ?? '100,1000,10000', 'BENCH_SIZES');
  const runs = new Map<number, number>();
  const given = env.BENCH_RUNS !== undefined ? positiveInts(env.BENCH_RUNS, 'BENCH_RUNS') : undefined;
  if (given && given.length !== 1 && given.length !== sizes.length) throw new Error(`BENCH_RUNS: give one number or one per size (${sizes.length})`);
  sizes.forEach((size, i) => runs.set(size, given ? (given.length === 1 ? given[0]! : given[i]!) : size >= 10_000 ? 3 : 5));
  return {
    sizes,
    runs,
    kubectlSample: positiveInts(env.BENCH_KUBECTL_SAMPLE ?? '50', 'BENCH_KUBECTL_SAMPLE', true)[0]!,
    out: path.resolve(ROOT, env.BENCH_OUT ?? path.join('bench', 'out')),
    keep: env.BENCH_KEEP === '1',
    everydayRuns: positiveInts(env.BENCH_EVERYDAY_RUNS ?? '11', 'BENCH_EVERYDAY_RUNS', true)[0]!,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface ChildRun {
  readonly seconds: number;
  readonly rssMb: number;
  /** CPU time in the kernel: mostly creating files and folders. */
  readonly kernelSeconds: number;
  readonly stdout: string;
}

/**
 * Runs `node --require rss-reporter.js SCRIPT ARGS` and times it from spawn to exit. The output
 * folder must not exist yet. Throws when the child fails.
 */
function timeChild(script: string, args: readonly string[], rssFile: string): ChildRun {
  fs.rmSync(rssFile, { force: true });
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--require', RSS_REPORTER_JS, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, BENCH_RSS_FILE: rssFile, CDK8S_OUTDIR: '' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${path.relative(ROOT, script)} ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  }
  const [rssKb, , systemMicros] = fs.readFileSync(rssFile, 'utf8').trim().split(' ').map(Number);
  return { seconds, rssMb: rssKb! / 1024, kernelSeconds: systemMicros! / 1e6, stdout: result.stdout };
}

interface SizeResult {
  readonly size: number;
  readonly files: number;
  readonly ours: ChildRun[];
  readonly floor: ChildRun[];
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

function verdict(ok: boolean): string {
  return ok ? 'PASS' : '**MISS**';
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function main(): Promise<void> {
  for (const f of [MAIN_JS, FLOOR_JS, PHASES_JS, RSS_REPORTER_JS]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: compile first (npm run bench does)`);
  }
  const config = readConfig(process.env);
  const runsDir = path.join(config.out, 'runs');
  fs.mkdirSync(config.out, { recursive: true });
  // Leftovers of an interrupted earlier bench (deleting them here can slow the first runs; see above).
  fs.rmSync(runsDir, { recursive: true, force: true });
  fs.mkdirSync(runsDir, { recursive: true });
  const rssFile = path.join(config.out, 'rss.txt');

  log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`);
  log(`sizes ${config.sizes.join(', ')}; runs ${config.sizes.map((s) => config.runs.get(s)).join(', ')}; output under ${path.relative(ROOT, config.out) || '.'}`);

  const fleetFile = (size: number): string => path.join(config.out, `fleet-${size}.yaml`);
  const fleetSizes = new Set([...config.sizes, ...(config.kubectlSample > 0 ? [1000] : [])]);
  for (const size of fleetSizes) fs.writeFileSync(fleetFile(size), generateFleetYaml(ROOT, { vclusters: size }));

  const results: SizeResult[] = [];
  for (const size of config.sizes) {
    const runs = config.runs.get(size)!;
    const dir = path.join(runsDir, String(size));
    fs.mkdirSync(dir);
    const fleet = path.relative(ROOT, fleetFile(size));
    const ours = (name: string): ChildRun => timeChild(MAIN_JS, ['--fleet', fleet, '--out', path.join(dir, name)], rssFile);
    const floorDump = path.join(dir, 'floor-input.json');
    const floor = (name: string): ChildRun => timeChild(FLOOR_JS, [floorDump, path.join(dir, name)], rssFile);

    // Untimed warm-up (page cache, disk), and the floor's input taken from our own output.
    const warm = ours('ours-warmup');
    const dumped = writeFloorDump(path.join(dir, 'ours-warmup'), floorDump);
    floor('floor-warmup');
    const floorFiles = listFiles(path.join(dir, 'floor-warmup')).length;
    if (floorFiles !== dumped.files) throw new Error(`floor wrote ${floorFiles} files, ours ${dumped.files}`);
    log(`${size} vClusters: ${warm.stdout.trim()}; floor input ${dumped.files} files, ${dumped.docs} documents`);

    const result: SizeResult = { size, files: dumped.files, ours: [], floor: [] };
    // Interleaved, so that a slower moment of a shared machine hits both sides alike.
    for (let i = 1; i <= runs; i++) {
      const o = ours(`ours-${i}`);
      const f = floor(`floor-${i}`);
      result.ours.push(o);
      result.floor.push(f);
      log(
        `  run ${i}/${runs}: ours ${fmt(o.seconds)} s (kernel ${fmt(o.kernelSeconds)} s) ${fmt(o.rssMb, 0)} MB, floor ${fmt(f.seconds)} s (kernel ${fmt(f.kernelSeconds)} s) ${fmt(f.rssMb, 0)} MB`,
      );
    }
    results.push(result);
  }

  // Informational: where the time of one run of the largest size goes.
  const largest = Math.max(...config.sizes);
  const phasesRun = spawnSync(process.execPath, [PHASES_JS, path.relative(ROOT, fleetFile(largest)), path.join(runsDir, String(largest), 'phases')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const phases = phasesRun.status === 0 ? (JSON.parse(phasesRun.stdout) as { phases: Record<string, number>; gcSeconds: number }) : undefined;

  let manual: ManualTiming | undefined;
  let manualNote = '';
  if (config.kubectlSample > 0) {
    const version = await kubectlVersion();
    if (version === undefined) {
      manualNote = 'kubectl not found: the manual method was not measured';
      log(manualNote);
    } else {
      const fleet1k = loadFleet(fleetFile(1000), { env: process.env, displayPath: path.relative(ROOT, fleetFile(1000)) });
      const samples = manualCommands(fleet1k, config.kubectlSample);
      log(`kubectl ${version}: ${samples.length} vClusters of the 1,000 fleet, 3 commands each ...`);
      manual = await timeManualMethod(samples, path.join(config.out, 'kubectl'));
      manualNote = `kubectl ${version}, ${manual.vclusters} vClusters of the 1,000 fleet, ${manual.commands} commands in ${fmt(manual.totalSeconds)} s`;
    }
  }

  let everyday: EverydayResult | undefined;
  if (config.everydayRuns > 0) {
    log(`everyday synth: ${config.everydayRuns} runs ...`);
    everyday = measureEveryday(ROOT, path.join(runsDir, 'everyday'), config.everydayRuns);
  }

  const report = renderReport(config, results, phases, manual, manualNote) + (everyday ? `${renderEveryday(everyday).join('\n')}\n` : '');
  process.stdout.write(`\n${report}`);
  fs.writeFileSync(path.join(config.out, 'results.md'), report);
  log(`\nwritten to ${path.relative(ROOT, path.join(config.out, 'results.md'))}`);

  if (!config.keep) {
    log('removing the run folders ...');
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
}

function renderReport(
  config: Config,
  results: readonly SizeResult[],
  phases: { phases: Record<string, number>; gcSeconds: number } | undefined,
  manual: ManualTiming | undefined,
  manualNote: string,
): string {
  const lines: string[] = [];
  const cpu = os.cpus();
  lines.push(
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu.length} × ${cpu[0]?.model?.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, node ${process.version}, ${os.platform()} ${os.release()}.`,
    'End to end: `node lib/charts/main.js --fleet F --out D` as a child process (fleet file in, tree on disk, compiled JS), median of the runs; peak RSS is the largest of the runs.',
    'Floor: the same objects (read back from our output beforehand) written to the same files by `YAML.stringify` + `fs.writeFileSync`, nothing else.',
    '',
    'Kernel s: CPU time the kernel spent for the run (creating files and folders), median; it is what varies most between runs on a busy file system.',
    '',
    '| vClusters | files | runs | ours median s | ours peak RSS MB | floor median s | ours / floor | kernel s ours / floor |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of results) {
    const ours = median(r.ours.map((x) => x.seconds));
    const floor = median(r.floor.map((x) => x.seconds));
    const rss = Math.max(...r.ours.map((x) => x.rssMb));
    const kernel = `${fmt(median(r.ours.map((x) => x.kernelSeconds)))} / ${fmt(median(r.floor.map((x) => x.kernelSeconds)))}`;
    lines.push(
      `| ${r.size.toLocaleString('en-US')} | ${r.files.toLocaleString('en-US')} | ${r.ours.length} | ${fmt(ours)} | ${fmt(rss, 0)} | ${fmt(floor)} | ${fmt(ours / floor)} | ${kernel} |`,
    );
  }
  lines.push('', '| goal | measured | target | result |', '|---|---:|---:|---|');

  const bySize = new Map(results.map((r) => [r.size, r]));
  const r10k = bySize.get(10_000);
  if (r10k) {
    const t = median(r10k.ours.map((x) => x.seconds));
    const rss = Math.max(...r10k.ours.map((x) => x.rssMb));
    lines.push(`| 10,000 vClusters end to end | ${fmt(t)} s | < ${GOALS.seconds10k} s | ${verdict(t < GOALS.seconds10k)} |`);
    lines.push(`| 10,000 vClusters peak RSS | ${fmt(rss, 0)} MB | < ${GOALS.rssMb10k} MB | ${verdict(rss < GOALS.rssMb10k)} |`);
  } else {
    lines.push('| 10,000 vClusters end to end / peak RSS | not run (BENCH_SIZES) | | — |');
  }
  for (const r of results) {
    const ratio = median(r.ours.map((x) => x.seconds)) / median(r.floor.map((x) => x.seconds));
    lines.push(`| ours / floor at ${r.size.toLocaleString('en-US')} | ${fmt(ratio)} | ≤ ${GOALS.oursOverFloor} | ${verdict(ratio <= GOALS.oursOverFloor)} |`);
  }
  const r1k = bySize.get(1000);
  if (r10k && r1k) {
    const ratio = median(r10k.ours.map((x) => x.seconds)) / median(r1k.ours.map((x) => x.seconds));
    lines.push(`| 10k / 1k time (linear: 10) | ${fmt(ratio)} | ≤ ${GOALS.ratio10kOver1k} | ${verdict(ratio <= GOALS.ratio10kOver1k)} |`);
  } else {
    lines.push('| 10k / 1k time | not run (BENCH_SIZES) | | — |');
  }
  const largest = results.reduce((a, b) => (b.size > a.size ? b : a));
  const oursPerVcMs = (median(largest.ours.map((x) => x.seconds)) * 1000) / largest.size;
  if (manual) {
    const ratio = manual.perVClusterMs / oursPerVcMs;
    lines.push(
      `| kubectl / ours per vCluster | ${fmt(manual.perVClusterMs, 1)} ms / ${fmt(oursPerVcMs, 3)} ms = ${fmt(ratio, 0)}× | ≥ ${GOALS.kubectlOverOurs}× | ${verdict(ratio >= GOALS.kubectlOverOurs)} |`,
    );
  } else {
    lines.push(`| kubectl / ours per vCluster | not measured | ≥ ${GOALS.kubectlOverOurs}× | — |`);
  }
  lines.push('');
  lines.push(
    `Ours per vCluster: the ${largest.size.toLocaleString('en-US')} median divided by ${largest.size.toLocaleString('en-US')}. ` +
      (manual
        ? `kubectl per vCluster: \`kubectl create secret generic\`, \`create role\` and \`create rolebinding\` with \`--dry-run=client -o yaml\`, run one after another, output to files (${manualNote}); the values file is not counted.`
        : `${manualNote || 'kubectl method skipped (BENCH_KUBECTL_SAMPLE=0)'}.`),
  );
  const slowFs = results.filter((r) => kernelPerFile(r) > SLOW_KERNEL_SECONDS_PER_FILE);
  if (slowFs.length > 0) {
    lines.push(
      '',
      `Note: the kernel took unusually long to create the files (${slowFs.map((r) => `${fmt(kernelPerFile(r) * 1000, 2)} ms per file at ${r.size.toLocaleString('en-US')}`).join(', ')}; ` +
        `about 0.05 ms when the file system is idle). On ext4 without a journal the kernel will not reuse an inode for 1 to 6 minutes after it was deleted and scans past every such inode for each new file, so runs right after any large deletion on the same file system (an earlier bench, tests, another synth) are slower; rerun later, or set BENCH_OUT to a folder on another file system to compare.`,
    );
  }
  if (phases) {
    const p = phases.phases;
    const parts = Object.entries(p).map(([k, v]) => `${k} ${fmt(v)} s`);
    lines.push(
      '',
      `Time split of one ${largest.size.toLocaleString('en-US')}-vCluster run (in process, informational): ${parts.join(', ')}; of which garbage collection ${fmt(phases.gcSeconds)} s.`,
    );
  }
  lines.push(
    '',
    `Rerun: \`npm run bench\` (about 2 minutes here); quick: \`BENCH_SIZES=100,1000 BENCH_RUNS=1 npm run bench\`. Runs per size: ${config.sizes.map((s) => `${s}: ${config.runs.get(s)}`).join(', ')}.`,
    '',
  );
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
