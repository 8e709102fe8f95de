/**
 * Validates vcluster.yaml values against the vCluster chart's own JSON schema
 * (`../shared/vcluster/values.schema.<version>.json`, draft 2020-12), picking the schema of the
 * chart version's era. Written independently of `src/chart-version.ts`, so it can serve as an
 * oracle for the layout that code chooses.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { SHARED_DIR } from './shared';

/** Directory holding the chart schemas. */
export const VALUES_SCHEMA_DIR = path.join(SHARED_DIR, 'vcluster');

/**
 * Schema files cut from the chart's main branch instead of a tag, and the release line each
 * stands for (as a version that sorts before every release and pre-release of that line).
 */
const HEAD_SCHEMA_LINES: Readonly<Record<string, string>> = {
  'HEAD-4876675': '0.37.0-0',
};

interface Semver {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release identifiers; empty for a release. */
  readonly pre: readonly string[];
}

function parseSemver(text: string): Semver | undefined {
  const m = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ? m[4].split('.') : [] };
}

/** Semver precedence: negative when a < b. */
function compareSemver(a: Semver, b: Semver): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (a.pre.length === 0 || b.pre.length === 0) return (a.pre.length === 0 ? 1 : 0) - (b.pre.length === 0 ? 1 : 0);
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (xn !== yn) return xn ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.pre.length - b.pre.length;
}

/** One available schema file. */
export interface ValuesSchemaFile {
  /** The name between `values.schema.` and `.json`, e.g. `v0.31.3` or `HEAD-4876675`. */
  readonly id: string;
  /** The version it stands for (for HEAD files: the first pre-release of its line). */
  readonly version: string;
  /** Absolute path. */
  readonly file: string;
}

let available: ValuesSchemaFile[] | undefined;

/** Every schema file in `VALUES_SCHEMA_DIR`, oldest first. */
export function availableValuesSchemas(): readonly ValuesSchemaFile[] {
  if (!available) {
    if (!fs.existsSync(VALUES_SCHEMA_DIR)) throw new Error(`values schema directory ${VALUES_SCHEMA_DIR} is absent`);
    const files: ValuesSchemaFile[] = [];
    for (const name of fs.readdirSync(VALUES_SCHEMA_DIR)) {
      const m = /^values\.schema\.(.+)\.json$/.exec(name);
      if (!m) continue;
      const id = m[1]!;
      const version = HEAD_SCHEMA_LINES[id] ?? (parseSemver(id) ? id.replace(/^v/, '') : undefined);
      if (version === undefined) throw new Error(`${name}: cannot tell which chart version it belongs to; add it to HEAD_SCHEMA_LINES`);
      files.push({ id, version, file: path.join(VALUES_SCHEMA_DIR, name) });
    }
    files.sort((a, b) => compareSemver(parseSemver(a.version)!, parseSemver(b.version)!));
    available = files;
  }
  return available;
}

/**
 * The schema file for a chart version: the file of that exact version when present; otherwise,
 * for 0.21.x–0.31.x, the newest schema of that era (v0.31.3), and from 0.32.0 on the nearest
 * schema at or below the version (0.33.0 → v0.32.0, 0.36.2 → v0.36.1, 0.37.x and later → the
 * HEAD schema of the 0.37 line). Throws for a non-semver version or one below 0.21.0.
 */
export function resolveValuesSchema(chartVersion: string): ValuesSchemaFile {
  const v = parseSemver(chartVersion);
  if (!v) throw new Error(`chart version ${JSON.stringify(chartVersion)} is not a semantic version`);
  const all = availableValuesSchemas();
  const exact = all.find((s) => s.id === `v${chartVersion.replace(/^v/, '')}`);
  if (exact) return exact;
  const era032 = parseSemver('0.32.0-0')!;
  if (compareSemver(v, parseSemver('0.21.0-0')!) < 0) throw new Error(`chart version ${chartVersion} is older than 0.21.0: no apiKey values, no schema`);
  const inEra = all.filter((s) => {
    const sv = parseSemver(s.version)!;
    return compareSemver(v, era032) < 0 ? compareSemver(sv, era032) < 0 : compareSemver(sv, era032) >= 0;
  });
  if (compareSemver(v, era032) < 0) {
    const newest = inEra[inEra.length - 1];
    if (!newest) throw new Error(`no values schema of the 0.21–0.31 era in ${VALUES_SCHEMA_DIR}`);
    return newest;
  }
  const lower = inEra.filter((s) => compareSemver(parseSemver(s.version)!, v) <= 0);
  const nearest = lower[lower.length - 1];
  if (!nearest) throw new Error(`no values schema at or below ${chartVersion} in ${VALUES_SCHEMA_DIR}`);
  return nearest;
}

const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: ValuesSchemaFile): ValidateFunction {
  let validate = compiled.get(schema.file);
  if (!validate) {
    // One Ajv per file: every chart schema uses the same $id, so they cannot share an instance.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    validate = ajv.compile(JSON.parse(fs.readFileSync(schema.file, 'utf8')) as object);
    compiled.set(schema.file, validate);
  }
  return validate;
}

function formatError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(root)' : e.instancePath;
  const p = e.params as Record<string, unknown>;
  const detail = e.keyword === 'additionalProperties' ? ` (unknown key ${JSON.stringify(p.additionalProperty)})` : '';
  return `${where}: ${e.message ?? e.keyword}${detail}`;
}

/**
 * Validates vcluster.yaml values against the schema of `chartVersion`'s era (see
 * `resolveValuesSchema`). Returns one line per problem, each starting with the schema id;
 * an empty array means valid.
 */
export function validateValues(values: unknown, chartVersion: string): string[] {
  const schema = resolveValuesSchema(chartVersion);
  const validate = validatorFor(schema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => `${schema.id}: ${formatError(e)}`);
}
