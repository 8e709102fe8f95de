/**
 * The floor of the benchmark: the least work that writes the same objects to the same files.
 * Reads a dump made from our own output (`FloorDump`, written by floor-dump.ts outside the
 * timing), serializes every file's documents with the `yaml` package, joins them with `---` and
 * writes them, creating folders as needed. No cdk8s, no validation, no atomic swap, no manifest
 * check: just `yaml` and `fs`.
 *
 * usage: node lib/bench/floor.js DUMP.json OUT_DIR
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/** One output file: YAML documents to serialize, or text written as is (README, manifest). */
export interface FloorFile {
  readonly path: string;
  readonly docs?: unknown[];
  readonly text?: string;
}

/** What the floor script reads. */
export interface FloorDump {
  readonly files: FloorFile[];
}

function main(argv: readonly string[]): void {
  const [input, out] = argv;
  if (!input || !out) throw new Error('usage: node lib/bench/floor.js DUMP.json OUT_DIR');
  const dump = JSON.parse(fs.readFileSync(input, 'utf8')) as FloorDump;
  const made = new Set<string>();
  for (const file of dump.files) {
    const text = file.docs ? file.docs.map((doc) => YAML.stringify(doc, { lineWidth: 0 })).join('---\n') : (file.text ?? '');
    const abs = path.join(out, file.path);
    const dir = path.dirname(abs);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    fs.writeFileSync(abs, text);
  }
  process.stdout.write(`${out}: ${dump.files.length} files\n`);
}

if (require.main === module) main(process.argv.slice(2));
