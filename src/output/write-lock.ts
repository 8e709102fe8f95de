import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ValidationError } from '../errors';
import { lstatOrUndefined } from './tree-ownership';

/**
 * Every file the writer puts beside an output folder `<base>` is named `.<base>.vcp-<what>`, so
 * one ignore rule, `.*.vcp-*`, keeps all of them out of git: the temp tree (`vcp-tmp-<pid>`), the
 * old tree (`vcp-old-<pid>`), the lock (`vcp-lock`) and the record of what was written
 * (`vcp-written`).
 */
export const SIBLING_IGNORE_RULE = '.*.vcp-*';

/** Name of a sibling of the output folder `base`. */
export function siblingName(base: string, what: string): string {
  return `.${base}.vcp-${what}`;
}

/** Thrown when another live process is in the middle of writing the same folder. */
export class ConcurrentWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrentWriteError';
  }
}

/** Who holds a lock: a pid plus what tells that process apart from a later one with the same pid. */
interface Holder {
  readonly pid: number;
  /** Start time of the process in clock ticks since boot (field 22 of /proc/<pid>/stat); '' where there is no /proc. */
  readonly start: string;
  /** /proc/sys/kernel/random/boot_id; '' where there is none. */
  readonly boot: string;
}

function readSmall(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * The identity of a running process, or undefined when it is not running. A pid alone is not an
 * identity: pids are reused, and in containers the few small ones are reused constantly.
 */
export function processIdentity(pid: number): Holder | undefined {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const stat = readSmall(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces and parentheses; the fields after its last ')' do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, start: fields.length > 19 ? fields[19] : '', boot: readSmall('/proc/sys/kernel/random/boot_id') };
}

function formatHolder(holder: Holder): string {
  return `pid=${holder.pid}\nstart=${holder.start}\nboot=${holder.boot}\n`;
}

function parseHolder(text: string): Holder | undefined {
  const fields = new Map(text.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const pid = Number(fields.get('pid'));
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, start: fields.get('start') ?? '', boot: fields.get('boot') ?? '' };
}

/** True when the process that wrote `holder` is still running (not merely some process with its pid). */
function isLive(holder: Holder): boolean {
  const now = processIdentity(holder.pid);
  if (now === undefined) return false;
  return now.start === holder.start && now.boot === holder.boot;
}

/** A held lock on one output folder; `release` removes it. */
export interface WriteLock {
  release(): void;
}

function readLockFile(file: string, display: string): string | undefined {
  const stat = lstatOrUndefined(file);
  if (stat === undefined) return undefined;
  if (!stat.isFile()) {
    throw new ValidationError(`cannot write ${display}`, [
      { path: file, message: "is named like this tool's lock file but is not a regular file (a symbolic link?); the tool never follows it: remove it (rm, not rm -r)" },
    ]);
  }
  return readSmall(file).slice(0, 4096);
}

/**
 * Takes the lock of the output folder `abs`: `<parent>/.<base>.vcp-lock`, created with O_EXCL and
 * holding this process's identity. A lock left by a process that is gone (or whose pid now
 * belongs to an unrelated process) is taken over; one held by a live writer is refused.
 * @throws ConcurrentWriteError when a live process holds it.
 */
export function acquireLock(abs: string, display: string): WriteLock {
  const file = path.join(path.dirname(abs), siblingName(path.basename(abs), 'lock'));
  const displayFile = path.join(path.dirname(display), siblingName(path.basename(display), 'lock'));
  // A lock file naming this very process is a leftover of an earlier process that had the same
  // pid, unless this process holds it right now (a prepared write not yet finished).
  if (heldHere.has(file)) throw new ConcurrentWriteError(`cannot write ${display}: this process is already writing it`);
  const lock = takeLock(file, display, displayFile);
  heldHere.add(file);
  return {
    release: () => {
      heldHere.delete(file);
      lock.release();
    },
  };
}

/** Lock files this process holds. */
const heldHere = new Set<string>();

function takeLock(file: string, display: string, displayFile: string): WriteLock {
  const mine = processIdentity(process.pid) ?? { pid: process.pid, start: '', boot: '' };
  const content = formatHolder(mine);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // 'wx' is O_CREAT|O_EXCL: it never follows a symlink and fails when anything has the name.
      fs.writeFileSync(file, content, { flag: 'wx' });
      return { release: () => unlinkIfMine(file, content) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = readLockFile(file, display);
    if (text === undefined) continue;
    const holder = parseHolder(text);
    if (holder !== undefined && holder.pid !== process.pid && isLive(holder)) {
      throw new ConcurrentWriteError(
        `cannot write ${display}: process ${holder.pid} is writing it (it holds ${displayFile}); wait for it to finish. If no such run is going on, delete ${displayFile}`,
      );
    }
    // Stale. Move it aside atomically and check that what moved is what was judged stale: if
    // another run took the lock over in between, put its lock back and give way.
    const aside = `${file}-stale-${process.pid}`;
    try {
      fs.renameSync(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = readSmall(aside).slice(0, 4096);
    if (moved !== text) {
      try {
        fs.linkSync(aside, file);
      } catch {
        // Someone holds a fresh lock already; theirs stands.
      }
      fs.unlinkSync(aside);
      throw new ConcurrentWriteError(`cannot write ${display}: another run took ${displayFile} just now; wait for it to finish`);
    }
    fs.unlinkSync(aside);
  }
  throw new ConcurrentWriteError(`cannot write ${display}: ${displayFile} keeps changing; another run is writing there`);
}

function unlinkIfMine(file: string, content: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === content) fs.unlinkSync(file);
  } catch {
    // Gone already: nothing to release.
  }
}

/** `\040`-style octal escapes of /proc/self/mountinfo, decoded. */
function unescapeMountPath(raw: string): string {
  return raw.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * True when the existing folder `abs` is a mount point: its device differs from its parent's, or
 * /proc/self/mountinfo lists it (a bind mount of a folder of the same filesystem, as `docker run
 * -v` makes, keeps the device number). rename(2) fails with EBUSY on a mount point.
 */
export function isMountPoint(abs: string): boolean {
  const real = fs.realpathSync(abs);
  const parent = path.dirname(real);
  if (parent !== real && fs.statSync(real).dev !== fs.statSync(parent).dev) return true;
  let info: string;
  try {
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  // Field 5 is the mount point (proc(5)).
  return info.split('\n').some((line) => {
    const fields = line.split(' ');
    return fields.length > 4 && unescapeMountPath(fields[4]) === real;
  });
}

/**
 * The record `<parent>/.<base>.vcp-written`: SHA-256 and path of every file the last successful
 * run wrote into `<base>`. It lets a later run recognise files of its own that a restored (older)
 * manifest no longer lists; only a file with exactly the recorded bytes is recognised.
 */
export function recordPath(abs: string): string {
  return path.join(path.dirname(abs), siblingName(path.basename(abs), 'written'));
}

/** SHA-256 of `content` in hex. */
export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Reads the record of `abs`: relative path → SHA-256. Anything but a small regular file counts as no record. */
export function readRecord(abs: string): Map<string, string> {
  const file = recordPath(abs);
  const record = new Map<string, string>();
  const stat = lstatOrUndefined(file);
  if (stat === undefined || !stat.isFile() || stat.size > 64 * 1024 * 1024) return record;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]{64}) (.+)$/.exec(line);
    if (match) record.set(match[2], match[1]);
  }
  return record;
}

/** Replaces the record of `abs` (write to a temp name, then rename over it). */
export function writeRecord(abs: string, files: ReadonlyMap<string, Buffer>): void {
  const file = recordPath(abs);
  const lines = [...files.keys()].sort().map((rel) => `${sha256(files.get(rel) as Buffer)} ${rel}\n`);
  const temp = `${file}-tmp-${process.pid}`;
  // Never written through a link: a leftover of that name is removed, then created with O_EXCL.
  if (lstatOrUndefined(temp) !== undefined) fs.unlinkSync(temp);
  fs.writeFileSync(temp, lines.join(''), { flag: 'wx' });
  fs.renameSync(temp, file);
}
