import { isReadFailure, readRegularFile } from '../bounded-read';
import * as fs from 'fs';
import * as path from 'path';
import { isMap, isSeq, LineCounter, Node, parseAllDocuments } from 'yaml';
import { Problem } from '../../errors';

/** Inputs larger than this (per file, and for stdin) are refused: a cluster dump is a few MiB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** YAML aliases are expanded at most this often per document ("billion laughs" guard). */
const MAX_ALIAS_COUNT = 10_000;

/** One object (or one kind-less YAML document) read from the input, with where it came from. */
export interface SourceObject {
  /** The file as the user named it (or `-` for stdin), with a path below a named folder. */
  readonly file: string;
  /** 1-based line of the object's first line. */
  readonly line: number;
  /** The parsed object. */
  readonly obj: Record<string, unknown>;
}

/** What reading the inputs produced. */
export interface ReadResult {
  readonly objects: SourceObject[];
  /** Unparseable YAML, unreadable files: each makes the import fail. */
  readonly problems: Problem[];
}

/** Reads stdin (injectable for tests). */
export type StdinReader = () => string;

function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYamlFiles(full));
    else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) out.push(full);
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineOf(node: Node | null | undefined, counter: LineCounter): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : counter.linePos(offset).line;
}

/**
 * Splits YAML text into objects: every document, and every item of a `kind: List` (what
 * `kubectl get … -o yaml` prints for several objects), each with its own line.
 */
export function parseObjects(text: string, file: string): ReadResult {
  const objects: SourceObject[] = [];
  const problems: Problem[] = [];
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false });
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = counter.linePos(err.pos[0]);
        problems.push({ file, line: pos.line, column: pos.col, path: '(yaml)', message: `not valid YAML: ${err.message.split('\n')[0]}` });
      }
      continue;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      problems.push({ file, line: lineOf(doc.contents, counter), path: '(yaml)', message: `cannot read the document: ${(e as Error).message}` });
      continue;
    }
    if (data === null || data === undefined) continue;
    if (!isRecord(data)) {
      problems.push({ file, line: lineOf(doc.contents, counter), path: '(document)', message: 'not a Kubernetes object (a YAML mapping was expected)' });
      continue;
    }
    if (data.kind === 'List' && Array.isArray(data.items)) {
      const itemsNode = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
      const nodes = isSeq(itemsNode) ? itemsNode.items : [];
      data.items.forEach((item, i) => {
        const line = lineOf(nodes[i] as Node | undefined, counter);
        if (isRecord(item)) objects.push({ file, line, obj: item });
        else problems.push({ file, line, path: `items[${i}]`, message: 'not a Kubernetes object (a YAML mapping was expected)' });
      });
      continue;
    }
    objects.push({ file, line: lineOf(doc.contents, counter), obj: data });
  }
  return { objects, problems };
}

function readText(absolute: string, display: string, problems: Problem[]): string | undefined {
  // A hard byte limit, and only regular files: /dev/zero or a FIFO named as an input must not
  // grow memory or hang (stat's size is 0 for them).
  const read = readRegularFile(absolute, MAX_INPUT_BYTES);
  if (isReadFailure(read)) {
    problems.push({ file: display, path: '(file)', message: `cannot read it: ${read.reason}` });
    return undefined;
  }
  return read.toString('utf8');
}

/**
 * Reads every input: `-` is stdin, a folder is searched recursively for `*.yaml` / `*.yml`
 * (in name order, so the result never depends on the file system's listing order).
 */
export function readInputs(inputs: readonly string[], cwd: string, readStdin: StdinReader): ReadResult {
  const objects: SourceObject[] = [];
  const problems: Problem[] = [];
  const add = (text: string | undefined, display: string): void => {
    if (text === undefined) return;
    const r = parseObjects(text, display);
    objects.push(...r.objects);
    problems.push(...r.problems);
  };
  for (const input of inputs) {
    if (input === '-') {
      const text = readStdin();
      if (Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES) problems.push({ file: '-', path: '(stdin)', message: `more than ${MAX_INPUT_BYTES} bytes arrived` });
      else add(text, '-');
      continue;
    }
    const absolute = path.resolve(cwd, input);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch (e) {
      problems.push({ file: input, path: '(file)', message: `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      continue;
    }
    if (stat.isDirectory()) {
      const files = listYamlFiles(absolute);
      if (files.length === 0) problems.push({ file: input, path: '(folder)', message: 'holds no *.yaml or *.yml file' });
      for (const f of files) {
        const display = path.join(input, path.relative(absolute, f)).split(path.sep).join('/');
        add(readText(f, display, problems), display);
      }
    } else {
      add(readText(absolute, input, problems), input);
    }
  }
  return { objects, problems };
}
