// The fleet with every default applied, on data the schema accepted; runs the semantic checks
// (src/fleet/checks/) in file order, so one run reports the problems of every entry.
import * as path from 'path';
import { normalizePlatformHost, validateCertificateAuthorityData } from '../constructs/platform-host';
import { fluxDefaultReleaseName } from '../constructs/names';
import { CHART_VERSION_RULE, parseChartVersion } from '../constructs/chart-version';
import { showValue } from '../errors';
import { SealedSecretScope } from '../sealing/scope';
import { checkArgoCdApplicationSet, checkArgoCdSyncOptions, checkUrlsAndArgoText } from './checks/delivery';
import { checkFanOut, checkKeyNamespace, checkKeyUsage, checkPlaintextEnv, checkSealedFor, checkSealedValue, checkSecretCollisions, KeyUsers } from './checks/keys';
import { checkChartRbac, checkChartVersion, checkKeyReference, checkReleaseLength, ClashIndex, VClusterInEffect } from './checks/vclusters';
import { formatFleetPath, Problems, Segment } from './problems';
import type { RawApiKey, RawArgoCd, RawFleet, RawFlux, RawPlatform, RawVCluster } from './raw';
import { readErrorReason } from './read';
import type { SchemaOutcome } from './schema';
import type { Fleet, FleetApiKey, FleetArgoCd, FleetFlux, FleetKeySource, FleetPlatform, FleetVCluster } from './types';
import { argoRepositoryOf, checkGeneratedNames, clustersOf, namePrefixOf, normalizeRepoPath } from './topology';
import { quoteName } from './wording';

const DEFAULT_SECRET_NAME = 'vcluster-platform-api-key';

/** What normalizing needs besides the data. */
export interface NormalizeContext {
  /** The fleet file as given: relative CA paths are resolved against its folder. */
  readonly file: string;
  /** How the fleet file is named in `Fleet.file`. */
  readonly display: string;
  /** Environment that `plaintextFromEnv` variables are checked in. */
  readonly env: NodeJS.ProcessEnv;
  /** Reads a certificate authority file by absolute path. */
  readonly readFile: (absolutePath: string) => string;
  readonly problems: Problems;
  /** What the schema refused: those entries are left out of the semantic checks. */
  readonly schema: SchemaOutcome;
}

/** Reads a CA file named at `segments` (relative to the fleet file), or records why it cannot. */
type CaReader = (relative: string, segments: Segment[]) => string | undefined;

/** The fleet with every default applied; problems found on the way go to `ctx.problems`. */
export function normalize(raw: RawFleet, ctx: NormalizeContext): Fleet {
  const { problems, schema } = ctx;
  const readCa = caReader(ctx);
  const platform = normalizePlatform(raw.platform, readCa, problems);
  checkUrlsAndArgoText(raw, problems);
  const argocd: FleetArgoCd = { ...normalizeArgoCd(raw.argocd ?? {}, problems), ...argoRepositoryOf(raw) };
  const flux = normalizeFlux(raw.flux ?? {});
  const keys = new Map<string, FleetApiKey>();
  const toolNamespaces = new Map([
    [flux.sourceRef.namespace, raw.flux?.sourceRef?.namespace !== undefined ? 'flux.sourceRef.namespace' : 'Flux, flux.sourceRef.namespace by default'],
    [argocd.namespace, raw.argocd?.namespace !== undefined ? 'argocd.namespace' : 'Argo CD, argocd.namespace by default'],
  ]);
  for (const id of Object.keys(raw.apiKeys)) {
    if (schema.badKeys.has(id)) continue;
    checkKeyNamespace(id, raw.apiKeys[id]!, toolNamespaces, problems);
    keys.set(id, normalizeKey(id, raw.apiKeys[id]!, platform, readCa, ctx));
  }
  const { vclusters, users } = normalizeVClusters(raw, keys, argocd, flux, problems, schema);
  checkKeyUsage(keys, users, schema.badVClusters.size > 0, problems);
  checkSecretCollisions(keys, raw.apiKeys, users, problems);
  // Where each accepted vCluster stands in the file, so topology problems carry its line.
  const vclusterIndex = raw.vclusters.map((_, i) => i).filter((i) => !schema.badVClusters.has(i));
  const clusters = clustersOf(raw, vclusters, vclusterIndex, keys, problems);
  checkGeneratedNames(raw, vclusters, vclusterIndex, [...keys.keys()], problems, clusters);
  return {
    file: ctx.display,
    platform,
    apiKeys: [...keys.values()],
    vclusters,
    argocd,
    flux,
    onRemoval: raw.onRemoval ?? 'keep',
    namePrefix: namePrefixOf(raw),
    ...(clusters ? { clusters } : {}),
  };
}

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

/** Reads each CA file once, checks that it holds PEM certificates, and places problems at the field naming it. */
function caReader(ctx: NormalizeContext): CaReader {
  const baseDir = path.dirname(path.resolve(ctx.file));
  const cache = new Map<string, string | undefined>();
  return (relative, segments) => {
    const absolute = path.resolve(baseDir, relative);
    if (cache.has(absolute)) return cache.get(absolute);
    let data: string | undefined;
    try {
      data = ctx.readFile(absolute);
    } catch (e) {
      ctx.problems.add(segments, {
        message: `cannot read the certificate authority file (${readErrorReason(e)}); paths are relative to the fleet file's folder`,
        value: showValue(relative),
      });
    }
    if (data !== undefined) {
      const found = validateCertificateAuthorityData(data, formatFleetPath(segments));
      for (const p of found) ctx.problems.add(segments, { message: `the file ${quoteName(relative)} ${p.message}`, value: p.value, allowed: p.allowed });
      if (found.length > 0) data = undefined;
    }
    cache.set(absolute, data);
    return data;
  };
}

function normalizePlatform(raw: RawPlatform, readCa: CaReader, problems: Problems): FleetPlatform {
  const host = hostOf(raw.host, ['platform', 'host'], problems) ?? '';
  return {
    host,
    ...(raw.project !== undefined ? { project: raw.project } : {}),
    ...(raw.insecure !== undefined ? { insecure: raw.insecure } : {}),
    ...(raw.certificateAuthorityFile !== undefined ? { certificateAuthorityData: readCa(raw.certificateAuthorityFile, ['platform', 'certificateAuthorityFile']) } : {}),
  };
}

function normalizeArgoCd(raw: RawArgoCd, problems: Problems): FleetArgoCd {
  checkArgoCdSyncOptions(raw, problems);
  checkArgoCdApplicationSet(raw, problems);
  return {
    namespace: raw.namespace ?? 'argocd',
    project: raw.project ?? 'default',
    destinationServer: raw.destinationServer ?? 'https://kubernetes.default.svc',
    applicationSet: raw.applicationSet ?? false,
    ...(raw.valuesRepository !== undefined
      ? {
          valuesRepository: {
            repoURL: raw.valuesRepository.repoURL,
            targetRevision: raw.valuesRepository.targetRevision ?? 'HEAD',
            path: normalizeRepoPath(raw.valuesRepository.path ?? 'dist'),
          },
        }
      : {}),
    syncPolicy: raw.syncPolicy ?? 'automated',
    prune: raw.prune ?? false,
    selfHeal: raw.selfHeal ?? false,
  };
}

function normalizeFlux(raw: RawFlux): FleetFlux {
  return {
    ...(raw.namespace !== undefined ? { namespace: raw.namespace } : {}),
    interval: raw.interval ?? '10m',
    valuesFrom: raw.valuesFrom ?? 'inline',
    sourceRef: {
      kind: raw.sourceRef?.kind ?? 'GitRepository',
      name: raw.sourceRef?.name ?? 'flux-system',
      namespace: raw.sourceRef?.namespace ?? 'flux-system',
    },
    path: raw.path ?? './dist',
  };
}

function normalizeKey(id: string, k: RawApiKey, platform: FleetPlatform, readCa: CaReader, ctx: NormalizeContext): FleetApiKey {
  const problems = ctx.problems;
  const at = (...rest: Segment[]): Segment[] => ['apiKeys', id, ...rest];
  const secretName = k.secretName ?? DEFAULT_SECRET_NAME;
  const keyHost = k.host !== undefined ? (hostOf(k.host, at('host'), problems) ?? '') : platform.host;
  const caData = k.certificateAuthorityFile !== undefined ? readCa(k.certificateAuthorityFile, at('certificateAuthorityFile')) : platform.certificateAuthorityData;
  const project = k.project ?? platform.project;
  const insecure = k.insecure ?? platform.insecure;
  const source = keySource(k, at, secretName, ctx);
  checkFanOut(k, at, source, problems);
  return {
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
    ...(k.allowSystemNamespace !== undefined ? { allowSystemNamespace: k.allowSystemNamespace } : {}),
    source,
  };
}

function keySource(k: RawApiKey, at: (...rest: Segment[]) => Segment[], secretName: string, ctx: NormalizeContext): FleetKeySource {
  if (k.externalSecret) {
    const es = k.externalSecret;
    return {
      type: 'externalSecret',
      storeKind: es.storeRef.kind ?? 'ClusterSecretStore',
      storeName: es.storeRef.name,
      remoteKey: es.remoteRef.key,
      ...(es.remoteRef.property !== undefined ? { property: es.remoteRef.property } : {}),
      refreshInterval: es.refreshInterval ?? '1h',
    };
  }
  if (k.sealed) {
    const s = k.sealed;
    const scope = (s.scope ?? SealedSecretScope.STRICT) as SealedSecretScope;
    checkSealedValue(s.encryptedAccessKey, at('sealed', 'encryptedAccessKey'), ctx.problems);
    checkSealedFor(k, at, secretName, scope, ctx.problems);
    return {
      type: 'sealed',
      scope,
      encryptedAccessKey: s.encryptedAccessKey,
      ...(s.sealedFor !== undefined ? { sealedFor: s.sealedFor } : {}),
      ...(s.certificateSha256 !== undefined ? { certificateSha256: s.certificateSha256 } : {}),
    };
  }
  if (k.plaintextFromEnv) {
    const variable = k.plaintextFromEnv.variable;
    checkPlaintextEnv(variable, own(ctx.env, variable), at('plaintextFromEnv', 'variable'), ctx.problems);
    return { type: 'plaintextFromEnv', variable };
  }
  return { type: 'existing' };
}

/** The release Helm installs: `release:`, else Flux's default (FACTS §4), else the vCluster's name. */
function releaseOf(v: RawVCluster, namespace: string, delivery: FleetVCluster['delivery'], flux: FleetFlux): string {
  if (v.release !== undefined) return v.release;
  if (delivery !== 'flux') return v.name;
  const targetNamespace = flux.namespace !== undefined && flux.namespace !== namespace ? namespace : undefined;
  return fluxDefaultReleaseName(v.name, targetNamespace);
}

function normalizeVClusters(
  raw: RawFleet,
  keys: ReadonlyMap<string, FleetApiKey>,
  argocd: FleetArgoCd,
  flux: FleetFlux,
  problems: Problems,
  schema: SchemaOutcome,
): { vclusters: FleetVCluster[]; users: KeyUsers } {
  // Defaults, checked once where they are written.
  const defaults = raw.defaults ?? {};
  const defaultVersionOk = defaults.chartVersion === undefined || checkChartVersion(defaults.chartVersion, ['defaults', 'chartVersion'], problems);
  const defaultKeyOk = defaults.apiKey === undefined || checkKeyReference(defaults.apiKey, ['defaults', 'apiKey'], keys, problems, schema.badKeys);
  const keyIds = Object.keys(raw.apiKeys);
  const vclusters: FleetVCluster[] = [];
  const byKey = new Map<string, number[]>();
  const namespaceOf = new Map<number, string>();
  const clashes = new ClashIndex(argocd, flux, problems);
  raw.vclusters.forEach((v, i) => {
    if (schema.badVClusters.has(i)) return;
    const at = (...rest: Segment[]): Segment[] => ['vclusters', i, ...rest];
    const namespace = v.namespace ?? v.name;
    namespaceOf.set(i, namespace);

    let chartVersion = v.chartVersion ?? defaults.chartVersion;
    let versionOk = false;
    if (chartVersion === undefined) {
      problems.add(at(), { message: 'missing chartVersion: set it here or in defaults.chartVersion', allowed: CHART_VERSION_RULE });
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
      const users = byKey.get(apiKey) ?? [];
      users.push(i);
      byKey.set(apiKey, users);
    }

    const rbac = v.rbac ?? defaults.rbac ?? 'static';
    const delivery = v.delivery ?? defaults.delivery ?? 'none';
    const project = v.project ?? defaults.project;
    const vc: VClusterInEffect = { v, index: i, namespace, effectiveRelease: releaseOf(v, namespace, delivery, flux), delivery, rbac, key };
    checkReleaseLength(vc, problems);
    if (versionOk) checkChartRbac(vc, chartVersion!, problems);
    clashes.check(vc);

    vclusters.push({
      name: v.name,
      namespace,
      chartVersion: chartVersion ?? '',
      apiKey: apiKey ?? '',
      rbac,
      ...(v.serviceAccountName !== undefined ? { serviceAccountName: v.serviceAccountName } : {}),
      ...(project !== undefined ? { project } : {}),
      ...(v.release !== undefined ? { release: v.release } : {}),
      effectiveRelease: vc.effectiveRelease,
      delivery,
    });
  });
  return { vclusters, users: { byKey, namespaceOf } };
}
