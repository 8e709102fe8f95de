import { toYaml, toYamlDocuments } from '../src/yaml-emit';
import { OutputFolder, fileForKind } from './layout';

/** Options for `renderHelmChart`. */
export interface HelmChartOptions {
  /** Chart name (`Chart.yaml` `name`). */
  readonly name: string;
  /** Chart version, a semantic version the user sets. */
  readonly version: string;
  /** The fleet file the chart was made from, for its description. */
  readonly source: string;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-.]+)?(\+[0-9A-Za-z-.]+)?$/;

/** True when `version` is a semantic version Helm accepts as a chart version. */
export function isHelmChartVersion(version: string): boolean {
  return SEMVER.test(version);
}

/**
 * Go templates treat `{{` as the start of an action, and some objects carry `{{ ... }}` meant for
 * another templating engine (the ExternalSecret's `{{ .accessKey }}`), so every `{{` is emitted as
 * the template action `{{ "{{" }}`, which Helm renders back to a literal `{{`.
 */
export function escapeForHelm(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

/**
 * The host-side bundle (keys, RBAC, delivery objects) as a Helm chart in the layout
 * `cdk8s synth --format helm` uses: `Chart.yaml` (apiVersion v2), `README.md` and static
 * `templates/`. Pure: same input, same files.
 */
export function renderHelmChart(folders: readonly OutputFolder[], options: HelmChartOptions): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    'Chart.yaml',
    toYaml({
      apiVersion: 'v2',
      name: options.name,
      description: `vCluster Platform access keys, RBAC and delivery objects generated from ${options.source} by cdk8s-vcluster-platform`,
      type: 'application',
      version: options.version,
    }),
  );
  const templates: string[] = [];
  for (const folder of folders) {
    const groups = new Map<string, OutputFolder['objects'][number][]>();
    for (const obj of folder.objects) {
      const file = fileForKind(obj.kind);
      let list = groups.get(file);
      if (!list) groups.set(file, (list = []));
      list.push(obj);
    }
    for (const file of [...groups.keys()].sort()) {
      const name = `templates/${folder.name}-${file}`;
      templates.push(name);
      files.set(name, escapeForHelm(toYamlDocuments(groups.get(file)!)));
    }
  }
  files.set(
    'README.md',
    [
      `# ${options.name}`,
      '',
      `Generated from \`${options.source}\` by cdk8s-vcluster-platform; do not edit. Static templates, no values:`,
      'every setting lives in the fleet file. Install or upgrade with',
      '`helm upgrade --install ' + options.name + ' ./<this folder> --namespace <any>`.',
      '',
      ...templates.map((t) => `- \`${t}\``),
      '',
    ].join('\n'),
  );
  return files;
}
