import { toYaml, toYamlDocuments } from './yaml-emit';
import { OutputFolder, OutputObject, fileForKind } from './layout';

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
 * Namespaces stay out of every Helm template. A Namespace in a release is owned by it: Helm refuses
 * to install over a namespace it did not create ("invalid ownership metadata"), cannot keep its
 * release record in a namespace the same release creates, and `helm uninstall` would delete every
 * vCluster namespace with everything running in it (Helm ignores the Argo CD / Flux no-prune
 * annotations). The namespaces are created beforehand instead; NOTES.txt and the chart README
 * list them.
 */
export function inHelmChart(obj: OutputObject): boolean {
  return obj.kind !== 'Namespace';
}

/** The namespaces the chart needs to exist: the tree's Namespace objects, in emission order. */
export function requiredNamespaces(folders: readonly OutputFolder[]): string[] {
  const names = new Set<string>();
  for (const folder of folders) for (const obj of folder.objects) if (obj.kind === 'Namespace') names.add(obj.metadata.name);
  return [...names];
}

/**
 * Namespaces the chart's objects live in that the tree does not create: those of Argo CD
 * (`argocd`) or Flux (`flux-system`) when installed elsewhere, sorted.
 */
function toolNamespaces(folders: readonly OutputFolder[], required: ReadonlySet<string>): string[] {
  const names = new Set<string>();
  for (const folder of folders) {
    for (const obj of folder.objects) {
      const ns = obj.metadata.namespace;
      if (inHelmChart(obj) && ns !== undefined && !required.has(ns)) names.add(ns);
    }
  }
  return [...names].sort();
}

/**
 * What to do before installing: the namespaces to create first and how. Shared by NOTES.txt and
 * the chart README, so it reads as plain text and as Markdown (list items, 4-space code block).
 */
function namespaceSection(folders: readonly OutputFolder[]): string[] {
  const required = requiredNamespaces(folders);
  const tools = toolNamespaces(folders, new Set(required));
  const lines = [
    'This chart creates no Namespace: Helm would own it, refuse to install over an existing one, and',
    '`helm uninstall` would delete it with every vCluster running in it. These namespaces must exist',
    'before `helm install` / `helm upgrade`:',
    '',
    ...(required.length > 0 ? required.map((ns) => `- ${ns}`) : ['- (none)']),
    '',
  ];
  if (required.length > 0) {
    lines.push(
      'Create the missing ones (safe to repeat), or `kubectl apply -f namespaces/namespaces.yaml` of the plain tree:',
      '',
      `    for ns in ${required.join(' ')}; do`,
      '      kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -',
      '    done',
      '',
    );
  }
  if (tools.length > 0) {
    lines.push(`Objects also go to ${tools.map((ns) => `\`${ns}\``).join(', ')}: the namespace of Argo CD / Flux, which the chart does not create either.`, '');
  }
  lines.push(
    "Every object names its namespace; the release namespace (`-n`) only holds Helm's release record,",
    'so install into one of the namespaces above. `helm uninstall` removes the keys, RBAC and delivery',
    'objects and never a namespace.',
  );
  if (folders.some((f) => f.objects.some((o) => o.kind === 'HelmRelease' || o.kind === 'Kustomization'))) {
    lines.push('It can still remove vClusters: Flux uninstalls the vCluster of a deleted HelmRelease, also of one', 'a deleted Kustomization (prune: true) had applied.');
  }
  return lines;
}

/**
 * `templates/NOTES.txt`: printed by Helm after install and upgrade, and written by the cdk8s CLI
 * path as well. Escaped like every template.
 */
export function renderNotes(folders: readonly OutputFolder[]): string {
  return escapeForHelm(namespaceSection(folders).join('\n') + '\n');
}

/**
 * The host-side bundle (keys, RBAC, delivery objects) as a Helm chart in the layout
 * `cdk8s synth --format helm` uses: `Chart.yaml` (apiVersion v2), `README.md` and static
 * `templates/` plus `templates/NOTES.txt`. Namespaces are not templated (see `inHelmChart`).
 * Pure: same input, same files.
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
    const groups = new Map<string, OutputObject[]>();
    for (const obj of folder.objects) {
      if (!inHelmChart(obj)) continue;
      const file = fileForKind(obj.kind);
      let list = groups.get(file);
      if (!list) groups.set(file, (list = []));
      list.push(obj);
    }
    for (const file of [...groups.keys()].sort()) {
      const name = `templates/${folder.name.replace(/\//g, '-')}-${file}`;
      templates.push(name);
      files.set(name, escapeForHelm(toYamlDocuments(groups.get(file)!)));
    }
  }
  files.set('templates/NOTES.txt', renderNotes(folders));
  files.set(
    'README.md',
    [
      `# ${options.name}`,
      '',
      `Generated from \`${options.source}\` by cdk8s-vcluster-platform; do not edit. Static templates, no values:`,
      'every setting lives in the fleet file.',
      '',
      '## Before you install',
      '',
      ...namespaceSection(folders),
      '',
      '## Install or upgrade',
      '',
      '```sh',
      `helm upgrade --install ${options.name} ./<this folder> --namespace <one of the namespaces above>`,
      '```',
      '',
      '## Templates',
      '',
      ...templates.map((t) => `- \`${t}\``),
      '',
    ].join('\n'),
  );
  return files;
}
