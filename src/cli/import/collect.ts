import { parseChartVersion, ValuesLayout, valuesLayoutFor } from '../../constructs/chart-version';
import { fromApplication, fromApplicationSet } from './argocd';
import { isVClusterRepository, valueProblems } from './delivery-common';
import { fromHelmRelease } from './flux';
import { keyReader } from './keys';
import { groupOf, KeyDraft, nameOf, Note, record, str, ValuesLookup, VClusterDraft } from './model';
import { SourceObject } from './read';
import { readValues } from './values';
import { isHealthSnippet, KeyUnit, keyUnitOf } from './tree';

/** A Flux Kustomization's source and path: where the fleet's `flux.sourceRef` and `flux.path` show. */
export interface KustomizationSeen {
  readonly sourceKind?: string;
  readonly sourceName?: string;
  readonly sourceNamespace?: string;
  readonly path?: string;
}

/** Everything recognised in the input, before it is linked into a fleet. */
export interface Collected {
  readonly keys: KeyDraft[];
  readonly vclusters: VClusterDraft[];
  /** Roles and RoleBindings, with whether a vCluster's RBAC accounted for them. */
  readonly rbac: { readonly at: SourceObject; used: boolean }[];
  readonly kustomizations: KustomizationSeen[];
  /** The per-key Applications and Kustomizations of a synthesized tree. */
  readonly units: KeyUnit[];
  readonly notes: Note[];
}

/** Options that fill what the input cannot show. */
export interface CollectOptions {
  /**
   * Chart versions for values files that no Application or HelmRelease installs (delivery
   * `none`): each file gets the first one whose values layout it uses.
   * @default none: such files are reported
   */
  readonly chartVersions?: readonly string[];
}

type Handler = (o: SourceObject, c: Collected, deferred: SourceObject[], lookup: ValuesLookup) => void;

const quiet: Handler = () => undefined;

/**
 * Handlers by `group/kind`. Objects are recognised by what they are, never by the folder they
 * were found in or by annotations, so trees laid out differently import the same.
 */
const HANDLERS: Record<string, Handler> = {
  // Plumbing the fleet regenerates from its own settings.
  '/Namespace': quiet,
  'kustomize.config.k8s.io/Kustomization': quiet,
  'kustomize.toolkit.fluxcd.io/Kustomization': (o, c) => {
    const unit = keyUnitOf(o);
    if (unit) c.units.push(unit);
    const spec = record(o.obj.spec);
    const source = record(spec.sourceRef);
    c.kustomizations.push({ sourceKind: str(source.kind), sourceName: str(source.name), sourceNamespace: str(source.namespace) ?? nameOf(o).namespace, path: str(spec.path) });
  },
  'source.toolkit.fluxcd.io/HelmRepository': (o, c) => {
    if (!isVClusterRepository(record(o.obj.spec).url)) c.notes.push({ at: o, why: 'not the vCluster chart repository https://charts.loft.sh' });
  },
  'rbac.authorization.k8s.io/Role': (o, c) => void c.rbac.push({ at: o, used: false }),
  'rbac.authorization.k8s.io/RoleBinding': (o, c) => void c.rbac.push({ at: o, used: false }),
  '/ConfigMap': (o, _c, _d, lookup) => {
    if (isHealthSnippet(o)) return;
    const { name, namespace } = nameOf(o);
    lookup.configMaps.set(`${namespace ?? ''}/${name ?? ''}`, { at: o, used: false });
  },
  'argoproj.io/Application': (o, _c, deferred) => void deferred.push(o),
  'argoproj.io/ApplicationSet': (o, _c, deferred) => void deferred.push(o),
  'helm.toolkit.fluxcd.io/HelmRelease': (o, _c, deferred) => void deferred.push(o),
};

/** A kind-less document is Helm values (a vcluster.yaml) when it is not an object at all. */
function isValuesDocument(o: SourceObject): boolean {
  return o.obj.kind === undefined && o.obj.apiVersion === undefined;
}

/** `<...>/vclusters/<namespace>/<release>/vcluster.yaml`, where the fleet writes values. */
const VALUES_PATH = /(?:^|\/)vclusters\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/vcluster\.ya?ml$/;

/** Values files nothing installs: vClusters with delivery `none` when their place and chart version are known. */
function unusedValues(lookup: ValuesLookup, c: Collected, options: CollectOptions): void {
  const imported = new Set(c.vclusters.map((vc) => `${vc.namespace}/${vc.release}`));
  for (const doc of lookup.documents) {
    if (doc.used) continue;
    const m = VALUES_PATH.exec(doc.at.file);
    // A copy of values a HelmRelease already reads from its ConfigMap or inline.
    if (m && imported.has(`${m[1]}/${m[3]}`)) continue;
    if (!m) {
      c.notes.push({ subject: `${doc.at.file}:${doc.at.line}`, why: 'a YAML document without kind that no Application or HelmRelease reads' });
      continue;
    }
    const versions = options.chartVersions ?? [];
    if (versions.length === 0) {
      c.notes.push({ subject: doc.at.file, why: 'values that no Application or HelmRelease installs; pass --chart-version to import them as a vCluster with delivery none' });
      continue;
    }
    const values = readValues(doc.at.obj);
    if (values.problems.length > 0) {
      c.notes.push({ subject: doc.at.file, why: valueProblems(values.problems) });
      continue;
    }
    // The layout the values use says the chart's era (external.platform up to 0.31, platform from 0.32).
    const written = values.layout === 'external' ? ValuesLayout.EXTERNAL_PLATFORM : values.layout === 'platform' ? ValuesLayout.PLATFORM : undefined;
    const version = versions.find((v) => written === undefined || valuesLayoutFor(parseChartVersion(v)!) === written);
    if (version === undefined) {
      c.notes.push({ subject: doc.at.file, why: `values use ${written}.apiKey, which none of --chart-version ${versions.join(', ')} accepts; add a --chart-version of that era` });
      continue;
    }
    const namespace = m[1]!;
    const release = m[3]!;
    c.vclusters.push({ name: release, namespace, chartVersion: version.replace(/^v/, ''), release, delivery: 'none', values, origin: doc.at.file });
  }
}

/** Whether an Application is owned by an ApplicationSet that is in the input too. */
function generatedBy(o: SourceObject, applicationSets: ReadonlySet<string>): boolean {
  const owners = Array.isArray(record(o.obj.metadata).ownerReferences) ? (record(o.obj.metadata).ownerReferences as unknown[]).map(record) : [];
  return owners.some((r) => r.kind === 'ApplicationSet' && applicationSets.has(`${nameOf(o).namespace}/${String(r.name)}`));
}

/** Sorts every object into keys, vClusters, RBAC and plumbing; lists what it cannot map. */
export function collect(objects: readonly SourceObject[], options: CollectOptions = {}): Collected {
  const c: Collected = { keys: [], vclusters: [], rbac: [], kustomizations: [], units: [], notes: [] };
  const lookup: ValuesLookup = { documents: [], configMaps: new Map() };
  const deferred: SourceObject[] = [];
  for (const o of objects) {
    if (isValuesDocument(o)) {
      lookup.documents.push({ at: o, used: false });
      continue;
    }
    const reader = keyReader(o);
    if (reader) {
      const key = reader(o, c.notes);
      if (key) c.keys.push({ ...key, file: o.file });
      continue;
    }
    const handler = HANDLERS[`${groupOf(o)}/${String(o.obj.kind)}`];
    if (handler) handler(o, c, deferred, lookup);
    else c.notes.push({ at: o, why: `kind ${String(o.obj.kind)} (${String(o.obj.apiVersion)}) is not mapped` });
  }
  // Applications and HelmReleases read values documents and ConfigMaps, wherever they came in the input.
  const applicationSets = new Set(deferred.filter((o) => o.obj.kind === 'ApplicationSet').map((o) => `${nameOf(o).namespace}/${nameOf(o).name}`));
  // The per-key Applications first: a multi-cluster tree's vCluster Applications may name their cluster by its Argo CD name.
  const units = new Map(deferred.filter((o) => o.obj.kind === 'Application').map((o) => [o, keyUnitOf(o)] as const));
  c.units.push(...[...units.values()].filter((u): u is KeyUnit => u !== undefined));
  const byName = c.units.some((u) => u.cluster !== undefined);
  for (const o of deferred) {
    const kind = o.obj.kind;
    // From a live cluster an ApplicationSet's generated Applications come along; the ApplicationSet says it all.
    if (kind === 'Application' && generatedBy(o, applicationSets)) continue;
    if (units.get(o)) continue;
    const drafts =
      kind === 'Application'
        ? fromApplication(o, lookup, c.notes, byName)
        : kind === 'ApplicationSet'
          ? fromApplicationSet(o, lookup, c.notes, byName)
          : fromHelmRelease(o, lookup, c.notes);
    for (const d of drafts) {
      // The same object twice (a tree and its copy, a file named twice) is one vCluster.
      const first = c.vclusters.find((v) => v.origin === d.origin && v.namespace === d.namespace && v.release === d.release);
      if (first) c.notes.push({ at: o, why: `the same vCluster as ${first.at ? `${first.at.file}:${first.at.line}` : first.origin}; imported once` });
      else c.vclusters.push(d);
    }
  }
  for (const cm of lookup.configMaps.values()) if (!cm.used) c.notes.push({ at: cm.at, why: 'not a values ConfigMap of an imported HelmRelease' });
  unusedValues(lookup, c, options);
  return c;
}
