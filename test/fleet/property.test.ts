/**
 * Property tests over arbitrary valid fleets: fast-check builds fleet-file TEXT (1-25 vClusters,
 * random DNS names up to the 53/63-character limits, every key source, every delivery, both RBAC
 * modes, both chart eras), synthesizes it in-process through `run()`, and checks the output
 * against oracles written here from ../shared/FACTS.md, not from src/.
 *
 * Generated fleets are valid by construction: the generator steers around every documented rule
 * the loader enforces (README "Fleet file reference", "Shared and dedicated keys", "RBAC: static
 * or chart"): one Application / HelmRelease per name and one vCluster per namespace + release;
 * release names of at most 53 characters; two keys never write one Secret nor one
 * ClusterExternalSecret (a fanned-out key writes one Secret per consuming namespace, and its
 * ClusterExternalSecret is named `<namespace>.<secretName>`); a pinned key (instanceName)
 * serves one vCluster; a fan-out key has a consumer; and, for a vCluster whose key sits in
 * another namespace, the chart's RBAC names (vc-<release>-v-<namespace>-platform-role[-binding],
 * cut to 63 characters) neither agree with another vCluster's nor end in '-' after the cut.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parse, parseAllDocuments } from 'yaml';
import { run } from '../../src/cli/synth';
import { SealedSecretScope, sealingLabel } from '../../src/sealing/scope';
import { parseSealingCertificate, SealingCertificate, sealValue } from '../../src/sealing/sealed-secrets';
import { describeShared, HAVE_SHARED } from '../support/shared';
import { crdFor, hasCrdFor, validateCustomResources } from '../support/crd';
import { availableValuesSchemas, validateValues } from '../support/values-schema';

const REPO = path.resolve(__dirname, '..', '..');
/** fast-check seed, to replay a failure: PROPERTY_SEED=<seed printed in the failure>. */
const SEED = process.env.PROPERTY_SEED !== undefined ? Number(process.env.PROPERTY_SEED) : undefined;

let tmp: string;
let certificate: SealingCertificate;
let runCounter = 0;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'property-test-'));
  // The demo controller certificate (its private key was never kept): fine for sealing test values.
  certificate = parseSealingCertificate(fs.readFileSync(path.join(REPO, 'examples', 'demo-sealed-secrets.crt'), 'utf8'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Oracles, from FACTS.md.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const isLabel = (s: unknown): boolean => typeof s === 'string' && s.length <= 63 && DNS_LABEL.test(s);
const isSubdomain = (s: unknown): boolean => typeof s === 'string' && s.length <= 253 && DNS_SUBDOMAIN.test(s);

/** FACTS §4: Flux's release name, shortened past 53 characters. */
function fluxRelease(name: string, targetNamespace: string | undefined): string {
  const full = targetNamespace !== undefined ? `${targetNamespace}-${name}` : name;
  if (full.length <= 53) return full;
  return `${full.slice(0, 40)}-${createHash('sha256').update(full, 'utf8').digest('hex').slice(0, 12)}`;
}

/**
 * The release the loader writes for a Flux vCluster without `release:`: Flux's default name when
 * it is at most 52 characters (what a vCluster can run under), else 40 characters, '-', 11 hex.
 */
function runnableFluxRelease(name: string, targetNamespace: string | undefined): string {
  const full = targetNamespace !== undefined ? `${targetNamespace}-${name}` : name;
  if (full.length <= 52) return full;
  return `${full.slice(0, 40)}-${createHash('sha256').update(full, 'utf8').digest('hex').slice(0, 11)}`;
}

/** FACTS §3: first 63 characters, then ONE trailing '-' removed. */
function chartTrunc(name: string): string {
  const cut = name.slice(0, 63);
  return cut.endsWith('-') ? cut.slice(0, -1) : cut;
}

function rbacNames(release: string, namespace: string): { role: string; binding: string } {
  const base = `vc-${release}-v-${namespace}-platform-role`;
  return { role: chartTrunc(base), binding: chartTrunc(`${base}-binding`) };
}

/** FACTS §2: charts before 0.32.0 keep the apiKey block under external.platform. */
function isExternalEra(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)!;
  return Number(m[1]) === 0 && Number(m[2]) < 32;
}

// ---------------------------------------------------------------------------------------------
// The generator: drafts from fast-check, then made valid.

type Delivery = 'argocd' | 'flux' | 'none';
type Rbac = 'static' | 'chart';
type Source = 'externalSecret' | 'sealed' | 'existing' | 'plaintextFromEnv';
type Scope = 'strict' | 'namespace-wide' | 'cluster-wide';

/** Chart versions with a schema in ../shared/vcluster (the HEAD schema stands for the 0.37 line). */
const CHART_VERSIONS: readonly string[] = HAVE_SHARED
  ? availableValuesSchemas().map((s) => (s.id.startsWith('HEAD-') ? '0.37.0' : s.version))
  : ['0.31.3', '0.32.0', '0.36.1', '0.37.0'];

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
const LABEL_CHARS = [...ALNUM, '-', '-', '-'];

/** A DNS-1123 label of `min`..`max` characters, mostly short, sometimes right at the limits. */
function label(max: number, min = 1): fc.Arbitrary<string> {
  const edges = [52, 53, 54, 62, 63].filter((n) => n >= min && n <= max);
  const length = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min, max: Math.min(12, max) }) },
    { weight: 2, arbitrary: fc.integer({ min: Math.max(min, max - 20), max }) },
    ...(edges.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...edges) }] : []),
  );
  return fc
    .tuple(length, fc.constantFrom(...ALNUM), fc.array(fc.constantFrom(...LABEL_CHARS), { minLength: max, maxLength: max }), fc.constantFrom(...ALNUM))
    .map(([len, first, middle, last]) => (len === 1 ? first : `${first}${middle.slice(0, len - 2).join('')}${last}`));
}

/** A fake access key: only upper-case letters and `+/_=`, so no 8-character piece of it can occur in a message by chance. */
const fakeKey = fc.string({ unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZ+/_='.split('')), minLength: 16, maxLength: 48 });

interface KeyDraft {
  readonly source: Source;
  readonly nsPick: number;
  readonly ownNamespace: string;
  readonly useOwnNamespace: boolean;
  readonly customSecretName: boolean;
  readonly fanOut: boolean;
  readonly pinned: boolean;
  readonly rotation?: string;
  readonly scope: Scope;
  readonly writeSealedFor: boolean;
  readonly plaintext: string;
  readonly hostOverride: boolean;
  readonly insecure?: boolean;
}

interface VcDraft {
  readonly name: string;
  readonly nsPick: number | null;
  readonly release?: string;
  readonly chartVersion?: string;
  readonly vPrefix: boolean;
  readonly delivery?: Delivery;
  readonly rbac?: Rbac;
  readonly serviceAccountName?: string;
  readonly keyPick?: number;
  readonly project?: string;
}

interface FleetDraft {
  readonly namespaces: string[];
  readonly keys: KeyDraft[];
  readonly constructorId: boolean;
  readonly vclusters: VcDraft[];
  readonly defaults: { chartVersion?: string; delivery?: Delivery; rbac?: Rbac; keyPick?: number; project?: string };
  /** null: unset; -1: flux-system; else a pick from the namespace pool. */
  readonly fluxNamespace: number | null;
  readonly valuesFrom: 'inline' | 'configMap';
  readonly applicationSet: boolean;
  readonly valuesRepository: boolean;
}

const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const delivery = fc.constantFrom<Delivery>('argocd', 'flux', 'none');
const rbac = fc.constantFrom<Rbac>('static', 'chart');
const chartVersion = fc.constantFrom(...CHART_VERSIONS);

const keyDraft: fc.Arbitrary<KeyDraft> = fc.record(
  {
    source: fc.constantFrom<Source>('externalSecret', 'externalSecret', 'sealed', 'existing', 'plaintextFromEnv'),
    nsPick: fc.nat(),
    ownNamespace: label(63),
    useOwnNamespace: fc.boolean(),
    customSecretName: fc.boolean(),
    fanOut: fc.boolean(),
    pinned: fc.boolean(),
    rotation: opt(fc.constantFrom('2026-11', 'r1', 'v1.2_3', 'A')),
    scope: fc.constantFrom<Scope>('strict', 'namespace-wide', 'cluster-wide'),
    writeSealedFor: fc.boolean(),
    plaintext: fakeKey,
    hostOverride: fc.boolean(),
    insecure: opt(fc.boolean()),
  },
  { requiredKeys: ['source', 'nsPick', 'ownNamespace', 'useOwnNamespace', 'customSecretName', 'fanOut', 'pinned', 'scope', 'writeSealedFor', 'plaintext', 'hostOverride'] },
);

const vcDraft: fc.Arbitrary<VcDraft> = fc.record(
  {
    name: label(63),
    nsPick: fc.option(fc.nat(), { nil: null }),
    release: opt(label(53)),
    chartVersion: opt(chartVersion),
    vPrefix: fc.boolean(),
    delivery: opt(delivery),
    rbac: opt(rbac),
    serviceAccountName: opt(
      fc.oneof(
        label(63),
        label(20).map((l) => `${l}.control-plane`),
      ),
    ),
    keyPick: opt(fc.nat()),
    project: opt(label(20)),
  },
  { requiredKeys: ['name', 'nsPick', 'vPrefix'] },
);

const fleetDraft: fc.Arbitrary<FleetDraft> = fc.record({
  namespaces: fc.array(label(63), { minLength: 1, maxLength: 6 }),
  keys: fc.array(keyDraft, { minLength: 1, maxLength: 5 }),
  constructorId: fc.boolean(),
  vclusters: fc.array(vcDraft, { minLength: 1, maxLength: 25 }),
  defaults: fc.record({ chartVersion: chartVersion, delivery: delivery, rbac: rbac, keyPick: fc.nat(), project: label(20) }, { requiredKeys: [] }),
  fluxNamespace: fc.option(fc.integer({ min: -1, max: 10 }), { nil: null }),
  valuesFrom: fc.constantFrom<'inline' | 'configMap'>('inline', 'configMap'),
  applicationSet: fc.boolean(),
  valuesRepository: fc.boolean(),
});

/** One key of a generated fleet, as written and as expected. */
interface Key {
  readonly id: string;
  readonly namespace: string;
  secretName: string;
  readonly customSecretName: boolean;
  readonly source: Source;
  fanOut: boolean;
  instanceName?: string;
  readonly rotation?: string;
  readonly scope: Scope;
  readonly writeSealedFor: boolean;
  readonly variable?: string;
  readonly plaintext?: string;
  readonly host?: string;
  readonly insecure?: boolean;
  readonly draft: KeyDraft;
}

/** One vCluster of a generated fleet: what is written, and what it must become. */
interface VCluster {
  readonly draft: VcDraft;
  readonly name: string;
  readonly namespace: string;
  release?: string;
  readonly chartVersion: string;
  readonly delivery: Delivery;
  readonly rbac: Rbac;
  readonly serviceAccountName?: string;
  readonly key: Key;
  readonly project?: string;
  effectiveRelease: string;
}

interface Generated {
  readonly text: string;
  readonly env: Record<string, string>;
  readonly keys: readonly Key[];
  readonly vclusters: readonly VCluster[];
  readonly fluxNamespace?: string;
  readonly valuesFrom: 'inline' | 'configMap';
  readonly applicationSet: boolean;
  readonly valuesRepository: boolean;
}

/** A plain scalar when YAML reads it as a string, else double-quoted (`8`, `1e3`, `0x1f`, `null` are not strings). */
function q(value: string): string {
  return /^[a-z]/.test(value) && !/^(true|false|null)$/.test(value) ? value : `"${value}"`;
}

function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length]!;
}

/** FACTS §4 with the fleet's settings: the release the GitOps tool will really use. */
function effectiveRelease(vc: { name: string; namespace: string; release?: string; delivery: Delivery }, fluxNamespace: string | undefined): string {
  if (vc.release !== undefined) return vc.release;
  if (vc.delivery === 'flux') {
    const helmReleaseNamespace = fluxNamespace ?? vc.namespace;
    return runnableFluxRelease(vc.name, helmReleaseNamespace !== vc.namespace ? vc.namespace : undefined);
  }
  return vc.name;
}

/** Turns a draft into a valid fleet (see the file comment for what it steers around). */
function generate(d: FleetDraft): Generated {
  const fluxNamespace = d.fluxNamespace === null ? undefined : d.fluxNamespace === -1 ? 'flux-system' : pick(d.namespaces, d.fluxNamespace);
  const keys: Key[] = d.keys.map((k, i) => {
    const id = i === 1 && d.constructorId ? 'constructor' : `key-${i}`;
    return {
      id,
      namespace: k.useOwnNamespace ? k.ownNamespace : pick(d.namespaces, k.nsPick),
      secretName: k.customSecretName ? `${id}-secret` : 'vcluster-platform-api-key',
      customSecretName: k.customSecretName,
      source: k.source,
      fanOut: k.fanOut && k.source === 'externalSecret',
      ...(k.pinned ? { instanceName: `inst-${id}` } : {}),
      ...(k.rotation !== undefined ? { rotation: k.rotation } : {}),
      scope: k.scope,
      writeSealedFor: k.writeSealedFor,
      ...(k.source === 'plaintextFromEnv' ? { variable: `FLEET_KEY_${i}`, plaintext: k.plaintext } : {}),
      ...(k.hostOverride ? { host: `keys-${i}.platform.example.com:8443` } : {}),
      ...(k.insecure !== undefined ? { insecure: k.insecure } : {}),
      draft: k,
    };
  });
  const defaultKey = d.defaults.keyPick !== undefined ? pick(keys, d.defaults.keyPick) : undefined;

  const vclusters: VCluster[] = [];
  const names = new Set<string>();
  const releases = new Set<string>();
  const rbacObjects = new Set<string>();
  for (const v of d.vclusters) {
    const namespace = v.nsPick === null ? v.name : pick(d.namespaces, v.nsPick);
    const key = v.keyPick !== undefined ? pick(keys, v.keyPick) : (defaultKey ?? keys[0]!);
    const vc: VCluster = {
      draft: v,
      name: v.name,
      namespace,
      ...(v.release !== undefined ? { release: v.release } : {}),
      chartVersion: v.chartVersion ?? d.defaults.chartVersion ?? pick(CHART_VERSIONS, vclusters.length),
      delivery: v.delivery ?? d.defaults.delivery ?? 'none',
      rbac: v.rbac ?? d.defaults.rbac ?? 'static',
      ...(v.serviceAccountName !== undefined ? { serviceAccountName: v.serviceAccountName } : {}),
      key,
      ...((v.project ?? d.defaults.project) !== undefined ? { project: v.project ?? d.defaults.project } : {}),
      effectiveRelease: '',
    };
    vc.effectiveRelease = effectiveRelease(vc, fluxNamespace);
    if (vc.effectiveRelease.length > 52 || !/^[a-z]/.test(vc.effectiveRelease)) {
      // Documented rule: Argo CD / none use the name as release, and a vCluster release is at most
      // 52 characters (pods' controller-revision-hash label) and starts with a letter (its Service).
      vc.release = `r${vc.name}`.slice(0, 52).replace(/-+$/, '');
      vc.effectiveRelease = vc.release;
    }
    // Documented rules: one Application / HelmRelease per name, one vCluster per namespace + release.
    if (names.has(vc.name) || releases.has(`${namespace}/${vc.effectiveRelease}`)) continue;
    // Documented rules (both RBAC modes: the chart uses the same names): RBAC names must not agree
    // in their first 63 characters, and a '--' at the cut must not leave a name ending in '-'.
    const secretNamespace = key.fanOut ? namespace : key.namespace;
    if (secretNamespace !== namespace) {
      const { role, binding } = rbacNames(vc.effectiveRelease, namespace);
      if (role.endsWith('-') || binding.endsWith('-')) continue;
      if (rbacObjects.has(`${secretNamespace}/Role/${role}`) || rbacObjects.has(`${secretNamespace}/RoleBinding/${binding}`)) continue;
      rbacObjects.add(`${secretNamespace}/Role/${role}`);
      rbacObjects.add(`${secretNamespace}/RoleBinding/${binding}`);
    }
    names.add(vc.name);
    releases.add(`${namespace}/${vc.effectiveRelease}`);
    vclusters.push(vc);
  }

  // Key rules, now that the consumers are known.
  const consumers = (k: Key): VCluster[] => vclusters.filter((vc) => vc.key === k);
  const secrets = new Map<string, Key>();
  for (const k of keys) {
    const users = consumers(k);
    // Documented: a fan-out key needs a consumer; a pinned key serves at most one vCluster.
    if (k.fanOut && users.length === 0) k.fanOut = false;
    if (users.length > 1) delete k.instanceName;
    const objectIds = (): string[] => [
      ...(k.fanOut ? [...new Set(users.map((u) => u.namespace))] : [k.namespace]).map((ns) => `Secret ${ns}/${k.secretName}`),
      ...(k.fanOut ? [`ClusterExternalSecret ${k.namespace}.${k.secretName}`] : []),
    ];
    // Documented: two keys must not write one Secret, nor (fanned out) one ClusterExternalSecret.
    if (objectIds().some((s) => secrets.has(s))) k.secretName = `${k.id}-alt`;
    for (const s of objectIds()) secrets.set(s, k);
  }

  // The fleet file text.
  const env: Record<string, string> = {};
  const lines: string[] = ['# generated by test/property.test.ts', 'platform:', '  host: https://platform.example.com'];
  const defaults: string[] = [];
  if (d.defaults.chartVersion !== undefined) defaults.push(`  chartVersion: "${d.defaults.chartVersion}"`);
  if (defaultKey !== undefined) defaults.push(`  apiKey: ${defaultKey.id}`);
  if (d.defaults.delivery !== undefined) defaults.push(`  delivery: ${d.defaults.delivery}`);
  if (d.defaults.rbac !== undefined) defaults.push(`  rbac: ${d.defaults.rbac}`);
  if (d.defaults.project !== undefined) defaults.push(`  project: ${q(d.defaults.project)}`);
  if (defaults.length > 0) lines.push('defaults:', ...defaults);
  if (d.applicationSet || d.valuesRepository) {
    lines.push('argocd:', `  applicationSet: ${d.applicationSet}`, '  valuesRepository:', '    repoURL: https://github.com/acme/fleet.git', '    path: ./dist/');
  }
  lines.push('flux:', `  valuesFrom: ${d.valuesFrom}`);
  if (fluxNamespace !== undefined) lines.push(`  namespace: ${q(fluxNamespace)}`);
  lines.push('apiKeys:');
  for (const k of keys) {
    lines.push(`  ${k.id}:`, `    namespace: ${q(k.namespace)}`);
    if (k.secretName !== 'vcluster-platform-api-key') lines.push(`    secretName: ${k.secretName}`);
    if (k.instanceName !== undefined) lines.push(`    instanceName: ${k.instanceName}`);
    if (k.rotation !== undefined) lines.push(`    rotation: "${k.rotation}"`);
    if (k.fanOut) lines.push('    fanOut: clusterExternalSecret');
    if (k.host !== undefined) lines.push(`    host: ${k.host}`);
    if (k.insecure !== undefined) lines.push(`    insecure: ${k.insecure}`);
    switch (k.source) {
      case 'externalSecret':
        lines.push('    externalSecret:', '      storeRef: { kind: ClusterSecretStore, name: vault }', `      remoteRef: { key: platform/${k.id}, property: accessKey }`);
        break;
      case 'sealed': {
        const scope = k.scope as SealedSecretScope;
        const encrypted = sealValue({ certificate, namespace: k.namespace, name: k.secretName, scope, plaintext: `SEALED-${k.id}` });
        lines.push('    sealed:', `      scope: ${k.scope}`);
        if (k.writeSealedFor) lines.push(`      sealedFor: "${sealingLabel(scope, k.namespace, k.secretName)}"`);
        lines.push(`      encryptedAccessKey: ${encrypted}`);
        break;
      }
      case 'plaintextFromEnv':
        env[k.variable!] = k.plaintext!;
        lines.push(`    plaintextFromEnv: { variable: ${k.variable}, allowPlaintext: true }`);
        break;
      case 'existing':
        lines.push('    existing: {}');
        break;
    }
  }
  // The rules above may leave no vCluster at all: a fleet of keys only is valid too.
  lines.push(vclusters.length > 0 ? 'vclusters:' : 'vclusters: []');
  for (const vc of vclusters) {
    const v = vc.draft;
    lines.push(`  - name: ${q(vc.name)}`);
    if (v.nsPick !== null) lines.push(`    namespace: ${q(vc.namespace)}`);
    if (vc.release !== undefined) lines.push(`    release: ${q(vc.release)}`);
    if (v.chartVersion !== undefined || d.defaults.chartVersion === undefined) lines.push(`    chartVersion: "${v.vPrefix ? 'v' : ''}${vc.chartVersion}"`);
    if (v.keyPick !== undefined || defaultKey === undefined) lines.push(`    apiKey: ${vc.key.id}`);
    if (v.delivery !== undefined) lines.push(`    delivery: ${v.delivery}`);
    if (v.rbac !== undefined) lines.push(`    rbac: ${v.rbac}`);
    if (v.serviceAccountName !== undefined) lines.push(`    serviceAccountName: ${q(v.serviceAccountName)}`);
    if (v.project !== undefined) lines.push(`    project: ${q(v.project)}`);
  }
  return {
    text: `${lines.join('\n')}\n`,
    env,
    keys,
    vclusters,
    ...(fluxNamespace !== undefined ? { fluxNamespace } : {}),
    valuesFrom: d.valuesFrom,
    applicationSet: d.applicationSet,
    valuesRepository: d.valuesRepository || d.applicationSet,
  };
}

const fleets = fleetDraft.map(generate);

// ---------------------------------------------------------------------------------------------
// Running and reading the output.

interface Synth {
  readonly dir: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function synth(fleet: Generated, dir: string, out: string): Synth {
  let stdout = '';
  let stderr = '';
  const code = run(['--fleet', 'vclusters.yaml', '--out', out], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { ...fleet.env },
    cwd: dir,
  });
  return { dir, code, stdout, stderr };
}

/** Writes the fleet into a fresh folder and synthesizes it to `out`; fails with the fleet text when it does not succeed. */
function synthFresh(fleet: Generated): Synth {
  const dir = path.join(tmp, `run-${++runCounter}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'vclusters.yaml'), fleet.text);
  const result = synth(fleet, dir, 'out');
  if (result.code !== 0) throw new Error(`synth of a valid fleet failed (exit ${result.code}):\n${result.stderr}\n--- fleet ---\n${fleet.text}`);
  return result;
}

/** Every file under `root` by relative path. */
function readFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (abs: string, rel: string): void => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else files.set(r, fs.readFileSync(path.join(abs, e.name), 'utf8'));
    }
  };
  walk(root, '');
  return files;
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, unknown>; annotations?: Record<string, unknown>; [k: string]: unknown };
  [field: string]: any;
}

interface Output {
  readonly files: Map<string, string>;
  readonly objects: K8sObject[];
  /** vcluster.yaml by `namespace/release`. */
  readonly values: Map<string, unknown>;
  readonly kustomizations: Map<string, any>;
}

function readOutput(root: string): Output {
  const files = readFiles(root);
  const objects: K8sObject[] = [];
  const values = new Map<string, unknown>();
  const kustomizations = new Map<string, any>();
  for (const [rel, text] of files) {
    if (!rel.endsWith('.yaml')) continue;
    const m = /^vclusters\/([^/]+)\/([^/]+)\/vcluster\.yaml$/.exec(rel);
    if (m) {
      values.set(`${m[1]}/${m[2]}`, parse(text));
    } else if (rel === 'kustomization.yaml' || rel.endsWith('/kustomization.yaml')) {
      kustomizations.set(rel, parse(text));
    } else {
      for (const doc of parseAllDocuments(text)) {
        expect({ rel, errors: doc.errors.map((e) => e.message) }).toEqual({ rel, errors: [] });
        objects.push(doc.toJS() as K8sObject);
      }
    }
  }
  return { files, objects, values, kustomizations };
}

// ---------------------------------------------------------------------------------------------
// Structural checks of core kinds (no Kubernetes OpenAPI is shipped).

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterExternalSecret']);
const CORE: Record<string, { apiVersion: string; fields: readonly string[] }> = {
  Namespace: { apiVersion: 'v1', fields: [] },
  Secret: { apiVersion: 'v1', fields: ['type', 'data', 'stringData', 'immutable'] },
  ConfigMap: { apiVersion: 'v1', fields: ['data', 'binaryData', 'immutable'] },
  Role: { apiVersion: 'rbac.authorization.k8s.io/v1', fields: ['rules'] },
  RoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', fields: ['roleRef', 'subjects'] },
};
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Problems with an object's identity and metadata (every kind). */
function metadataProblems(o: K8sObject): string[] {
  const p: string[] = [];
  const id = `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return [`${id}: apiVersion and kind must be strings`];
  const md = o.metadata;
  if (md === null || typeof md !== 'object') return [`${id}: no metadata`];
  for (const k of Object.keys(md)) if (!['name', 'namespace', 'labels', 'annotations'].includes(k)) p.push(`${id}: unexpected metadata.${k}`);
  if (o.kind === 'Namespace' ? !isLabel(md.name) : !isSubdomain(md.name)) p.push(`${id}: metadata.name is not a valid name`);
  if (CLUSTER_SCOPED.has(o.kind)) {
    if (md.namespace !== undefined) p.push(`${id}: a cluster-scoped object has a namespace`);
  } else if (!isLabel(md.namespace)) {
    p.push(`${id}: metadata.namespace is missing or not a DNS label`);
  }
  for (const field of ['labels', 'annotations'] as const) {
    for (const [k, v] of Object.entries(md[field] ?? {})) {
      if (!QUALIFIED_NAME.test(k) || typeof v !== 'string') p.push(`${id}: metadata.${field}[${k}] is not a key/string pair`);
    }
  }
  return p;
}

/** Problems with a core-kind object beyond its metadata. */
function coreProblems(o: K8sObject): string[] {
  const p: string[] = [];
  const id = `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const core = CORE[o.kind]!;
  if (o.apiVersion !== core.apiVersion) p.push(`${id}: apiVersion ${o.apiVersion}, expected ${core.apiVersion}`);
  for (const k of Object.keys(o)) if (!['apiVersion', 'kind', 'metadata', ...core.fields].includes(k)) p.push(`${id}: unknown field ${k}`);
  switch (o.kind) {
    case 'Secret':
      if (o.type !== undefined && typeof o.type !== 'string') p.push(`${id}: type is not a string`);
      for (const [k, v] of Object.entries(o.data ?? {})) {
        if (!CONFIG_KEY.test(k)) p.push(`${id}: data key ${k} is invalid`);
        if (typeof v !== 'string' || !BASE64.test(v)) p.push(`${id}: data.${k} is not base64`);
      }
      for (const [k, v] of Object.entries(o.stringData ?? {})) if (!CONFIG_KEY.test(k) || typeof v !== 'string') p.push(`${id}: stringData.${k} is invalid`);
      break;
    case 'ConfigMap':
      for (const [k, v] of Object.entries(o.data ?? {})) if (!CONFIG_KEY.test(k) || typeof v !== 'string') p.push(`${id}: data.${k} is invalid`);
      break;
    case 'Role': {
      const rules = o.rules as unknown[];
      // FACTS §3: exactly one rule, get on one named Secret, nothing else.
      const ok =
        Array.isArray(rules) &&
        rules.length === 1 &&
        JSON.stringify(Object.keys(rules[0] as object).sort()) === '["apiGroups","resourceNames","resources","verbs"]' &&
        JSON.stringify((rules[0] as any).apiGroups) === '[""]' &&
        JSON.stringify((rules[0] as any).resources) === '["secrets"]' &&
        JSON.stringify((rules[0] as any).verbs) === '["get"]' &&
        Array.isArray((rules[0] as any).resourceNames) &&
        (rules[0] as any).resourceNames.length === 1 &&
        isSubdomain((rules[0] as any).resourceNames[0]);
      if (!ok) p.push(`${id}: rules are not exactly get on one named secret: ${JSON.stringify(rules)}`);
      break;
    }
    case 'RoleBinding': {
      const ref = o.roleRef;
      if (
        JSON.stringify(ref && Object.keys(ref).sort()) !== '["apiGroup","kind","name"]' ||
        ref.apiGroup !== 'rbac.authorization.k8s.io' ||
        ref.kind !== 'Role' ||
        !isSubdomain(ref.name)
      ) {
        p.push(`${id}: roleRef ${JSON.stringify(ref)}`);
      }
      const subjects = o.subjects as any[];
      const ok =
        Array.isArray(subjects) &&
        subjects.length === 1 &&
        JSON.stringify(Object.keys(subjects[0]).sort()) === '["kind","name","namespace"]' &&
        subjects[0].kind === 'ServiceAccount' &&
        isSubdomain(subjects[0].name) &&
        isLabel(subjects[0].namespace);
      if (!ok) p.push(`${id}: subjects ${JSON.stringify(subjects)}`);
      break;
    }
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// What the output must hold, computed from the generated fleet.

function expectedRbac(fleet: Generated): { roles: string[]; bindings: string[] } {
  const roles: string[] = [];
  const bindings: string[] = [];
  for (const vc of fleet.vclusters) {
    const secretNamespace = vc.key.fanOut ? vc.namespace : vc.key.namespace;
    if (vc.rbac !== 'static' || secretNamespace === vc.namespace) continue;
    const { role, binding } = rbacNames(vc.effectiveRelease, vc.namespace);
    const account = vc.serviceAccountName ?? `vc-${vc.effectiveRelease}`;
    roles.push(`${secretNamespace}/${role}: get secrets/${vc.key.secretName}`);
    bindings.push(`${secretNamespace}/${binding}: Role ${role} -> ServiceAccount ${vc.namespace}/${account}`);
  }
  return { roles: roles.sort(), bindings: bindings.sort() };
}

function actualRbac(objects: readonly K8sObject[]): { roles: string[]; bindings: string[] } {
  const roles = objects.filter((o) => o.kind === 'Role').map((o) => `${o.metadata.namespace}/${o.metadata.name}: get secrets/${o.rules?.[0]?.resourceNames?.join(',')}`);
  const bindings = objects
    .filter((o) => o.kind === 'RoleBinding')
    .map((o) => `${o.metadata.namespace}/${o.metadata.name}: Role ${o.roleRef?.name} -> ${(o.subjects ?? []).map((s: any) => `${s.kind} ${s.namespace}/${s.name}`).join(', ')}`);
  return { roles: roles.sort(), bindings: bindings.sort() };
}

/** The release Argo CD / Flux will use, read back from the emitted objects (FACTS §4). */
function releasesFromDelivery(objects: readonly K8sObject[]): Map<string, { release: string; namespace: string; version: string; kind: string }> {
  const found = new Map<string, { release: string; namespace: string; version: string; kind: string }>();
  for (const o of objects) {
    if (o.kind === 'Application') {
      const sources: any[] = o.spec.sources ?? [o.spec.source];
      const chart = sources.find((s) => s.chart === 'vcluster');
      // A per-key Application applies a folder of the tree (the key, then its vCluster Applications).
      if (chart === undefined) continue;
      found.set(`Application ${o.metadata.name}`, {
        release: chart.helm?.releaseName ?? o.metadata.name,
        namespace: o.spec.destination.namespace,
        version: chart.targetRevision,
        kind: 'argocd',
      });
    } else if (o.kind === 'ApplicationSet') {
      for (const e of o.spec.generators[0].list.elements) {
        found.set(`Application ${e.name}`, { release: e.release, namespace: e.namespace, version: e.chartVersion, kind: 'argocd' });
      }
    } else if (o.kind === 'HelmRelease') {
      const target: string | undefined = o.spec.targetNamespace;
      const release = o.spec.releaseName ?? fluxRelease(o.metadata.name, target);
      found.set(`HelmRelease ${o.metadata.namespace}/${o.metadata.name}`, {
        release,
        namespace: target ?? o.metadata.namespace!,
        version: o.spec.chart.spec.version,
        kind: 'flux',
      });
    }
  }
  return found;
}

/** Asserts no 8-character piece of any key value shows in `printed`. */
function expectNoKeyMaterial(printed: string, fleet: Generated): void {
  for (const k of fleet.keys) {
    if (k.plaintext === undefined) continue;
    const pieces: string[] = [];
    for (let i = 0; i + 8 <= k.plaintext.length; i++) if (printed.includes(k.plaintext.slice(i, i + 8))) pieces.push(k.plaintext.slice(i, i + 8));
    expect({ key: k.id, pieces }).toEqual({ key: k.id, pieces: [] });
    expect(printed).not.toContain(Buffer.from(k.plaintext).toString('base64'));
  }
}

// ---------------------------------------------------------------------------------------------

describe('arbitrary valid fleets', () => {
  test('synthesize, with least-privilege RBAC for the real release, byte-identical on rerun, and no key in what is printed', () => {
    fc.assert(
      fc.property(fleets, (fleet) => {
        const first = synthFresh(fleet);
        const out = path.join(first.dir, 'out');
        const output = readOutput(out);
        const { objects } = output;

        // Identity: no two objects of one kind share a namespace and name.
        const ids = objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
        expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);

        // Structure: metadata of every object; the core kinds in full.
        const problems = objects.flatMap((o) => [...metadataProblems(o), ...(CORE[o.kind] ? coreProblems(o) : [])]);
        expect(problems).toEqual([]);

        // RBAC: exactly one Role + RoleBinding per vCluster reading a key in another namespace,
        // granting get on exactly that Secret to vc-<effective release> (or the override) in the vCluster's namespace.
        expect(actualRbac(objects)).toEqual(expectedRbac(fleet));

        // Values: one vcluster.yaml per vCluster at vclusters/<namespace>/<effective release>/.
        expect([...output.values.keys()].sort()).toEqual(fleet.vclusters.map((vc) => `${vc.namespace}/${vc.effectiveRelease}`).sort());
        for (const vc of fleet.vclusters) {
          const values = output.values.get(`${vc.namespace}/${vc.effectiveRelease}`) as any;
          const block = isExternalEra(vc.chartVersion) ? values.external?.platform : values.platform;
          const secretNamespace = vc.key.fanOut ? vc.namespace : vc.key.namespace;
          expect({ vc: vc.name, apiKey: block?.apiKey, project: block?.project }).toEqual({
            vc: vc.name,
            apiKey: { secretName: vc.key.secretName, namespace: secretNamespace, createRBAC: vc.rbac === 'chart' },
            project: vc.project,
          });
          expect(values.controlPlane?.advanced?.serviceAccount?.name).toBe(vc.serviceAccountName);
          expect(values.controlPlane?.statefulSet?.pods?.annotations?.['cdk8s-vcluster-platform/access-key-rotation']).toBe(vc.key.rotation);
        }

        // Delivery: the release the GitOps tool will use IS the effective release (FACTS §4).
        const delivered = releasesFromDelivery(objects);
        const expectedDelivered = new Map(
          fleet.vclusters
            .filter((vc) => vc.delivery !== 'none')
            .map((vc) => [
              vc.delivery === 'argocd' ? `Application ${vc.name}` : `HelmRelease ${fleet.fluxNamespace ?? vc.namespace}/${vc.name}`,
              { release: vc.effectiveRelease, namespace: vc.namespace, version: vc.chartVersion, kind: vc.delivery },
            ]),
        );
        expect(Object.fromEntries(delivered)).toEqual(Object.fromEntries(expectedDelivered));
        for (const o of objects.filter((x) => x.kind === 'HelmRelease' && x.spec.targetNamespace !== undefined)) {
          expect(o.spec.storageNamespace).toBe(o.spec.targetNamespace); // FACTS §4
        }

        // Namespaces: each vCluster's and each emitted key's namespace is created, once.
        const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
        expect(new Set(namespaces).size).toBe(namespaces.length);
        for (const vc of fleet.vclusters) expect(namespaces).toContain(vc.namespace);

        // Key material: each plaintext key is in its Secret (so the check below is not vacuous).
        for (const k of fleet.keys.filter((x) => x.source === 'plaintextFromEnv')) {
          const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.namespace === k.namespace && o.metadata.name === k.secretName);
          expect(Buffer.from(secret?.data?.accessKey ?? '', 'base64').toString('utf8')).toBe(k.plaintext);
        }

        // Kustomizations list only what exists.
        for (const [rel, k] of output.kustomizations) {
          expect({ rel, apiVersion: k.apiVersion, kind: k.kind }).toEqual({ rel, apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
          const base = path.posix.dirname(rel);
          for (const r of k.resources as string[]) expect({ rel, r, exists: fs.existsSync(path.join(out, base, r)) }).toEqual({ rel, r, exists: true });
        }

        // Determinism: a second synth into a fresh folder gives the same bytes; a third into the
        // first folder changes nothing.
        const second = synth(fleet, first.dir, 'out2');
        expect(second.code).toBe(0);
        const again = readFiles(path.join(first.dir, 'out2'));
        expect([...again.keys()].sort()).toEqual([...output.files.keys()].sort());
        for (const [rel, text] of output.files) expect({ rel, same: again.get(rel) === text }).toEqual({ rel, same: true });
        const third = synth(fleet, first.dir, 'out');
        expect(third.code).toBe(0);
        expect(third.stdout).toBe(first.stdout.replace('(written)', '(unchanged)'));

        // Nothing printed holds key material; every plaintext key is warned about.
        const printed = [first, second, third].map((r) => r.stdout + r.stderr).join('\n');
        expectNoKeyMaterial(printed, fleet);
        expectNoKeyMaterial(output.files.get('README.md')!, fleet);
        for (const k of fleet.keys.filter((x) => x.source === 'plaintextFromEnv')) {
          expect(first.stderr).toContain(`warning: PlatformApiKey ${k.namespace}/${k.secretName}: the access key is written in plaintext`);
        }

        fs.rmSync(first.dir, { recursive: true, force: true });
      }),
      { numRuns: 50, endOnFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
  });
});

describeShared('arbitrary valid fleets against the CRDs and the chart schemas in ../shared', () => {
  test('every custom resource validates against its CRD, every vcluster.yaml against its chart schema', () => {
    fc.assert(
      fc.property(fleets, (fleet) => {
        const result = synthFresh(fleet);
        const output = readOutput(path.join(result.dir, 'out'));

        // Every kind is either a core kind checked structurally or has a served CRD version.
        const unknown = output.objects.filter((o) => !CORE[o.kind] && !hasCrdFor(o)).map((o) => `${o.apiVersion} ${o.kind}`);
        expect(unknown).toEqual([]);
        expect(validateCustomResources(output.objects)).toEqual([]);
        // Scope: a namespaced CRD's objects carry a namespace, a cluster-scoped one's none.
        for (const o of output.objects.filter((x) => !CORE[x.kind])) {
          const scope = crdFor(o.apiVersion, o.kind)!.scope;
          expect({ kind: o.kind, scope, namespaced: o.metadata.namespace !== undefined }).toEqual({ kind: o.kind, scope, namespaced: scope === 'Namespaced' });
        }

        for (const vc of fleet.vclusters) {
          const values = output.values.get(`${vc.namespace}/${vc.effectiveRelease}`);
          expect({ vc: vc.name, version: vc.chartVersion, problems: validateValues(values, vc.chartVersion) }).toEqual({ vc: vc.name, version: vc.chartVersion, problems: [] });
        }
        // Values inlined into HelmReleases and ConfigMaps are the same documents.
        for (const o of output.objects) {
          if (o.kind === 'ConfigMap' && typeof o.data?.['values.yaml'] === 'string') {
            const vc = fleet.vclusters.find((v) => o.metadata.name === `${v.name}-values`)!;
            expect(validateValues(parse(o.data['values.yaml']), vc.chartVersion)).toEqual([]);
          }
        }

        fs.rmSync(result.dir, { recursive: true, force: true });
      }),
      { numRuns: 40, endOnFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
  });
});
