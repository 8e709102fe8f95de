import { fluxDefaultReleaseName } from '../../constructs/names';
import { isExactChartVersion, valueProblems } from './delivery-common';
import { describe, Note, record, str, ValuesLookup, VClusterDraft } from './model';
import { SourceObject } from './read';
import { mergeValues, parseValuesText, readValues } from './values';

/**
 * The values of a HelmRelease: each `valuesFrom` source in order, then `spec.values` on top;
 * `valuesKey` defaults to `values.yaml` (fluxcd/helm-controller docs/spec/v2/helmreleases.md,
 * "Values references"). Secrets are not read: the import never reads Secret payloads besides
 * the non-secret fields of access-key Secrets.
 */
function helmReleaseValues(at: SourceObject, namespace: string, lookup: ValuesLookup, fail: (why: string) => void): { values: unknown; configMap: boolean } | undefined {
  const spec = record(at.obj.spec);
  let values: unknown = {};
  let configMap = false;
  for (const ref of Array.isArray(spec.valuesFrom) ? spec.valuesFrom.map(record) : []) {
    if (ref.kind !== 'ConfigMap') return void fail(`valuesFrom ${String(ref.kind)} ${String(ref.name)} is not mapped (only ConfigMaps are read)`);
    if (ref.targetPath !== undefined) return void fail('valuesFrom.targetPath is not mapped');
    const key = `${namespace}/${String(ref.name)}`;
    const cm = lookup.configMaps.get(key);
    if (!cm) {
      if (ref.optional === true) continue;
      return void fail(`values ConfigMap ${key} is not in the input: import it too`);
    }
    const text = record(cm.at.obj.data)[str(ref.valuesKey) ?? 'values.yaml'];
    if (typeof text !== 'string') return void fail(`ConfigMap ${key} has no key ${str(ref.valuesKey) ?? 'values.yaml'}`);
    const parsed = parseValuesText(text);
    if (parsed.error) return void fail(`ConfigMap ${key}: values are not valid YAML: ${parsed.error}`);
    cm.used = true;
    configMap = true;
    values = mergeValues(values, parsed.values);
  }
  if (spec.values !== undefined) values = mergeValues(values, spec.values);
  return { values, configMap };
}

/** A Flux HelmRelease of chart `vcluster`. */
export function fromHelmRelease(at: SourceObject, lookup: ValuesLookup, notes: Note[]): VClusterDraft[] {
  const fail = (why: string): VClusterDraft[] => {
    notes.push({ at, why });
    return [];
  };
  const meta = record(at.obj.metadata);
  const name = str(meta.name);
  const namespace = str(meta.namespace);
  if (!name || !namespace) return fail('a HelmRelease without metadata.name and metadata.namespace');
  const spec = record(at.obj.spec);
  const chartSpec = record(record(spec.chart).spec);
  if (chartSpec.chart !== 'vcluster')
    return fail(spec.chartRef !== undefined ? 'spec.chartRef is not mapped (write spec.chart.spec)' : 'not a vCluster HelmRelease (chart is not vcluster)');
  const version = str(chartSpec.version);
  if (!version || !isExactChartVersion(version)) return fail(`chart version ${JSON.stringify(chartSpec.version)} is not an exact version such as 0.36.1`);
  const source = record(chartSpec.sourceRef);
  if (source.kind !== undefined && source.kind !== 'HelmRepository') return fail(`chart source kind ${String(source.kind)} is not mapped (the fleet uses a HelmRepository)`);
  const targetNamespace = str(spec.targetNamespace);
  const vcNamespace = targetNamespace ?? namespace;
  // helm-controller's default release name (helm-controller api/v2 HelmRelease.GetReleaseName: '[TargetNamespace-]Name', shortened past 53), the same function the fleet uses.
  const release = str(spec.releaseName) ?? fluxDefaultReleaseName(name, targetNamespace);
  let failed = false;
  const read = helmReleaseValues(at, namespace, lookup, (why) => {
    failed = true;
    notes.push({ at, why });
  });
  if (!read || failed) return [];
  const values = readValues(read.values);
  if (values.problems.length > 0) return fail(valueProblems(values.problems));
  return [
    {
      name,
      namespace: vcNamespace,
      chartVersion: version.replace(/^v/, ''),
      release,
      delivery: 'flux',
      values,
      at,
      origin: describe(at),
      // kustomize-controller leaves an object annotated `kustomize.toolkit.fluxcd.io/prune: disabled` on the
      // cluster when it leaves git or its Kustomization is deleted (docs/spec/v1/kustomizations.md, "Prune");
      // otherwise the HelmRelease is deleted and helm-controller uninstalls the release.
      uninstall: record(meta.annotations)['kustomize.toolkit.fluxcd.io/prune'] !== 'disabled',
      flux: {
        namespace,
        interval: str(spec.interval),
        valuesFrom: read.configMap ? 'configMap' : 'inline',
        sourceNamespace: str(source.namespace) ?? namespace,
      },
    },
  ];
}
