import * as fs from 'fs';
import * as path from 'path';
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, Pair, parseDocument, visit, YAMLMap } from 'yaml';
import fleetSchema from '../../schema/vclusters.schema.json';
import { CHART_VERSION_RULE, hasBrokenChartRbac, parseChartVersion, valuesLayoutFor } from '../constructs/chart-version';
import { Problem, showValue, ValidationError } from '../errors';
import { DeliveryMode, Fleet, FleetApiKey, FleetArgoCd, FleetFlux, FleetKeySource, FleetPlatform, FleetVCluster, RbacModeName } from './types';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, fluxDefaultReleaseName, isDns1123Label, isDns1123Subdomain } from '../constructs/names';
import { clusterExternalSecretName } from '../constructs/platform-api-key';
import { platformRbacNames } from '../constructs/platform-api-key-rbac';
import { normalizePlatformHost, validateCertificateAuthorityData } from '../constructs/platform-host';
import { SealedSecretScope, sealingLabel } from '../sealing/scope';
import { closestMatch, didYouMean } from './suggest';
import { argoRepositoryOf, checkGeneratedNames, clustersOf, namePrefixOf } from './topology';

/** Fleet files larger than this are refused before parsing. */
export const MAX_FLEET_FILE_BYTES = 16 * 1024 * 1024;
/** Fleets with more vClusters than this are refused before validation. */
export const MAX_VCLUSTERS = 50_000;
/**
 * Limit on alias expansion (yaml's `maxAliasCount`), and on the number of aliases in one file (yaml
 * resolves each alias by walking all earlier ones). Generous enough for a fleet that refers to one
 * anchor from every entry, small enough that a "billion laughs" file is refused in milliseconds.
 */
export const MAX_ALIAS_COUNT = 10_000;
/**
 * Limit on what aliases stand for, in characters of their targets (plus one per node), summed over
 * every alias: as much as a fleet file may hold, so aliases never make more to check than the
 * largest file does. `maxAliasCount` alone lets 500 aliases of one big map through.
 */
export const MAX_ALIAS_EXPANSION = MAX_FLEET_FILE_BYTES;
/** At most this many problems are listed; the rest are counted in one closing line. */
export const MAX_REPORTED_PROBLEMS = 100;
/**
 * At most this many problems are placed and kept (the listed ones are the first by position among
 * them); beyond, problems are only counted, and schema checks stop, so that a big file wrong in
 * every entry is refused in seconds. The closing line then says "at least N more".
 */
export const MAX_COLLECTED_PROBLEMS = 10_000;
/** Certificate authority files larger than this are refused (a CA bundle is a few KiB). */
export const MAX_CA_FILE_BYTES = 1024 * 1024;
/** Helm refuses release names longer than this. */
export const MAX_RELEASE_NAME_LENGTH = 53;

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
   * @default fs.readFileSync, refusing files over 1 MiB
   */
  readonly readFile?: (absolutePath: string) => string;
}

/** The access-key sources, in the order messages list them. */
const KEY_SOURCES = ['externalSecret', 'sealed', 'plaintextFromEnv', 'existing'] as const;
const KEY_SOURCES_TEXT = KEY_SOURCES.join(', ');

const DEFAULT_SECRET_NAME = 'vcluster-platform-api-key';

/**
 * A sealed value is `base64(uint16_be(len(rsa)) || rsa || aesgcm)` (FACTS §6): with RSA of at
 * least 2048 bits and a 16-byte GCM tag around a non-empty key, anything shorter is not a seal.
 */
const MIN_RSA_BYTES = 256;
const MAX_RSA_BYTES = 1024;
const GCM_TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

// ---------------------------------------------------------------------------------------------
// The shape the schema guarantees; only read after validation passed.

interface RawPlatform {
  host: string;
  project?: string;
  insecure?: boolean;
  certificateAuthorityFile?: string;
}
interface RawDefaults {
  chartVersion?: string;
  apiKey?: string;
  rbac?: RbacModeName;
  delivery?: DeliveryMode;
  project?: string;
}
interface RawArgoCd {
  namespace?: string;
  project?: string;
  destinationServer?: string;
  applicationSet?: boolean;
  valuesRepository?: { repoURL: string; targetRevision?: string; path?: string };
  syncPolicy?: 'automated' | 'manual';
  prune?: boolean;
  selfHeal?: boolean;
}
interface RawFlux {
  namespace?: string;
  interval?: string;
  valuesFrom?: 'inline' | 'configMap';
  sourceRef?: { kind?: 'GitRepository' | 'OCIRepository' | 'Bucket'; name: string; namespace?: string };
  path?: string;
}
interface RawApiKey {
  namespace: string;
  secretName?: string;
  instanceName?: string;
  host?: string;
  project?: string;
  insecure?: boolean;
  certificateAuthorityFile?: string;
  rotation?: string;
  fanOut?: 'clusterExternalSecret';
  externalSecret?: {
    storeRef: { kind?: 'SecretStore' | 'ClusterSecretStore'; name: string };
    remoteRef: { key: string; property?: string };
    refreshInterval?: string;
  };
  sealed?: { scope?: `${SealedSecretScope}`; sealedFor?: string; certificateSha256?: string; encryptedAccessKey: string };
  plaintextFromEnv?: { variable: string; allowPlaintext: true };
  existing?: Record<string, never>;
}
interface RawVCluster {
  name: string;
  namespace?: string;
  chartVersion?: string;
  apiKey?: string;
  rbac?: RbacModeName;
  serviceAccountName?: string;
  project?: string;
  release?: string;
  delivery?: DeliveryMode;
}
interface RawFleet {
  platform: RawPlatform;
  defaults?: RawDefaults;
  argocd?: RawArgoCd;
  flux?: RawFlux;
  apiKeys: Record<string, RawApiKey>;
  vclusters: RawVCluster[];
}

// ---------------------------------------------------------------------------------------------
// Schema: compiled once, on first use (compiling costs ~100 ms; loading the module should not).

type Segment = string | number;
type JsonSchema = { readonly [key: string]: unknown };

/** The schema split for checking entry by entry (see `checkSchema`). */
interface Validators {
  /** The whole schema except the rules for each access key and each vCluster. */
  readonly root: ValidateFunction;
  readonly keyId: ValidateFunction;
  readonly apiKey: ValidateFunction;
  readonly vcluster: ValidateFunction;
}

let validators: Validators | undefined;

/** `schema` without the keywords `drop`. */
function without(schema: object, ...drop: string[]): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !drop.includes(k)));
}

function schemaValidators(): Validators {
  if (!validators) {
    // `verbose` gives each error its `parentSchema`, which tells which rule failed: ajv's own
    // `schemaPath` is relative to whichever `$ref` it did not inline, so it is ambiguous.
    // `strictRequired` is off because the key-source `oneOf` branches only say `required`.
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, verbose: true });
    // With allErrors, ajv collects every error of every entry of a list (appending each entry's
    // errors with concat: quadratic) before it returns; access keys and vClusters are therefore
    // checked one entry at a time, which lets checking stop once enough problems are found.
    const properties = fleetSchema.properties;
    ajv.addSchema(
      {
        ...fleetSchema,
        properties: {
          ...properties,
          apiKeys: without(properties.apiKeys, 'propertyNames', 'additionalProperties'),
          vclusters: without(properties.vclusters, 'items'),
        },
      },
      'fleet',
    );
    const get = (ref: string): ValidateFunction => {
      const v = ajv.getSchema(ref);
      if (!v) throw new Error(`internal error: no schema ${ref}`);
      return v;
    };
    validators = { root: get('fleet'), keyId: get('fleet#/$defs/keyId'), apiKey: get('fleet#/$defs/apiKey'), vcluster: get('fleet#/$defs/vcluster') };
  }
  return validators;
}

const defs = fleetSchema.$defs as unknown as Record<string, JsonSchema & { properties?: Record<string, JsonSchema>; oneOf?: JsonSchema[] }>;

/** What a pattern-like rule means in words, found by the identity of the failing (sub)schema. */
interface Rule {
  readonly what: string;
  readonly allowed: string;
  /** Kubernetes names: explain upper case and '_' too. */
  readonly dns?: boolean;
}
const RULES = new Map<unknown, Rule>([
  [defs.dnsLabel, { what: 'not a valid DNS-1123 label', allowed: DNS1123_LABEL_RULE, dns: true }],
  [defs.keyId, { what: 'not a valid key id (a DNS-1123 label)', allowed: DNS1123_LABEL_RULE, dns: true }],
  [defs.dnsSubdomain, { what: 'not a valid DNS-1123 subdomain', allowed: DNS1123_SUBDOMAIN_RULE, dns: true }],
  [defs.duration, { what: 'not a duration', allowed: 'a Go duration such as "10m", "1h" or "1h30m"' }],
  [defs.refreshInterval, { what: 'not a refresh interval', allowed: 'a Go duration such as "30m", "1h" or "1h30m", or "0" (fetch once, never refresh)' }],
  [defs.repoPath, { what: 'not a relative path inside the repository', allowed: 'a relative path without \'..\', spaces or backslashes, e.g. "dist" or "./dist"' }],
  [
    defs.apiKey.properties!.rotation,
    { what: 'not a valid rotation token (it becomes an annotation value)', allowed: "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. \"2026-11\"" },
  ],
  [defs.sealed.properties!.certificateSha256, { what: 'not a SHA-256 fingerprint', allowed: '64 lowercase hex characters, as `npm run seal -- --format fleet` prints them' }],
  [defs.plaintextFromEnv.properties!.variable, { what: 'not an environment variable name', allowed: "letters, digits and '_', not starting with a digit" }],
  [defs.argocd.properties!.destinationServer, { what: 'not an https:// API server URL', allowed: 'an https:// URL without spaces, e.g. "https://kubernetes.default.svc"' }],
]);
const SOURCE_BRANCHES = new Set<unknown>(defs.apiKey.oneOf);

// ---------------------------------------------------------------------------------------------
// Positions: computed only for problems, by walking the YAML nodes along the problem's path.

/** Renders a path like `vclusters[3].namespace` or `apiKeys.shared.externalSecret.storeRef.kind`. */
export function formatFleetPath(segments: readonly Segment[]): string {
  let text = '';
  for (const seg of segments) {
    if (typeof seg === 'number') text += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/.test(seg)) text += text === '' ? seg : `.${seg}`;
    else text += `[${showValue(seg)}]`;
  }
  return text === '' ? '(top level)' : text;
}

/** Quotes a field name for a message; odd names are JSON-quoted so they stay on one line. */
function quoteName(name: string): string {
  return /^[\x21-\x26\x28-\x7e]{1,80}$/.test(name) ? `'${name}'` : showValue(name);
}

/** A parsed YAML document with its line index. */
interface ParsedYaml {
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // prettyErrors would quote the offending source line in messages: it could hold a sealed value.
  // yaml's own duplicate-key check compares every key with every other key of a map (quadratic:
  // +1 s for 10,000 access keys), so duplicates are found by `duplicateKeys` instead.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  return { doc, lineCounter };
}

/**
 * Finds file positions for problem paths. When the fast path loaded the file, its places are only
 * recorded here, on the first problem (one more pass of the subset reader, far cheaper than
 * building yaml's nodes for a big file): a valid fleet never pays for them.
 */
class Locator {
  private parsed: ParsedYaml | undefined;
  /** Fast route: the data read again with its places; null on the full route. */
  private subset: { readonly data: unknown; readonly places: Map<object, SubsetPlaces> } | null | undefined;
  /** Full route: the node each alias stands for, found in one walk (yaml's own lookup walks the document per call). */
  private aliases: Map<Alias, Node | undefined> | undefined;
  /** Full route: big maps indexed by key, so a problem in a map of 100,000 keys is not a linear search. */
  private readonly keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly text: string,
    private readonly file: string,
    parsed?: ParsedYaml,
  ) {
    this.parsed = parsed;
    if (parsed) this.subset = null;
  }

  private get doc(): Document {
    return (this.parsed ??= parseYaml(this.text)).doc;
  }

  private get lines(): LineCounter {
    return (this.parsed ??= parseYaml(this.text)).lineCounter;
  }

  private get fast(): { readonly data: unknown; readonly places: Map<object, SubsetPlaces> } | null {
    if (this.subset === undefined) {
      const places = new Map<object, SubsetPlaces>();
      const data = readSubset(this.text, places);
      this.subset = data !== undefined && data !== null && typeof data === 'object' && places.has(data) ? { data, places } : null;
    }
    return this.subset;
  }

  /** The node each alias stands for (full route). */
  public aliasTargets(): Map<Alias, Node | undefined> {
    return (this.aliases ??= aliasTargets(this.doc));
  }

  private resolve(node: unknown): unknown {
    // A chain of aliases is short by construction: yaml refuses undefined or forward anchors.
    let n = node;
    for (let i = 0; i < 100 && isAlias(n); i++) n = this.aliasTargets().get(n);
    return n;
  }

  /** The entry of `map` whose key reads as `seg`, the first one when a key repeats. */
  private pairOf(map: YAMLMap, seg: Segment): Pair | undefined {
    const name = String(seg);
    const keyOf = (p: Pair): string | undefined => {
      const k = this.resolve(p.key);
      return isScalar(k) ? String(k.value) : undefined;
    };
    if (map.items.length <= 16) return map.items.find((p) => keyOf(p) === name);
    let index = this.keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        const k = keyOf(p);
        if (k !== undefined && !index.has(k)) index.set(k, p);
      }
      this.keyIndex.set(map, index);
    }
    return index.get(name);
  }

  /**
   * The node at `segments`, or the deepest existing ancestor; with `key`, the key node of the
   * last segment (where an unknown field is written) when it exists.
   */
  private find(segments: readonly Segment[], key: boolean): Node | undefined {
    let node = this.resolve(this.doc.contents) as Node | undefined;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const last = i === segments.length - 1;
      if (isMap(node)) {
        const pair = this.pairOf(node, seg);
        if (!pair) return node;
        if (last && key && pair.key) return pair.key as Node;
        const next = this.resolve(pair.value) as Node | undefined;
        // `key: ` with no value is a null node without range; point at the key instead.
        if (!next || !next.range) return (pair.key as Node | undefined) ?? node;
        node = next;
      } else if (isSeq(node) && typeof seg === 'number') {
        const next = this.resolve(node.items[seg]) as Node | undefined;
        if (!next || !next.range) return node;
        node = next;
      } else {
        return node;
      }
    }
    return node;
  }

  /** The same walk on the fast route's places: packed position of the value (or key) at `segments`. */
  private findPlace(fast: { readonly data: unknown; readonly places: Map<object, SubsetPlaces> }, segments: readonly Segment[], key: boolean): number {
    let value = fast.data;
    let at = fast.places.get(value as object)!.start;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const places = value !== null && typeof value === 'object' ? fast.places.get(value) : undefined;
      if (!places) return at; // a scalar: the deepest existing node
      if (Array.isArray(value)) {
        if (typeof seg !== 'number' || seg < 0 || seg >= value.length) return places.start;
        at = (places.values as number[])[seg]!;
        value = value[seg];
      } else {
        const name = String(seg);
        if (!Object.prototype.hasOwnProperty.call(value, name)) return places.start;
        if (key && i === segments.length - 1) return places.keys!.get(name)!;
        at = (places.values as Map<string, number>).get(name)!;
        value = (value as Record<string, unknown>)[name];
      }
    }
    return at;
  }

  /** Where `segments` is: file, 1-based line and column. */
  public at(segments: readonly Segment[], key = false): Pick<Problem, 'file' | 'line' | 'column'> {
    const fast = this.fast;
    if (fast) {
      const { line, column } = unpackPosition(this.findPlace(fast, segments, key));
      return { file: this.file, line, column };
    }
    const node = this.find(segments, key);
    return this.offset(node?.range ? node.range[0] : 0);
  }

  /** File, line and column of a character offset. */
  public offset(offset: number): Pick<Problem, 'file' | 'line' | 'column'> {
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col };
  }

  /**
   * The source text of the scalar at `segments`, when it is one (e.g. `0.30`, which YAML read as
   * 0.3). The fast route reads no numbers, and its only booleans are literally `true` and `false`.
   */
  public sourceText(segments: readonly Segment[]): string | undefined {
    if (this.fast) return undefined;
    const node = this.find(segments, false);
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }
}

/** The node each alias of `doc` stands for: the last node before it with its anchor (as yaml resolves it). */
function aliasTargets(doc: Document): Map<Alias, Node | undefined> {
  const targets = new Map<Alias, Node | undefined>();
  const anchors = new Map<string, Node>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return targets;
}

/**
 * Collects problems with positions; `throwIfAny` throws them sorted by position. Past
 * MAX_COLLECTED_PROBLEMS problems are only counted (not placed or kept), and checks that would
 * only find more of them may stop early (`stopped`): then the count is a lower bound.
 */
class Problems {
  public readonly list: Problem[] = [];
  /** Problems counted but not kept. */
  private omitted = 0;
  /** True when checking stopped early, so more problems may exist than were counted. */
  private stopped = false;
  /** Word comparisons left for "did you mean" suggestions that compare a word with many candidates. */
  public suggestionBudget = 100_000;

  constructor(
    public readonly locator: Locator,
    private readonly subject: string,
  ) {}

  /** True once enough problems are kept: further ones are only counted, and costly checks may stop. */
  public get full(): boolean {
    return this.list.length >= MAX_COLLECTED_PROBLEMS;
  }

  /** True once there are enough problems to fill the listing: costly extras (suggestions) may be left out. */
  public get listFull(): boolean {
    return this.list.length >= MAX_REPORTED_PROBLEMS;
  }

  /** Records a problem at the node of `segments` (its key with `key`). */
  public add(segments: readonly Segment[], problem: Omit<Problem, 'path' | 'file' | 'line' | 'column'>, key = false): void {
    if (this.full) this.omitted++;
    else this.list.push({ ...this.locator.at(segments, key), path: formatFleetPath(segments), ...problem });
  }

  /** Records a problem whose position is already known. */
  public push(problem: Problem): void {
    if (this.full) this.omitted++;
    else this.list.push(problem);
  }

  /** Counts `n` problems without keeping them. */
  public skip(n = 1): void {
    this.omitted += n;
  }

  /** Notes that checking stopped before the end: the count of problems is a lower bound. */
  public stop(): void {
    this.stopped = true;
  }

  /** A short "path (line N)" reference to another place in the file, for messages. */
  public ref(segments: readonly Segment[]): string {
    // Once full, the message it goes into is only counted: skip placing it.
    if (this.full) return formatFleetPath(segments);
    return `${formatFleetPath(segments)} (line ${this.locator.at(segments).line})`;
  }

  public throwIfAny(): void {
    if (this.list.length === 0 && this.omitted === 0) return;
    throw fleetError(this.subject, this.list, this.omitted, this.stopped);
  }
}

function fleetError(subject: string, problems: readonly Problem[], omitted = 0, stopped = false): ValidationError {
  const sorted = problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map((x) => x.p);
  const shown = sorted.slice(0, MAX_REPORTED_PROBLEMS);
  const rest = sorted.length - shown.length + omitted;
  if (rest === 0 && !stopped) return new ValidationError(subject, shown);
  // When checking stopped early the count is what was found so far: say so.
  const message =
    rest === 0
      ? 'more problems may exist (checking stopped early); fix the ones above and run again'
      : `${stopped ? 'at least ' : ''}${rest} more problem${rest === 1 ? '' : 's'} not shown; fix the ones above and run again`;
  return new ValidationError(subject, [...shown, { path: '(more)', message, file: shown[0]?.file }]);
}

// ---------------------------------------------------------------------------------------------
// Rendering values for messages.

/** True for paths whose value must not be shown in full. */
function isSealedValuePath(segments: readonly Segment[]): boolean {
  return segments[segments.length - 1] === 'encryptedAccessKey';
}

/** A sealed value is not the key, but it is long and opaque: show a short prefix and its length only. */
function sealedPreview(value: unknown): string {
  if (typeof value !== 'string') return describeType(value);
  return `${showValue(value.slice(0, 6) + (value.length > 6 ? '...' : ''))} (${value.length} characters)`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'a map';
    default:
      return typeof value;
  }
}

/** The value as the user wrote it, plus its YAML type when that is the point of the error. */
function shownValue(segments: readonly Segment[], value: unknown, locator: Locator, withType: boolean): string {
  if (isSealedValuePath(segments)) return sealedPreview(value);
  if (value !== null && typeof value === 'object') return describeType(value);
  const source = typeof value === 'number' || typeof value === 'boolean' ? locator.sourceText(segments) : undefined;
  const text = source !== undefined && !/[\r\n]/.test(source) && source.length <= 80 ? source : showValue(value);
  return withType ? `${text} (${describeType(value)})` : text;
}

/**
 * Explains the character that spoils a value, e.g. a Cyrillic look-alike letter or a line break;
 * with `dns`, also upper case and '_', which Kubernetes names do not allow.
 */
function nameHint(value: unknown, dns = true): string {
  if (typeof value !== 'string') return '';
  const odd = [...value].find((ch) => ch.codePointAt(0)! > 0x7e || ch.codePointAt(0)! < 0x20);
  if (odd !== undefined) {
    const code = `U+${odd.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return odd.codePointAt(0)! > 0x7e
      ? ` (it contains the non-ASCII character ${code}, perhaps a look-alike of a Latin letter)`
      : ` (it contains the control character ${code}, e.g. a line break)`;
  }
  if (/ /.test(value)) return ' (it contains a space)';
  if (!dns) return '';
  if (/[A-Z]/.test(value)) return ' (it contains upper-case letters)';
  if (/_/.test(value)) return " (it contains '_'; use '-')";
  return '';
}

// ---------------------------------------------------------------------------------------------
// Schema errors to problems.

/** Turns an ajv instance path into segments, numbers where the data is a list. */
function segmentsOf(instancePath: string, data: unknown): Segment[] {
  if (instancePath === '') return [];
  const segments: Segment[] = [];
  let cur: unknown = data;
  for (const raw of instancePath.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      segments.push(Number(part));
      cur = cur[Number(part)];
    } else {
      segments.push(part);
      cur = cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, part) ? (cur as Record<string, unknown>)[part] : undefined;
    }
  }
  return segments;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  boolean: 'a boolean (true or false)',
  object: 'a map of fields',
  array: 'a list',
  integer: 'an integer',
  number: 'a number',
};

/** JSON pointer of `segments`, for ajv instance paths. */
function pointer(...segments: Segment[]): string {
  return segments.map((seg) => `/${String(seg).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Checks `data` against the schema: the top level first, then each access key and each vCluster
 * on its own, stopping once enough problems are kept (the count of the rest is then a lower bound).
 */
function checkSchema(data: unknown, problems: Problems): SchemaOutcome {
  const v = schemaValidators();
  const rootValid = v.root(data);
  const rootErrors = v.root.errors ?? [];
  // Unknown fields are never read by the semantic checks, so they do not stop them.
  const outcome: SchemaOutcome = { rootOk: rootValid || rootErrors.every((e) => e.keyword === 'additionalProperties'), badKeys: new Set(), badVClusters: new Set() };
  if (!rootValid) schemaProblems(rootErrors, '', data, problems);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return outcome;
  const record = data as Record<string, unknown>;
  const own = (key: string): unknown => (Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined);
  const apiKeys = own('apiKeys');
  if (apiKeys !== null && typeof apiKeys === 'object' && !Array.isArray(apiKeys)) {
    const ids = Object.keys(apiKeys);
    for (const id of ids) {
      if (v.keyId(id)) continue;
      outcome.badKeys.add(id);
      problems.add(['apiKeys', id], { message: `key id ${showValue(id)} is not a DNS-1123 label${nameHint(id)}`, allowed: DNS1123_LABEL_RULE }, true);
    }
    for (const id of ids) {
      if (problems.full) return stopped(outcome, problems);
      if (v.apiKey((apiKeys as Record<string, unknown>)[id])) continue;
      outcome.badKeys.add(id);
      schemaProblems(v.apiKey.errors ?? [], pointer('apiKeys', id), data, problems);
    }
  }
  const list = own('vclusters');
  if (Array.isArray(list)) {
    for (let i = 0; i < list.length; i++) {
      if (problems.full) return stopped(outcome, problems);
      if (v.vcluster(list[i])) continue;
      outcome.badVClusters.add(i);
      schemaProblems(v.vcluster.errors ?? [], pointer('vclusters', i), data, problems);
    }
  }
  return outcome;
}

/** What the schema check found wrong, so that the semantic checks can still run on the rest. */
interface SchemaOutcome {
  /** False when the top level (platform, defaults, argocd, flux, the shape of the lists) is wrong, beyond unknown fields. */
  readonly rootOk: boolean;
  /** Access key ids whose id or entry the schema refused. */
  readonly badKeys: Set<string>;
  /** Indexes of the vClusters the schema refused. */
  readonly badVClusters: Set<number>;
}

function stopped(outcome: SchemaOutcome, problems: Problems): SchemaOutcome {
  problems.stop();
  return outcome;
}

/** Turns ajv errors into problems; `prefix` is the instance path of the data that was checked. */
function schemaProblems(errors: readonly ErrorObject[], prefix: string, data: unknown, problems: Problems): void {
  const locator = problems.locator;
  for (const err of errors) {
    // The four `required` branches of the key-source oneOf are summed up by the oneOf error
    // itself; propertyNames reports each failing sub-keyword once more with `propertyName`.
    if (err.keyword === 'required' && SOURCE_BRANCHES.has(err.parentSchema)) continue;
    if ((err as { propertyName?: string }).propertyName !== undefined) continue;
    // Past the kept maximum a problem is only counted: no need to word or place it.
    if (problems.full) {
      problems.skip();
      continue;
    }

    const segments = segmentsOf(prefix + err.instancePath, data);
    const value = err.data;
    const rule = RULES.get(err.parentSchema);
    switch (err.keyword) {
      case 'required': {
        const missing = (err.params as { missingProperty: string }).missingProperty;
        const hint = missing === 'allowPlaintext' ? ': write allowPlaintext: true to accept that the key sits unencrypted in the output' : '';
        // The field does not exist, so the position found is the parent's.
        problems.add([...segments, missing], { message: `missing required field ${quoteName(missing)}${hint}` });
        break;
      }
      case 'additionalProperties': {
        const field = (err.params as { additionalProperty: string }).additionalProperty;
        const known = Object.keys((err.parentSchema as { properties?: object }).properties ?? {});
        let message = `unknown field ${quoteName(field)}${didYouMean(field, known)}`;
        if (field === '<<') message += ' (YAML merge keys are not supported; put shared settings in defaults)';
        problems.add([...segments, field], { message, allowed: known.join(', ') }, true);
        break;
      }
      case 'propertyNames': {
        const name = (err.params as { propertyName: string }).propertyName;
        problems.add([...segments, name], { message: `key id ${showValue(name)} is not a DNS-1123 label${nameHint(name)}`, allowed: DNS1123_LABEL_RULE }, true);
        break;
      }
      case 'type': {
        const expected = String((err.params as { type: string }).type);
        let hint = '';
        if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
          const text = locator.sourceText(segments) ?? String(value);
          hint = `; YAML read it as ${describeType(value)}: quote it, e.g. "${text.replace(/"/g, '')}"`;
        } else if (expected === 'boolean' && typeof value === 'string' && /^(yes|no|on|off|y|n|true|false)$/i.test(value)) {
          hint = '; write true or false without quotes';
        }
        problems.add(segments, {
          message: `expected ${ARTICLE[expected] ?? expected}${hint}`,
          value: shownValue(segments, value, locator, true),
          allowed: ARTICLE[expected] ?? expected,
        });
        break;
      }
      case 'enum': {
        const allowed = (err.params as { allowedValues: unknown[] }).allowedValues;
        const suggestion = typeof value === 'string' ? didYouMean(value, allowed.map(String)) : '';
        problems.add(segments, { message: `unknown value${suggestion}`, value: shownValue(segments, value, locator, false), allowed: allowed.map(String).join(', ') });
        break;
      }
      case 'const':
        problems.add(segments, {
          message: 'must be literally true: it confirms that the access key may sit unencrypted (base64) in the output',
          value: shownValue(segments, value, locator, true),
          allowed: 'true',
        });
        break;
      case 'pattern':
        problems.add(segments, {
          message: `${rule?.what ?? 'does not have the expected form'}${nameHint(value, rule?.dns === true)}`,
          value: shownValue(segments, value, locator, false),
          allowed: rule?.allowed ?? `text matching ${String((err.params as { pattern: string }).pattern)}`,
        });
        break;
      case 'maxLength': {
        const limit = (err.params as { limit: number }).limit;
        const length = typeof value === 'string' ? value.length : 0;
        problems.add(segments, {
          message: `is too long: ${length} characters, at most ${limit} allowed`,
          value: shownValue(segments, value, locator, false),
          allowed: rule?.allowed ?? `at most ${limit} characters`,
        });
        break;
      }
      case 'minLength':
        problems.add(segments, { message: 'must not be empty (leave the field out instead)', value: shownValue(segments, value, locator, false) });
        break;
      case 'maxItems':
        problems.add(segments, { message: `has more than ${(err.params as { limit: number }).limit} entries` });
        break;
      case 'oneOf': {
        const present = KEY_SOURCES.filter((s) => value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, s));
        const message =
          present.length === 0
            ? `has no source; an access key needs exactly one of ${KEY_SOURCES_TEXT}`
            : `has ${present.length} sources (${present.join(', ')}); an access key needs exactly one of ${KEY_SOURCES_TEXT}`;
        problems.add(segments, { message, allowed: `exactly one of ${KEY_SOURCES_TEXT}` });
        break;
      }
      default:
        problems.add(segments, { message: err.message ?? `fails the schema rule ${err.keyword}`, value: shownValue(segments, value, locator, false) });
    }
  }
}

/** A path as a chain of links, made into segments only where it is reported. */
interface PathLink {
  readonly seg: Segment;
  readonly up: PathLink | undefined;
}

function segmentsOfLink(link: PathLink | undefined): Segment[] {
  const segments: Segment[] = [];
  for (let l = link; l; l = l.up) segments.push(l.seg);
  return segments.reverse();
}

/**
 * Map keys that repeat an earlier key of the same map, with offset and path, in document order
 * and one linear pass (keys are compared as the strings they become in the loaded object).
 * Aliases are not followed: their target is checked where it is written.
 */
function duplicateKeys(doc: Document): { offset: number; key: string; segments: Segment[] }[] {
  const found: { offset: number; key: string; segments: Segment[] }[] = [];
  const stack: { node: unknown; path: PathLink | undefined }[] = [{ node: doc.contents, path: undefined }];
  while (stack.length > 0) {
    const { node, path: at } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined) {
          if (seen.has(key) && pair.key && (pair.key as Node).range) found.push({ offset: (pair.key as Node).range![0], key, segments: segmentsOfLink({ seg: key, up: at }) });
          seen.add(key);
        }
        stack.push({ node: pair.value, path: key === undefined ? at : { seg: key, up: at } });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: { seg: i, up: at } }));
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/**
 * The first alias at which what aliases stand for passes `limit` (a scalar weighs its length plus
 * one, a map or list one plus its entries), or that refers to a node containing it (a cycle).
 * yaml's `maxAliasCount` counts alias uses and the aliases inside their targets, not the size of
 * what they stand for: 500 aliases of one 300-entry map pass it, and then stand for 150,000 entries.
 */
function aliasOverflow(doc: Document, targets: ReadonlyMap<Alias, Node | undefined>, limit: number): { alias: Alias; cycle: boolean } | undefined {
  const weights = new Map<Node, number>();
  const open = new Set<Node>();
  let expanded = 0;
  let stop: { alias: Alias; cycle: boolean } | undefined;
  const weigh = (node: unknown): number => {
    if (stop) return 0;
    if (isAlias(node)) {
      const target = targets.get(node);
      if (target === undefined) return 1;
      if (open.has(target)) {
        stop = { alias: node, cycle: true };
        return 0;
      }
      const w = weights.get(target) ?? weigh(target);
      expanded += w;
      if (expanded > limit && !stop) stop = { alias: node, cycle: false };
      return w;
    }
    if (isScalar(node)) return 1 + (typeof node.value === 'string' ? node.value.length : 8);
    if (isMap(node) || isSeq(node)) {
      const known = weights.get(node);
      if (known !== undefined) return known;
      open.add(node);
      let w = 1;
      for (const item of node.items as unknown[]) w += isPair(item) ? weigh(item.key) + weigh(item.value) : weigh(item);
      open.delete(node);
      // Only anchored nodes are looked up again (through their aliases).
      if (node.anchor) weights.set(node, w);
      return w;
    }
    return 1;
  };
  try {
    weigh(doc.contents);
  } catch (e) {
    // Nesting deep enough to exhaust the stack (yaml's own toJS got through it): not an alias problem.
    if (!(e instanceof RangeError)) throw e;
  }
  return stop;
}

// ---------------------------------------------------------------------------------------------
// Loading.

function defaultReadFile(absolutePath: string): string {
  const stat = fs.statSync(absolutePath);
  if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  if (stat.size > MAX_CA_FILE_BYTES) throw Object.assign(new Error('file too large'), { code: 'EFBIG' });
  return fs.readFileSync(absolutePath, 'utf8');
}

/** Blocks the thread for `ms` milliseconds (between retries of a non-blocking read). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Reads `file` but never more than `limit` + 1 bytes: a pipe or a device has no size to check
 * beforehand (stat says 0), and one that keeps sending (`/dev/zero`, a FIFO held open) must not
 * be read until memory runs out. Returns the bytes, or `data: undefined` when more than `limit`
 * bytes arrived, or `size` when a regular file is over the limit (then nothing is read).
 */
function readAtMost(file: string, limit: number): { data?: Buffer; size?: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (stat.isFile() && stat.size > limit) return { size: stat.size };
    // A regular file is read in one go (plus one byte, in case it grew); anything else in chunks.
    let buffer = Buffer.allocUnsafe(Math.min(limit + 1, stat.isFile() ? stat.size + 1 : 64 * 1024));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > limit) return {};
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
    return length > limit ? {} : { data: buffer.subarray(0, length) };
  } finally {
    fs.closeSync(fd);
  }
}

function readErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EFBIG') return `larger than ${MAX_CA_FILE_BYTES} bytes`;
  return code ?? (e instanceof Error ? e.message : String(e));
}

// ---------------------------------------------------------------------------------------------
// Fast path: a strict subset of YAML, read line by line.

/** Returned by the subset reader when the text leaves the subset. */
const OUTSIDE = Symbol('outside the YAML subset');
type Outside = typeof OUTSIDE;
type SubsetValue = string | boolean | SubsetValue[] | { [key: string]: SubsetValue };

interface SubsetLine {
  readonly indent: number;
  readonly content: string;
  /** 1-based line number in the text. */
  readonly line: number;
}

const SUBSET_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,200}$/;
const SUBSET_PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./:@+=~%-]*(?: [A-Za-z0-9_./:@+=~%-]+)*$/;
/** Plain scalars the YAML 1.2 core schema reads as something other than a string (null, bool, numbers). */
const CORE_NOT_STRING =
  /^(?:~|[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|[-+]?(?:0o[0-7]+|0x[0-9a-fA-F]+|[0-9]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const RESERVED_KEYS = /^(?:~|[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|__proto__|<<)$/;

/** A scalar or inline collection after `key: ` or `- `, or OUTSIDE. */
function subsetInline(text: string): SubsetValue | Outside {
  const first = text[0];
  if (first === '"' || first === "'") {
    const end = text.indexOf(first, 1);
    if (end < 0) return OUTSIDE;
    const inner = text.slice(1, end);
    const rest = text.slice(end + 1);
    // Escapes, doubled quotes and control characters are left to the full parser.
    if ((first === '"' && inner.includes('\\')) || /[\x00-\x1f\x7f]/.test(inner) || !/^(?: +#.*)?$/.test(rest)) return OUTSIDE;
    return inner;
  }
  if (first === '{' || first === '[') {
    const close = first === '{' ? '}' : ']';
    const end = text.indexOf(close);
    if (end < 0 || !/^(?: +#.*)?$/.test(text.slice(end + 1))) return OUTSIDE;
    const inner = text.slice(1, end).trim();
    if (inner === '') return first === '{' ? {} : [];
    if (first === '[' || /["'{}[\]#&*!|>%@`]/.test(inner)) return OUTSIDE;
    const map: { [key: string]: SubsetValue } = {};
    for (const part of inner.split(',')) {
      const colon = part.indexOf(':');
      if (colon < 0 || part[colon + 1] !== ' ') return OUTSIDE;
      const key = part.slice(0, colon).trim();
      const value = subsetPlain(part.slice(colon + 1).trim());
      if (!SUBSET_KEY.test(key) || RESERVED_KEYS.test(key) || Object.prototype.hasOwnProperty.call(map, key) || value === OUTSIDE) return OUTSIDE;
      map[key] = value;
    }
    return map;
  }
  const hash = text.indexOf(' #');
  return subsetPlain((hash >= 0 ? text.slice(0, hash) : text).trimEnd());
}

function subsetPlain(text: string): string | boolean | Outside {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (!SUBSET_PLAIN.test(text) || CORE_NOT_STRING.test(text) || text.includes(': ') || text.endsWith(':')) return OUTSIDE;
  return text;
}

/** `key: rest` → [key, rest], or undefined when the line is not a simple mapping entry. */
function subsetPair(content: string): [string, string] | undefined {
  const colon = content.indexOf(':');
  if (colon <= 0) return undefined;
  const after = content[colon + 1];
  if (after !== undefined && after !== ' ') return undefined;
  const key = content.slice(0, colon);
  if (!SUBSET_KEY.test(key) || RESERVED_KEYS.test(key)) return undefined;
  const rest = content.slice(colon + 1).trim();
  return [key, rest.startsWith('#') ? '' : rest];
}

function isSeqItem(content: string): boolean {
  return content === '-' || content.startsWith('- ');
}

/**
 * Reads `text` when it stays inside a strict subset of YAML (block maps and lists indented with
 * spaces, `- key: value` list entries, plain / simply quoted strings, `true`/`false`, one-line
 * `{ k: v }` maps, `{}` and `[]`, comments); returns `undefined` for anything else (anchors,
 * tags, block scalars, numbers, null, escapes, duplicate keys, tabs, several documents, ...).
 * Where it returns a value, that value equals what `yaml` reads (a property test holds it to
 * that). Exported for that test.
 * @internal
 */
export function parseYamlSubset(text: string): unknown {
  return readSubset(text, undefined);
}

/**
 * Where the parts of a map or list read by the subset reader are: its own start, and per entry
 * where the key and the value start (packed line/column, see `packPosition`). yaml's node ranges
 * start at the same places, so a problem is placed alike on either route.
 */
interface SubsetPlaces {
  readonly start: number;
  /** Map keys by name (maps only). */
  readonly keys?: Map<string, number>;
  /** Value starts, by key for maps and by index for lists. */
  readonly values: Map<string, number> | number[];
}

/** Line and column (both 1-based) in one number: lines fit 24 bits, columns 25. */
function packPosition(line: number, column: number): number {
  return line * 0x2000000 + column;
}

function unpackPosition(packed: number): { line: number; column: number } {
  return { line: Math.floor(packed / 0x2000000), column: packed % 0x2000000 };
}

/** Places of an inline `{ k: v, ... }`, `{}` or `[]` written at `line`, `column`. */
function inlinePlaces(text: string, line: number, column: number): SubsetPlaces {
  const start = packPosition(line, column);
  if (text[0] === '[') return { start, values: [] };
  const keys = new Map<string, number>();
  const values = new Map<string, number>();
  const end = text.indexOf('}');
  if (text.slice(1, end).trim() === '') return { start, keys, values };
  let offset = 1;
  for (const part of text.slice(1, end).split(',')) {
    const colon = part.indexOf(':');
    const after = part.slice(colon + 1);
    const key = part.slice(0, colon).trim();
    keys.set(key, packPosition(line, column + offset + (part.length - part.trimStart().length)));
    values.set(key, packPosition(line, column + offset + colon + 1 + (after.length - after.trimStart().length)));
    offset += part.length + 1;
  }
  return { start, keys, values };
}

/**
 * The subset reader; with `places`, it also records where each map and list (by identity of the
 * object it returns) and their entries are written. Only asked for when a problem is to be placed.
 */
function readSubset(text: string, places: Map<object, SubsetPlaces> | undefined): unknown {
  // Tabs, lone CRs, other control characters and a byte-order mark are left to the full parser.
  if (/[\x00-\x09\x0b\x0c\x0e-\x1f\x7f\ufeff]|\r(?!\n)/.test(text)) return undefined;
  const lines: SubsetLine[] = [];
  let lineNumber = 0;
  for (const raw of text.split(/\r?\n/)) {
    lineNumber++;
    const content = raw.trimStart();
    if (content === '' || content.startsWith('#')) continue;
    const indent = raw.length - content.length;
    if (indent === 0 && /^(?:---|\.\.\.|%)/.test(content)) return undefined;
    lines.push({ indent, content: content.trimEnd(), line: lineNumber });
  }
  if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
  let pos = 0;

  /** Where an inline value at `column` (1-based) of `line` starts, recording a collection's places. */
  const inlineAt = (value: SubsetValue, text: string, line: number, column: number): number => {
    if (typeof value === 'object') places!.set(value, inlinePlaces(text, line, column));
    return packPosition(line, column);
  };

  const node = (indent: number): SubsetValue | Outside => (isSeqItem(lines[pos]!.content) ? seq(indent) : map(indent, undefined));

  const map = (indent: number, firstInline: string | undefined): SubsetValue | Outside => {
    const result: { [key: string]: SubsetValue } = {};
    const keys = places ? new Map<string, number>() : undefined;
    const values = places ? new Map<string, number>() : undefined;
    if (places) places.set(result, { start: packPosition(lines[pos]!.line, indent + 1), keys, values: values! });
    let inline = firstInline;
    for (;;) {
      const line = lines[pos]!;
      const pairText = inline ?? line.content;
      const pair = subsetPair(pairText);
      inline = undefined;
      if (!pair || Object.prototype.hasOwnProperty.call(result, pair[0])) return OUTSIDE;
      pos++;
      let value: SubsetValue | Outside;
      if (pair[1] !== '') {
        value = subsetInline(pair[1]);
        if (places && value !== OUTSIDE) values!.set(pair[0], inlineAt(value, pair[1], line.line, indent + (pairText.length - pair[1].length) + 1));
      } else {
        const next = lines[pos];
        if (next && next.indent > indent) value = node(next.indent);
        else if (next && next.indent === indent && isSeqItem(next.content)) value = seq(indent);
        else return OUTSIDE; // an empty value is null: left to the full parser
        if (places && value !== OUTSIDE) values!.set(pair[0], places.get(value as object)!.start);
      }
      if (value === OUTSIDE) return OUTSIDE;
      if (keys) keys.set(pair[0], packPosition(line.line, indent + 1));
      result[pair[0]] = value;
      const next = lines[pos];
      if (!next || next.indent < indent) return result;
      if (next.indent > indent || isSeqItem(next.content)) return OUTSIDE;
    }
  };

  const seq = (indent: number): SubsetValue | Outside => {
    const result: SubsetValue[] = [];
    const values: number[] | undefined = places ? [] : undefined;
    if (places) places.set(result, { start: packPosition(lines[pos]!.line, indent + 1), values: values! });
    while (pos < lines.length && lines[pos]!.indent === indent && isSeqItem(lines[pos]!.content)) {
      const line = lines[pos]!;
      const content = line.content;
      const item = content.slice(1).trimStart();
      if (item === '' || isSeqItem(item) || item.startsWith('#')) return OUTSIDE;
      const itemIndent = indent + (content.length - item.length);
      let value: SubsetValue | Outside;
      if (subsetPair(item)) {
        value = map(itemIndent, item);
        if (places && value !== OUTSIDE) values!.push(places.get(value as object)!.start);
      } else {
        value = subsetInline(item);
        pos++;
        if (places && value !== OUTSIDE) values!.push(inlineAt(value, item, line.line, itemIndent + 1));
      }
      if (value === OUTSIDE) return OUTSIDE;
      result.push(value);
    }
    const next = lines[pos];
    if (next && next.indent > indent) return OUTSIDE;
    return result;
  };

  const value = node(0);
  return value === OUTSIDE || pos !== lines.length ? undefined : value;
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

  // Most fleet files are plain block YAML; the fast path reads those ~10x faster than `yaml` and
  // gives up (undefined) on anything else, which then takes the full, position-aware route.
  let data = parseYamlSubset(text);
  const problems = data !== undefined ? new Problems(new Locator(text, display), subject) : undefined;
  if (data === undefined || problems === undefined) {
    const full = loadYaml(text, display, subject);
    data = full.data;
    return validateAndNormalize(data, full.problems, file, display, options);
  }
  const count = vclusterCount(data);
  if (count > MAX_VCLUSTERS) {
    // Counted on the data: building YAML nodes for 100,000 entries just to place this would take seconds.
    const m = /^vclusters[ ]*:/m.exec(text);
    const line = m ? text.slice(0, m.index).split('\n').length : undefined;
    problems.push({ file: display, line, column: m ? 1 : undefined, path: 'vclusters', message: tooManyMessage(count), allowed: 'split the fleet into several files' });
    problems.throwIfAny();
  }
  return validateAndNormalize(data, problems, file, display, options);
}

function vclusterCount(data: unknown): number {
  const list = data !== null && typeof data === 'object' ? (data as { vclusters?: unknown }).vclusters : undefined;
  return Array.isArray(list) ? list.length : 0;
}

function tooManyMessage(count: number): string {
  return `declares ${count} vClusters; at most ${MAX_VCLUSTERS} are supported in one fleet file`;
}

/** The full route: `yaml` builds nodes, reports syntax errors, duplicates and alias bombs with positions. */
function loadYaml(text: string, display: string, subject: string): { data: unknown; problems: Problems } {
  let parsed: ParsedYaml;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    // Defensive: yaml reports stack exhaustion from deep nesting as errors, but never crash on it.
    throw new ValidationError(subject, [
      {
        file: display,
        path: '(yaml)',
        message: `the file cannot be parsed as YAML (${e instanceof RangeError ? 'nesting too deep' : e instanceof Error ? e.message : String(e)})`,
      },
    ]);
  }
  const { doc } = parsed;
  const locator = new Locator(text, display, parsed);
  const problems = new Problems(locator, subject);

  for (const err of [...doc.errors, ...doc.warnings]) {
    let message: string;
    if (err.code === 'MULTIPLE_DOCS') {
      message = "YAML syntax error: the file holds more than one document ('---'); a fleet file is one document";
    } else {
      message = `YAML ${err.name === 'YAMLWarning' ? 'problem' : 'syntax error'}: ${err.message}`;
    }
    problems.push({ ...locator.offset(err.pos[0]), path: '(yaml)', message });
  }
  if (doc.errors.length === 0) {
    for (const dup of duplicateKeys(doc)) {
      problems.push({
        ...locator.offset(dup.offset),
        path: formatFleetPath(dup.segments),
        message: `duplicate key ${quoteName(dup.key)}: a YAML map must not repeat a key (the first one would be silently replaced)`,
      });
    }
  }
  problems.throwIfAny();

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw new ValidationError(subject, [{ file: display, path: '(file)', message: 'the fleet file is empty', allowed: 'a map with platform, apiKeys and vclusters' }]);
  }
  const vclusterNodes = isMap(doc.contents) ? doc.contents.get('vclusters', true) : undefined;
  if (isSeq(vclusterNodes) && vclusterNodes.items.length > MAX_VCLUSTERS) {
    problems.add(['vclusters'], { message: tooManyMessage(vclusterNodes.items.length), allowed: 'split the fleet into several files' }, true);
    problems.throwIfAny();
  }

  // yaml resolves each alias by walking every earlier alias and anchor: quadratic in their number.
  const aliases = text.includes('*') ? locator.aliasTargets() : new Map<Alias, Node | undefined>();
  if (aliases.size > MAX_ALIAS_COUNT) {
    const past = [...aliases.keys()][MAX_ALIAS_COUNT]!;
    problems.push({
      ...locator.offset(past.range?.[0] ?? 0),
      path: '(yaml)',
      message: `YAML aliases: more than ${MAX_ALIAS_COUNT} in one file (this is alias ${MAX_ALIAS_COUNT + 1}); refused as a resource-exhaustion attack`,
    });
    problems.throwIfAny();
  }

  for (const [alias, target] of aliases) {
    if (target !== undefined) continue;
    problems.push({
      ...locator.offset(alias.range?.[0] ?? 0),
      path: '(yaml)',
      message: `YAML alias *${alias.source} has no anchor &${alias.source} before it (an anchor must come before its aliases)`,
    });
  }
  problems.throwIfAny();

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    let first: Node | undefined;
    visit(doc, {
      Alias(_, node) {
        first = node;
        return visit.BREAK;
      },
    });
    problems.push({
      ...locator.offset(first?.range?.[0] ?? 0),
      path: '(yaml)',
      message: `YAML aliases expand to too much data (more than ${MAX_ALIAS_COUNT} alias expansions): refused as a resource-exhaustion attack`,
    });
    problems.throwIfAny();
  }
  // The loaded data shares what aliases stand for, but checking it walks every use: weigh them.
  const overflow = aliases.size > 0 ? aliasOverflow(doc, aliases, MAX_ALIAS_EXPANSION) : undefined;
  if (overflow) {
    problems.push({
      ...locator.offset(overflow.alias.range?.[0] ?? 0),
      path: '(yaml)',
      message: overflow.cycle
        ? `YAML alias *${overflow.alias.source} refers to a node that contains it, so it would expand forever: refused`
        : `YAML aliases expand to too much data (what they stand for passes ${MAX_ALIAS_EXPANSION} characters, the size limit of a fleet file): refused as a resource-exhaustion attack`,
    });
    problems.throwIfAny();
  }
  return { data, problems };
}

function validateAndNormalize(data: unknown, problems: Problems, file: string, display: string, options: FleetLoadOptions): Fleet {
  const schema = checkSchema(data, problems);
  // The semantic checks read the top level, so they need it valid; entries the schema refused are
  // left out of them, so one run reports the problems of every other entry too.
  if (!schema.rootOk || problems.full) problems.throwIfAny();
  const fleet = normalize(data as RawFleet, file, display, options, problems, schema);
  problems.throwIfAny();
  return fleet;
}

// ---------------------------------------------------------------------------------------------
// Semantic checks and defaults, on data the schema accepted.

function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Problems of the host helper re-anchored to the fleet file. */
function hostOf(value: string, segments: Segment[], problems: Problems): string | undefined {
  const result = normalizePlatformHost(value, formatFleetPath(segments));
  // User information in a host is a credential: show the host with it masked.
  const shown = value.includes('@') ? showValue(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@]*@/i, '$1***@')) : undefined;
  for (const p of result.problems) problems.add(segments, { message: p.message, value: shown ?? p.value, allowed: p.allowed });
  return result.host;
}

function normalize(raw: RawFleet, file: string, display: string, options: FleetLoadOptions, problems: Problems, schema: SchemaOutcome): Fleet {
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? defaultReadFile;
  const baseDir = path.dirname(path.resolve(file));
  const caCache = new Map<string, string | undefined>();

  const readCa = (relative: string, segments: Segment[]): string | undefined => {
    const absolute = path.resolve(baseDir, relative);
    if (caCache.has(absolute)) return caCache.get(absolute);
    let data: string | undefined;
    try {
      data = readFile(absolute);
    } catch (e) {
      problems.add(segments, {
        message: `cannot read the certificate authority file (${readErrorReason(e)}); paths are relative to the fleet file's folder`,
        value: showValue(relative),
      });
    }
    if (data !== undefined) {
      const found = validateCertificateAuthorityData(data, formatFleetPath(segments));
      for (const p of found) problems.add(segments, { message: `the file ${quoteName(relative)} ${p.message}`, value: p.value, allowed: p.allowed });
      if (found.length > 0) data = undefined;
    }
    caCache.set(absolute, data);
    return data;
  };

  // Platform.
  const host = hostOf(raw.platform.host, ['platform', 'host'], problems) ?? '';
  const platform: FleetPlatform = {
    host,
    ...(raw.platform.project !== undefined ? { project: raw.platform.project } : {}),
    ...(raw.platform.insecure !== undefined ? { insecure: raw.platform.insecure } : {}),
    ...(raw.platform.certificateAuthorityFile !== undefined
      ? { certificateAuthorityData: readCa(raw.platform.certificateAuthorityFile, ['platform', 'certificateAuthorityFile']) }
      : {}),
  };

  // Argo CD and Flux.
  const rawArgo = raw.argocd ?? {};
  const argoSyncPolicy = rawArgo.syncPolicy ?? 'automated';
  if (argoSyncPolicy === 'manual') {
    for (const field of ['prune', 'selfHeal'] as const) {
      if (rawArgo[field] === true) {
        problems.add(['argocd', field], {
          message: `${field} only applies to automated sync, but syncPolicy is manual`,
          value: 'true',
          allowed: 'leave it out, or syncPolicy: automated',
        });
      }
    }
  }
  if (rawArgo.applicationSet === true && rawArgo.valuesRepository === undefined) {
    problems.add(['argocd', 'applicationSet'], {
      message: "an ApplicationSet reads each vCluster's generated vcluster.yaml from git, so it needs argocd.valuesRepository (the repository holding the generated tree)",
      value: 'true',
      allowed: 'argocd.valuesRepository set, or applicationSet: false (one Application per vCluster with inline values)',
    });
  }
  const argocd: FleetArgoCd = {
    namespace: rawArgo.namespace ?? 'argocd',
    project: rawArgo.project ?? 'default',
    destinationServer: rawArgo.destinationServer ?? 'https://kubernetes.default.svc',
    applicationSet: rawArgo.applicationSet ?? false,
    ...(rawArgo.valuesRepository !== undefined
      ? {
          valuesRepository: {
            repoURL: rawArgo.valuesRepository.repoURL,
            targetRevision: rawArgo.valuesRepository.targetRevision ?? 'HEAD',
            path: normalizeRepoPath(rawArgo.valuesRepository.path ?? 'dist'),
          },
        }
      : {}),
    syncPolicy: argoSyncPolicy,
    prune: rawArgo.prune ?? false,
    selfHeal: rawArgo.selfHeal ?? false,
    ...argoRepositoryOf(raw),
  };
  const rawFlux = raw.flux ?? {};
  const flux: FleetFlux = {
    ...(rawFlux.namespace !== undefined ? { namespace: rawFlux.namespace } : {}),
    interval: rawFlux.interval ?? '10m',
    valuesFrom: rawFlux.valuesFrom ?? 'inline',
    sourceRef: {
      kind: rawFlux.sourceRef?.kind ?? 'GitRepository',
      name: rawFlux.sourceRef?.name ?? 'flux-system',
      namespace: rawFlux.sourceRef?.namespace ?? 'flux-system',
    },
    path: rawFlux.path ?? './dist',
  };

  // Keys.
  const keys = new Map<string, FleetApiKey>();
  const keyIds = Object.keys(raw.apiKeys);
  for (const id of keyIds) {
    if (schema.badKeys.has(id)) continue;
    const k = raw.apiKeys[id]!;
    const at = (...rest: Segment[]): Segment[] => ['apiKeys', id, ...rest];
    const secretName = k.secretName ?? DEFAULT_SECRET_NAME;
    const keyHost = k.host !== undefined ? (hostOf(k.host, at('host'), problems) ?? '') : host;
    const caData = k.certificateAuthorityFile !== undefined ? readCa(k.certificateAuthorityFile, at('certificateAuthorityFile')) : platform.certificateAuthorityData;
    const project = k.project ?? platform.project;
    const insecure = k.insecure ?? platform.insecure;

    let source: FleetKeySource;
    if (k.externalSecret) {
      const es = k.externalSecret;
      source = {
        type: 'externalSecret',
        storeKind: es.storeRef.kind ?? 'ClusterSecretStore',
        storeName: es.storeRef.name,
        remoteKey: es.remoteRef.key,
        ...(es.remoteRef.property !== undefined ? { property: es.remoteRef.property } : {}),
        refreshInterval: es.refreshInterval ?? '1h',
      };
    } else if (k.sealed) {
      const s = k.sealed;
      const scope = (s.scope ?? SealedSecretScope.STRICT) as SealedSecretScope;
      checkSealedValue(s.encryptedAccessKey, at('sealed', 'encryptedAccessKey'), problems);
      if (s.sealedFor !== undefined) {
        const expected = sealingLabel(scope, k.namespace, secretName);
        if (s.sealedFor !== expected) {
          problems.add(at('sealed', 'sealedFor'), {
            message: `the value was sealed for ${showValue(s.sealedFor)}, but with scope ${scope} this key's Secret ${k.namespace}/${secretName} needs ${showValue(expected)}; the controller could not decrypt it`,
            value: showValue(s.sealedFor),
            allowed: `${showValue(expected)}; re-seal with: npm run --silent seal -- --cert CERT --namespace ${k.namespace} --name ${secretName} --scope ${scope} --format fleet`,
          });
        }
      }
      source = {
        type: 'sealed',
        scope,
        encryptedAccessKey: s.encryptedAccessKey,
        ...(s.sealedFor !== undefined ? { sealedFor: s.sealedFor } : {}),
        ...(s.certificateSha256 !== undefined ? { certificateSha256: s.certificateSha256 } : {}),
      };
    } else if (k.plaintextFromEnv) {
      const variable = k.plaintextFromEnv.variable;
      const value = own(env, variable);
      if (value === undefined || value === '') {
        // Only the variable's name is shown: its value is the access key.
        problems.add(at('plaintextFromEnv', 'variable'), {
          message: `environment variable ${variable} is ${value === undefined ? 'not set' : 'empty'}; it must hold the access key when synthesizing`,
          value: showValue(variable),
          allowed: `export ${variable}=<access key> before synthesizing, or another source (externalSecret, sealed)`,
        });
      } else if (/[\s\u0000-\u001f\u007f]/.test(value)) {
        // Described, never shown: the value is the access key.
        problems.add(at('plaintextFromEnv', 'variable'), {
          message: `the access key in environment variable ${variable} contains whitespace or control characters (a stray newline from a file or echo?)`,
          value: showValue(variable),
          allowed: `an access key without whitespace, e.g. export ${variable}="$(tr -d '[:space:]' < key.txt)"`,
        });
      }
      source = { type: 'plaintextFromEnv', variable };
    } else {
      source = { type: 'existing' };
    }
    if (k.fanOut !== undefined && source.type !== 'externalSecret') {
      problems.add(at('fanOut'), {
        message: `a ClusterExternalSecret fan-out needs an externalSecret source, but this key uses ${source.type}`,
        value: showValue(k.fanOut),
        allowed: 'leave fanOut out, or use externalSecret',
      });
    }
    if (k.fanOut !== undefined && isDns1123Label(k.namespace) && isDns1123Subdomain(secretName) && k.namespace.length + 1 + secretName.length > 253) {
      // The cluster-scoped ClusterExternalSecret is named <namespace>.<secretName>.
      problems.add(k.secretName !== undefined ? at('secretName') : at(), {
        message: `with fanOut the ClusterExternalSecret is named <namespace>.<secretName>, here ${k.namespace.length + 1 + secretName.length} characters, more than 253`,
        value: showValue(secretName),
        allowed: `a secretName of at most ${252 - k.namespace.length} characters`,
      });
    }

    keys.set(id, {
      id,
      namespace: k.namespace,
      secretName,
      host: keyHost,
      ...(project !== undefined ? { project } : {}),
      ...(insecure !== undefined ? { insecure } : {}),
      ...(caData !== undefined ? { certificateAuthorityData: caData } : {}),
      ...(k.instanceName !== undefined ? { instanceName: k.instanceName } : {}),
      ...(k.rotation !== undefined ? { rotation: k.rotation } : {}),
      ...(k.fanOut !== undefined ? { fanOut: k.fanOut } : {}),
      source,
    });
  }

  // Defaults, checked once where they are written.
  const defaults = raw.defaults ?? {};
  const defaultVersionOk = defaults.chartVersion === undefined || checkChartVersion(defaults.chartVersion, ['defaults', 'chartVersion'], problems);
  const defaultKeyOk = defaults.apiKey === undefined || checkKeyReference(defaults.apiKey, ['defaults', 'apiKey'], keys, problems, schema.badKeys);

  // vClusters.
  const vclusters: FleetVCluster[] = [];
  const consumers = new Map<string, number[]>();
  const byRelease = new Map<string, number>();
  const byApplication = new Map<string, number>();
  const byHelmRelease = new Map<string, number>();
  const byRbacName = new Map<string, number>();
  const namespaceOf = new Map<number, string>();
  const vclusterIndex: number[] = [];
  raw.vclusters.forEach((v, i) => {
    if (schema.badVClusters.has(i)) return;
    vclusterIndex.push(i);
    const at = (...rest: Segment[]): Segment[] => ['vclusters', i, ...rest];
    const namespace = v.namespace ?? v.name;
    namespaceOf.set(i, namespace);

    let chartVersion = v.chartVersion ?? defaults.chartVersion;
    let versionOk: boolean;
    if (chartVersion === undefined) {
      problems.add(at(), { message: 'missing chartVersion: set it here or in defaults.chartVersion', allowed: CHART_VERSION_RULE });
      versionOk = false;
    } else {
      versionOk = v.chartVersion !== undefined ? checkChartVersion(v.chartVersion, at('chartVersion'), problems) : defaultVersionOk;
      if (versionOk) chartVersion = parseChartVersion(chartVersion)!.text;
    }

    const apiKey = v.apiKey ?? defaults.apiKey;
    let key: FleetApiKey | undefined;
    if (apiKey === undefined) {
      problems.add(at(), {
        message: 'missing apiKey: set it here or in defaults.apiKey',
        allowed: keyIds.length > 0 ? keyIds.join(', ') : 'an id declared under apiKeys',
      });
    } else if (v.apiKey !== undefined ? checkKeyReference(v.apiKey, at('apiKey'), keys, problems, schema.badKeys) : defaultKeyOk) {
      key = keys.get(apiKey);
      const list = consumers.get(apiKey) ?? [];
      list.push(i);
      consumers.set(apiKey, list);
    }

    const rbac = v.rbac ?? defaults.rbac ?? 'static';
    const delivery = v.delivery ?? defaults.delivery ?? 'none';
    const project = v.project ?? defaults.project;

    let effectiveRelease: string;
    if (v.release !== undefined) {
      effectiveRelease = v.release;
    } else if (delivery === 'flux') {
      const targetNamespace = flux.namespace !== undefined && flux.namespace !== namespace ? namespace : undefined;
      effectiveRelease = fluxDefaultReleaseName(v.name, targetNamespace);
    } else {
      effectiveRelease = v.name;
    }
    if (effectiveRelease.length > MAX_RELEASE_NAME_LENGTH) {
      if (v.release !== undefined) {
        problems.add(at('release'), {
          message: `is too long for a Helm release name: ${v.release.length} characters, at most ${MAX_RELEASE_NAME_LENGTH}`,
          value: showValue(v.release),
          allowed: `a DNS-1123 label of at most ${MAX_RELEASE_NAME_LENGTH} characters`,
        });
      } else {
        problems.add(at('name'), {
          message: `is ${v.name.length} characters, and with delivery ${delivery} it becomes the Helm release name, which Helm limits to ${MAX_RELEASE_NAME_LENGTH}`,
          value: showValue(v.name),
          allowed: `a name of at most ${MAX_RELEASE_NAME_LENGTH} characters, or a shorter release: for this vCluster`,
        });
      }
    }

    // The chart's own cross-namespace RBAC binds the wrong namespace in some chart versions.
    if (rbac === 'chart' && versionOk && key !== undefined && key.fanOut === undefined && key.namespace !== namespace) {
      const parsed = parseChartVersion(chartVersion)!;
      if (hasBrokenChartRbac(parsed)) {
        problems.add(v.rbac !== undefined ? at('rbac') : at(), {
          message: `rbac chart cannot work with chart ${parsed.text}: its cross-namespace Role binds the service account in the key's namespace (${key.namespace}) instead of ${namespace} (fixed in 0.23.3, 0.24.2 and 0.25.0)`,
          value: showValue('chart'),
          allowed: 'rbac: static, or chartVersion 0.23.3 / 0.24.2 / 0.25.0 or later',
        });
      }
    }

    // Two vClusters with one release in one namespace are one Helm release.
    const releaseId = `${namespace}/${effectiveRelease}`;
    const first = byRelease.get(releaseId);
    if (first !== undefined) {
      problems.add(at('name'), {
        message: `duplicate vCluster: namespace ${namespace} and release ${effectiveRelease} are already used by ${problems.ref(['vclusters', first])}`,
        value: showValue(v.name),
        allowed: 'a distinct namespace or release for each vCluster',
      });
    } else {
      byRelease.set(releaseId, i);
      // Delivery objects are named after the vCluster; two in one namespace would overwrite each other.
      const objectId =
        delivery === 'argocd'
          ? { map: byApplication, id: `${argocd.namespace}/${v.name}`, what: `Argo CD Application ${argocd.namespace}/${v.name}` }
          : delivery === 'flux'
            ? { map: byHelmRelease, id: `${flux.namespace ?? namespace}/${v.name}`, what: `Flux HelmRelease ${flux.namespace ?? namespace}/${v.name}` }
            : undefined;
      if (objectId) {
        const clash = objectId.map.get(objectId.id);
        if (clash !== undefined) {
          problems.add(at('name'), {
            message: `duplicate name: the ${objectId.what} is already generated for ${problems.ref(['vclusters', clash])}`,
            value: showValue(v.name),
            allowed: `a name not used by another vCluster with delivery ${delivery}${delivery === 'flux' && flux.namespace !== undefined ? ` (all HelmReleases live in ${flux.namespace})` : ''}`,
          });
        } else {
          objectId.map.set(objectId.id, i);
        }
      }
    }

    // The Role and RoleBinding in the key's namespace carry the chart's names, cut at 63 characters.
    if (first === undefined && key !== undefined && key.fanOut === undefined && key.namespace !== namespace && isDns1123Label(effectiveRelease) && isDns1123Label(namespace)) {
      const where = v.release !== undefined ? at('release') : v.namespace !== undefined ? at('namespace') : at('name');
      const shown = v.release !== undefined ? v.release : v.namespace !== undefined ? v.namespace : v.name;
      const { roleName, roleBindingName } = platformRbacNames(effectiveRelease, namespace);
      if (!isDns1123Subdomain(roleName) || !isDns1123Subdomain(roleBindingName)) {
        problems.add(where, {
          message: `the vCluster chart names this vCluster's platform Role ${quoteName(roleName)} (vc-<release>-v-<namespace>-platform-role cut to 63 characters, one trailing '-' removed; the RoleBinding alike), which ends in '-' and is refused by Kubernetes: release ${effectiveRelease} in namespace ${namespace} puts a '--' at the cut`,
          value: showValue(shown),
          allowed: "a release or namespace whose 63-character cut does not end in '-' (e.g. a shorter release:)",
        });
      } else {
        const ids = [`Role ${key.namespace}/${roleName}`, `RoleBinding ${key.namespace}/${roleBindingName}`];
        const clash = ids.map((id) => byRbacName.get(id)).find((c) => c !== undefined);
        if (clash !== undefined) {
          problems.add(where, {
            message: `the platform Role and RoleBinding in ${key.namespace} (the chart's names, cut to 63 characters: ${quoteName(roleName)}) are already those of ${problems.ref(['vclusters', clash])}; one would replace the other and that vCluster could no longer read its key`,
            value: showValue(shown),
            allowed: 'a release or namespace that differs within the first 63 characters of vc-<release>-v-<namespace>-platform-role (e.g. a shorter release:)',
          });
        } else {
          for (const id of ids) byRbacName.set(id, i);
        }
      }
    }

    vclusters.push({
      name: v.name,
      namespace,
      chartVersion: chartVersion ?? '',
      apiKey: apiKey ?? '',
      rbac,
      ...(v.serviceAccountName !== undefined ? { serviceAccountName: v.serviceAccountName } : {}),
      ...(project !== undefined ? { project } : {}),
      ...(v.release !== undefined ? { release: v.release } : {}),
      effectiveRelease,
      delivery,
    });
  });

  // Pinned keys serve exactly one vCluster; a fanned-out key needs at least one (an empty `In`
  // selector is invalid). Vclusters the schema refused may be its users: then nothing is said.
  for (const [id, key] of keys) {
    const users = consumers.get(id) ?? [];
    if (key.fanOut !== undefined && users.length === 0 && schema.badVClusters.size === 0) {
      problems.add(['apiKeys', id, 'fanOut'], {
        message: 'a fanned-out key places its Secret in the namespaces of the vClusters using it, but no vCluster uses this key',
        value: showValue(key.fanOut),
        allowed: 'a vCluster with apiKey: ' + id + ' (or defaults.apiKey), or remove the key',
      });
    }
    if (key.instanceName !== undefined && users.length > 1) {
      const listed = users
        .slice(0, 3)
        .map((i) => problems.ref(['vclusters', i]))
        .join(', ');
      problems.add(['apiKeys', id, 'instanceName'], {
        message: `pins the key to one VirtualClusterInstance, but ${users.length} vClusters use it: ${listed}${users.length > 3 ? ', ...' : ''}`,
        value: showValue(key.instanceName),
        allowed: 'a dedicated key per vCluster, or a shared key without instanceName',
      });
    }
  }

  // Two keys must not write the same Secret (a fanned-out key writes one per using namespace).
  const secrets = new Map<string, { id: string; existing: boolean }>();
  const fanOutObjects = new Map<string, string>();
  for (const [id, key] of keys) {
    const existing = key.source.type === 'existing';
    if (key.fanOut === 'clusterExternalSecret') {
      // The cluster-scoped ClusterExternalSecret is named after the key's namespace and secretName,
      // so two such keys with both equal are one object, whatever namespaces they fan out into.
      const name = clusterExternalSecretName(key.namespace, key.secretName);
      const other = fanOutObjects.get(name);
      if (other === undefined) {
        fanOutObjects.set(name, id);
      } else {
        problems.add(raw.apiKeys[id]!.secretName !== undefined ? ['apiKeys', id, 'secretName'] : ['apiKeys', id], {
          message: `key ${quoteName(id)} is fanned out by ClusterExternalSecret ${name}, which key ${quoteName(other)} at ${problems.ref(['apiKeys', other])} writes too; the one applied last would replace the other`,
          value: showValue(key.secretName),
          allowed: 'a distinct namespace or secretName per fanned-out key, or one key shared by the vClusters',
        });
      }
    }
    const namespaces = key.fanOut === 'clusterExternalSecret' ? [...new Set((consumers.get(id) ?? []).map((i) => namespaceOf.get(i)!))].sort() : [key.namespace];
    for (const ns of namespaces) {
      const secretId = `${ns}/${key.secretName}`;
      const other = secrets.get(secretId);
      if (other === undefined) {
        secrets.set(secretId, { id, existing });
      } else if (other.id !== id && !(other.existing && existing)) {
        const where = raw.apiKeys[id]!.secretName !== undefined ? ['apiKeys', id, 'secretName'] : ['apiKeys', id];
        const how = (isExisting: boolean): string => (isExisting ? 'declares as existing' : 'writes');
        problems.add(where, {
          message: `key ${quoteName(id)} ${existing ? 'refers to' : 'writes'} Secret ${secretId}${key.fanOut ? ' (fanned out into that namespace)' : ''}, which key ${quoteName(other.id)} at ${problems.ref(['apiKeys', other.id])} ${how(other.existing)} too`,
          value: showValue(key.secretName),
          allowed: 'a distinct namespace or secretName per key, or one key shared by the vClusters',
        });
      }
    }
  }

  const clusters = clustersOf(raw, vclusters, vclusterIndex, keys, problems);
  checkGeneratedNames(raw, vclusters, vclusterIndex, [...keys.keys()], problems, clusters);
  return { file: display, platform, apiKeys: [...keys.values()], vclusters, argocd, flux, namePrefix: namePrefixOf(raw), ...(clusters ? { clusters } : {}) };
}

/** `./dist/` → `dist`: Argo CD joins it with file names itself. */
/** `./dist/`, `dist//x/.` and `.` become `dist`, `dist/x` and `.` (the repository root). */
function normalizeRepoPath(p: string): string {
  return (
    path.posix
      .normalize(p)
      .replace(/^(\.\/)+/, '')
      .replace(/\/+$/, '') || '.'
  );
}

function checkChartVersion(value: string, segments: Segment[], problems: Problems): boolean {
  const parsed = parseChartVersion(value);
  if (parsed === undefined) {
    problems.add(segments, { message: 'is not a semantic version', value: showValue(value), allowed: CHART_VERSION_RULE });
    return false;
  }
  if (valuesLayoutFor(parsed) === undefined) {
    problems.add(segments, { message: 'is older than 0.21.0: vcluster.yaml has no apiKey block there', value: showValue(value), allowed: CHART_VERSION_RULE });
    return false;
  }
  return true;
}

function checkKeyReference(id: string, segments: Segment[], keys: ReadonlyMap<string, FleetApiKey>, problems: Problems, refused: ReadonlySet<string>): boolean {
  if (keys.has(id)) return true;
  // Declared, but refused by the schema (and reported there).
  if (refused.has(id)) return false;
  // Once the problem is only counted, nothing is worded: a fleet of 10,000 keys and 10,000 typos
  // would otherwise compare every typo with every key.
  if (problems.full) {
    problems.skip();
    return false;
  }
  // A suggestion compares the id with every key id: only worth it for problems that get listed,
  // and only within a budget (100 typos among 50,000 keys would take seconds).
  let nearest: string | undefined;
  if (!problems.listFull && problems.suggestionBudget >= keys.size) {
    problems.suggestionBudget -= keys.size;
    nearest = closestMatch(id, keys.keys());
  }
  const first: string[] = [];
  for (const k of keys.keys()) {
    if (first.length === 20) break;
    first.push(k);
  }
  problems.add(segments, {
    message: `names the access key ${quoteName(id)}, which is not declared under apiKeys${nearest !== undefined ? `; did you mean '${nearest}'?` : ''}`,
    value: showValue(id),
    allowed: keys.size > 0 ? first.join(', ') + (keys.size > 20 ? ', ...' : '') : 'an id declared under apiKeys (none is declared)',
  });
  return false;
}

/** Checks that a sealed value has the shape of a Sealed Secrets seal, without showing it. */
function checkSealedValue(value: string, segments: Segment[], problems: Problems): void {
  const allowed = 'the base64 value printed by `npm run --silent seal` or kubeseal (hundreds of characters, one line)';
  if (!BASE64.test(value) || value.length % 4 !== 0) {
    const bad = [...value].findIndex((ch) => !/[A-Za-z0-9+/=]/.test(ch));
    const reason = bad >= 0 ? `character ${bad + 1} is not a base64 character` : 'its length is not a multiple of 4';
    problems.add(segments, { message: `is not base64 (${reason})`, value: sealedPreview(value), allowed });
    return;
  }
  const bytes = Buffer.from(value, 'base64');
  const rsaLength = bytes.length >= 2 ? bytes.readUInt16BE(0) : 0;
  if (bytes.length < 2 + MIN_RSA_BYTES + GCM_TAG_BYTES + 1 || rsaLength < MIN_RSA_BYTES || rsaLength > MAX_RSA_BYTES || bytes.length < 2 + rsaLength + GCM_TAG_BYTES + 1) {
    problems.add(segments, {
      message: `is not a sealed value: ${bytes.length} bytes do not hold an RSA-encrypted session key (at least ${MIN_RSA_BYTES} bytes) and an AES-GCM encrypted access key`,
      value: sealedPreview(value),
      allowed,
    });
  }
}
