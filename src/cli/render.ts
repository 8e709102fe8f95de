import * as fs from 'fs';
import * as path from 'path';
import { ProblemCollector, showValue } from '../errors';
import { loadFleet } from '../fleet/loader';
import { FleetSynthesis, synthesizeFleet } from '../fleet/synthesize';
import { layoutTree, OutputFolder, ValuesFile } from '../output/layout';
import { DEFAULT_MANIFEST_NAME, MANIFEST_HEADER } from '../output/writer';

/**
 * How the generated README names the fleet file: relative to the folder that holds the output
 * folder, with '/' separators (`vclusters.yaml` beside `dist/`); a fleet outside that folder is
 * named by its file name alone, since a path climbing out of the repository would differ from
 * machine to machine. The same fleet and output then give the same bytes whatever the working
 * folder, and whether the paths were typed relative or absolute.
 */
export function fleetSourceLabel(fleetAbs: string, outAbs: string): string {
  const relative = path.relative(path.dirname(outAbs), fleetAbs);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return path.basename(fleetAbs);
  return relative.split(path.sep).join('/');
}

/** The GitOps tree of a synthesis (what `synth` writes into --out, manifest aside). */
export function layoutFleetTree(synthesis: FleetSynthesis, source: string): Map<string, string> {
  return layoutTree(synthesis.folders, synthesis.valuesFiles, { rootFolders: synthesis.rootFolders, source, extraFiles: synthesis.extraFiles });
}

/** The tree a synth would write, without writing it. */
export interface RenderedTree {
  /** Every file relative to the output folder (POSIX paths), the ownership manifest included. */
  readonly files: ReadonlyMap<string, string>;
  /** The synthesized folders, for per-object views. */
  readonly folders: readonly OutputFolder[];
  /** One per vCluster. */
  readonly valuesFiles: readonly ValuesFile[];
  /** Warnings the synthesis raised. */
  readonly warnings: readonly string[];
}

/**
 * Loads the fleet, synthesizes it and lays out the tree exactly as `synth` (src/cli/synth.ts
 * `run`) does, plus the `.generated-files` manifest the writer adds (same header, same sorted
 * list), so comparing this with a folder tells whether a synth would change it. Pure but for
 * reading the fleet file.
 */
export function renderTree(fleetFile: string, out: string, io: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }): RenderedTree {
  const fleet = loadFleet(path.resolve(io.cwd, fleetFile), { env: io.env, displayPath: fleetFile });
  const synthesis = synthesizeFleet(fleet, io.env);
  const files = layoutFleetTree(synthesis, fleetSourceLabel(path.resolve(io.cwd, fleetFile), path.resolve(io.cwd, out)));
  const listed = [...files.keys(), DEFAULT_MANIFEST_NAME].sort();
  files.set(DEFAULT_MANIFEST_NAME, `${MANIFEST_HEADER}\n${listed.join('\n')}\n`);
  return { files, folders: synthesis.folders, valuesFiles: synthesis.valuesFiles, warnings: synthesis.warnings };
}

/**
 * Reads every regular file under `dir` (POSIX relative paths → bytes); an absent folder is
 * empty. Symlinks and special files are refused: a synth would refuse them too.
 */
export function readTree(dir: string, display: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!fs.existsSync(dir)) return files;
  const problems = new ProblemCollector();
  if (!fs.lstatSync(dir).isDirectory()) {
    problems.add({ path: display, message: 'is not a folder', value: showValue(dir) });
    problems.throwIfAny(`cannot read ${display}`);
  }
  const walk = (abs: string, rel: string): void => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(abs, entry.name), r);
      else if (entry.isFile()) files.set(r, fs.readFileSync(path.join(abs, entry.name)));
      else problems.add({ path: `${display}/${r}`, message: 'is not a regular file (a symlink or special file); synth refuses to replace it' });
    }
  };
  walk(dir, '');
  problems.throwIfAny(`cannot read ${display}`);
  return files;
}

/** Which files a synth would add, change and remove in a folder holding `current`. */
export interface TreeChanges {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/** Compares the folder's files with the rendered ones, byte for byte; each list sorted. */
export function treeChanges(current: ReadonlyMap<string, Buffer>, next: ReadonlyMap<string, string>): TreeChanges {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [rel, text] of next) {
    const now = current.get(rel);
    if (now === undefined) added.push(rel);
    else if (!now.equals(Buffer.from(text, 'utf8'))) changed.push(rel);
  }
  for (const rel of current.keys()) if (!next.has(rel)) removed.push(rel);
  return { added: added.sort(), changed: changed.sort(), removed: removed.sort() };
}

/** The fleet file a command reads: `--fleet`, else `$VCLUSTER_FLEET`, else vclusters.yaml (as synth). */
export function fleetFileOf(values: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): string {
  return values.get('--fleet') ?? env.VCLUSTER_FLEET ?? 'vclusters.yaml';
}
