// Reading the files a fleet names, never more than a hard byte limit.
import * as fs from 'fs';
import { MAX_CA_FILE_BYTES } from './limits';

/** Blocks the thread for `ms` milliseconds (between retries of a non-blocking read). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** An error with a file-system style code, worded by `readErrorReason`. */
function readError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** How `readAtMost` opens and accepts a file. */
interface ReadOptions {
  /**
   * Refuse anything but a regular file (code ENOTREG), checked before opening and again on the
   * open descriptor, which is opened without blocking: opening a FIFO for reading blocks until a
   * writer comes, and the refusal must come before that.
   * @default false
   */
  readonly regularOnly?: boolean;
}

/**
 * Reads `file` but never more than `limit` + 1 bytes: a pipe or a device has no size to check
 * beforehand (stat says 0), and one that keeps sending (`/dev/zero`, a FIFO held open) must not
 * be read until memory runs out. Returns the bytes, or `data: undefined` when more than `limit`
 * bytes arrived, or `size` when a regular file is over the limit (then nothing is read).
 */
export function readAtMost(file: string, limit: number, options: ReadOptions = {}): { data?: Buffer; size?: number } {
  // Refused before opening: opening a device can have effects of its own (a tape rewinds).
  if (options.regularOnly) refuseIrregular(fs.statSync(file));
  // O_NONBLOCK: in case the file was replaced by a FIFO since, opening it for reading returns at
  // once instead of waiting for a writer (fifo(7)); on a regular file the flag has no effect (open(2)).
  const fd = fs.openSync(file, options.regularOnly ? fs.constants.O_RDONLY | fs.constants.O_NONBLOCK : 'r');
  try {
    const stat = fs.fstatSync(fd);
    if (options.regularOnly) refuseIrregular(stat);
    if (stat.isDirectory()) throw readError('is a directory', 'EISDIR');
    if (stat.isFile() && stat.size > limit) return { size: stat.size };
    const data = readBounded(fd, limit, stat.isFile() ? stat.size : undefined);
    return data === undefined ? {} : { data };
  } finally {
    fs.closeSync(fd);
  }
}

/** Throws unless `stat` is of a regular file (a directory keeps its own, clearer error). */
function refuseIrregular(stat: fs.Stats): void {
  if (stat.isDirectory()) throw readError('is a directory', 'EISDIR');
  if (!stat.isFile()) throw readError('not a regular file', 'ENOTREG');
}

/** Reads `fd` to its end, or undefined once more than `limit` bytes arrived. */
function readBounded(fd: number, limit: number, size: number | undefined): Buffer | undefined {
  // A regular file is read in one go (plus one byte, in case it grew); anything else in chunks.
  let buffer = Buffer.allocUnsafe(Math.min(limit + 1, size !== undefined ? size + 1 : 64 * 1024));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > limit) return undefined;
      const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buffer.length * 2));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    let n: number;
    try {
      n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    } catch (e) {
      // A non-blocking pipe (e.g. an inherited stdin) has no data yet: wait for it.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        pause(10);
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    length += n;
  }
  return length > limit ? undefined : buffer.subarray(0, length);
}

/**
 * The default certificate authority reader: a regular file of at most MAX_CA_FILE_BYTES, read
 * with that hard limit (a device such as /dev/zero or a FIFO is refused before it is read).
 */
export function readCertificateAuthorityFile(absolutePath: string): string {
  const read = readAtMost(absolutePath, MAX_CA_FILE_BYTES, { regularOnly: true });
  if (read.data === undefined) throw readError('file too large', 'EFBIG');
  return read.data.toString('utf8');
}

/** Why a file could not be read, in words for a problem message. */
export function readErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EFBIG') return `larger than ${MAX_CA_FILE_BYTES} bytes`;
  if (code === 'ENOTREG') return 'not a regular file but a device, pipe or socket';
  return code ?? (e instanceof Error ? e.message : String(e));
}
