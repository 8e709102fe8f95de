import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import type { FloorDump, FloorFile } from './floor';

/** Every regular file under `root`, as sorted relative POSIX paths. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path.join(abs, entry.name), childRel);
      else if (entry.isFile()) out.push(childRel);
    }
  };
  walk(root, '');
  return out.sort();
}

/**
 * Reads the tree our synth wrote back into plain objects, so that the floor serializes exactly
 * the same objects into the same files: every `.yaml` file becomes its documents (parsed with
 * `yaml`), other files (README.md, the ownership manifest) stay text.
 */
export function dumpTree(root: string): FloorDump {
  const files: FloorFile[] = [];
  for (const rel of listFiles(root)) {
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    if (!rel.endsWith('.yaml')) {
      files.push({ path: rel, text });
      continue;
    }
    const docs = YAML.parseAllDocuments(text).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${rel}: ${doc.errors[0]!.message}`);
      return doc.toJS() as unknown;
    });
    files.push({ path: rel, docs });
  }
  return { files };
}

/** Writes `dumpTree(root)` as JSON to `file`; returns the number of files and documents. */
export function writeFloorDump(root: string, file: string): { files: number; docs: number } {
  const dump = dumpTree(root);
  fs.writeFileSync(file, JSON.stringify(dump));
  return { files: dump.files.length, docs: dump.files.reduce((n, f) => n + (f.docs?.length ?? 0), 0) };
}
