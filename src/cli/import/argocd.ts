import { valuesPath } from '../../output/layout';
import { ArgoCdSeen, describe, Note, record, str, ValuesLookup, VClusterDraft } from './model';
import { SourceObject } from './read';
import { mergeValues, parseValuesText, readValues } from './values';
import { findValuesDocument, isExactChartVersion, isVClusterRepository, valueProblems } from './delivery-common';

const DEFAULT_SERVER = 'https://kubernetes.default.svc';

interface AppShape {
  readonly name: string;
  readonly namespace: string;
  readonly spec: Record<string, unknown>;
  readonly applicationSet: boolean;
  /** Whether deleting the Application uninstalls what it deployed. */
  readonly uninstall: boolean;
  /** Whether `spec.destination.name` can be mapped (to a cluster of a multi-cluster fleet). */
  readonly byName: boolean;
}

/**
 * Argo CD deletes an Application's resources (here: uninstalls the vCluster) only when the
 * Application carries `resources-finalizer.argocd.argoproj.io` (or its `/background` form);
 * without it the resources stay (argo-cd docs user-guide/app_deletion.md,
 * "About The Deletion Finalizer").
 */
function hasResourcesFinalizer(metadata: unknown): boolean {
  const finalizers = record(metadata).finalizers;
  return Array.isArray(finalizers) && finalizers.some((f) => typeof f === 'string' && /^resources-finalizer\.argocd\.argoproj\.io(\/|$)/.test(f));
}

/** The vCluster chart source of an Application: chart `vcluster` from https://charts.loft.sh. */
function chartSource(sources: Record<string, unknown>[]): Record<string, unknown> | undefined {
  return sources.find((s) => s.chart === 'vcluster' && isVClusterRepository(s.repoURL));
}

/**
 * The values of an Application's chart source, merged as Argo CD does: `valueFiles` in order,
 * then `values`, then `valuesObject` (argo-cd docs user-guide/helm.md, "Values": valuesObject
 * takes precedence over values; value files are the base). `$<ref>/path` names a file of the
 * source with that `ref` (docs user-guide/multiple_sources.md, "Helm value files from external Git repository").
 */
function applicationValues(
  sources: Record<string, unknown>[],
  chart: Record<string, unknown>,
  lookup: ValuesLookup,
  vcNamespace: string,
  release: string,
  fail: (why: string) => void,
): { values: unknown; repository?: ArgoCdSeen['valuesRepository']; infos: string[] } | undefined {
  const helm = record(chart.helm);
  let values: unknown = {};
  let repository: ArgoCdSeen['valuesRepository'];
  const infos: string[] = [];
  const files = Array.isArray(helm.valueFiles) ? helm.valueFiles : [];
  for (const file of files) {
    const m = typeof file === 'string' ? /^\$([^/]+)\/(.+)$/.exec(file) : null;
    const ref = m ? sources.find((s) => s.ref === m[1]) : undefined;
    if (!m || !ref || !str(ref.repoURL))
      return void fail(`helm.valueFiles entry ${JSON.stringify(file)} is not a $<ref>/path of a ref source (files inside the chart are not mapped)`);
    const found = findValuesDocument(lookup, m[2]!);
    if (found.ambiguous) return void fail(`values file ${m[2]} fits several inputs (${found.ambiguous.join(', ')}): import one tree at a time`);
    if (!found.doc) return void fail(`values file ${m[2]} is not in the input: import the folder that holds it too`);
    values = mergeValues(values, found.doc.obj);
    const expected = valuesPath(vcNamespace, release);
    const repoPath = m[2] === expected ? '.' : m[2]!.endsWith(`/${expected}`) ? m[2]!.slice(0, -expected.length - 1) : undefined;
    // A hand-made layout: the fleet's Applications will read the synthesized tree instead, from the default path.
    if (repoPath === undefined)
      infos.push(`values file ${m[2]} moves: the fleet reads <argocd.valuesRepository.path>/${expected} from ${String(ref.repoURL)}; commit the synthesized tree there`);
    if (repository && (repository.repoURL !== ref.repoURL || repository.path !== repoPath)) return void fail('several values repositories in one Application');
    repository = { repoURL: str(ref.repoURL)!, targetRevision: str(ref.targetRevision) ?? 'HEAD', ...(repoPath !== undefined ? { path: repoPath } : {}) };
  }
  if (typeof helm.values === 'string') {
    const { values: parsed, error } = parseValuesText(helm.values);
    if (error) return void fail(`helm.values is not valid YAML: ${error}`);
    values = mergeValues(values, parsed);
  } else if (helm.values !== undefined) {
    values = mergeValues(values, helm.values);
  }
  if (helm.valuesObject !== undefined) values = mergeValues(values, helm.valuesObject);
  for (const field of ['parameters', 'fileParameters']) {
    if (Array.isArray(helm[field]) && (helm[field] as unknown[]).length > 0) return void fail(`helm.${field} are not mapped (the fleet file has no place for them)`);
  }
  return { values, repository, infos };
}

/** Maps one Application (or one rendered ApplicationSet element) to a vCluster. */
function mapApplication(at: SourceObject, app: AppShape, lookup: ValuesLookup, notes: Note[]): VClusterDraft | undefined {
  const subject = app.applicationSet ? `${describe(at)} element ${app.name}` : undefined;
  const fail = (why: string): undefined => void notes.push({ at, subject, why });
  const spec = app.spec;
  const sources = (Array.isArray(spec.sources) ? spec.sources : spec.source !== undefined ? [spec.source] : []).map(record);
  const chart = chartSource(sources);
  // An Application that deploys folders of manifests (app of apps, the tree's own grouping
  // Applications) is plumbing: the objects it deploys are imported from the folder itself.
  if (!chart && sources.length > 0 && sources.every((s) => s.chart === undefined && (s.path !== undefined || s.ref !== undefined))) return undefined;
  if (!chart) return fail('not a vCluster Application (no source with chart vcluster from https://charts.loft.sh)');
  const version = str(chart.targetRevision);
  if (!version || !isExactChartVersion(version)) return fail(`chart version ${JSON.stringify(chart.targetRevision)} is not an exact version such as 0.36.1`);
  const destination = record(spec.destination);
  const vcNamespace = str(destination.namespace);
  if (!vcNamespace) return fail('spec.destination.namespace is not set (the fleet needs the vCluster namespace)');
  const byName = destination.server === undefined && destination.name !== undefined;
  if (byName && !app.byName) return fail('spec.destination.name is not mapped: write spec.destination.server');
  const release = str(record(chart.helm).releaseName) ?? app.name;
  const read = applicationValues(sources, chart, lookup, vcNamespace, release, fail);
  if (!read) return undefined;
  const values = readValues(read.values);
  if (values.problems.length > 0) return fail(valueProblems(values.problems));
  const sync = record(spec.syncPolicy);
  const automated = spec.syncPolicy !== undefined && 'automated' in sync ? record(sync.automated) : undefined;
  return {
    name: app.name,
    namespace: vcNamespace,
    chartVersion: version.replace(/^v/, ''),
    release,
    delivery: 'argocd',
    values,
    at,
    origin: subject ?? describe(at),
    infos: read.infos,
    argocd: {
      namespace: app.namespace,
      project: str(spec.project) ?? 'default',
      destinationServer: str(destination.server) ?? DEFAULT_SERVER,
      ...(byName ? { destinationName: str(destination.name) } : {}),
      syncPolicy: automated ? 'automated' : 'manual',
      prune: automated?.prune === true,
      selfHeal: automated?.selfHeal === true,
      applicationSet: app.applicationSet,
      valuesRepository: read.repository,
    },
    uninstall: app.uninstall,
  };
}

/** An Argo CD Application: single- or multi-source. */
export function fromApplication(at: SourceObject, lookup: ValuesLookup, notes: Note[], byName = false): VClusterDraft[] {
  const meta = record(at.obj.metadata);
  const name = str(meta.name);
  if (!name) {
    notes.push({ at, why: 'an Application without metadata.name' });
    return [];
  }
  const draft = mapApplication(
    at,
    { name, namespace: str(meta.namespace) ?? 'argocd', spec: record(at.obj.spec), applicationSet: false, uninstall: hasResourcesFinalizer(meta), byName },
    lookup,
    notes,
  );
  return draft ? [draft] : [];
}

/** Replaces `{{.key}}` / `{{ key }}` in every string of a template with the element's values. */
function render(template: unknown, element: Record<string, unknown>, missing: Set<string>): unknown {
  if (typeof template === 'string') {
    return template.replace(/\{\{\s*\.?([A-Za-z0-9_]+)\s*\}\}/g, (_, key: string) => {
      const v = element[key];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
      missing.add(key);
      return '';
    });
  }
  if (Array.isArray(template)) return template.map((t) => render(t, element, missing));
  if (typeof template === 'object' && template !== null) return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, render(v, element, missing)]));
  return template;
}

/**
 * An ApplicationSet with list generators: each element renders the template (argo-cd docs
 * operator-manual/applicationset/Generators-List.md; GoTemplate.md for `{{.key}}`), and each
 * rendered Application is mapped like a hand-written one.
 */
export function fromApplicationSet(at: SourceObject, lookup: ValuesLookup, notes: Note[], byName = false): VClusterDraft[] {
  const spec = record(at.obj.spec);
  const generators = Array.isArray(spec.generators) ? spec.generators.map(record) : [];
  const template = record(spec.template);
  const sources = [...(Array.isArray(record(template.spec).sources) ? (record(template.spec).sources as unknown[]) : []), record(template.spec).source].map(record);
  const why = !chartSource(sources)
    ? 'not a vCluster ApplicationSet (no template source with chart vcluster from https://charts.loft.sh)'
    : generators.length === 0 || generators.some((g) => Object.keys(g).join() !== 'list')
      ? 'only ApplicationSets with list generators are mapped'
      : undefined;
  if (why) {
    notes.push({ at, why });
    return [];
  }
  // The ApplicationSet controller gives each generated Application the resources finalizer unless the
  // template has finalizers of its own or syncPolicy.preserveResourcesOnDeletion is true (argo-cd
  // applicationset/utils/utils.go RenderTemplateParams; docs operator-manual/applicationset/Application-Deletion.md).
  const ownFinalizers = Array.isArray(record(template.metadata).finalizers);
  const preserve = record(spec.syncPolicy).preserveResourcesOnDeletion === true;
  const drafts: VClusterDraft[] = [];
  for (const g of generators) {
    for (const element of Array.isArray(record(g.list).elements) ? (record(g.list).elements as unknown[]).map(record) : []) {
      const missing = new Set<string>();
      const rendered = record(render(template, element, missing));
      const meta = record(rendered.metadata);
      const name = str(meta.name);
      if (missing.size > 0 || !name) {
        notes.push({ at, why: `a list element lacks ${[...missing].join(', ') || 'a name'} for the template` });
        continue;
      }
      const draft = mapApplication(
        at,
        {
          name,
          namespace: str(meta.namespace) ?? str(record(at.obj.metadata).namespace) ?? 'argocd',
          spec: record(rendered.spec),
          applicationSet: true,
          uninstall: ownFinalizers ? hasResourcesFinalizer(meta) : !preserve,
          byName,
        },
        lookup,
        notes,
      );
      if (draft) drafts.push(draft);
    }
  }
  return drafts;
}
