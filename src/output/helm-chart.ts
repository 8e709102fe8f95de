import { toYaml, toYamlDocuments } from './yaml-emit';
import { OutputFolder, OutputObject, fileForKind } from './layout';
import { ValidationError } from '../errors';

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
 * What never goes into a Helm template. Namespaces: a Namespace in a release is owned by it: Helm
 * refuses to install over a namespace it did not create ("invalid ownership metadata"), cannot
 * keep its release record in a namespace the same release creates, and `helm uninstall` would
 * delete every vCluster namespace with everything running in it (Helm ignores the Argo CD / Flux
 * no-prune annotations); they are created beforehand instead (NOTES.txt and the README list them).
 * Flux Kustomizations and the per-key Argo CD Applications (an Application whose source is a
 * folder of the tree, not the vCluster chart): they make Argo CD or Flux apply the same keys and
 * delivery objects from git, a second owner of what the release installs.
 */
export function inHelmChart(obj: OutputObject): boolean {
  if (obj.kind === 'Namespace' || obj.kind === 'Kustomization') return false;
  const source = (obj as { spec?: { source?: { path?: unknown } } }).spec?.source;
  return !(obj.kind === 'Application' && source?.path !== undefined);
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

/** The Secret a key object yields, as `<namespace>/<name>` (one per namespace for a ClusterExternalSecret). */
function keySecrets(obj: OutputObject): string[] {
  const o = obj as OutputObject & { spec?: Record<string, any> };
  switch (o.kind) {
    case 'Secret':
    case 'SealedSecret':
      return [`${o.metadata.namespace}/${o.metadata.name}`];
    case 'ExternalSecret':
      return [`${o.metadata.namespace}/${o.spec?.target?.name ?? o.metadata.name}`];
    case 'ClusterExternalSecret': {
      const name = o.spec?.externalSecretSpec?.target?.name ?? o.spec?.externalSecretName ?? o.metadata.name;
      const selectors = (o.spec?.namespaceSelectors ?? []) as { matchExpressions?: { values?: string[] }[] }[];
      return selectors.flatMap((sel) => (sel.matchExpressions ?? []).flatMap((e) => e.values ?? [])).map((ns) => `${ns}/${name}`);
    }
    default:
      return [];
  }
}

/** `templates/<folder>-<file>` for every templated object of `folders`, in a fixed order. */
function templatesOf(folders: readonly OutputFolder[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const folder of folders) {
    const groups = new Map<string, OutputObject[]>();
    for (const obj of folder.objects) {
      if (!inHelmChart(obj)) continue;
      const file = fileForKind(obj.kind);
      let list = groups.get(file);
      if (!list) groups.set(file, (list = []));
      list.push(obj);
    }
    for (const file of [...groups.keys()].sort()) files.set(`templates/${folder.name.replace(/\//g, '-')}-${file}`, escapeForHelm(toYamlDocuments(groups.get(file)!)));
  }
  return files;
}

/** One chart: Chart.yaml, its templates and NOTES.txt, under `dir/`. */
function addChart(files: Map<string, string>, dir: string, name: string, description: string, folders: readonly OutputFolder[], options: HelmChartOptions): string[] {
  files.set(`${dir}/Chart.yaml`, toYaml({ apiVersion: 'v2', name, description, type: 'application', version: options.version }));
  const templates = templatesOf(folders);
  for (const [p, text] of templates) files.set(`${dir}/${p}`, text);
  files.set(`${dir}/templates/NOTES.txt`, renderNotes(folders));
  return [...templates.keys()].map((t) => `${dir}/${t}`);
}

/**
 * The host-side bundle as TWO Helm charts in the layout `cdk8s synth --format helm` uses
 * (`Chart.yaml` apiVersion v2, static `templates/` plus `templates/NOTES.txt`): `keys/` (the keys'
 * Secret sources and RBAC) and `delivery/` (vCluster Applications or HelmRepository and
 * HelmReleases), and a README saying how to install them. Two releases because Helm installs
 * custom resources last, alphabetically, and waits for none: in one release an
 * Application or HelmRelease is created before, or together with, the ExternalSecret or
 * SealedSecret its vCluster needs at start-up. Namespaces, Flux Kustomizations and per-key Argo CD
 * Applications are in neither (see `inHelmChart`). Pure: same input, same files.
 */
export function renderHelmChart(folders: readonly OutputFolder[], options: HelmChartOptions): Map<string, string> {
  if (folders.some((f) => f.name.startsWith('clusters/'))) {
    // One release installs into one cluster; the clusters' objects (same names) would also clash in it.
    throw new ValidationError(`--helm-chart for ${options.source}`, [
      {
        path: 'clusters',
        message: 'the fleet spans several host clusters, and a Helm release installs into one',
        allowed: 'a fleet file per cluster for --helm-chart, or Argo CD / Flux for this fleet',
      },
    ]);
  }
  const files = new Map<string, string>();
  const keyFolders = folders.filter((f) => f.role === 'keys' || f.role === 'namespaces');
  const deliveryFolders = folders.filter((f) => f.role === 'delivery' || f.role === 'namespaces');
  const keys = addChart(
    files,
    'keys',
    `${options.name}-keys`,
    `vCluster Platform access keys and RBAC generated from ${options.source} by cdk8s-vcluster-platform`,
    keyFolders,
    options,
  );
  const hasDelivery = deliveryFolders.some((f) => f.role === 'delivery' && f.objects.some(inHelmChart));
  const delivery = hasDelivery
    ? addChart(
        files,
        'delivery',
        `${options.name}-delivery`,
        `vCluster Argo CD Applications / Flux HelmReleases generated from ${options.source} by cdk8s-vcluster-platform`,
        deliveryFolders,
        options,
      )
    : [];
  const secrets = [...new Set(folders.filter((f) => f.role === 'keys').flatMap((f) => f.objects.flatMap(keySecrets)))];
  files.set('README.md', renderChartsReadme(folders, options, { keys, delivery, secrets }));
  return files;
}

function renderChartsReadme(folders: readonly OutputFolder[], options: HelmChartOptions, parts: { keys: string[]; delivery: string[]; secrets: string[] }): string {
  const lines = [
    `# ${options.name}`,
    '',
    `Generated from \`${options.source}\` by cdk8s-vcluster-platform; do not edit. Static templates, no values:`,
    'every setting lives in the fleet file. Two charts, two releases, installed in this order:',
    '',
    `1. \`keys/\` (\`${options.name}-keys\`): the access keys' Secret sources (ExternalSecret, SealedSecret, Secret) and RBAC.`,
    ...(parts.delivery.length > 0
      ? [`2. \`delivery/\` (\`${options.name}-delivery\`): what installs the vClusters (Argo CD Applications, or Flux HelmRepository and HelmReleases).`]
      : []),
    '',
    'Why two: Helm installs custom resources last, in alphabetical order of kind, and waits for none of',
    'them, so in one release an Application or HelmRelease would start a vCluster before its key Secret',
    'exists (the control plane reads the key once, at start-up). Helm hooks could order them inside one',
    'release, but hook resources are not managed by the release (no upgrade diff, no uninstall), which',
    'is wrong for keys and vClusters alike. Neither chart holds Namespaces, Flux Kustomizations or the',
    'per-key Argo CD Applications: those would make Argo CD or Flux apply the same objects from git, a',
    'second owner. Use the charts instead of pointing Argo CD or Flux at the tree, not in addition.',
    '',
    '## Before you install',
    '',
    ...namespaceSection(folders),
    '',
    '## Install or upgrade',
    '',
    '```sh',
    `helm upgrade --install ${options.name}-keys ./keys --namespace <one of the namespaces above>`,
    ...(parts.secrets.length > 0 ? ['# wait until every key Secret exists (ESO wrote it, or the Sealed Secrets controller unsealed it):'] : []),
    ...parts.secrets.map((id) => `kubectl wait --for=create --timeout=10m -n ${id.split('/')[0]} secret/${id.split('/')[1]}`),
    ...(parts.delivery.length > 0 ? [`helm upgrade --install ${options.name}-delivery ./delivery --namespace <one of the namespaces above>`] : []),
    '```',
    '',
    '`kubectl wait --for=create` needs kubectl 1.31 or later. A key that never appears holds back every',
    'vCluster of the delivery release: install it once its keys exist, or leave its vClusters out of the fleet.',
    '',
    '## Templates',
    '',
    ...[...parts.keys, ...parts.delivery].map((t) => `- \`${t}\``),
    '',
  ];
  return lines.join('\n');
}
