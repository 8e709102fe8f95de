import * as fs from 'fs';
import * as path from 'path';
import { Problem, ValidationError } from '../errors';

/** Parent folders of a relative path, outermost first: `a/b/c` gives `a`, `a/b`. */
export function parentsOf(rel: string): string[] {
  const parents: string[] = [];
  for (let i = rel.indexOf('/'); i !== -1; i = rel.indexOf('/', i + 1)) parents.push(rel.slice(0, i));
  return parents;
}

export function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** What is in an existing output folder, by relative POSIX path. */
export interface ExistingTree {
  /** Regular files. */
  readonly files: string[];
  /** Entries that are never ours, with the reason: symlinks, sockets, devices, empty folders (with a trailing `/`). */
  readonly others: Map<string, string>;
  /** Every folder below the root, parents before children. */
  readonly dirs: string[];
  /** Empty folders below the root (without a trailing `/`); also in `others`. */
  readonly emptyDirs: string[];
}

export function scanTree(root: string): ExistingTree {
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
export function readManifest(root: string, manifestName: string): Set<string> {
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
export interface OwnershipScan {
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
export function foreignEntries(root: string, manifestName: string, oldTree = false): OwnershipScan {
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

/**
 * Refuses a folder with foreign entries. The hint covers the one common way files of ours become
 * unlisted: `git checkout -- <dir>` restores an older manifest but leaves files a later run added
 * (untracked, so git keeps them); `git clean` removes exactly those.
 */
export function throwForeign(dir: string, foreign: readonly Problem[]): never {
  const files = foreign.some((p) => !p.message.startsWith('a symbolic link') && !p.message.startsWith('a special file'));
  const hint = files
    ? `; if an earlier run wrote them and its manifest was restored from git since (git checkout), list them with "git clean -n -- ${dir}" and remove them with "git clean -f -- ${dir}"`
    : '';
  throw new ValidationError(`refusing to replace ${dir}: it holds ${foreign.length === 1 ? 'an entry' : 'entries'} this tool did not write${hint}`, foreign);
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
export function removeOwnedTree(root: string, manifestName: string): void {
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
export function isUnchanged(
  abs: string,
  existing: ExistingTree,
  plan: { readonly files: ReadonlyMap<string, Buffer>; readonly manifestName: string; readonly manifestText: Buffer },
): boolean {
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

/** A `.<base>.vcp-tmp-<pid>` or `.<base>.vcp-old-<pid>` sibling (or the unprefixed names of earlier versions). */
interface Sibling {
  readonly kind: 'tmp' | 'old';
  readonly abs: string;
  readonly display: string;
}

/**
 * The temp and old trees beside the output folder. An entry with such a name that is not a real
 * folder (a symbolic link, above all) is refused: recovery deletes through these names, and
 * following a link would delete another tree's files.
 */
function siblingsOf(parent: string, base: string, displayParent: string): Sibling[] {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const prefix = `.${base}.`;
  const found: Sibling[] = [];
  const bad: Problem[] = [];
  for (const name of names.sort()) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(?:vcp-)?(tmp|old)-[1-9][0-9]*$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const abs = path.join(parent, name);
    const display = path.join(displayParent, name);
    const stat = lstatOrUndefined(abs);
    if (stat === undefined) continue;
    if (!stat.isDirectory()) {
      bad.push({
        path: display,
        message: `is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'} but named like this tool's temporary folders, which are always real folders; the tool never follows or deletes it: remove it yourself (rm, not rm -r)`,
      });
      continue;
    }
    found.push({ kind: match[1] as 'tmp' | 'old', abs, display });
  }
  if (bad.length > 0) throw new ValidationError(`cannot write ${path.join(displayParent, base)}`, bad);
  return found;
}

/**
 * Puts things right after an earlier run died. Runs under the folder's lock, so every temp and
 * old tree found belongs to a run that is over: restores the old tree when the crash came between
 * the two renames, finishes removing old trees whose removal was cut short, removes temp trees.
 */
export function recover(abs: string, display: string, manifestName: string): void {
  const stale = siblingsOf(path.dirname(abs), path.basename(abs), path.dirname(display));
  // An old tree passed the ownership check before it was moved aside; it is checked again before
  // it is deleted, so a folder someone renamed to this pattern by hand is never removed silently.
  let olds = stale.filter((s) => s.kind === 'old').map((s) => ({ ...s, scan: foreignEntries(s.abs, manifestName, true) }));
  if (olds.length > 0 && lstatOrUndefined(abs) === undefined) {
    // Removal only starts after the new tree is in place, so an old tree of ours that is partly
    // removed is never the one to restore (the output folder was deleted since, by hand).
    const restorable = olds.filter((o) => o.scan.foreign.length > 0 || !o.scan.removalStarted);
    if (restorable.length > 1) {
      throw new ValidationError(
        `cannot write ${display}: it is missing and several earlier trees were left by interrupted runs`,
        restorable.map((o) => ({ path: o.display, message: 'keep the one to restore, rename it to the output folder, and delete the others' })),
      );
    }
    if (restorable.length === 1) {
      fs.renameSync(restorable[0].abs, abs);
      olds = olds.filter((o) => o !== restorable[0]);
    }
  }
  for (const sibling of stale) if (sibling.kind === 'tmp') fs.rmSync(sibling.abs, { recursive: true, force: true });
  for (const old of olds) {
    if (old.scan.foreign.length > 0) throwForeign(old.display, old.scan.foreign);
    removeOwnedTree(old.abs, manifestName);
  }
}
