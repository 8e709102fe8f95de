import * as fs from 'fs';
import * as path from 'path';
import { Problem, ProblemCollector, showValue, ValidationError } from '../errors';
import { ExistingTree, foreignEntries, isUnchanged, lstatOrUndefined, parentsOf, readManifest, recover, removeOwnedTree, throwForeign } from './tree-ownership';
import { acquireLock, isMountPoint, readRecord, sha256, siblingName, WriteLock, writeRecord } from './write-lock';

export { ConcurrentWriteError, SIBLING_IGNORE_RULE } from './write-lock';

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
  /**
   * How messages name the output folder: the path as the user typed it (relative paths stay relative).
   * @default outDir
   */
  readonly displayPath?: string;
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
function planTree(outDir: string, files: ReadonlyMap<string, string>, manifestOption: string | undefined, display: string): PlannedTree {
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
  problems.throwIfAny(`cannot write ${typeof display === 'string' ? display : 'the output folder'}`);

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

function refuseUnwritable(abs: string, display: string): void {
  const stat = lstatOrUndefined(abs);
  if (stat === undefined) return;
  const bad = (message: string): never => {
    throw new ValidationError(`cannot write ${display}`, [{ path: 'outDir', message, value: showValue(display), allowed: 'a folder or a path that does not exist yet' }]);
  };
  if (stat.isSymbolicLink()) bad('is a symbolic link');
  if (!stat.isDirectory()) bad('is not a folder');
  if (isMountPoint(abs)) {
    bad(
      `is a mount point (a container volume or bind mount?): the tool replaces the folder by renaming it, and the operating system refuses to rename a mount point; write into a folder inside it instead (e.g. ${path.join(display, 'dist')}), or mount the folder above it`,
    );
  }
}

/**
 * Files in `abs` that no manifest lists but that hold exactly the bytes the last successful run
 * recorded for them: ours, left unlisted by a manifest restored from git. They are added to the
 * manifest (written beside the folder, then renamed in), so the normal ownership rules apply.
 */
function adoptRecorded(abs: string, plan: PlannedTree, foreign: readonly Problem[], existing: ExistingTree): Problem[] {
  const record = readRecord(abs);
  // A record made with another manifest name belongs to another way of writing this folder.
  if (!record.has(plan.manifestName)) return [...foreign];
  const files = new Set(existing.files);
  const adopted: string[] = [];
  const rest: Problem[] = [];
  for (const problem of foreign) {
    const recorded = record.get(problem.path);
    if (recorded !== undefined && files.has(problem.path) && sha256(fs.readFileSync(path.join(abs, problem.path))) === recorded) adopted.push(problem.path);
    else rest.push(problem);
  }
  if (adopted.length === 0 || rest.length > 0) return rest;
  const listed = new Set([...readManifest(abs, plan.manifestName), ...adopted, plan.manifestName]);
  const temp = path.join(path.dirname(abs), siblingName(path.basename(abs), `manifest-${process.pid}`));
  if (lstatOrUndefined(temp) !== undefined) fs.unlinkSync(temp);
  fs.writeFileSync(temp, `${MANIFEST_HEADER}\n${[...listed].sort().join('\n')}\n`, { flag: 'wx' });
  fs.renameSync(temp, path.join(abs, plan.manifestName));
  return rest;
}

/**
 * A tree checked and written to its temp folder, not yet in place. Holds the folder's lock until
 * `finish` or `abort`.
 */
export interface PreparedWrite {
  /** What the write does (or did). */
  readonly result: WriteResult;
  /** The output folder as messages name it. */
  readonly display: string;
  /** Puts the new tree in place; the old one stays aside until `finish`. Undone by itself when it fails. */
  commit(): void;
  /** After `commit`: puts the old tree back and discards the new one. */
  rollback(): void;
  /** After `commit`: removes the old tree, records what was written, releases the lock. */
  finish(): void;
  /** Before `commit` (or after `rollback`): discards the temp tree and releases the lock. */
  abort(): void;
}

function writeTemp(tmp: string, plan: PlannedTree): void {
  fs.mkdirSync(tmp);
  for (const dir of plan.dirs) fs.mkdirSync(path.join(tmp, dir));
  for (const [rel, content] of plan.files) fs.writeFileSync(path.join(tmp, rel), content);
  // Written last: a temp folder without it is visibly incomplete.
  fs.writeFileSync(path.join(tmp, plan.manifestName), plan.manifestText);
}

/**
 * Checks one target and writes its temp tree: everything `writeTreeAtomically` does short of
 * putting the tree in place. Nothing visible under `outDir` changes until `commit`.
 */
export function prepareTreeWrite(outDir: string, files: ReadonlyMap<string, string>, options: WriteTreeOptions = {}): PreparedWrite {
  const display = options.displayPath ?? outDir;
  const plan = planTree(outDir, files, options.manifestName, display);
  const abs = path.resolve(outDir);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  refuseUnwritable(abs, display);
  fs.mkdirSync(parent, { recursive: true });
  const lock: WriteLock = acquireLock(abs, display);
  const tmp = path.join(parent, siblingName(base, `tmp-${process.pid}`));
  const old = path.join(parent, siblingName(base, `old-${process.pid}`));
  let changed = true;
  let hadTree = false;
  try {
    recover(abs, display, plan.manifestName);
    refuseUnwritable(abs, display);
    if (lstatOrUndefined(abs) !== undefined) {
      hadTree = true;
      let scan = foreignEntries(abs, plan.manifestName);
      if (scan.foreign.length > 0 && adoptRecorded(abs, plan, scan.foreign, scan.existing).length === 0) scan = foreignEntries(abs, plan.manifestName);
      if (scan.foreign.length > 0) throwForeign(display, scan.foreign);
      changed = !isUnchanged(abs, scan.existing, plan);
    }
    if (changed) writeTemp(tmp, plan);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    lock.release();
    throw error;
  }
  let swapped = false;
  const recordable = new Map([...plan.files, [plan.manifestName, plan.manifestText]]);
  return {
    result: { changed, files: plan.files.size, bytes: plan.bytes },
    display,
    commit: () => {
      if (!changed) return;
      if (hadTree) fs.renameSync(abs, old);
      try {
        fs.renameSync(tmp, abs);
      } catch (error) {
        if (hadTree) fs.renameSync(old, abs);
        throw error;
      }
      swapped = true;
    },
    rollback: () => {
      if (!swapped) return;
      fs.renameSync(abs, tmp);
      if (hadTree) fs.renameSync(old, abs);
      swapped = false;
    },
    finish: () => {
      try {
        if (swapped && hadTree) removeOwnedTree(old, plan.manifestName);
      } catch {
        // The new tree is in place and complete; what is left of the old one is removed by the next run.
      }
      try {
        if (changed || readRecord(abs).get(plan.manifestName) !== sha256(plan.manifestText)) writeRecord(abs, recordable);
      } catch {
        // The record only helps recognise our own files later; the tree itself is written.
      }
      lock.release();
    },
    abort: () => {
      fs.rmSync(tmp, { recursive: true, force: true });
      lock.release();
    },
  };
}

/**
 * Replaces the folder `outDir` with exactly `files` (relative POSIX path → UTF-8 text), so that a
 * crash or kill at any moment leaves either the whole old tree or the whole new tree, and never
 * deletes a file the tool did not write.
 *
 * - Ownership: `outDir` carries a manifest (`options.manifestName`) listing every file written,
 *   itself included. If `outDir` holds anything the manifest does not list (symlinks and empty
 *   folders always count as foreign), a `ValidationError` lists every such entry and nothing is
 *   changed. An absent or empty `outDir` is fine. A file the manifest does not list but that
 *   holds exactly the bytes the last run wrote there (recorded in `.<base>.vcp-written`) is ours.
 * - Lock: `.<base>.vcp-lock` beside `outDir`, created with O_EXCL, names the writing process by pid
 *   and start time, so a live writer is refused and a reused pid is not mistaken for one.
 * - Atomic swap: the tree is written to `.<base>.vcp-tmp-<pid>` (manifest last), then `outDir` is
 *   renamed to `.<base>.vcp-old-<pid>`, the temp folder renamed to `outDir`, and the old tree
 *   removed. A failure before the swap removes the temp folder and leaves `outDir` as it was.
 * - Recovery: an old tree left with no `outDir` (a crash between the renames) is renamed back
 *   first; temp and old trees of runs that are over are removed, old ones only once checked to
 *   hold nothing but what the tool wrote. A symbolic link with such a name is refused, never followed.
 * - Unchanged output: when the tree already holds exactly these bytes, nothing is touched and
 *   `changed` is false, so mtimes stay put.
 *
 * Guards against process crashes and kills, not power loss: files are not fsync'ed, which would
 * cost more than the rest of the write for 10,000+ files.
 * @throws ValidationError on bad paths, foreign files, a symlink or mount point as `outDir`;
 *   ConcurrentWriteError when a live process is writing the same folder; the file system's error otherwise.
 */
export function writeTreeAtomically(outDir: string, files: ReadonlyMap<string, string>, options: WriteTreeOptions = {}): WriteResult {
  return writeTreesAtomically([{ outDir, files, options }])[0];
}

/** One folder for `writeTreesAtomically`. */
export interface TreeTarget {
  /** The output folder. */
  readonly outDir: string;
  /** Relative POSIX path → UTF-8 text. */
  readonly files: ReadonlyMap<string, string>;
  /** As for `writeTreeAtomically`. @default {} */
  readonly options?: WriteTreeOptions;
}

/** Thrown when a multi-folder write failed after some folders were replaced and could not be put back. */
export class PartialWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartialWriteError';
  }
}

/**
 * Problems when two targets are the same folder or one lies inside the other: each write would
 * replace (or count as foreign) the other's tree. Paths are compared after resolving symbolic
 * links in the part that exists.
 */
export function overlappingTargets(targets: readonly { readonly outDir: string; readonly label: string; readonly shown?: string }[]): Problem[] {
  const real = targets.map((t) => realPathOfPrefix(path.resolve(t.outDir)));
  const problems: Problem[] = [];
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      const [a, b] = [real[i], real[j]];
      const inside = (outer: string, inner: string): boolean => {
        const rel = path.relative(outer, inner);
        return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
      };
      const how = a === b ? 'is the same folder as' : inside(a, b) ? 'contains' : inside(b, a) ? 'lies inside' : undefined;
      if (how !== undefined) {
        problems.push({
          path: targets[i].label,
          message: `${how} ${targets[j].label} (${showValue(targets[j].shown ?? targets[j].outDir)}); each run replaces its folder whole, so the two would overwrite or block each other: choose folders side by side`,
          value: showValue(targets[i].shown ?? targets[i].outDir),
        });
      }
    }
  }
  return problems;
}

/** `p` with symbolic links resolved in its longest existing prefix. */
function realPathOfPrefix(p: string): string {
  const rest: string[] = [];
  let current = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync(current), ...rest);
    } catch {
      const up = path.dirname(current);
      if (up === current) return p;
      rest.unshift(path.basename(current));
      current = up;
    }
  }
}

/**
 * Writes several folders all or nothing, as far as the file system allows: every target is
 * checked and its temp tree written before any is put in place; when putting one in place fails,
 * those already replaced are put back. Only when putting one back fails too does a
 * `PartialWriteError` say exactly which folders hold the new tree.
 */
export function writeTreesAtomically(targets: readonly TreeTarget[]): WriteResult[] {
  const overlap = overlappingTargets(targets.map((t, i) => ({ outDir: t.outDir, label: t.options?.displayPath ?? `targets[${i}]` })));
  if (overlap.length > 0) throw new ValidationError('cannot write overlapping folders', overlap);
  const prepared: PreparedWrite[] = [];
  try {
    for (const target of targets) prepared.push(prepareTreeWrite(target.outDir, target.files, target.options));
  } catch (error) {
    for (const p of prepared) p.abort();
    throw error;
  }
  for (let i = 0; i < prepared.length; i++) {
    try {
      prepared[i].commit();
    } catch (error) {
      const stuck: string[] = [];
      for (let j = i - 1; j >= 0; j--) {
        try {
          prepared[j].rollback();
        } catch {
          stuck.push(prepared[j].display);
        }
      }
      for (const p of prepared) p.abort();
      if (stuck.length > 0) {
        const reason = error instanceof Error ? error.message : String(error);
        const kept = prepared.filter((p) => !stuck.includes(p.display)).map((p) => p.display);
        throw new PartialWriteError(
          `writing ${prepared[i].display} failed (${reason}) after ${stuck.join(' and ')} got the new tree, which could not be put back; ${kept.join(' and ')} ${kept.length === 1 ? 'keeps' : 'keep'} the old tree. Run synth again once the cause is fixed to bring all of them up to date`,
        );
      }
      throw error;
    }
  }
  for (const p of prepared) p.finish();
  return prepared.map((p) => p.result);
}
