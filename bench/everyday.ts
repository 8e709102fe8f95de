/**
 * The everyday run: `cdk8s-vcluster-platform synth` on the fleet `init` scaffolds (one vCluster),
 * as a user runs it after every edit. Measures the whole command from spawn to exit, the
 * dispatcher alone (`--help`), bare node, and where one run's time goes; plus what the fleet
 * schema's ajv compile costs against a precompiled (ajv standalone) validator.
 *
 * Wall times on a shared machine vary with its load: this is a report, never a test.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The goal: median wall time of the everyday synth. */
export const EVERYDAY_GOAL_SECONDS = 0.4;

/** What `measureEveryday` found; seconds. */
export interface EverydayResult {
  readonly runs: number;
  readonly synth: readonly number[];
  readonly help: readonly number[];
  readonly bareNode: readonly number[];
  /** One in-process split of a synth run (bench/phases.ts), from the median of `runs` splits. */
  readonly phases: Record<string, number>;
  readonly ajv: { readonly requireSeconds: number; readonly compileSeconds: number; readonly precompiledLoadSeconds: number; readonly precompiledBytes: number };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Spawns node with `args` in `cwd` and returns the wall seconds from spawn to exit. */
function wall(args: readonly string[], cwd: string): { seconds: number; stdout: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/** The fleet schema's validators as src/fleet/loader.ts compiles them, then as a precompiled module. */
const AJV_PROBE = `
const t = () => Number(process.hrtime.bigint()) / 1e9;
const [root, out] = process.argv.slice(1);
let a = t();
const Ajv2020 = require(require.resolve('ajv/dist/2020', { paths: [root] })).default;
const requireSeconds = t() - a;
const schema = JSON.parse(require('fs').readFileSync(root + '/schema/vclusters.schema.json', 'utf8'));
const refs = { root: 'fleet', keyId: 'fleet#/$defs/keyId', apiKey: 'fleet#/$defs/apiKey', vcluster: 'fleet#/$defs/vcluster' };
a = t();
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, verbose: true });
ajv.addSchema(schema, 'fleet');
for (const r of Object.values(refs)) ajv.getSchema(r);
const compileSeconds = t() - a;
const src = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, verbose: true, code: { source: true } });
src.addSchema(schema, 'fleet');
const code = require(require.resolve('ajv/dist/standalone', { paths: [root] })).default(src, refs);
require('fs').writeFileSync(out, code);
console.log(JSON.stringify({ requireSeconds, compileSeconds, precompiledBytes: code.length }));
`;

const PRECOMPILED_PROBE = `
const t = () => Number(process.hrtime.bigint()) / 1e9;
const a = t();
require(process.argv[1]);
console.log(JSON.stringify({ seconds: t() - a }));
`;

/**
 * Runs the measurement in `dir` (created, must not exist): `init`, an untimed warm-up synth,
 * then `runs` timed synths (the tree is unchanged after the first, as in most everyday runs).
 */
export function measureEveryday(root: string, dir: string, runs: number): EverydayResult {
  const mainJs = path.join(root, 'lib', 'src', 'cli', 'main.js');
  const phasesJs = path.join(root, 'lib', 'bench', 'phases.js');
  fs.mkdirSync(dir, { recursive: true });
  wall([mainJs, 'init'], dir);
  wall([mainJs, 'synth'], dir);
  const synth: number[] = [];
  const help: number[] = [];
  const bareNode: number[] = [];
  const splits: Record<string, number>[] = [];
  // Interleaved, so that a busier moment of a shared machine hits each alike.
  for (let i = 0; i < runs; i++) {
    synth.push(wall([mainJs, 'synth'], dir).seconds);
    help.push(wall([mainJs, '--help'], dir).seconds);
    bareNode.push(wall(['-e', ''], dir).seconds);
    splits.push((JSON.parse(wall([phasesJs, 'vclusters.yaml', 'dist'], dir).stdout) as { phases: Record<string, number> }).phases);
  }
  const phases = Object.fromEntries(Object.keys(splits[0]!).map((k) => [k, median(splits.map((s) => s[k]!))]));
  const precompiled = path.join(dir, 'fleet-validators.js');
  const ajvRuns = Array.from(
    { length: Math.min(runs, 5) },
    () => JSON.parse(wall(['-e', AJV_PROBE, root, precompiled], dir).stdout) as { requireSeconds: number; compileSeconds: number; precompiledBytes: number },
  );
  // The standalone module requires ajv's small runtime helpers: resolve them from the repository.
  const loads = Array.from(
    { length: Math.min(runs, 5) },
    () =>
      (JSON.parse(wall(['-e', `module.paths.unshift(${JSON.stringify(path.join(root, 'node_modules'))});${PRECOMPILED_PROBE}`, precompiled], dir).stdout) as { seconds: number })
        .seconds,
  );
  return {
    runs,
    synth,
    help,
    bareNode,
    phases,
    ajv: {
      requireSeconds: median(ajvRuns.map((r) => r.requireSeconds)),
      compileSeconds: median(ajvRuns.map((r) => r.compileSeconds)),
      precompiledLoadSeconds: median(loads),
      precompiledBytes: ajvRuns[0]!.precompiledBytes,
    },
  };
}

/** The report's section on the everyday run. */
export function renderEveryday(r: EverydayResult): string[] {
  const ms = (s: number): string => `${Math.round(s * 1000)} ms`;
  const synth = median(r.synth);
  return [
    '',
    '### Everyday synth (the fleet `init` scaffolds, one vCluster)',
    '',
    '| measurement | median | min | max | goal |',
    '|---|---|---|---|---|',
    `| \`cdk8s-vcluster-platform synth\`, spawn to exit | ${ms(synth)} | ${ms(Math.min(...r.synth))} | ${ms(Math.max(...r.synth))} | ≤ ${ms(EVERYDAY_GOAL_SECONDS)} ${synth <= EVERYDAY_GOAL_SECONDS ? 'PASS' : '**MISS**'} |`,
    `| \`cdk8s-vcluster-platform --help\` (dispatcher only) | ${ms(median(r.help))} | ${ms(Math.min(...r.help))} | ${ms(Math.max(...r.help))} | |`,
    `| \`node -e ''\` | ${ms(median(r.bareNode))} | ${ms(Math.min(...r.bareNode))} | ${ms(Math.max(...r.bareNode))} | |`,
    '',
    `Split of one run (in process, medians of ${r.runs}): ${Object.entries(r.phases)
      .map(([k, v]) => `${k} ${ms(v)}`)
      .join(', ')}. ` +
      `In \`load\`, compiling the fleet schema's four ajv validators takes ${ms(r.ajv.compileSeconds)} (and requiring ajv ${ms(r.ajv.requireSeconds)}); ` +
      `the same validators precompiled with ajv's standalone code (${Math.round(r.ajv.precompiledBytes / 1024)} KiB) load in ${ms(r.ajv.precompiledLoadSeconds)}.`,
  ];
}
