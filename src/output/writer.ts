import * as fs from 'fs';
import * as path from 'path';
import { Problem, ProblemCollector, showValue, ValidationError } from '../errors';

/** Default name of the ownership manifest inside the output folder. */
export const DEFAULT_MANIFEST_NAME = '.generated-files';

/** First line of every ownership manifest; tells a reader what the file is for. */
export const MANIFEST_HEADER = '# Written by cdk8s-vcluster-platform: the files below are replaced or deleted on the next run; files not listed here make the run fail.';

/** Options of `writeTreeAtomically`. */
export interface WriteTreeOptions {
  /**
   * Name of the ownership manifest inside the output folder: a relative POSIX path that lists
   * every file the tool wrote, itself included.
   * @default ".generated-files"
   */
  readonly manifestName?: string;
}

/** What `writeTreeAtomically` did. */
export interface WriteResult {
  /** False when the folder already held exactly these files with exactly this content; nothing was touched. */
  readonly changed: boolean;
  /** Number of files in the tree, not counting the manifest. */
  readonly files: number;
  /** Total size of those files in bytes (UTF-8), not counting the manifest. */
  readonly bytes: number;
}

/** Thrown when another live process is in the middle of writing the same folder. */
export class ConcurrentWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrentWriteError';
  }
}

const ALLOWED_PATH = 'a relative POSIX path of non-empty segments, e.g. "team-a/secret.yaml"';

/**
 * Checks one relative path and returns it without `.` segments, or records why it is bad.
 * Control characters are refused because the manifest is line-based and a newline in a name
 * would let one entry claim two files.
 */
function normalisePath(raw: unknown, field: string, problems: ProblemCollector): string | undefined {
  const bad = (message: string): undefined => {
    problems.add({ path: field, message, value: showValue(raw), allowed: ALLOWED_PATH });
    return undefined;
  };
  if (typeof raw !== 'string') return bad('is not a string');
  if (raw.length === 0) return bad('is empty');
  if (raw.startsWith('/')) return bad('is absolute');
  if (raw.includes('\\')) return bad('contains a backslash');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return bad('contains a control character');
  const segments: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '') return bad('has an empty segment (a trailing or doubled "/")');
    if (segment === '..') return bad('contains ".."');
    if (segment !== '.') segments.push(segment);
  }
  if (segments.length === 0) return bad('names the output folder itself');
  return segments.join('/');
}

/** Parent folders of a relative path, outermost first: `a/b/c` gives `a`, `a/b`. */
function parentsOf(rel: string): string[] {
  const parents: string[] = [];
  for (let i = rel.indexOf('/'); i !== -1; i = rel.indexOf('/', i + 1)) parents.push(rel.slice(0, i));
  return parents;
}

interface PlannedTree {
  /** Normalised relative path → encoded content, manifest excluded. */
  readonly files: Map<string, Buffer>;
  /** Every folder to create, parents before children. */
  readonly dirs: string[];
  readonly manifestName: string;
  readonly manifestText: Buffer;
  readonly bytes: number;
}

/** Validates every path at once and encodes the contents; changes nothing on disk. */
function planTree(outDir: string, files: ReadonlyMap<string, string>, manifestOption: string | undefined): PlannedTree {
  const problems = new ProblemCollector();
  if (typeof outDir !== 'string' || outDir.length === 0) {
    problems.add({ path: 'outDir', message: 'must be a non-empty path', value: showValue(outDir) });
  } else if (path.dirname(path.resolve(outDir)) === path.resolve(outDir)) {
    problems.add({ path: 'outDir', message: 'must not be the filesystem root', value: showValue(outDir) });
  }
  const manifestName = normalisePath(manifestOption ?? DEFAULT_MANIFEST_NAME, 'options.manifestName', problems);

  const planned = new Map<string, Buffer>();
  const original = new Map<string, string>();
  let bytes = 0;
  for (const [raw, content] of files) {
    const field = `files[${showValue(raw)}]`;
    const rel = normalisePath(raw, field, problems);
    if (typeof content !== 'string') {
      problems.add({ path: field, message: 'content is not a string', value: typeof content });
      continue;
    }
    if (rel === undefined) continue;
    const earlier = original.get(rel);
    if (earlier !== undefined) {
      problems.add({ path: field, message: `names the same file as ${showValue(earlier)}`, value: showValue(rel) });
      continue;
    }
    if (rel === manifestName) {
      problems.add({ path: field, message: 'is the ownership manifest, which this function writes itself', value: showValue(raw) });
      continue;
    }
    original.set(rel, raw);
    const buffer = Buffer.from(content, 'utf8');
    planned.set(rel, buffer);
    bytes += buffer.length;
  }

  const dirSet = new Set<string>();
  for (const rel of [...planned.keys(), ...(manifestName === undefined ? [] : [manifestName])]) {
    for (const dir of parentsOf(rel)) dirSet.add(dir);
  }
  for (const dir of dirSet) {
    const clash = original.get(dir) ?? (dir === manifestName ? manifestName : undefined);
    if (clash !== undefined) {
      problems.add({ path: `files[${showValue(clash)}]`, message: 'is a file but also the folder of other files', value: showValue(dir) });
    }
  }
  problems.throwIfAny(`cannot write ${typeof outDir === 'string' ? outDir : 'the output folder'}`);

  const name = manifestName as string;
  const listed = [...planned.keys(), name].sort();
  return {
    files: planned,
    // A parent path sorts before every path inside it, so creating in this order needs no `recursive`.
    dirs: [...dirSet].sort(),
    manifestName: name,
    manifestText: Buffer.from(`${MANIFEST_HEADER}\n${listed.join('\n')}\n`, 'utf8'),
    bytes,
  };
}

/** True when a process with this id exists (EPERM: it exists but belongs to someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** What is in an existing output folder, by relative POSIX path. */
interface ExistingTree {
  /** Regular files. */
  readonly files: string[];
  /** Entries that are never ours, with the reason: symlinks, sockets, devices, empty folders (with a trailing `/`). */
  readonly others: Map<string, string>;
  /** Every folder below the root, parents before children. */
  readonly dirs: string[];
  /** Empty folders below the root (without a trailing `/`); also in `others`. */
  readonly emptyDirs: string[];
}

function scanTree(root: string): ExistingTree {
  const files: string[] = [];
  const others = new Map<string, string>();
  const dirs: string[] = [];
  const emptyDirs: string[] = [];
  const walk = (abs: string, rel: string): void => {
    if (rel !== '') dirs.push(rel);
    const entries = fs.readdirSync(abs, { withFileTypes: true });
    // The tool writes no empty folders, so one found here was made by someone else.
    if (entries.length === 0 && rel !== '') {
      others.set(`${rel}/`, 'an empty folder, which this tool never makes');
      emptyDirs.push(rel);
    }
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path.join(abs, entry.name), childRel);
      else if (entry.isFile()) files.push(childRel);
      // Symlinks count as foreign even when listed: replacing the folder would drop a link the tool never makes.
      else if (entry.isSymbolicLink()) others.set(childRel, 'a symbolic link, which this tool never writes');
      else others.set(childRel, 'a special file, which this tool never writes');
    }
  };
  walk(root, '');
  return { files, others, dirs, emptyDirs };
}

/** Paths listed in the manifest at `root/manifestName`, or an empty set when there is none. */
function readManifest(root: string, manifestName: string): Set<string> {
  const file = path.join(root, manifestName);
  const stat = lstatOrUndefined(file);
  if (stat === undefined || !stat.isFile()) return new Set();
  const listed = new Set<string>();
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    // Tolerate a checkout that turned the manifest's line ends into CRLF.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line !== '' && !line.startsWith('#')) listed.add(line);
  }
  // A manifest that does not list itself was not written by this tool.
  return listed.has(manifestName) ? listed : new Set();
}

/** What `foreignEntries` found. */
interface OwnershipScan {
  /** Entries the manifest does not vouch for, sorted by path, with the reason. */
  readonly foreign: Problem[];
  readonly existing: ExistingTree;
  /**
   * True when the tree shows that removeOwnedTree began removing it: the manifest is gone, or
   * a folder is empty. A whole tree written by this tool has neither.
   */
  readonly removalStarted: boolean;
}

/**
 * Every entry of `root` that the manifest does not vouch for, sorted by path, with the reason.
 *
 * With `oldTree`, `root` is a `.<base>.old-<pid>` tree whose removal may have been cut short by
 * a kill. removeOwnedTree deletes in an order that leaves only these states: the manifest and a
 * subset of the files it lists, with some folders of listed paths emptied; or, once the manifest
 * is gone, no files at all and only the manifest's own (empty) folders. So an empty folder is
 * accepted when it is a folder of a listed path or of the manifest's path; files still need the
 * manifest, and symlinks, special files and other empty folders stay foreign.
 */
function foreignEntries(root: string, manifestName: string, oldTree = false): OwnershipScan {
  const existing = scanTree(root);
  const listed = readManifest(root, manifestName);
  const reasons = new Map(existing.others);
  for (const rel of existing.files) {
    if (!listed.has(rel)) reasons.set(rel, `not listed in ${manifestName}, so not written by this tool`);
  }
  if (oldTree && existing.emptyDirs.length > 0) {
    const owned = new Set(parentsOf(manifestName));
    for (const rel of listed) for (const dir of parentsOf(rel)) owned.add(dir);
    for (const dir of existing.emptyDirs) if (owned.has(dir)) reasons.delete(`${dir}/`);
  }
  const foreign = [...reasons.keys()].sort().map((rel) => ({
    path: rel,
    message: `${reasons.get(rel) as string}; move it elsewhere or delete it, or choose another output folder`,
  }));
  return { foreign, existing, removalStarted: listed.size === 0 || existing.emptyDirs.length > 0 };
}

function throwForeign(dir: string, foreign: readonly Problem[]): never {
  throw new ValidationError(`refusing to replace ${dir}: it holds ${foreign.length === 1 ? 'an entry' : 'entries'} this tool did not write`, foreign);
}

/** A `.<base>.tmp-<pid>` or `.<base>.old-<pid>` sibling of the output folder. */
interface Sibling {
  readonly kind: 'tmp' | 'old';
  readonly pid: number;
  readonly abs: string;
}

function siblingsOf(parent: string, base: string): Sibling[] {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const prefix = `.${base}.`;
  const found: Sibling[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(tmp|old)-([1-9][0-9]*)$/.exec(name.slice(prefix.length));
    if (match) found.push({ kind: match[1] as 'tmp' | 'old', pid: Number(match[2]), abs: path.join(parent, name) });
  }
  return found.sort((a, b) => (a.abs < b.abs ? -1 : a.abs > b.abs ? 1 : 0));
}

/**
 * Puts things right after an earlier run died: restores the old tree when the crash came between
 * the two renames, finishes removing old trees whose removal was cut short, and removes temp and
 * old folders whose writer is gone. A folder carrying this process's own pid is stale too: this
 * function is synchronous, so no call of ours is in flight, and in containers a rerun often gets
 * the same small pid as the run that crashed.
 */
function recover(abs: string, parent: string, base: string, manifestName: string): void {
  const stale: Sibling[] = [];
  for (const sibling of siblingsOf(parent, base)) {
    if (sibling.pid !== process.pid && isAlive(sibling.pid)) {
      throw new ConcurrentWriteError(
        `cannot write ${abs}: process ${sibling.pid} is writing it (${sibling.abs} exists); wait for it to finish, or remove ${sibling.abs} if no such process is writing there`,
      );
    }
    stale.push(sibling);
  }
  // An old tree passed the ownership check before it was moved aside; it is checked again before
  // it is deleted, so a folder someone renamed to this pattern by hand is never removed silently.
  let olds = stale.filter((s) => s.kind === 'old').map((s) => ({ ...s, scan: foreignEntries(s.abs, manifestName, true) }));
  if (olds.length > 0 && lstatOrUndefined(abs) === undefined) {
    // Removal only starts after the new tree is in place, so an old tree of ours that is partly
    // removed is never the one to restore (the output folder was deleted since, by hand).
    const restorable = olds.filter((o) => o.scan.foreign.length > 0 || !o.scan.removalStarted);
    if (restorable.length > 1) {
      throw new ValidationError(
        `cannot write ${abs}: it is missing and several earlier trees were left by interrupted runs`,
        restorable.map((o) => ({ path: o.abs, message: 'keep the one to restore, rename it to the output folder, and delete the others' })),
      );
    }
    if (restorable.length === 1) {
      // The crash came after the old tree was moved aside and before the new one took its place.
      fs.renameSync(restorable[0].abs, abs);
      olds = olds.filter((o) => o !== restorable[0]);
    }
  }
  for (const sibling of stale) {
    if (sibling.kind === 'tmp') {
      fs.rmSync(sibling.abs, { recursive: true, force: true });
    }
  }
  for (const old of olds) {
    if (old.scan.foreign.length > 0) throwForeign(old.abs, old.scan.foreign);
    removeOwnedTree(old.abs, manifestName);
  }
}

/** Runs a removal; an entry that is already gone is fine. */
function unlessMissing(remove: () => void): void {
  try {
    remove();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Deletes an owned tree (checked by the caller) in an order that leaves every interrupted state
 * recognisable as ours (see foreignEntries with `oldTree`), so the next run can finish the job:
 * the listed files, one by one; then the folders of listed paths, deepest first; then the
 * manifest; then the manifest's own folders and the tree itself.
 *
 * Only entries found in the tree are touched (never a path as the manifest spells it, which
 * could point anywhere), and nothing is removed recursively: an entry nobody checked (one that
 * turned up since) makes an rmdir fail instead of vanishing, and the next run names it.
 */
function removeOwnedTree(root: string, manifestName: string): void {
  const { files, dirs } = scanTree(root);
  const listed = readManifest(root, manifestName);
  for (const rel of files) {
    if (rel !== manifestName && listed.has(rel)) unlessMissing(() => fs.unlinkSync(path.join(root, rel)));
  }
  const manifestDirs = new Set(parentsOf(manifestName));
  const owned = new Set<string>();
  for (const rel of listed) for (const dir of parentsOf(rel)) owned.add(dir);
  // scanTree lists parents before children, so the reverse order has children first.
  const deepestFirst = [...dirs].reverse();
  for (const dir of deepestFirst) {
    if (owned.has(dir) && !manifestDirs.has(dir)) unlessMissing(() => fs.rmdirSync(path.join(root, dir)));
  }
  unlessMissing(() => fs.unlinkSync(path.join(root, manifestName)));
  for (const dir of deepestFirst) {
    if (manifestDirs.has(dir)) unlessMissing(() => fs.rmdirSync(path.join(root, dir)));
  }
  fs.rmdirSync(root);
}

/** True when the existing tree holds exactly the planned files (and manifest) with the same bytes. */
function isUnchanged(abs: string, existing: ExistingTree, plan: PlannedTree): boolean {
  if (existing.others.size > 0 || existing.files.length !== plan.files.size + 1) return false;
  for (const rel of existing.files) {
    if (rel !== plan.manifestName && !plan.files.has(rel)) return false;
  }
  if (!fs.readFileSync(path.join(abs, plan.manifestName)).equals(plan.manifestText)) return false;
  for (const [rel, content] of plan.files) {
    if (!fs.readFileSync(path.join(abs, rel)).equals(content)) return false;
  }
  return true;
}

/**
 * Replaces the folder `outDir` with exactly `files` (relative POSIX path → UTF-8 text), so that a
 * crash or kill at any moment leaves either the whole old tree or the whole new tree, and never
 * deletes a file the tool did not write.
 *
 * - Ownership: `outDir` carries a manifest (`options.manifestName`) listing every file written,
 *   itself included. If `outDir` holds anything the manifest does not list (symlinks and empty
 *   folders always count as foreign), a `ValidationError` lists every such entry and nothing is
 *   changed. An absent or empty `outDir` is fine.
 * - Atomic swap: the tree is written to `<parent>/.<base>.tmp-<pid>` (manifest last), then
 *   `outDir` is renamed to `<parent>/.<base>.old-<pid>`, the temp folder renamed to `outDir`, and
 *   the old tree removed. A failure before the swap removes the temp folder and leaves `outDir` as it was.
 * - Recovery: a `.<base>.old-*` left with no `outDir` (a crash between the renames) is renamed
 *   back first; `.tmp-*` / `.old-*` siblings of dead processes are removed. An old tree whose
 *   removal was cut short (files gone, folders emptied, at the very end the manifest gone) is
 *   finished off, as long as all that is left is what the tool wrote; otherwise a
 *   `ValidationError` names the rest and nothing is deleted.
 * - Unchanged output: when the tree already holds exactly these bytes, nothing is touched and
 *   `changed` is false, so mtimes stay put.
 *
 * Guards against process crashes and kills, not power loss: files are not fsync'ed, which would
 * cost more than the rest of the write for 10,000+ files.
 * @throws ValidationError on bad paths or foreign files; ConcurrentWriteError when a live
 *   process is writing the same folder; the file system's error otherwise.
 */
export function writeTreeAtomically(outDir: string, files: ReadonlyMap<string, string>, options: WriteTreeOptions = {}): WriteResult {
  const plan = planTree(outDir, files, options.manifestName);
  const abs = path.resolve(outDir);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  const result = { files: plan.files.size, bytes: plan.bytes };

  recover(abs, parent, base, plan.manifestName);

  const stat = lstatOrUndefined(abs);
  let existing: ExistingTree | undefined;
  if (stat !== undefined) {
    if (stat.isSymbolicLink() || !stat.isDirectory()) {
      throw new ValidationError(`cannot write ${outDir}`, [
        {
          path: 'outDir',
          message: stat.isSymbolicLink() ? 'is a symbolic link' : 'is not a folder',
          value: showValue(outDir),
          allowed: 'a folder or a path that does not exist yet',
        },
      ]);
    }
    const scan = foreignEntries(abs, plan.manifestName);
    if (scan.foreign.length > 0) throwForeign(outDir, scan.foreign);
    existing = scan.existing;
    if (isUnchanged(abs, existing, plan)) return { changed: false, ...result };
  }

  const tmp = path.join(parent, `.${base}.tmp-${process.pid}`);
  fs.mkdirSync(parent, { recursive: true });
  fs.mkdirSync(tmp);
  try {
    for (const dir of plan.dirs) fs.mkdirSync(path.join(tmp, dir));
    for (const [rel, content] of plan.files) fs.writeFileSync(path.join(tmp, rel), content);
    // Written last: a temp folder without it is visibly incomplete.
    fs.writeFileSync(path.join(tmp, plan.manifestName), plan.manifestText);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }

  if (existing === undefined) {
    try {
      fs.renameSync(tmp, abs);
    } catch (error) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw error;
    }
    return { changed: true, ...result };
  }

  const old = path.join(parent, `.${base}.old-${process.pid}`);
  try {
    fs.renameSync(abs, old);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  try {
    fs.renameSync(tmp, abs);
  } catch (error) {
    fs.renameSync(old, abs);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  try {
    removeOwnedTree(old, plan.manifestName);
  } catch {
    // The new tree is in place and complete; what is left of the old one is removed by the next run.
  }
  return { changed: true, ...result };
}
