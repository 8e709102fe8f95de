import * as fs from 'fs';

/** Why a bounded read failed, in words for a message. */
export type BoundedReadFailure = { readonly reason: string };

/**
 * Reads a regular file of at most `limit` bytes. Anything else is refused before it is read: a
 * folder, a device such as /dev/zero or /dev/urandom, a named pipe (which could block forever or
 * never end), and a file over the limit. The file is opened non-blocking so that opening a
 * named pipe with no writer does not hang; the check then uses the opened file itself (fstat),
 * so the thing checked is the thing read.
 */
export function readRegularFile(file: string, limit: number): Buffer | BoundedReadFailure {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { reason: code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? (e instanceof Error ? e.message : String(e))) };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) return { reason: 'is a directory' };
    if (!stat.isFile()) return { reason: 'is not a regular file (a pipe, socket or device); give a file' };
    if (stat.size > limit) return { reason: `is ${stat.size} bytes, over the limit of ${limit} bytes` };
    // Read one byte past the limit: a file that grows while it is read is still caught.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > limit) return { reason: `holds more than ${limit} bytes, the limit` };
    }
    return buffer.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a stream (stdin, which may be a pipe) up to `limit` bytes. Stops reading as soon as the
 * limit is passed, so an endless or huge input is refused after `limit` bytes, not read whole.
 */
export async function readStreamBounded(stream: AsyncIterable<Buffer | string>, limit: number): Promise<Buffer | BoundedReadFailure> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    chunks.push(buffer);
    length += buffer.length;
    // Leaving the loop ends the iteration, which destroys a Node stream: no more is read.
    if (length > limit) return { reason: `sends more than ${limit} bytes, the limit` };
  }
  return Buffer.concat(chunks);
}

/** True when a bounded read failed. */
export function isReadFailure(result: Buffer | BoundedReadFailure): result is BoundedReadFailure {
  return !Buffer.isBuffer(result);
}
