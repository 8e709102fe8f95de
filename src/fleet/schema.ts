// The JSON schema check (ajv) and the wording of its errors as fleet problems.
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import fleetSchema from '../../schema/vclusters.schema.json';
import { showValue } from '../errors';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE } from '../constructs/names';
import { CHART_VERSION_RULE } from '../constructs/chart-version';
import { Problems, Segment } from './problems';
import { didYouMean } from './suggest';
import { describeType, nameHint, quoteName, shownValue } from './wording';

/** The access-key sources, in the order messages list them. */
const KEY_SOURCES = ['externalSecret', 'sealed', 'plaintextFromEnv', 'existing'] as const;
const KEY_SOURCES_TEXT = KEY_SOURCES.join(', ');

// Compiled once, on first use (compiling costs ~100 ms; loading the module should not).

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
  // A semantic version: checked by the schema so it is reported beside the entry's other problems.
  [defs.chartVersion, { what: 'is not a semantic version', allowed: CHART_VERSION_RULE }],
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
export function checkSchema(data: unknown, problems: Problems): SchemaOutcome {
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
export interface SchemaOutcome {
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

    addSchemaProblem(err, segmentsOf(prefix + err.instancePath, data), problems);
  }
}

/** Words one ajv error as a problem at `segments`. */
function addSchemaProblem(err: ErrorObject, segments: Segment[], problems: Problems): void {
  const locator = problems.locator;
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
