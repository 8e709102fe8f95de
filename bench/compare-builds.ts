/**
 * Compares two builds of the synth end to end (written for issue 12: what the hand-written YAML
 * subset reader saved; docs/notes/fleet.md has the figures). Runs `node <lib>/charts/main.js
 * --fleet F --out D` for generated fleets of 100, 1,000 and 10,000 vClusters with BASE_LIB and
 * OTHER_LIB (each a copy of `lib/`, kept inside the repository so that `node_modules` resolves),
 * interleaved. Prints medians of user CPU seconds (steadier than wall-clock time on a shared
 * machine), kernel CPU seconds and wall-clock seconds of the synth, of `loadFleet` alone, and of peak RSS.
 *
 * usage: node lib/bench/compare-builds.js BASE_LIB OTHER_LIB [runs per size, default 5]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateFleetYaml } from './fleet-generator';

const ROOT = path.resolve(__dirname, '..', '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface Run {
  readonly seconds: number;
  /** User CPU time of the child: steadier than wall-clock time on a shared machine. */
  readonly cpuSeconds: number;
  /**
   * Kernel CPU time, mostly creating the tree's files: it varies with the file system's state
   * (see bench.ts on ext4 and deleted inodes), so it is shown apart.
   */
  readonly kernelSeconds: number;
  readonly rssMb: number;
}

function run(lib: string, fleet: string, out: string, rssFile: string): Run {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', path.join(lib, 'bench', 'rss-reporter.js'), path.join(lib, 'charts', 'main.js'), '--fleet', fleet, '--out', out], {
    cwd: ROOT,
    env: { ...process.env, BENCH_RSS_FILE: rssFile, CDK8S_OUTDIR: '' },
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
  const [rssKb, user, system] = fs.readFileSync(rssFile, 'utf8').trim().split(' ').map(Number);
  return { seconds, cpuSeconds: user! / 1e6, kernelSeconds: system! / 1e6, rssMb: rssKb! / 1024 };
}

/** Seconds of `loadFleet` alone, median of `runs` in-process calls after one warm-up. */
function loadSeconds(lib: string, fleet: string, runs: number): number {
  const script = `const {loadFleet}=require(${JSON.stringify(path.join(lib, 'src', 'fleet', 'loader.js'))});const t=[];for(let i=0;i<=${runs};i++){const s=process.hrtime.bigint();loadFleet(${JSON.stringify(fleet)},{env:{}});if(i)t.push(Number(process.hrtime.bigint()-s)/1e9)}t.sort((a,b)=>a-b);console.log(t[t.length>>1])`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

function main(argv: string[]): void {
  const [baseLib, otherLib, runsText] = argv;
  if (!baseLib || !otherLib) throw new Error('usage: node lib/bench/compare-builds.js BASE_LIB OTHER_LIB [runs]');
  const runs = Number(runsText ?? 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compare-builds-'));
  console.log(
    `| vClusters | synth user CPU base s | synth user CPU other s | base saves | kernel base s | kernel other s | synth wall base s | synth wall other s | load base s | load other s | RSS base MB | RSS other MB |`,
  );
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const size of [100, 1000, 10_000]) {
    const fleet = path.join(dir, `fleet-${size}.yaml`);
    fs.writeFileSync(fleet, generateFleetYaml(ROOT, { vclusters: size }));
    const res = { base: [] as Run[], other: [] as Run[] };
    for (let i = 0; i < runs; i++) {
      res.base.push(run(path.resolve(baseLib), fleet, path.join(dir, `out-${size}-b-${i}`), path.join(dir, 'rss')));
      res.other.push(run(path.resolve(otherLib), fleet, path.join(dir, `out-${size}-y-${i}`), path.join(dir, 'rss')));
    }
    const b = median(res.base.map((r) => r.cpuSeconds));
    const y = median(res.other.map((r) => r.cpuSeconds));
    const wb = median(res.base.map((r) => r.seconds));
    const wy = median(res.other.map((r) => r.seconds));
    const lb = loadSeconds(path.resolve(baseLib), fleet, runs);
    const ly = loadSeconds(path.resolve(otherLib), fleet, runs);
    const mb = (xs: Run[]): string => median(xs.map((r) => r.rssMb)).toFixed(0);
    console.log(
      `| ${size} | ${b.toFixed(3)} | ${y.toFixed(3)} | ${(((y - b) / y) * 100).toFixed(1)}% | ${median(res.base.map((r) => r.kernelSeconds)).toFixed(3)} | ${median(res.other.map((r) => r.kernelSeconds)).toFixed(3)} | ${wb.toFixed(3)} | ${wy.toFixed(3)} | ${lb.toFixed(3)} | ${ly.toFixed(3)} | ${mb(res.base)} | ${mb(res.other)} |`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

if (require.main === module) main(process.argv.slice(2));
