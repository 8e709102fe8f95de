// The fleet file's public entry points. The work is done by concern:
// - read.ts        bounded file reading (the fleet file, CA files)
// - yaml.ts        parsing with positions: nesting depth, duplicate keys, alias limits
// - schema.ts      the JSON schema check (ajv) and the wording of its errors
// - normalize.ts   defaults applied, running the semantic checks of checks/ (keys, vclusters, delivery)
// - problems.ts, locator.ts, wording.ts   collecting, placing and wording problems
import { ValidationError } from '../errors';
import { MAX_FLEET_FILE_BYTES } from './limits';
import { normalize } from './normalize';
import { Problems } from './problems';
import type { RawFleet } from './raw';
import { readAtMost, readCertificateAuthorityFile, readErrorReason } from './read';
import { checkSchema } from './schema';
import type { Fleet } from './types';
import { loadYaml } from './yaml';

export {
  MAX_ALIAS_COUNT,
  MAX_ALIAS_EXPANSION,
  MAX_CA_FILE_BYTES,
  MAX_COLLECTED_PROBLEMS,
  MAX_FLEET_FILE_BYTES,
  MAX_NESTING_DEPTH,
  MAX_RELEASE_NAME_LENGTH,
  MAX_REPORTED_PROBLEMS,
  MAX_VCLUSTERS,
} from './limits';
export { formatFleetPath } from './problems';

/** Options for `loadFleet` and `parseFleet`. */
export interface FleetLoadOptions {
  /**
   * Environment that `plaintextFromEnv` variables are checked in (only whether they are set; values are never kept).
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * How the fleet file is named in messages and in `Fleet.file`, e.g. the path the user typed.
   * @default the `file` argument
   */
  readonly displayPath?: string;
  /**
   * Reads a certificate authority file (an absolute path, resolved against the fleet file's folder).
   * @default a bounded read refusing anything but a regular file of at most 1 MiB
   */
  readonly readFile?: (absolutePath: string) => string;
}

/**
 * Reads and checks the fleet file at `file` (see `schema/vclusters.schema.json`) and returns it
 * normalized, every default applied. Throws ONE `ValidationError` listing every problem with
 * file, line, column, field path, the offending value (never a secret) and what is allowed.
 * Files over 16 MiB are refused before they are read; pipes and devices are read up to 16 MiB
 * and refused when more arrives.
 */
export function loadFleet(file: string, options: FleetLoadOptions = {}): Fleet {
  const display = options.displayPath ?? file;
  const subject = `invalid fleet file ${display}`;
  let text: string;
  try {
    const read = readAtMost(file, MAX_FLEET_FILE_BYTES);
    if (read.size !== undefined || read.data === undefined) {
      // A regular file says its size up front; a pipe or device (`--fleet <(command)`, /dev/zero)
      // does not, so it was read up to the limit and one byte beyond.
      const message =
        read.size !== undefined
          ? `the file is ${read.size} bytes; fleet files are limited to ${MAX_FLEET_FILE_BYTES} bytes (16 MiB)`
          : `more than ${MAX_FLEET_FILE_BYTES} bytes arrived and reading stopped there; fleet files are limited to ${MAX_FLEET_FILE_BYTES} bytes (16 MiB)`;
      throw new ValidationError(subject, [{ file: display, path: '(file)', message }]);
    }
    text = read.data.toString('utf8');
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new ValidationError(`cannot read fleet file ${display}`, [{ file: display, path: '(file)', message: `cannot read the fleet file (${readErrorReason(e)})` }]);
  }
  return parseFleet(text, file, options);
}

/**
 * Parses and checks fleet-file text. `file` names it in messages (unless `displayPath` is given)
 * and anchors relative `certificateAuthorityFile` paths; nothing else touches the file system.
 */
export function parseFleet(text: string, file: string, options: FleetLoadOptions = {}): Fleet {
  const display = options.displayPath ?? file;
  const subject = `invalid fleet file ${display}`;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_FLEET_FILE_BYTES) {
    throw new ValidationError(subject, [
      { file: display, path: '(file)', message: `the file is ${size} bytes; fleet files are limited to ${MAX_FLEET_FILE_BYTES} bytes (16 MiB)` },
    ]);
  }
  const { data, problems } = loadYaml(text, display, subject);
  return validateAndNormalize(data, problems, file, display, options);
}

function validateAndNormalize(data: unknown, problems: Problems, file: string, display: string, options: FleetLoadOptions): Fleet {
  const schema = checkSchema(data, problems);
  // The semantic checks read the top level, so they need it valid; entries the schema refused are
  // left out of them, so one run reports the problems of every other entry too.
  if (!schema.rootOk || problems.full) problems.throwIfAny();
  const fleet = normalize(data as RawFleet, {
    file,
    display,
    env: options.env ?? process.env,
    readFile: options.readFile ?? readCertificateAuthorityFile,
    problems,
    schema,
  });
  problems.throwIfAny();
  return fleet;
}
