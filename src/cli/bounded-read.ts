import { readAtMost } from '../fleet/read';

/** Why a bounded read failed, in words for a message. */
export type BoundedReadFailure = { readonly reason: string };

/**
 * Reads a regular file of at most `limit` bytes, with the fleet loader's bounded reader. Anything
 * else is refused before it is read: a folder, a device such as /dev/zero or /dev/urandom, a
 * named pipe (which could block forever or never end), and a file over the limit.
 */
export function readRegularFile(file: string, limit: number): Buffer | BoundedReadFailure {
  try {
    const read = readAtMost(file, limit, { regularOnly: true });
    if (read.size !== undefined) return { reason: `is ${read.size} bytes, over the limit of ${limit} bytes` };
    if (read.data === undefined) return { reason: `holds more than ${limit} bytes, the limit` };
    return read.data;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reasons: Record<string, string> = {
      ENOENT: 'no such file',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ENOTREG: 'is not a regular file (a pipe, socket or device); give a file',
    };
    return { reason: (code !== undefined ? reasons[code] : undefined) ?? code ?? (e instanceof Error ? e.message : String(e)) };
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
