// `seal --key ID --fleet FILE`: writes the sealed value into the fleet file in place, keeping its
// comments and layout (the yaml package's Document round trip), atomically (a sibling file, then
// rename), so a failed run leaves the fleet file as it was.
import * as fs from 'fs';
import * as path from 'path';
import { isMap, parseDocument, YAMLMap } from 'yaml';
import { Problem, showValue } from '../errors';
import { MAX_FLEET_FILE_BYTES } from '../fleet/limits';
import { isReadFailure, readRegularFile } from './bounded-read';

/** The access-key sources a fleet key may have; exactly one per key. */
const SOURCES = ['externalSecret', 'sealed', 'plaintextFromEnv', 'existing'];
const DEFAULT_SECRET_NAME = 'vcluster-platform-api-key';

/** What the fleet file says about the key to seal for, read before sealing. */
export interface FleetKeyTarget {
  /** The key's `namespace`. */
  readonly namespace: string;
  /** The key's `secretName`, else the default. */
  readonly name: string;
}

/** A fleet file opened for one key's sealed block. */
export interface OpenedFleet {
  readonly target?: FleetKeyTarget;
  readonly problems: Problem[];
  /** Writes `sealed` as the key's source; returns problems when the file cannot be written. */
  readonly write: (sealed: Record<string, string>) => Problem[];
}

function scalarText(map: YAMLMap, key: string): string | undefined {
  const value = map.get(key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads `file` (bounded, a regular file only) and finds `apiKeys.<keyId>`: it must exist, and hold
 * no source other than `sealed` (a key has exactly one; replacing an ExternalSecret by a seal is a
 * decision to make in the file, not a side effect).
 */
export function openFleetForKey(file: string, display: string, keyId: string): OpenedFleet {
  const problems: Problem[] = [];
  const none: OpenedFleet = { problems, write: () => problems };
  const read = readRegularFile(file, MAX_FLEET_FILE_BYTES);
  if (isReadFailure(read)) {
    problems.push({ path: '--fleet', message: `cannot read the fleet file: ${read.reason}`, value: showValue(display) });
    return none;
  }
  const text = read.toString('utf8');
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    problems.push({ path: '--fleet', message: `is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}; check it with synth first`, value: showValue(display) });
    return none;
  }
  const keys = doc.get('apiKeys');
  const key = isMap(keys) ? keys.get(keyId, true) : undefined;
  if (!isMap(key)) {
    const ids = isMap(keys) ? keys.items.map((p) => String((p.key as { value?: unknown })?.value ?? p.key)) : [];
    problems.push({
      path: '--key',
      message: `names no access key under apiKeys in ${display}`,
      value: showValue(keyId),
      allowed: ids.length > 0 ? ids.join(', ') : 'an id declared under apiKeys',
    });
    return none;
  }
  const others = SOURCES.filter((s) => s !== 'sealed' && key.has(s));
  if (others.length > 0) {
    problems.push({
      path: '--key',
      message: `apiKeys.${keyId} takes its access key from ${others.join(', ')}; a key has exactly one source, so remove that from the fleet file first (or seal for another key)`,
      value: showValue(keyId),
    });
    return none;
  }
  const namespace = scalarText(key, 'namespace');
  if (namespace === undefined) {
    problems.push({ path: '--key', message: `apiKeys.${keyId} has no namespace to seal for`, value: showValue(keyId) });
    return none;
  }
  const target = { namespace, name: scalarText(key, 'secretName') ?? DEFAULT_SECRET_NAME };
  const write = (sealed: Record<string, string>): Problem[] => {
    key.set('sealed', doc.createNode(sealed));
    // One line per value: a folded base64 value would still parse, but one line is what people grep and diff.
    const next = doc.toString({ lineWidth: 0 });
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.seal-${process.pid}`);
    try {
      fs.writeFileSync(temp, next, { flag: 'wx', mode: fs.statSync(file).mode & 0o777 });
      fs.renameSync(temp, file);
      return [];
    } catch (e) {
      fs.rmSync(temp, { force: true });
      return [{ path: '--fleet', message: `cannot write the fleet file (${(e as NodeJS.ErrnoException).code ?? String(e)}); it is unchanged`, value: showValue(display) }];
    }
  };
  return { target, problems, write };
}
