import * as path from 'path';
import { showValue } from '../errors';

/**
 * True when an option value could be an access key typed into the wrong option: 16 or more
 * characters without whitespace or dots, mixing letters and digits, and not an absolute or
 * home path. Paths (`dist`, `vclusters.yaml`, `./out`, `/tmp/x`, `charts/connections`), versions,
 * names and namespaces as people write them do not look like that, so they are still shown;
 * anything that does is not.
 */
export function couldBeAccessKey(value: string): boolean {
  return value.length >= 16 && !/[\s.]/.test(value) && !/^~?\//.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

/** An option value for a message: quoted as `showValue` does, or only its length when it could be a key. */
export function showOptionValue(value: string): string {
  return couldBeAccessKey(value) ? `(${value.length} characters, not shown: it could be an access key)` : showValue(value);
}

/**
 * The operating system's error codes a write can meet, each with what happened and what to do.
 * Raw errno text ("ENOSPC: no space left on device, write '/a/b/c'") says neither.
 */
const OS_ERRORS: Record<string, string> = {
  ENOSPC: 'the disk is full: free some space (or choose a folder on another disk) and run again',
  EDQUOT: 'your disk quota is used up: free some space and run again',
  EROFS: 'the file system is read-only (a read-only mount or volume?): choose a writable folder, or remount it read-write',
  EACCES: 'permission denied: run as a user who may write there (check the folder and its parent folder), or choose another folder',
  EPERM:
    'the operating system does not allow this change (an immutable file, or a folder owned by someone else with the sticky bit?): fix the permissions or choose another folder',
  EBUSY: 'the folder is in use by the system (a mount point or an open volume?): write into a folder inside it, or unmount it first',
  EXDEV: 'the temporary folder and the output folder are on different file systems: the output folder must not be a mount point of its own; choose a folder inside it',
  EMFILE: 'too many open files: raise the limit (ulimit -n) and run again',
  ENFILE: 'the system has too many open files: close some programs and run again',
  EIO: 'the disk reported an input/output error: check the disk, then run again',
  ENAMETOOLONG: 'a path is too long for the file system: choose a shorter output folder',
  ELOOP: 'too many symbolic links in a path: point the option at the real folder',
  ENOTDIR: 'a part of the path is a file, not a folder: fix the path',
  EISDIR: 'a folder is in the way of a file the tool writes: move it away',
};

/**
 * One line for an operating-system failure, or undefined when `error` is not one. A path under
 * `cwd` is shown relative to it, as the user typed it.
 */
export function explainOsError(error: unknown, cwd?: string): string | undefined {
  const e = error as NodeJS.ErrnoException;
  if (e === null || typeof e !== 'object' || typeof e.code !== 'string') return undefined;
  const advice = OS_ERRORS[e.code];
  if (advice === undefined) return undefined;
  let shown = e.path;
  if (typeof shown === 'string' && cwd !== undefined) {
    const rel = path.relative(cwd, shown);
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) shown = rel;
  }
  const where = typeof shown === 'string' ? ` (${e.syscall ?? 'at'} ${shown})` : '';
  return `${advice} [${e.code}${where}]`;
}
